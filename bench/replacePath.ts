/**
 * The informer's side of an initial sync without HTTP (issue 23): a list of N decoded Pods handed
 * to `sharedIndexInformer` by a ListerWatcher that has them in memory, timed from subscribing to
 * `synced$`, side by side in one run (interleaved, medians of the repetitions):
 *
 *   raw          key + Map.set per object (the suite's raw contender's cache)
 *   structures   fifoState.replace + pop + processDeltas into an indexer (the data structures, no
 *                operator, no scheduling)
 *   informer/async   the informer with `scheduler: asyncScheduler` (the default before 0.3.0: each
 *                    batch of 1,000 after the first waits for a `setTimeout(0)`, clamped to 1 ms)
 *   informer     the informer with its defaults (`immediateScheduler`: each batch on `setImmediate`)
 *
 * `npx tsx --expose-gc bench/replacePath.ts [--items N] [--reps N]`. Wall time includes the
 * waits between batches; CPU time is this process's (GC helper threads included).
 */
import { parseArgs } from 'node:util';

import { asyncScheduler, filter, firstValueFrom, NEVER, of, type SchedulerLike } from 'rxjs';

import * as fifoState from '../lib/fifo/FifoState.js';
import { processDeltas } from '../lib/informer/processDeltas.js';
import { sharedIndexInformer } from '../lib/informer/sharedIndexInformer.js';
import type { KubeObject } from '../lib/meta/KubeObject.js';
import { metaNamespaceKeyFunc } from '../lib/meta/keyFunc.js';
import { createIndexer } from '../lib/store/createIndexer.js';
import { median } from './sample.js';
import { podAt } from './suite/podGenerator.js';

const { values } = parseArgs({ options: { items: { type: 'string', default: '10000' }, reps: { type: 'string', default: '15' } } });
const n = Number(values.items);
const reps = Number(values.reps);
const gen = { seed: 5, managedFields: true, namespaces: 100 };
const pods = Array.from({ length: n }, (_, i) => podAt(gen, i, i + 1) as unknown as KubeObject);
const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);

const informerSync = async (items: ReadonlyArray<KubeObject>, scheduler?: SchedulerLike): Promise<void> => {
  const informer = sharedIndexInformer(
    { list: () => of({ resourceVersion: '1', items, invalid: [] }), watch: () => NEVER },
    { initialList: 'list', ...(scheduler === undefined ? {} : { scheduler }) },
  );
  let events = 0;
  const sub = informer.events$.subscribe(() => {
    events++;
  });
  await firstValueFrom(informer.synced$.pipe(filter(Boolean)));
  sub.unsubscribe();
  if (events !== items.length) throw new Error(`informer delivered ${events} of ${items.length}`);
};

const contenders: Record<string, (items: ReadonlyArray<KubeObject>) => Promise<void> | void> = {
  raw: (items) => {
    const cache = new Map<string, KubeObject>();
    for (const o of items) cache.set(metaNamespaceKeyFunc(o), o);
  },
  structures: (items) => {
    const state = fifoState.createFifoState<KubeObject>();
    const store = createIndexer<KubeObject>();
    fifoState.replace(state, items, metaNamespaceKeyFunc, store.view);
    let events = 0;
    for (let p = fifoState.pop(state); p !== undefined; p = fifoState.pop(state)) {
      processDeltas(store, p.key, p.deltas, p.isInInitialList, () => {
        events++;
      });
    }
    if (events !== items.length) throw new Error(`structures delivered ${events} of ${items.length}`);
  },
  'informer/async': (items) => informerSync(items, asyncScheduler),
  informer: (items) => informerSync(items),
};

const wall: Record<string, number[]> = {};
const cpu: Record<string, number[]> = {};
for (let r = 0; r < reps; r++) {
  for (const [name, run] of Object.entries(contenders)) {
    // fresh objects each run (as a sync decodes them), so no run finds them old
    const items = pods.map((o) => ({ ...o, metadata: { ...o.metadata } }));
    gc();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await run(items);
    const t1 = performance.now();
    const c = process.cpuUsage(cpu0);
    // the first two rounds warm up
    if (r < 2) continue;
    (wall[name] ??= []).push(((t1 - t0) * 1000) / n);
    (cpu[name] ??= []).push((c.user + c.system) / n);
  }
}
const rawWall = median(wall['raw'] ?? []);
console.table(
  Object.keys(contenders).map((name) => ({
    contender: name,
    'µs/object': median(wall[name] ?? []).toFixed(2),
    '× raw': (median(wall[name] ?? []) / rawWall).toFixed(2),
    'CPU µs/object': median(cpu[name] ?? []).toFixed(2),
    [`ms per ${n / 1000}k`]: ((median(wall[name] ?? []) * n) / 1000).toFixed(1),
  })),
);
