/**
 * One contender run, in a fresh child process: sync a Pod cache from the loopback server (whole
 * LIST, LIST in pages, or a streaming list), then receive `events` MODIFIED events, and report
 * the metrics to the parent over IPC ({@link RunResult}). Configuration: JSON in the BENCH_RUN
 * env variable ({@link RunConfig}). Must run with --expose-gc.
 *
 * With `relist`, the server answers the first watch with an ERROR 410: the run measures the heap
 * while the contender relists, relative to the steady cache. With `latency`, the server paces the
 * events and stamps their send time: the run reports the delay until the subscriber sees each.
 *
 *   raw          node:http + Buffer newline split + JSON.parse + Map (the floor)
 *   kube-rx      sharedIndexInformer over httpListerWatcher, default KubeObjectCodec (io-ts)
 *   client-node  @kubernetes/client-node 1.4 makeInformer (CoreV1Api list + Watch)
 */
import { readFileSync } from 'node:fs';
import { get as plainGet, type IncomingMessage } from 'node:http';
import { get as tlsGet } from 'node:https';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

import type * as ClientNodeModule from '@kubernetes/client-node';
import type { KubeConfig, V1Pod, V1PodList } from '@kubernetes/client-node';
import type * as RxModule from 'rxjs';

import type * as KubeRxModule from '../../lib/index.js';
import type { KubeObject } from '../../lib/index.js';
import { epochMs, SENT_ANNOTATION } from './stamp.js';

// Each contender loads only its own modules (client-node alone takes about a second to import),
// before the heap baseline is taken.
type ClientNode = typeof ClientNodeModule;
type KubeRx = typeof KubeRxModule;
type Rx = typeof RxModule;

export type Contender = 'raw' | 'kube-rx' | 'client-node';
export type ListMode = 'list' | 'page' | 'stream';

export interface RunConfig {
  readonly contender: Contender;
  readonly port: number;
  readonly objects: number;
  readonly events: number;
  readonly listMode: ListMode;
  readonly pageSize: number;
  readonly subscribers: number;
  /** The server expires the first watch (410): measure the relist (the run ends once relisted). */
  readonly relist?: boolean;
  /** The server paces and stamps the events: measure the delay from send to subscriber. */
  readonly latency?: boolean;
  /** kube-rx only: index the cache by namespace and by the `app` label (2 indexes). */
  readonly indexes?: boolean;
  /** kube-rx only: a metadata-only informer (`httpListerWatcher`'s `metadataOnly`). */
  readonly metadataOnly?: boolean;
  /** kube-rx only: `httpListerWatcher`'s `prefetchPages` (default: the library's, on). */
  readonly prefetchPages?: boolean;
  /**
   * raw only: import `@kubernetes/client-node` before measuring, as every kube-rx and client-node
   * process does (kube-rx takes its `KubeConfig`). Its module graph is about 28 MB of heap that
   * every mark-compact walks; this raw run carries the same, so its figures separate what the
   * library costs per event from what loading client-node costs the process.
   */
  readonly loadClientNode?: boolean;
  /** A real kube-apiserver (bench/kubeSync.ts) instead of the loopback bench server on `port`. */
  readonly server?: RealServer;
}

/** Where a real kube-apiserver listens and how to reach it: every contender uses the same token and CA. */
export interface RealServer {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  readonly token: string;
  /** PEM file of the CA that signed the serving certificate. */
  readonly caFile: string;
}

export interface RunResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly syncMs: number;
  readonly watchMs: number;
  readonly eventsPerSec: number;
  readonly syncCpuMsPer1k: number;
  readonly watchCpuMsPer1k: number;
  readonly syncGcMs: number;
  readonly watchGcMs: number;
  readonly heapBytesPerObject: number;
  readonly cached: number;
  readonly peakRssMb: number;
  readonly eldP99Ms: number;
  readonly eldMaxMs: number;
  /** Events handed to subscribers (kube-rx: all subscribers, initial ones included). */
  readonly deliveries: number;
  /** Relist: the highest heap seen while relisting over the steady cache's heap (both over the baseline). */
  readonly relistPeakRatio?: number;
  /** Relist: from the steady measurement to the end of the relist. */
  readonly relistMs?: number;
  /** Latency: median and 99th percentile of send-to-subscriber delays, ms. */
  readonly latencyP50Ms?: number;
  readonly latencyP99Ms?: number;
}

const config = JSON.parse(process.env['BENCH_RUN'] ?? '{}') as RunConfig;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
const base = config.server?.url ?? `http://127.0.0.1:${config.port}`;
/** A GET of the raw contender: plain HTTP to the bench server, or TLS and the bearer token to a real one. */
const httpGet = (() => {
  const server = config.server;
  if (server === undefined) return plainGet;
  const options = { ca: readFileSync(server.caFile), headers: { Authorization: `Bearer ${server.token}` } };
  return (url: string, cb: (res: IncomingMessage) => void) => tlsGet(url, options, cb);
})();
const path = '/api/v1/pods';

/** Callbacks a contender calls: once when its cache is synced, once per watch event received. */
let deliveries = 0;

interface Probe {
  synced(): void;
  /** One watch event delivered; `object` for the latency stamp. */
  event(object?: RawObject | KubeObject): void;
  /** The relist after the 410 is complete (the cache holds the relisted objects). */
  relisted(): void;
}

// ---------------------------------------------------------------------------------------------
// (a) raw baseline
// ---------------------------------------------------------------------------------------------

const getBody = (url: string): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    httpGet(url, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve(Buffer.concat(chunks));
      });
      res.on('error', reject);
    }).on('error', reject);
  });

interface RawObject {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly resourceVersion?: string; readonly annotations?: Readonly<Record<string, string>> };
}
interface RawList {
  readonly metadata: { readonly resourceVersion: string; readonly continue?: string };
  readonly items: RawObject[];
}
interface RawEvent {
  readonly type: string;
  readonly object: RawObject;
}

const rawKey = (o: RawObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** Streams a watch: newline split on Buffers (remainder carried over), one JSON.parse per line. */
const rawWatch = (url: string, onEvent: (e: RawEvent) => void): void => {
  httpGet(url, (res) => {
    let rest: Buffer | undefined;
    res.on('data', (chunk: Buffer) => {
      const buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        if (nl > start) onEvent(JSON.parse(buf.toString('utf8', start, nl)) as RawEvent);
        start = nl + 1;
      }
      rest = start < buf.length ? buf.subarray(start) : undefined;
    });
  }).on('error', (e) => {
    fail(e);
  });
};

/** The raw contender's LIST: every page (or the whole list) into a new Map. */
const rawList = async (): Promise<{ items: Map<string, RawObject>; resourceVersion: string }> => {
  const items = new Map<string, RawObject>();
  let rv = '';
  let cont: string | undefined = '';
  while (cont !== undefined) {
    const query: string = config.listMode === 'page' ? `?limit=${config.pageSize}${cont === '' ? '' : `&continue=${cont}`}` : '';
    const list = JSON.parse((await getBody(`${base}${path}${query}`)).toString('utf8')) as RawList;
    for (const o of list.items) items.set(rawKey(o), o);
    rv = list.metadata.resourceVersion;
    cont = list.metadata.continue === undefined || list.metadata.continue === '' ? undefined : list.metadata.continue;
  }
  return { items, resourceVersion: rv };
};

const runRaw = async (probe: Probe): Promise<() => number> => {
  let cache = new Map<string, RawObject>();
  const watchFrom = (resourceVersion: string): void => {
    rawWatch(`${base}${path}?watch=true&resourceVersion=${resourceVersion}&allowWatchBookmarks=true`, onWatchEvent);
  };
  const onWatchEvent = (e: RawEvent): void => {
    if (e.type === 'MODIFIED' || e.type === 'ADDED') cache.set(rawKey(e.object), e.object);
    else if (e.type === 'DELETED') cache.delete(rawKey(e.object));
    else if (e.type === 'ERROR') {
      // 410: relist into a new Map, swap it in (what a Map-based cache does), watch again
      void rawList().then(({ items, resourceVersion }) => {
        cache = items;
        probe.relisted();
        watchFrom(resourceVersion);
      }, fail);
      return;
    }
    probe.event(e.object);
  };
  if (config.listMode === 'stream') {
    let synced = false;
    rawWatch(`${base}${path}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`, (e) => {
      if (synced) {
        onWatchEvent(e);
      } else if (e.type === 'BOOKMARK') {
        if (e.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true') {
          synced = true;
          probe.synced();
        }
      } else {
        cache.set(rawKey(e.object), e.object);
      }
    });
    return () => cache.size;
  }
  const { items, resourceVersion } = await rawList();
  cache = items;
  probe.synced();
  // relist: the steady cache is measured first, then the watch (and its 410) starts
  if (config.relist === true) {
    setTimeout(() => {
      watchFrom(resourceVersion);
    }, 0);
  } else {
    watchFrom(resourceVersion);
  }
  return () => cache.size;
};

// ---------------------------------------------------------------------------------------------
// (b) kube-rx and (c) client-node
// ---------------------------------------------------------------------------------------------

const kubeConfig = (cn: ClientNode): KubeConfig => {
  const kc = new cn.KubeConfig();
  const server = config.server;
  kc.loadFromOptions({
    clusters: [server === undefined ? { name: 'bench', server: base, skipTLSVerify: true } : { name: 'bench', server: base, caFile: server.caFile }],
    users: [server === undefined ? { name: 'bench' } : { name: 'bench', token: server.token }],
    contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
    currentContext: 'bench',
  });
  return kc;
};

const runKubeRx = async (
  [cn, { httpListerWatcher, labelIndexFunc, metaNamespaceIndexFunc, NamespaceIndex, sharedIndexInformer }, { filter, firstValueFrom, take }]: [ClientNode, KubeRx, Rx],
  probe: Probe,
): Promise<() => number> => {
  const lw = httpListerWatcher({
    kubeConfig: kubeConfig(cn),
    resource: { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true },
    ...(config.metadataOnly === true ? { metadataOnly: true } : {}),
    ...(config.prefetchPages === undefined ? {} : { prefetchPages: config.prefetchPages }),
  });
  const informer = sharedIndexInformer(lw, {
    pageSize: config.listMode === 'page' ? config.pageSize : 0,
    initialList: config.listMode === 'stream' ? 'stream' : 'list',
    ...(config.indexes === true ? { indexers: { [NamespaceIndex]: metaNamespaceIndexFunc, app: labelIndexFunc('app') } } : {}),
  });
  for (let s = 0; s < config.subscribers; s++) {
    const first = s === 0;
    informer.events$.subscribe((e) => {
      deliveries++;
      if (first && e._tag === 'Updated' && !e.initial) probe.event(e.object);
    });
  }
  // the relist after the 410 is over when the informer watches again (status order is kept)
  let relisting = false;
  informer.status$.subscribe((st) => {
    if (st._tag === 'Listing' && st.cause === 'Expired') relisting = true;
    if (st._tag === 'Watching' && relisting) {
      relisting = false;
      probe.relisted();
    }
  });
  informer.problems$.subscribe((p) => {
    // the 410 the relist scenario provokes is expected; anything else fails the run
    if (config.relist === true && p._tag === 'ReflectorError' && p.error._tag === 'WatchExpired') return;
    fail(new Error(`kube-rx problem: ${JSON.stringify(p).slice(0, 300)}`));
  });
  // synchronously: the bookmark of a streaming list and the first events can share a chunk
  informer.synced$.pipe(filter(Boolean), take(1)).subscribe(() => {
    probe.synced();
  });
  await firstValueFrom(informer.synced$.pipe(filter(Boolean)));
  return () => informer.store.list().length;
};

const runClientNode = async (cn: ClientNode, probe: Probe): Promise<() => number> => {
  const kc = kubeConfig(cn);
  const api = kc.makeApiClient(cn.CoreV1Api);
  let lists = 0;
  const listFn = async (): Promise<V1PodList> => {
    const list = await listPages();
    // the relist: client-node applies it in the continuation of this promise, then watches
    if (lists++ > 0) {
      setImmediate(() => {
        probe.relisted();
      });
    }
    return list;
  };
  const listPages = async (): Promise<V1PodList> => {
    if (config.listMode !== 'page') return api.listPodForAllNamespaces();
    // makeInformer has no paging: a paging list function, as a user would write it
    const items: V1Pod[] = [];
    let cont: string | undefined;
    let last: V1PodList;
    do {
      last = await api.listPodForAllNamespaces({ limit: config.pageSize, ...(cont === undefined ? {} : { _continue: cont }) });
      items.push(...last.items);
      cont = last.metadata?._continue;
    } while (cont !== undefined && cont !== '');
    last.items = items;
    return last;
  };
  const informer = cn.makeInformer(kc, path, listFn);
  // every key of the list is new (ADD) and every watch event modifies a cached key (UPDATE)
  informer.on('update', (obj: V1Pod) => {
    probe.event(obj as RawObject);
  });
  informer.on('error', (e: unknown) => {
    fail(e instanceof Error ? e : new Error(String(e)));
  });
  await informer.start();
  probe.synced();
  return () => informer.list().length;
};

// ---------------------------------------------------------------------------------------------
// measurement
// ---------------------------------------------------------------------------------------------

function fail(e: unknown): never {
  const message = e instanceof Error ? e.message : String(e);
  process.send?.({ ok: false, error: message }, () => process.exit(1));
  throw e;
}

const gcEntries: { start: number; duration: number }[] = [];
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcEntries.push({ start: e.startTime, duration: e.duration });
});
obs.observe({ entryTypes: ['gc'] });
const gcBetween = (from: number, to: number): number =>
  gcEntries.filter((e) => e.start >= from && e.start < to).reduce((sum, e) => sum + e.duration, 0);
const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const load = async (): Promise<(probe: Probe) => Promise<() => number>> => {
  switch (config.contender) {
    case 'raw':
      // the module stays loaded (and in the heap) for the process's lifetime: nothing else to keep
      if (config.loadClientNode === true) await import('@kubernetes/client-node');
      return runRaw;
    case 'kube-rx': {
      // kube-rx only needs KubeConfig from client-node (its kubeConfig input)
      const mods = await Promise.all([import('@kubernetes/client-node'), import('../../lib/index.js'), import('rxjs')]);
      return (probe) => runKubeRx(mods, probe);
    }
    case 'client-node': {
      const cn = await import('@kubernetes/client-node');
      return (probe) => runClientNode(cn, probe);
    }
  }
};

/**
 * Event-loop delay while syncing: a 5 ms interval timer records how late each tick is. Unlike
 * `monitorEventLoopDelay`, `stop()` also records the stall still in progress, so a sync that ends
 * in one long synchronous step (a whole-LIST JSON.parse) is counted.
 */
const loopDelay = (): { stop(): { p99: number; max: number } } => {
  const interval = 5;
  const delays: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    delays.push(Math.max(0, now - last - interval));
    last = now;
  }, interval);
  return {
    stop() {
      clearInterval(timer);
      delays.push(Math.max(0, performance.now() - last - interval));
      delays.sort((a, b) => a - b);
      return { p99: delays[Math.min(delays.length - 1, Math.ceil(delays.length * 0.99) - 1)] ?? 0, max: delays.at(-1) ?? 0 };
    },
  };
};

const main = async (): Promise<void> => {
  const run = await load();
  // let module loading settle, then take the heap baseline
  await sleep(50);
  gc();
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  let eld = { p99: NaN, max: NaN };
  let tSync = 0;
  let cpuSync: NodeJS.CpuUsage | undefined;
  let received = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let relistDone: () => void = () => undefined;
  const relisted = new Promise<void>((resolve) => {
    relistDone = resolve;
  });
  const latencies = config.latency === true ? new Float64Array(config.events) : undefined;
  const probe: Probe = {
    synced() {
      tSync = performance.now();
      cpuSync = process.cpuUsage();
      eld = monitor.stop();
      if (config.events === 0) finish();
    },
    event(object) {
      if (latencies !== undefined) latencies[received] = epochMs() - Number(object?.metadata.annotations?.[SENT_ANNOTATION]);
      received++;
      if (received === config.events) finish();
    },
    relisted() {
      relistDone();
    },
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const monitor = loopDelay();
  const size = await run(probe);
  await done;
  const tEnd = performance.now();
  let relist: { peakRatio: number; ms: number } | undefined;
  if (config.relist === true) {
    // steady cache first, then the highest heap (garbage included) until the relist is applied
    gc();
    gc();
    const steady = process.memoryUsage().heapUsed - heap0;
    const tRelist = performance.now();
    let peak = 0;
    const sample = (): void => {
      peak = Math.max(peak, getHeapStatistics().used_heap_size - heap0);
    };
    const sampler = setInterval(sample, 2);
    await relisted;
    sample();
    clearInterval(sampler);
    relist = { peakRatio: peak / steady, ms: performance.now() - tRelist };
  }
  const percentile = (xs: Float64Array, p: number): number => {
    const s = Float64Array.from(xs).sort();
    return s[Math.min(s.length - 1, Math.ceil(s.length * p) - 1)] ?? NaN;
  };
  const cpuEnd = process.cpuUsage();
  const syncCpu = cpuMs(cpuSync ?? cpuEnd) - cpuMs(cpu0);
  const watchCpu = cpuMs(cpuEnd) - cpuMs(cpuSync ?? cpuEnd);
  await sleep(20); // let the gc observer deliver
  const tMeasure = performance.now();
  gc();
  gc();
  const heap = process.memoryUsage().heapUsed;
  const cached = size();
  const result: RunResult = {
    ok: cached === config.objects,
    ...(cached === config.objects ? {} : { error: `cached ${cached} of ${config.objects}` }),
    syncMs: tSync - t0,
    watchMs: tEnd - tSync,
    eventsPerSec: config.events === 0 ? 0 : config.events / ((tEnd - tSync) / 1000),
    syncCpuMsPer1k: syncCpu / (config.objects / 1000),
    watchCpuMsPer1k: config.events === 0 ? 0 : watchCpu / (config.events / 1000),
    syncGcMs: gcBetween(t0, tSync),
    watchGcMs: gcBetween(tSync, tMeasure),
    heapBytesPerObject: (heap - heap0) / config.objects,
    cached,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    eldP99Ms: eld.p99,
    eldMaxMs: eld.max,
    deliveries: config.contender === 'kube-rx' ? deliveries : received,
    ...(relist === undefined ? {} : { relistPeakRatio: relist.peakRatio, relistMs: relist.ms }),
    ...(latencies === undefined ? {} : { latencyP50Ms: percentile(latencies, 0.5), latencyP99Ms: percentile(latencies, 0.99) }),
  };
  process.send?.(result, () => process.exit(0));
};

main().catch(fail);
