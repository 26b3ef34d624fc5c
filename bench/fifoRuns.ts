/**
 * The longest synchronous run of `deltaFifo` while it takes a Replace of 50k Pods (batchSize 1000,
 * the informer's), with and without slicing the Replace (`replaceSliceSize`): each scheduled run
 * is timed alone (CPU ms), as a bound on the event-loop delay the FIFO itself causes.
 * `npx tsx --expose-gc bench/fifoRuns.ts [--items N]`. CPU time is less disturbed by a busy
 * machine than wall time, but still noisy.
 */
import { parseArgs } from 'node:util';

import { type SchedulerAction, type SchedulerLike, Subject, Subscription } from 'rxjs';

import { deltaFifo, type FifoInput } from '../lib/fifo/deltaFifo.js';
import type { KubeObject } from '../lib/meta/KubeObject.js';
import { podAt } from './suite/podGenerator.js';

const { values } = parseArgs({ options: { items: { type: 'string', default: '50000' } } });
const gen = { seed: 5, managedFields: false, namespaces: 100 };
const pods = Array.from({ length: Number(values.items) }, (_, i) => podAt(gen, i, i + 1) as unknown as KubeObject);

/** A scheduler whose runs the loop below starts one at a time. */
const queue: Array<() => void> = [];
const manual: SchedulerLike = {
  now: () => 0,
  schedule<S>(work: (this: SchedulerAction<S>, state?: S) => void): Subscription {
    const sub = new Subscription();
    queue.push(() => {
      if (!sub.closed) work.call(sub as unknown as SchedulerAction<S>);
    });
    return sub;
  },
};

for (const replaceSliceSize of [Number.POSITIVE_INFINITY, undefined]) {
  const input = new Subject<FifoInput<KubeObject>>();
  let out = 0;
  input.pipe(deltaFifo<KubeObject>({ batchSize: 1000, scheduler: manual, ...(replaceSliceSize === undefined ? {} : { replaceSliceSize }) })).subscribe(() => {
    out += 1;
  });
  const cpu: number[] = [];
  const run = (f: () => void): void => {
    const c0 = process.cpuUsage();
    f();
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  };
  run(() => { input.next({ _tag: 'Replace', items: pods, resourceVersion: '1' }); });
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) run(next);
  cpu.sort((a, b) => b - a);
  console.log(
    `replaceSliceSize ${replaceSliceSize ?? 'default (4 × 1000)'}: ${out} entries, ${cpu.length} runs, longest runs (CPU ms) ${cpu
      .slice(0, 3)
      .map((x) => x.toFixed(1))
      .join(', ')}`,
  );
}
