/**
 * Reliability of an informer against the real kube-apiserver (issue 7, real tier): seeded random
 * create/update/delete traffic on ConfigMaps, and in each of ROUNDS rounds
 * 1. the informer is cut off from the apiserver (a TCP proxy between them resets its connections)
 *    while the writes go on, etcd is compacted meanwhile, and the partition heals: the informer's
 *    next watch gets 410 Expired, it relists and must infer what it missed (deletes included), and
 * 2. kube-apiserver is restarted while the writes go on (refused, and retried, until it is back).
 * Afterwards the store equals a fresh LIST, and the invariants of spec/helpers/informerInvariants.ts
 * hold: no delete missed or invented, per-key resourceVersions never go back.
 *
 * Ground truth is what the server answered to each write. Kubernetes 1.20 answers a ConfigMap
 * DELETE with a bare `Status` (no resourceVersion), so the resourceVersion of a delete is read from
 * etcd instead: the revision at which the key disappeared (bisection with ranged reads between the
 * last version written and now), which is exactly the resourceVersion a watch reports for it.
 *
 * Reproduce a run with `KUBE_RX_RELIABILITY_SEED=<seed>` (the summary line prints the seed).
 */
import { randomBytes } from 'node:crypto';

import { KubeConfig } from '@kubernetes/client-node';
import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  type ApiResource,
  httpListerWatcher,
  type InformerStatus,
  isListerWatcherError,
  type KubeObject,
  KubeObjectCodec,
  sharedIndexInformer,
} from 'kube-rx';
import { isSuccessStatus, kubeGet, type KubeRequest, type KubeResponse } from 'kube-rx/protocol';

import { prng } from '../../bench/suite/podGenerator.js';
import { checkInvariants, recordEvents, type Write } from '../helpers/informerInvariants.js';
import { until } from '../helpers/until.js';
import { eventually, type Kube, startKube, startTcpProxy } from './harness.js';

const SEED = Number(process.env['KUBE_RX_RELIABILITY_SEED'] ?? '7');
/** Concurrent writers; each owns its own names, so the writes to one key are sequential. */
const WORKERS = 4;
/** Fault rounds (partition + compaction, then restart). */
const ROUNDS = 2;
/** Writes in each step of a round. */
const WRITES_PER_STEP = 150;
/** A writer creates while it owns fewer live ConfigMaps than this (with probability 0.4 otherwise). */
const MAX_LIVE_PER_WORKER = 12;
/** The delay before a write refused by the server (or by a closed port) is sent again. */
const RETRY_MS = 100;
const CONFIGMAPS: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

const kubeConfigFrom = (file: string): KubeConfig => {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
};

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const keysAt = (objects: ReadonlyArray<KubeObject>): string[] =>
  objects.map((o) => `${keyOf(o)}@${o.metadata.resourceVersion ?? ''}`).sort();

const decodeOrThrow = <A>(codec: t.Decoder<unknown, A>, what: string, body: Buffer): A => {
  const decoded = codec.decode(JSON.parse(body.toString('utf8')));
  if (isLeft(decoded)) throw new Error(`${what}: unexpected body ${body.toString('utf8').slice(0, 300)}`);
  return decoded.right;
};

// ---------------------------------------------------------------------------------------------
// etcd: the revision of a key, and the revision at which a key was deleted
// ---------------------------------------------------------------------------------------------

const EtcdRangeCodec = t.intersection([
  t.type({ header: t.type({ revision: t.string }) }),
  t.partial({ count: t.string, kvs: t.array(t.partial({ mod_revision: t.string })) }),
]);

interface EtcdRange {
  /** etcd's current revision. */
  readonly revision: number;
  /** Whether the key existed (at `at`, or now). */
  readonly exists: boolean;
  /** Its last modification, when it exists. */
  readonly modRevision: number | undefined;
}

/** A ranged read of one key through etcd's JSON gateway, now or at revision `at`. */
const etcdRange = async (kube: Kube, key: string, at?: number): Promise<EtcdRange> => {
  const response = await fetch(`${kube.etcdEndpoint}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from(key, 'utf8').toString('base64'), keys_only: true, ...(at === undefined ? {} : { revision: at }) }),
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) throw new Error(`etcd range ${key} at ${at ?? 'now'}: ${response.status} ${body.toString('utf8')}`);
  const range = decodeOrThrow(EtcdRangeCodec, `etcd range ${key}`, body);
  const mod = range.kvs?.[0]?.mod_revision;
  return {
    revision: Number(range.header.revision),
    exists: Number(range.count ?? '0') > 0,
    modRevision: mod === undefined ? undefined : Number(mod),
  };
};

/** The etcd path of a ConfigMap (kube-apiserver's default `--etcd-prefix=/registry`). */
const etcdKey = (namespace: string, name: string): string => `/registry/configmaps/${namespace}/${name}`;

/**
 * The revision at which `key` was deleted: it existed at `existedAt` (the last version written, or
 * the last compaction when that is later, as the delete came after it; no name is ever reused) and
 * is gone now; bisect between the two.
 */
const deletionRevision = async (kube: Kube, key: string, existedAt: number): Promise<number> => {
  const now = await etcdRange(kube, key);
  if (now.exists) throw new Error(`${key} still exists in etcd`);
  let lo = existedAt;
  let hi = now.revision;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await etcdRange(kube, key, mid)).exists) lo = mid;
    else hi = mid;
  }
  return hi;
};

// ---------------------------------------------------------------------------------------------
// Writes through kube-apiserver, classified by what is known of their effect
// ---------------------------------------------------------------------------------------------

/**
 * - `Done`: the server answered 2xx.
 * - `Refused`: certainly not applied (connection refused, or 403 "not yet ready to handle
 *   request" / 429 while the server starts): send it again.
 * - `Unknown`: the server may or may not have applied it (connection cut, timeout, 5xx): resolved
 *   later from etcd, once the server is stable.
 */
type Outcome =
  | { readonly _tag: 'Done'; readonly response: KubeResponse }
  | { readonly _tag: 'Refused'; readonly why: string }
  | { readonly _tag: 'Unknown'; readonly why: string };

const excerpt = (r: KubeResponse): string => `${r.statusCode} ${r.body.toString('utf8').slice(0, 200)}`;

const send = async (
  kubeConfig: KubeConfig,
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  body: unknown,
): Promise<Outcome> => {
  const request: KubeRequest = {
    kubeConfig,
    verb: 'list', // only used to tag errors; `operation` names the write in messages
    operation: method,
    resource: 'configmaps',
    path,
    method,
    body,
    idleTimeoutMs: 20_000,
  };
  let response: KubeResponse;
  try {
    response = await firstValueFrom(kubeGet(request));
  } catch (e: unknown) {
    if (isListerWatcherError(e) && e._tag === 'TransportError' && e.code === 'ECONNREFUSED') return { _tag: 'Refused', why: e.message };
    return { _tag: 'Unknown', why: isListerWatcherError(e) ? e.message : String(e) };
  }
  if (isSuccessStatus(response.statusCode)) return { _tag: 'Done', response };
  if (response.statusCode >= 500) return { _tag: 'Unknown', why: excerpt(response) };
  // rejected before storage: 403 "not yet ready to handle request" while the server starts, 429
  if (response.statusCode === 403 || response.statusCode === 429) return { _tag: 'Refused', why: excerpt(response) };
  // anything else (404, 409 above all: the writers own their names) means this test's model is wrong
  throw new Error(`${method} ${path}: ${excerpt(response)}`);
};

/** Sends until the write is `Done` or `Unknown`; counts the refusals. */
const sendUntilAnswered = async (
  kubeConfig: KubeConfig,
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  body: unknown,
  onRefused: () => void,
): Promise<Exclude<Outcome, { readonly _tag: 'Refused' }>> => {
  for (;;) {
    const outcome = await send(kubeConfig, method, path, body);
    if (outcome._tag !== 'Refused') return outcome;
    onRefused();
    await new Promise<void>((resolve) => setTimeout(resolve, RETRY_MS));
  }
};

const configMap = (namespace: string, name: string, seq: number, resourceVersion?: string): unknown => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
  data: { seq: String(seq) },
});

const rvOfResponse = (what: string, response: KubeResponse): string => {
  const rv = decodeOrThrow(KubeObjectCodec, what, response.body).metadata.resourceVersion;
  if (rv === undefined || rv === '') throw new Error(`${what}: the answer has no resourceVersion`);
  return rv;
};

// ---------------------------------------------------------------------------------------------
// Traffic: WORKERS seeded writers, each on its own names; pausable
// ---------------------------------------------------------------------------------------------

type Op =
  | { readonly _tag: 'create'; readonly name: string }
  | { readonly _tag: 'update' | 'delete'; readonly name: string; readonly resourceVersion: string };

interface TrafficStats {
  created: number;
  updated: number;
  deleted: number;
  refused: number;
  unknown: number;
}

interface Traffic {
  /** Every write the server acknowledged (or etcd showed), in completion order. */
  readonly writes: ReadonlyArray<Write>;
  readonly stats: Readonly<TrafficStats>;
  /** Resolves once `n` writes are recorded; rejects when a writer failed. */
  waitForWrites(n: number, ms: number): Promise<void>;
  /** No new write starts; resolves when none is in flight. */
  pause(): Promise<void>;
  resume(): void;
  /** Stops the writers and waits for them; rejects with a writer's failure. */
  stop(): Promise<void>;
  /** Settles the writes of `Unknown` outcome from etcd. Call only while no write is in flight and the server is stable. */
  resolveUnknown(): Promise<void>;
  /** Tells the writers that etcd was compacted at `revision` (while they were paused): older revisions are gone. */
  compactedAt(revision: number): void;
}

const startTraffic = (kube: Kube, kubeConfig: KubeConfig, namespace: string): Traffic => {
  const writes: Write[] = [];
  const stats: TrafficStats = { created: 0, updated: 0, deleted: 0, refused: 0, unknown: 0 };
  const unknown: Op[] = [];
  let paused = false;
  let stopped = false;
  let busy = 0;
  let failure: unknown;
  let compacted = 0;
  const deletedAt = (name: string, lastVersion: string): Promise<number> =>
    deletionRevision(kube, etcdKey(namespace, name), Math.max(Number(lastVersion), compacted));
  const collection = `/api/v1/namespaces/${namespace}/configmaps`;
  const keyFor = (name: string): string => `${namespace}/${name}`;
  const onRefused = (): void => {
    stats.refused++;
  };

  const record = async (op: Op, outcome: Exclude<Outcome, { readonly _tag: 'Refused' }>): Promise<string | undefined> => {
    if (outcome._tag === 'Unknown') {
      stats.unknown++;
      unknown.push(op);
      return undefined;
    }
    const key = keyFor(op.name);
    if (op._tag === 'delete') {
      const rv = String(await deletedAt(op.name, op.resourceVersion));
      writes.push({ key, type: 'DELETED', resourceVersion: rv });
      stats.deleted++;
      return rv;
    }
    const rv = rvOfResponse(`${op._tag} ${key}`, outcome.response);
    writes.push({ key, type: op._tag === 'create' ? 'ADDED' : 'MODIFIED', resourceVersion: rv });
    if (op._tag === 'create') stats.created++;
    else stats.updated++;
    return rv;
  };

  const writer = async (id: number): Promise<void> => {
    const random = prng(SEED * 1_000 + id);
    const live: { name: string; resourceVersion: string }[] = [];
    let created = 0;
    let seq = 0;
    while (!stopped) {
      if (paused) {
        await until(() => !paused || stopped, 600_000);
        continue;
      }
      busy++;
      try {
        const r = random();
        const index = Math.floor(random() * live.length);
        const target = live[index];
        seq++;
        if (target === undefined || (live.length < MAX_LIVE_PER_WORKER && r < 0.4)) {
          const op: Op = { _tag: 'create', name: `w${id}-${created++}` };
          const outcome = await sendUntilAnswered(kubeConfig, 'POST', collection, configMap(namespace, op.name, seq), onRefused);
          const rv = await record(op, outcome);
          if (rv !== undefined) live.push({ name: op.name, resourceVersion: rv });
        } else if (r < 0.75) {
          const op: Op = { _tag: 'update', ...target };
          const body = configMap(namespace, op.name, seq, op.resourceVersion);
          const outcome = await sendUntilAnswered(kubeConfig, 'PUT', `${collection}/${op.name}`, body, onRefused);
          const rv = await record(op, outcome);
          if (rv === undefined) live.splice(index, 1);
          else target.resourceVersion = rv;
        } else {
          const op: Op = { _tag: 'delete', ...target };
          const body = { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { resourceVersion: op.resourceVersion } };
          const outcome = await sendUntilAnswered(kubeConfig, 'DELETE', `${collection}/${op.name}`, body, onRefused);
          await record(op, outcome);
          live.splice(index, 1);
        }
      } finally {
        busy--;
      }
    }
  };

  const running = Array.from({ length: WORKERS }, (_, id) =>
    writer(id).catch((e: unknown) => {
      failure ??= e;
      stopped = true;
    }),
  );
  const rethrow = (): void => {
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(JSON.stringify(failure));
  };

  return {
    writes,
    stats,
    waitForWrites: async (n, ms) => {
      await until(() => writes.length >= n || failure !== undefined, ms);
      rethrow();
    },
    pause: async () => {
      paused = true;
      await until(() => busy === 0, 60_000);
      rethrow();
    },
    resume: () => {
      paused = false;
    },
    stop: async () => {
      stopped = true;
      await Promise.all(running);
      rethrow();
    },
    compactedAt: (revision) => {
      compacted = revision;
    },
    resolveUnknown: async () => {
      for (const op of unknown.splice(0)) {
        const key = keyFor(op.name);
        const now = await etcdRange(kube, etcdKey(namespace, op.name));
        if (op._tag === 'create' && now.exists && now.modRevision !== undefined) {
          writes.push({ key, type: 'ADDED', resourceVersion: String(now.modRevision) });
        } else if (op._tag === 'update' && now.modRevision !== undefined && now.modRevision > Number(op.resourceVersion)) {
          writes.push({ key, type: 'MODIFIED', resourceVersion: String(now.modRevision) });
        } else if (op._tag === 'delete' && !now.exists) {
          const rv = await deletedAt(op.name, op.resourceVersion);
          writes.push({ key, type: 'DELETED', resourceVersion: String(rv) });
        }
      }
    },
  };
};

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

const ListCodec = t.type({ items: t.array(KubeObjectCodec) });

/** The same cluster, user and CA as `kc`, at another server URL (the proxy). */
const kubeConfigAt = (kc: KubeConfig, server: string): KubeConfig => {
  const cluster = kc.getCurrentCluster();
  const user = kc.getCurrentUser();
  if (cluster === null || user === null) throw new Error('kubeconfig without a cluster or user');
  const via = new KubeConfig();
  via.loadFromOptions({
    clusters: [{ ...cluster, server }],
    users: [user],
    contexts: [{ name: 'proxied', cluster: cluster.name, user: user.name }],
    currentContext: 'proxied',
  });
  return via;
};

type Step = 'start' | 'partitioned' | 'healed' | 'restart' | 'restarted' | 'settle';

describe('informer reliability against a real kube-apiserver (partition + etcd compaction, apiserver restart)', () => {
  let kube: Kube;
  beforeAll(async () => {
    // the watch cache off: watches go straight to etcd, so a compaction makes an old watch 410
    kube = await startKube({ watchCache: false });
  }, 180_000);
  afterAll(async () => {
    await kube.stop();
  });

  it('under seeded random writes, relists after 410 and restarts, the store ends equal to the server and no event is lost, invented or out of order', async () => {
    const startedAt = Date.now();
    const kubeConfig = kubeConfigFrom(kube.kubeconfigAdmin);
    const proxy = await startTcpProxy(kube.url);
    const namespace = `reliability-${randomBytes(3).toString('hex')}`;
    const created = await send(kubeConfig, 'POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: namespace },
    });
    expect(created._tag).toBe('Done');
    const listServer = async (): Promise<ReadonlyArray<KubeObject>> => {
      const response = await firstValueFrom(
        kubeGet({ kubeConfig, verb: 'list', resource: 'configmaps', namespace, path: `/api/v1/namespaces/${namespace}/configmaps` }),
      );
      if (!isSuccessStatus(response.statusCode)) throw new Error(`list: ${excerpt(response)}`);
      return decodeOrThrow(ListCodec, 'list', response.body).items;
    };

    // writes start before the informer, so that its first list already has objects
    const traffic = startTraffic(kube, kubeConfig, namespace);
    const moreWrites = (n: number): Promise<void> => traffic.waitForWrites(traffic.writes.length + n, 120_000);
    await moreWrites(30);

    // the informer talks to the apiserver through the proxy; short server-side watch timeouts
    // (2-4 s) make it re-watch often during the traffic
    const informer = sharedIndexInformer(
      httpListerWatcher({ kubeConfig: kubeConfigAt(kubeConfig, proxy.url), resource: CONFIGMAPS, namespace }),
      { backoff: { initialMs: 50, maxMs: 1000 }, minWatchTimeoutSeconds: 2 },
    );
    let step: { readonly round: number; readonly step: Step } = { round: 0, step: 'start' };
    const statuses: { readonly round: number; readonly step: Step; readonly status: InformerStatus }[] = [];
    const statusSub = informer.status$.subscribe((status) => statuses.push({ ...step, status }));
    const recorded = recordEvents(informer);
    await firstValueFrom(informer.synced$.pipe(filter(Boolean), timeout(60_000)));
    await moreWrites(WRITES_PER_STEP);

    const compactions: string[] = [];
    const restartsMs: number[] = [];
    const refusedDuringRestarts: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      // Fault 1: a partition between the informer and the apiserver while the writes go on; etcd
      // is compacted meanwhile (the writers pause for it, so that every delete's revision can
      // still be read from etcd). When the partition heals, the informer's watch resumes from a
      // compacted resourceVersion: 410 Expired, and a relist that must infer what it missed.
      step = { round, step: 'partitioned' };
      proxy.partition();
      await moreWrites(WRITES_PER_STEP);
      await traffic.pause();
      await traffic.resolveUnknown();
      const compactedAt = await kube.compact();
      compactions.push(compactedAt);
      traffic.compactedAt(Number(compactedAt));
      traffic.resume();
      await moreWrites(WRITES_PER_STEP / 2);
      step = { round, step: 'healed' };
      proxy.heal();
      await until(
        () => statuses.some((s) => s.round === round && s.step === 'healed' && s.status._tag === 'Listing' && s.status.cause === 'Expired'),
        30_000,
      );
      await moreWrites(WRITES_PER_STEP);

      // Fault 2: kube-apiserver restarts while the writes go on (refused until it is back).
      step = { round, step: 'restart' };
      const refusedBefore = traffic.stats.refused;
      const restartStarted = Date.now();
      await kube.restartApiserver();
      restartsMs.push(Date.now() - restartStarted);
      refusedDuringRestarts.push(traffic.stats.refused - refusedBefore);
      step = { round, step: 'restarted' };
      await moreWrites(WRITES_PER_STEP);
    }

    // Settle: no more writes; the store converges to the server's list.
    step = { round: ROUNDS, step: 'settle' };
    await traffic.stop();
    await traffic.resolveUnknown();
    let server: ReadonlyArray<KubeObject> = [];
    const converged = await eventually(
      'the store equals a fresh LIST',
      async () => {
        server = await listServer();
        return JSON.stringify(keysAt(informer.store.list())) === JSON.stringify(keysAt(server));
      },
      30_000,
    ).then(
      () => true,
      () => false,
    );
    const store = informer.store.list();
    recorded.stop();
    statusSub.unsubscribe();
    await proxy.close();

    // (when the store did not converge, the violations say how it differs)
    const violations = checkInvariants({ events: recorded.events, store, server, writes: traffic.writes });
    expect(violations).toEqual([]);
    expect(converged).toBe(true);

    // the faults really happened, every round: a relist after 410 that inferred deletes, and a
    // watch failure with backoff on the restart while the writers were refused
    const inRound = (round: number, steps: readonly Step[]) => statuses.filter((s) => s.round === round && steps.includes(s.step));
    const transportBackoff = (s: InformerStatus): boolean =>
      s._tag === 'BackingOff' &&
      (s.error?._tag === 'WatchFailed' || s.error?._tag === 'ListFailed') &&
      s.error.error._tag === 'TransportError';
    for (let round = 1; round <= ROUNDS; round++) {
      expect(inRound(round, ['healed']).some((s) => s.status._tag === 'Listing' && s.status.cause === 'Expired')).toBe(true);
      expect(inRound(round, ['restart', 'restarted']).some((s) => transportBackoff(s.status))).toBe(true);
      expect(refusedDuringRestarts[round - 1]).toBeGreaterThan(0);
    }
    const inferredDeletes = recorded.events.filter((e) => e._tag === 'Deleted' && e.finalStateUnknown).length;
    expect(inferredDeletes).toBeGreaterThan(0);
    const { stats } = traffic;
    expect(stats.created).toBeGreaterThan(0);
    expect(stats.updated).toBeGreaterThan(0);
    expect(stats.deleted).toBeGreaterThan(0);

    const count = (p: (s: InformerStatus) => boolean): number => statuses.filter((s) => p(s.status)).length;
    console.log(
      `reliability (seed ${SEED}): ${traffic.writes.length} writes (${stats.created} created, ${stats.updated} updated, ` +
        `${stats.deleted} deleted; ${stats.refused} refused and retried, ${stats.unknown} of unknown outcome settled from etcd); ` +
        `${recorded.events.length} events (${inferredDeletes} deletes inferred by a relist); ` +
        `${count((s) => s._tag === 'Listing' && s.cause !== 'Initial')} relists (${count((s) => s._tag === 'Listing' && s.cause === 'Expired')} after 410; ` +
        `etcd compacted at ${compactions.join(', ')}); ${ROUNDS} partitions; ${ROUNDS} apiserver restarts (${restartsMs.join(', ')} ms; ` +
        `${refusedDuringRestarts.join(', ')} writes refused meanwhile); ${count((s) => s._tag === 'BackingOff')} backoffs, ` +
        `${count((s) => s._tag === 'Watching')} watches, ${proxy.accepted()} informer connections; ` +
        `store = server (${store.length} objects); ${Math.round((Date.now() - startedAt) / 1000)} s`,
    );
  }, 170_000);
});
