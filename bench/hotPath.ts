/**
 * Microbenchmark of the watch hot path without HTTP: pre-serialised watch lines of ~5.6 KB Pods
 * (bench/suite/podGenerator.ts, managedFields on) go through each stage, side by side in one run,
 * interleaved over the repetitions, medians reported:
 *
 *   parse     JSON.parse + Map.set                       (the raw floor)
 *   decode    decodeWatchLine(KubeObjectCodec) + Map.set (parse + codec)
 *   informer  decodeWatchLines -> sharedIndexInformer -> 1 subscriber (everything but the socket)
 *
 * `npx tsx --expose-gc bench/hotPath.ts [--events N] [--cache N] [--reps N] [--only NAME]`.
 * For a CPU profile of one stage: `node --import tsx --cpu-prof bench/hotPath.ts --only informer`.
 */
import { parseArgs } from 'node:util';

import { of, Subject } from 'rxjs';

import { sharedIndexInformer } from '../lib/informer/sharedIndexInformer.js';
import { decodeWatchLine, decodeWatchLines } from '../lib/listwatch/decodeWatchLine.js';
import type { ListPage } from '../lib/listwatch/ListerWatcher.js';
import { type KubeObject, KubeObjectCodec } from '../lib/meta/KubeObject.js';
import { metaNamespaceKeyFunc } from '../lib/meta/keyFunc.js';
import { fakeListerWatcher } from '../lib/testing/fakeListerWatcher.js';
import { podAt, prng } from './suite/podGenerator.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    cache: { type: 'string', default: '1000' },
    reps: { type: 'string', default: '5' },
    only: { type: 'string' },
  },
});
const events = Number(values.events);
const cacheSize = Number(values.cache);
const reps = Number(values.reps);
const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);

const gen = { seed: 5, managedFields: true, namespaces: 100 };
const initial: KubeObject[] = Array.from({ length: cacheSize }, (_, i) => podAt(gen, i, i + 1) as unknown as KubeObject);
const rnd = prng(7);
const lines: string[] = Array.from({ length: events }, (_, j) => {
  const k = Math.floor(rnd() * cacheSize);
  return `{"type":"MODIFIED","object":${JSON.stringify(podAt(gen, k, cacheSize + j + 1))}}`;
});

/** ns per line of `run`. */
const time = (run: () => void): number => {
  gc();
  const t0 = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - t0) / events;
};

const parse = (): number => {
  const m = new Map<string, KubeObject>();
  for (const o of initial) m.set(metaNamespaceKeyFunc(o), o);
  return time(() => {
    for (const line of lines) {
      const e = JSON.parse(line) as { type: string; object: KubeObject };
      m.set(metaNamespaceKeyFunc(e.object), e.object);
    }
  });
};

const decode = (): number => {
  const m = new Map<string, KubeObject>();
  for (const o of initial) m.set(metaNamespaceKeyFunc(o), o);
  return time(() => {
    for (const line of lines) {
      const e = decodeWatchLine(KubeObjectCodec, line);
      if (e._tag !== 'Modified') throw new Error(`unexpected ${e._tag}`);
      m.set(metaNamespaceKeyFunc(e.object), e.object);
    }
  });
};

const informer = (): number => {
  const feed = new Subject<string>();
  const page: ListPage<KubeObject> = { resourceVersion: String(cacheSize), items: initial, invalid: [] };
  const lw = fakeListerWatcher<KubeObject>({ lists: [of(page)], watches: [feed.pipe(decodeWatchLines(KubeObjectCodec))] });
  const inf = sharedIndexInformer(lw);
  let count = 0;
  const sub = inf.events$.subscribe(() => count++);
  const ns = time(() => {
    for (const line of lines) feed.next(line);
  });
  sub.unsubscribe();
  if (count !== cacheSize + events) throw new Error(`informer delivered ${count}`);
  return ns;
};

const contenders = { parse, decode, informer } as const;
const names = (Object.keys(contenders) as Array<keyof typeof contenders>).filter((n) => values.only === undefined || n === values.only);
const samples = new Map<string, number[]>(names.map((n) => [n, []]));
for (let r = 0; r < reps; r++) for (const n of names) samples.get(n)?.push(contenders[n]());
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const floor = median(samples.get('parse') ?? []);
console.table(
  names.map((n) => {
    const m = median(samples.get(n) ?? []);
    return { stage: n, 'ns/event': Math.round(m), 'over parse': Number.isFinite(floor) ? Math.round(m - floor) : '', 'events/s': Math.round(1e9 / m) };
  }),
);
