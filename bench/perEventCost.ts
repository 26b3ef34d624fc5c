/**
 * Per-event cost of the informer core with 1k versus 100k cached objects (DESIGN F6: the cost of
 * one event must not grow with the cache). Side by side in one run:
 *   raw       a Map.set per event (the floor: what any cache must do)
 *   fifo      deltaFifo + processDeltas + indexed store (the informer core without sharing)
 *   informer  the whole sharedIndexInformer with 2 subscribers
 * Events are MODIFIED events for random cached keys, objects pre-built (no JSON), so what is
 * measured is the pipeline itself. Each size and contender runs `reps` times, interleaved; the
 * median is reported. Run with `npm run bench` (or `-- --quick`).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { filter, firstValueFrom, of, Subject } from 'rxjs';

import { deltaFifo, type FifoInput } from '../lib/fifo/deltaFifo.js';
import { processDeltas } from '../lib/informer/processDeltas.js';
import { sharedIndexInformer } from '../lib/informer/sharedIndexInformer.js';
import type { WatchEvent } from '../lib/listwatch/ListerWatcher.js';
import { createIndexer } from '../lib/store/createIndexer.js';
import { configMap, listPage, type TestConfigMap } from '../lib/testing/builders.js';
import { fakeListerWatcher } from '../lib/testing/fakeListerWatcher.js';

// --suffix: added to the results file's name (bench/suite.ts passes -node22 for a run with --node 22)
const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, suffix: { type: 'string', default: '' } } });
const sizes = [1_000, 100_000];
const events = values.quick ? 50_000 : 200_000;
const reps = values.quick ? 3 : 5;

const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);

const objectsFor = (n: number): TestConfigMap[] =>
  Array.from({ length: n }, (_, i) => configMap(`cm-${i}`, String(i + 1), `ns-${i % 100}`, { k: 'v' }));

const updatesFor = (n: number): TestConfigMap[] => {
  let seed = 42;
  return Array.from({ length: events }, (_, i) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const k = seed % n;
    return configMap(`cm-${k}`, String(n + i + 1), `ns-${k % 100}`, { k: String(i) });
  });
};

/** ns per event of `run` over the prepared updates. */
const time = (run: () => void): number => {
  gc();
  const t0 = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - t0) / events;
};

const raw = (objs: TestConfigMap[], updates: TestConfigMap[]): number => {
  const m = new Map<string, TestConfigMap>();
  for (const o of objs) m.set(`${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
  return time(() => {
    for (const u of updates) m.set(`${u.metadata.namespace ?? ''}/${u.metadata.name}`, u);
  });
};

const fifo = (objs: TestConfigMap[], updates: TestConfigMap[]): number => {
  const store = createIndexer<TestConfigMap>();
  const input = new Subject<FifoInput<TestConfigMap>>();
  let count = 0;
  const sub = input.pipe(deltaFifo({ knownObjects: store.view })).subscribe((out) => {
    if (out._tag === 'Deltas') processDeltas(store, out.key, out.deltas, out.isInInitialList, () => count++);
  });
  input.next({ _tag: 'Replace', items: objs, resourceVersion: String(objs.length) });
  const ns = time(() => {
    for (const u of updates) input.next({ _tag: 'Modified', object: u, resourceVersion: u.metadata.resourceVersion ?? '' });
  });
  sub.unsubscribe();
  if (count !== objs.length + updates.length) throw new Error(`fifo delivered ${count}`);
  return ns;
};

const informer = async (objs: TestConfigMap[], updates: TestConfigMap[]): Promise<number> => {
  const feed = new Subject<WatchEvent<TestConfigMap>>();
  const lw = fakeListerWatcher<TestConfigMap>({ lists: [of(listPage(String(objs.length), objs))], watches: [feed] });
  const inf = sharedIndexInformer(lw);
  let count = 0;
  const s1 = inf.events$.subscribe(() => count++);
  const s2 = inf.events$.subscribe(() => count++);
  // a list of more than 1000 objects is delivered in batches on the scheduler
  await firstValueFrom(inf.synced$.pipe(filter(Boolean)));
  const ns = time(() => {
    for (const u of updates) feed.next({ _tag: 'Modified', object: u });
  });
  s1.unsubscribe();
  s2.unsubscribe();
  if (count !== 2 * (objs.length + updates.length)) throw new Error(`informer delivered ${count}`);
  return ns;
};

const contenders = { raw, fifo, informer } as const;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

const results: Record<string, Record<string, number>> = {};
for (const n of sizes) {
  const objs = objectsFor(n);
  const updates = updatesFor(n);
  const samples: Record<string, number[]> = { raw: [], fifo: [], informer: [] };
  for (let r = 0; r < reps; r++) {
    for (const [name, run] of Object.entries(contenders)) samples[name]?.push(await run(objs, updates));
  }
  results[String(n)] = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

const rows = Object.keys(contenders).map((name) => {
  const small = results['1000']?.[name] ?? Number.NaN;
  const big = results['100000']?.[name] ?? Number.NaN;
  return { contender: name, 'ns/event @1k': small.toFixed(0), 'ns/event @100k': big.toFixed(0), '100k/1k': (big / small).toFixed(2) };
});
console.table(rows);
const out = { node: process.version, events, reps, date: new Date().toISOString(), results };
writeFileSync(new URL(`./results/perEventCost${values.quick ? '-quick' : ''}${values.suffix}.json`, import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
