/**
 * Microbenchmark of the watch hot path without HTTP: a pre-serialised watch stream of ~5.6 KB Pods
 * (bench/suite/podGenerator.ts, managedFields on), cut in 64 KiB chunks (or `--chunk`) as the suite's server
 * writes them, goes through each contender, side by side in one run, interleaved over the
 * repetitions, medians reported:
 *
 *   raw       Buffer newline split + JSON.parse + Map.set (the suite's raw contender, the floor)
 *   decode    the same split, decodeWatchLine(KubeObjectCodec) instead of JSON.parse
 *   operators splitLines -> decodeWatchLines -> Map.set (the informer's framing, as rxjs operators)
 *   reflector the same into listThenWatch
 *   store     the reflector's events written straight into an indexer (upsertAt): the store without the FIFO
 *   fifo      the same through deltaFifo and processDeltas into an indexer (the informer's core)
 *   informer  splitLines -> decodeWatchLines -> sharedIndexInformer -> 1 subscriber (kube-rx's
 *             whole watch path but the socket)
 *
 * `npx tsx --expose-gc bench/hotPath.ts [--events N] [--cache N] [--reps N] [--only NAME] [--chunk BYTES|line]`
 * (`--chunk line`: one event per chunk, as the suite's latency scenarios send them); heap bytes
 * allocated per event need a young generation that holds the whole run:
 * `node --import tsx --expose-gc --min-semi-space-size=1024 --max-semi-space-size=1024 bench/hotPath.ts`.
 * For a CPU profile of one stage: `node --import tsx --expose-gc --cpu-prof bench/hotPath.ts --only informer`.
 * `--paced MS` (e.g. `--events 4000 --paced 1`): one event per chunk, one per macrotask MS ms
 * apart, each contender fed each line in turn and timed per event: the cost of an event that
 * arrives alone (the suite's CPU-per-event scenarios at 1k events/s), medians and means per event.
 */
import { parseArgs } from 'node:util';

import { filter, firstValueFrom, type Observable, of, Subject } from 'rxjs';

import { deltaFifo } from '../lib/fifo/deltaFifo.js';
import { processDeltas } from '../lib/informer/processDeltas.js';
import { listThenWatch } from '../lib/reflector/listThenWatch.js';
import { createIndexer } from '../lib/store/createIndexer.js';
import { sharedIndexInformer } from '../lib/informer/sharedIndexInformer.js';
import { decodeWatchLine, decodeWatchLines } from '../lib/listwatch/decodeWatchLine.js';
import type { ListerWatcher, ListPage, WatchEvent } from '../lib/listwatch/ListerWatcher.js';
import { type KubeObject, KubeObjectCodec } from '../lib/meta/KubeObject.js';
import { metaNamespaceKeyFunc } from '../lib/meta/keyFunc.js';
import { splitLines } from '../lib/listwatch/splitLines.js';
import { fakeListerWatcher } from '../lib/testing/fakeListerWatcher.js';
import { dropGcSamples, median, type Sample, sampleRun } from './sample.js';
import { podAt, prng } from './suite/podGenerator.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    cache: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '5' },
    only: { type: 'string' },
    chunk: { type: 'string', default: '65536' },
    paced: { type: 'string' },
  },
});
const events = Number(values.events);
const cacheSize = Number(values.cache);
const reps = Number(values.reps);

const gen = { seed: 5, managedFields: true, namespaces: 100 };
const initial: KubeObject[] = Array.from({ length: cacheSize }, (_, i) => podAt(gen, i, i + 1) as unknown as KubeObject);
const rnd = prng(7);
const stream = Buffer.from(
  Array.from({ length: events }, (_, j) => {
    const k = Math.floor(rnd() * cacheSize);
    return `{"type":"MODIFIED","object":${JSON.stringify(podAt(gen, k, cacheSize + j + 1))}}\n`;
  }).join(''),
);
// --chunk line: one event per chunk, as a watch at a modest rate arrives (the suite's latency scenarios)
const chunks: Buffer[] = [];
if (values.chunk === 'line' || values.paced !== undefined) {
  for (let off = 0; off < stream.length; ) {
    const end = stream.indexOf(10, off) + 1;
    chunks.push(Buffer.from(stream.subarray(off, end)));
    off = end;
  }
} else {
  const size = Number(values.chunk);
  for (let off = 0; off < stream.length; off += size) chunks.push(Buffer.from(stream.subarray(off, off + size)));
}

/** A contender set up and ready: `feed` takes one chunk of the stream, `check` runs after the last. */
interface Lane {
  readonly feed: (chunk: Buffer) => void;
  readonly check: () => void;
}

/** The raw contender's framing (bench/suite/contender.ts): concat the rest, indexOf(10), toString. */
const rawSplit = (onLine: (line: string) => void): ((chunk: Buffer) => void) => {
  let rest: Buffer | undefined;
  return (chunk) => {
    const buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      if (nl > start) onLine(buf.toString('utf8', start, nl));
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : undefined;
  };
};

/** A Map of the initial objects and a lane that splits, parses with `parse` and sets each event. */
const mapLane = (parse: (line: string) => KubeObject): Lane => {
  const m = new Map<string, KubeObject>();
  for (const o of initial) m.set(metaNamespaceKeyFunc(o), o);
  return {
    feed: rawSplit((line) => {
      const o = parse(line);
      m.set(metaNamespaceKeyFunc(o), o);
    }),
    check: () => undefined,
  };
};

const raw = (): Lane => mapLane((line) => (JSON.parse(line) as { type: string; object: KubeObject }).object);

const decode = (): Lane =>
  mapLane((line) => {
    const e = decodeWatchLine(KubeObjectCodec, line);
    if (e._tag !== 'Modified') throw new Error(`unexpected ${e._tag}`);
    return e.object;
  });

/**
 * The chunks a lane is fed, framed and decoded by the informer's operators (splitLines,
 * decodeWatchLines), and a lister-watcher that lists `initial` once and then watches them.
 */
const watchSource = (): { feed: Subject<Buffer>; watch: Observable<WatchEvent<KubeObject>>; lw: ListerWatcher<KubeObject> } => {
  const feed = new Subject<Buffer>();
  const watch = feed.pipe(splitLines(), decodeWatchLines(KubeObjectCodec));
  const page: ListPage<KubeObject> = { resourceVersion: String(cacheSize), items: initial, invalid: [] };
  return { feed, watch, lw: fakeListerWatcher<KubeObject>({ lists: [of(page)], watches: [watch] }) };
};

/** The informer's framing and decoding operators (splitLines, decodeWatchLines) into a Map: the stages before the informer. */
const operators = (): Lane => {
  const { feed, watch } = watchSource();
  const m = new Map<string, KubeObject>();
  for (const o of initial) m.set(metaNamespaceKeyFunc(o), o);
  watch.subscribe((e) => {
    if (e._tag !== 'Modified') throw new Error(`unexpected ${e._tag}`);
    m.set(metaNamespaceKeyFunc(e.object), e.object);
  });
  return {
    feed: (chunk) => {
      feed.next(chunk);
    },
    check: () => {
      feed.complete();
    },
  };
};

/**
 * The reflector (listThenWatch over the same operators), and after it nothing, an indexer its
 * events are written into (`store`: what a lane without a FIFO would do), or deltaFifo and
 * processDeltas into an indexer (`fifo`: the informer's core without sharing).
 */
const reflectorLane =
  (after: 'nothing' | 'store' | 'fifo') =>
  async (): Promise<Lane> => {
    const { feed, lw } = watchSource();
    const indexer = createIndexer<KubeObject>();
    // the fifo stage's store holds the list once it is synced; the store stage's is filled here
    if (after === 'store') indexer.replace(initial);
    let count = 0;
    const counted = (): void => {
      count++;
    };
    // a list of more than batchSize objects is queued and delivered in runs on the scheduler
    let ready = (): void => undefined;
    const watching = new Promise<void>((resolve) => {
      ready = resolve;
    });
    const sub =
      after === 'fifo'
        ? listThenWatch(lw)
            .pipe(deltaFifo<KubeObject>({ knownObjects: indexer.view, batchSize: 1000 }))
            .subscribe((out) => {
              if (out._tag === 'Deltas') processDeltas(indexer, out.key, out.deltas, out.isInInitialList, counted);
              else if (out._tag === 'Synced') ready();
            })
        : listThenWatch(lw).subscribe((e) => {
            if (e._tag === 'Modified') {
              if (after === 'store') indexer.upsertAt(metaNamespaceKeyFunc(e.object), e.object);
              counted();
            } else if (e._tag === 'Watching') ready();
          });
    await watching;
    return {
      feed: (chunk) => {
        feed.next(chunk);
      },
      check: () => {
        sub.unsubscribe();
        const expected = after === 'fifo' ? cacheSize + events : events;
        if (count !== expected) throw new Error(`${after} after the reflector delivered ${count}, not ${expected}`);
      },
    };
  };

const informer = async (): Promise<Lane> => {
  const { feed, lw } = watchSource();
  const inf = sharedIndexInformer(lw);
  let count = 0;
  const sub = inf.events$.subscribe(() => count++);
  // a list of more than 1000 objects is delivered in batches on the scheduler
  await firstValueFrom(inf.synced$.pipe(filter(Boolean)));
  return {
    feed: (chunk) => { feed.next(chunk); },
    check: () => {
      sub.unsubscribe();
      if (count !== cacheSize + events) throw new Error(`informer delivered ${count}`);
    },
  };
};

const contenders = { raw, decode, operators, reflector: reflectorLane('nothing'), store: reflectorLane('store'), fifo: reflectorLane('fifo'), informer } as const;
const names = (Object.keys(contenders) as Array<keyof typeof contenders>).filter((n) => values.only === undefined || n === values.only);

/**
 * --paced MS: every contender set up once, then each line fed to each of them in turn (the order
 * rotating), one line per macrotask MS ms apart, each feed timed on its own: the cost of one event
 * arriving alone, with caches gone cold in between, as a watch at 1k events/s sees it.
 */
const paced = async (gapMs: number): Promise<void> => {
  const lanes = await Promise.all(names.map(async (n) => contenders[n]()));
  const ns = names.map(() => [] as number[]);
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i];
    if (chunk === undefined) break;
    for (let k = 0; k < lanes.length; k++) {
      const j = (i + k) % lanes.length;
      const t0 = process.hrtime.bigint();
      lanes[j]?.feed(chunk);
      ns[j]?.push(Number(process.hrtime.bigint() - t0));
    }
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  for (const lane of lanes) lane.check();
  const stats = ns.map((xs) => ({ median: median(xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length }));
  const floor = stats[0];
  console.table(
    names.map((n, j) => {
      const st = stats[j] ?? { median: Number.NaN, mean: Number.NaN };
      return {
        stage: n,
        'median ns/event': Math.round(st.median),
        'mean ns/event': Math.round(st.mean),
        '× first (median)': floor === undefined ? '' : (st.median / floor.median).toFixed(3),
        '× first (mean)': floor === undefined ? '' : (st.mean / floor.mean).toFixed(3),
      };
    }),
  );
};

const time = (run: () => void): Sample => sampleRun(run, events);

const batched = async (): Promise<void> => {
  const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
  for (let r = 0; r < reps; r++)
    for (const n of names) {
      const lane = await contenders[n]();
      samples.get(n)?.push(
        time(() => {
          for (const chunk of chunks) lane.feed(chunk);
        }),
      );
      lane.check();
    }
  await dropGcSamples(samples.values());
  const medianOf = (n: string, k: keyof Sample): number => median((samples.get(n) ?? []).map((x) => x[k]));
  const floor = medianOf('raw', 'wall');
  const cpuFloor = medianOf('raw', 'cpu');
  console.table(
    names.map((n) => {
      const m = medianOf(n, 'wall');
      const c = medianOf(n, 'cpu');
      return {
        stage: n,
        'ns/event': Math.round(m),
        'over raw': Number.isFinite(floor) ? Math.round(m - floor) : '',
        '× raw speed': Number.isFinite(floor) ? (floor / m).toFixed(3) : '',
        'CPU ns/event': Math.round(c),
        'CPU × raw': Number.isFinite(cpuFloor) ? (c / cpuFloor).toFixed(3) : '',
        'alloc B/event': Number.isFinite(medianOf(n, 'alloc')) ? Math.round(medianOf(n, 'alloc')) : 'n/a (GC ran)',
      };
    }),
  );
};

await (values.paced === undefined ? batched() : paced(Number(values.paced)));
