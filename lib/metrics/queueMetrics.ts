import type { SchedulerLike, Subscription } from 'rxjs';

import type { CounterMetric, GaugeMetric, HistogramMetric, SettableGaugeMetric } from './Metric.js';
import type { WorkQueueMetricsProvider } from './WorkQueueMetricsProvider.js';

/**
 * How often the unfinished-work gauges are updated while work runs, in ms.
 *
 * Maps to client-go's `defaultUnfinishedWorkUpdatePeriod` (500 ms).
 *
 * @example
 * ```ts
 * import { UNFINISHED_WORK_UPDATE_PERIOD_MS } from 'kube-rx';
 * UNFINISHED_WORK_UPDATE_PERIOD_MS; // 500
 * ```
 * @category metrics
 * @since 0.2.0
 */
export const UNFINISHED_WORK_UPDATE_PERIOD_MS = 500;

/**
 * The metrics recorder of one work queue, called by the queue's own functions
 * ({@link kube-rx/reducers!WorkQueueState}'s `add`, `get`, `done`, `addAfter`) when the state was created with it.
 * It keeps, per key, when it was added and when it started running, as client-go does.
 *
 * Maps to client-go's `queueMetrics[T]` interface and its `defaultQueueMetrics` (`add`, `get`,
 * `done`, `retry`, `updateUnfinishedWork`), plus `dispose` for the end of the queue.
 *
 * ```
 * add(a) t=0 ──► adds+1, depth+1      get()→a t=20 ──► depth-1, latency 0.02      done(a) t=70 ──► workDuration 0.05
 * ```
 *
 * @example
 * ```ts
 * import { asyncScheduler } from 'rxjs';
 * import { createQueueMetrics, noopMetrics } from 'kube-rx';
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const metrics = createQueueMetrics(noopMetrics, 'my-queue', asyncScheduler);
 * const s = q.createWorkQueueState(metrics);
 * q.add(s, 'a');
 * q.done(s, q.get(s) ?? '');
 * metrics.dispose();
 * ```
 * @category metrics
 * @since 0.2.0
 */
export interface QueueMetrics {
  /** A key became dirty (not counted when it already was), at `priority` in a priority queue. */
  add(key: string, priority?: number): void;
  /** A worker took `key` (of `priority` in a priority queue). */
  get(key: string, priority?: number): void;
  /** A priority queue raised a dirty key from one priority to a higher one. @since 0.3.0 */
  raise?(from: number, to: number): void;
  /** `key`'s work ended. */
  done(key: string): void;
  /** A delayed re-add. */
  retry(): void;
  /** The queue is gone: stop the timer, take its remaining depth back, zero the work gauges. */
  dispose(): void;
}

interface QueueMetricSet {
  readonly depth: GaugeMetric;
  readonly adds: CounterMetric;
  readonly latency: HistogramMetric;
  readonly workDuration: HistogramMetric;
  readonly unfinishedWorkSeconds: SettableGaugeMetric;
  readonly longestRunningProcessor: SettableGaugeMetric;
  readonly retries: CounterMetric;
}

/**
 * The sum and the longest of the running times at `now` (ms), in seconds.
 *
 * Maps to the loop of client-go's `defaultQueueMetrics.updateUnfinishedWork`.
 */
const unfinishedWork = (startTimes: ReadonlyMap<string, number>, now: number): { readonly total: number; readonly oldest: number } => {
  let total = 0;
  let oldest = 0;
  for (const start of startTimes.values()) {
    const age = (now - start) / 1000;
    total += age;
    if (age > oldest) oldest = age;
  }
  return { total, oldest };
};

/**
 * Makes the {@link QueueMetrics} of the queue `name` from `provider`, reading time from
 * `scheduler`. The unfinished-work gauges are updated every
 * {@link UNFINISHED_WORK_UPDATE_PERIOD_MS} on `scheduler` while at least one key runs (so marble
 * tests drive them), set to 0 when the last one ends, and no timer is left while idle.
 * {@link reconcileWith} makes one per subscription when its config has `metrics`.
 *
 * Maps to client-go's `newQueueMetrics` / `defaultQueueMetrics` and the queue's
 * `updateUnfinishedWorkLoop`.
 *
 * ```
 * get(a) at 0, done(a) at 1200:   unfinished  ─ 0.5 ─ 1.0 ─ 0      (at 500, 1000, 1200)
 * ```
 *
 * Algorithm (state: `addTimes` and `processingStartTimes` by key, client-go's maps; the depth
 * this queue added):
 * 1. `add(key)`: count an add, depth up; remember the add time unless the key has one.
 * 2. `get(key)`: depth down; remember the start time; observe the seconds since the add time
 *    (then forget it). If nothing was running, start the periodic update.
 * 3. `done(key)`: observe the seconds since the start time (then forget it). If nothing runs any
 *    more, stop the periodic update and set both gauges to 0.
 * 4. Each period: set the unfinished work to the sum of the running times, the longest running
 *    processor to the longest.
 * 5. `dispose()`: stop the update, take back the depth still counted, set both gauges to 0.
 * 6. Priority queues (`add`/`get` with a priority, `raise`): the same depth per priority, when the
 *    provider has `newDepthWithPriorityMetric` (one gauge per priority seen); taken back at dispose.
 *
 * @param provider - the metrics' provider.
 * @param name - the queue's name (the `name` label).
 * @param scheduler - the clock and the timer of the periodic update.
 *
 * @example
 * ```ts
 * import { asyncScheduler } from 'rxjs';
 * import { createQueueMetrics, noopMetrics } from 'kube-rx';
 * const metrics = createQueueMetrics(noopMetrics, 'my-queue', asyncScheduler);
 * metrics.add('default/a');
 * metrics.dispose();
 * ```
 * @category metrics
 * @since 0.2.0
 */
export const createQueueMetrics = (provider: WorkQueueMetricsProvider, name: string, scheduler: SchedulerLike): QueueMetrics => {
  const m: QueueMetricSet = {
    depth: provider.newDepthMetric(name),
    adds: provider.newAddsMetric(name),
    latency: provider.newLatencyMetric(name),
    workDuration: provider.newWorkDurationMetric(name),
    unfinishedWorkSeconds: provider.newUnfinishedWorkSecondsMetric(name),
    longestRunningProcessor: provider.newLongestRunningProcessorSecondsMetric(name),
    retries: provider.newRetriesMetric(name),
  };
  const addTimes = new Map<string, number>();
  // controller-runtime's depth by priority, when the provider has it and the queue has priorities
  const byPriority = new Map<number, { readonly gauge: GaugeMetric; depth: number }>();
  const depthOf = (priority: number | undefined, by: 1 | -1): void => {
    if (priority === undefined || provider.newDepthWithPriorityMetric === undefined) return;
    let d = byPriority.get(priority);
    if (d === undefined) {
      d = { gauge: provider.newDepthWithPriorityMetric(name, priority), depth: 0 };
      byPriority.set(priority, d);
    }
    d.depth += by;
    if (by > 0) d.gauge.inc();
    else d.gauge.dec();
  };
  const processingStartTimes = new Map<string, number>();
  let depth = 0;
  let ticker: Subscription | undefined;

  const update = (): void => {
    const { total, oldest } = unfinishedWork(processingStartTimes, scheduler.now());
    m.unfinishedWorkSeconds.set(total);
    m.longestRunningProcessor.set(oldest);
  };
  const stopUpdates = (): void => {
    ticker?.unsubscribe();
    ticker = undefined;
    m.unfinishedWorkSeconds.set(0);
    m.longestRunningProcessor.set(0);
  };

  return {
    add: (key, priority) => {
      m.adds.inc();
      m.depth.inc();
      depth += 1;
      depthOf(priority, 1);
      if (!addTimes.has(key)) addTimes.set(key, scheduler.now());
    },
    get: (key, priority) => {
      const now = scheduler.now();
      m.depth.dec();
      depth -= 1;
      depthOf(priority, -1);
      processingStartTimes.set(key, now);
      const addedAt = addTimes.get(key);
      if (addedAt !== undefined) {
        m.latency.observe((now - addedAt) / 1000);
        addTimes.delete(key);
      }
      if (ticker === undefined) {
        ticker = scheduler.schedule(function tick() {
          update();
          this.schedule(undefined, UNFINISHED_WORK_UPDATE_PERIOD_MS);
        }, UNFINISHED_WORK_UPDATE_PERIOD_MS);
      }
    },
    done: (key) => {
      const startedAt = processingStartTimes.get(key);
      if (startedAt !== undefined) {
        m.workDuration.observe((scheduler.now() - startedAt) / 1000);
        processingStartTimes.delete(key);
      }
      if (processingStartTimes.size === 0 && ticker !== undefined) stopUpdates();
    },
    raise: (from, to) => {
      depthOf(from, -1);
      depthOf(to, 1);
    },
    retry: () => {
      m.retries.inc();
    },
    dispose: () => {
      for (; depth > 0; depth -= 1) m.depth.dec();
      for (const d of byPriority.values()) for (; d.depth > 0; d.depth -= 1) d.gauge.dec();
      addTimes.clear();
      processingStartTimes.clear();
      stopUpdates();
    },
  };
};
