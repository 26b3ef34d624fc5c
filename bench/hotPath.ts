/**
 * Microbenchmark of the watch hot path without HTTP: a pre-serialised watch stream of ~5.6 KB Pods
 * (bench/suite/podGenerator.ts, managedFields on), cut in 64 KiB chunks (or `--chunk`) as the suite's server
 * writes them, goes through each contender, side by side in one run, interleaved over the
 * repetitions, medians reported:
 *
 *   raw       Buffer newline split + JSON.parse + Map.set (the suite's raw contender, the floor)
 *   decode    the same split, decodeWatchLine(KubeObjectCodec) instead of JSON.parse
 *   informer  splitLines -> decodeWatchLines -> sharedIndexInformer -> 1 subscriber (kube-rx's
 *             whole watch path but the socket)
 *
 * `npx tsx --expose-gc bench/hotPath.ts [--events N] [--cache N] [--reps N] [--only NAME] [--chunk BYTES|line]`
 * (`--chunk line`: one event per chunk, as the suite's latency scenarios send them); heap bytes
 * allocated per event need a young generation that holds the whole run:
 * `node --import tsx --expose-gc --min-semi-space-size=1024 --max-semi-space-size=1024 bench/hotPath.ts`.
 * For a CPU profile of one stage: `node --import tsx --expose-gc --cpu-prof bench/hotPath.ts --only informer`.
 */
import { parseArgs } from 'node:util';

import { filter, firstValueFrom, of, Subject } from 'rxjs';

import { sharedIndexInformer } from '../lib/informer/sharedIndexInformer.js';
import { decodeWatchLine, decodeWatchLines } from '../lib/listwatch/decodeWatchLine.js';
import type { ListPage } from '../lib/listwatch/ListerWatcher.js';
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
if (values.chunk === 'line') {
  for (let off = 0; off < stream.length; ) {
    const end = stream.indexOf(10, off) + 1;
    chunks.push(Buffer.from(stream.subarray(off, end)));
    off = end;
  }
} else {
  const size = Number(values.chunk);
  for (let off = 0; off < stream.length; off += size) chunks.push(Buffer.from(stream.subarray(off, off + size)));
}

/** The raw contender's framing (bench/suite/contender.ts): concat the rest, indexOf(10), toString. */
const rawSplit = (onLine: (line: string) => void): void => {
  let rest: Buffer | undefined;
  for (const chunk of chunks) {
    const buf = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      if (nl > start) onLine(buf.toString('utf8', start, nl));
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : undefined;
  }
};

const time = (run: () => void): Sample => sampleRun(run, events);

const raw = (): Sample => {
  const m = new Map<string, KubeObject>();
  for (const o of initial) m.set(metaNamespaceKeyFunc(o), o);
  return time(() => {
    rawSplit((line) => {
      const e = JSON.parse(line) as { type: string; object: KubeObject };
      m.set(metaNamespaceKeyFunc(e.object), e.object);
    });
  });
};

const decode = (): Sample => {
  const m = new Map<string, KubeObject>();
  for (const o of initial) m.set(metaNamespaceKeyFunc(o), o);
  return time(() => {
    rawSplit((line) => {
      const e = decodeWatchLine(KubeObjectCodec, line);
      if (e._tag !== 'Modified') throw new Error(`unexpected ${e._tag}`);
      m.set(metaNamespaceKeyFunc(e.object), e.object);
    });
  });
};

const informer = async (): Promise<Sample> => {
  const feed = new Subject<Buffer>();
  const page: ListPage<KubeObject> = { resourceVersion: String(cacheSize), items: initial, invalid: [] };
  const lw = fakeListerWatcher<KubeObject>({
    lists: [of(page)],
    watches: [feed.pipe(splitLines(), decodeWatchLines(KubeObjectCodec))],
  });
  const inf = sharedIndexInformer(lw);
  let count = 0;
  const sub = inf.events$.subscribe(() => count++);
  // a list of more than 1000 objects is delivered in batches on the scheduler
  await firstValueFrom(inf.synced$.pipe(filter(Boolean)));
  const ns = time(() => {
    for (const chunk of chunks) feed.next(chunk);
  });
  sub.unsubscribe();
  if (count !== cacheSize + events) throw new Error(`informer delivered ${count}`);
  return ns;
};

const contenders = { raw, decode, informer } as const;
const names = (Object.keys(contenders) as Array<keyof typeof contenders>).filter((n) => values.only === undefined || n === values.only);
const samples = new Map<string, Sample[]>(names.map((n) => [n, []]));
for (let r = 0; r < reps; r++) for (const n of names) samples.get(n)?.push(await contenders[n]());
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
