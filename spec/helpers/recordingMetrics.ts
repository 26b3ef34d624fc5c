import type { MetricsProvider } from '../../lib/metrics/MetricsProvider.js';

/** One call to a metric: when (on `now`'s clock), which provider method made it, for which name, and what. */
export interface MetricCall {
  readonly at: number;
  readonly metric: keyof MetricsProvider;
  readonly name: string;
  readonly op: 'inc' | 'dec' | 'set' | 'observe';
  readonly value?: number;
}

/**
 * A {@link MetricsProvider} that records every call of every metric it made, stamped with
 * `now()`; `made` counts the metrics made per provider method.
 */
export const recordingMetrics = (now: () => number) => {
  const calls: MetricCall[] = [];
  const made = new Map<keyof MetricsProvider, number>();
  const record = (metric: keyof MetricsProvider, name: string) => {
    made.set(metric, (made.get(metric) ?? 0) + 1);
    const push = (op: MetricCall['op'], value?: number): void => {
      calls.push({ at: now(), metric, name, op, ...(value === undefined ? {} : { value }) });
    };
    return {
      inc: () => {
        push('inc');
      },
      dec: () => {
        push('dec');
      },
      set: (value: number) => {
        push('set', value);
      },
      observe: (value: number) => {
        push('observe', value);
      },
    };
  };
  const provider: MetricsProvider = {
    newDepthMetric: (name) => record('newDepthMetric', name),
    newAddsMetric: (name) => record('newAddsMetric', name),
    newLatencyMetric: (name) => record('newLatencyMetric', name),
    newWorkDurationMetric: (name) => record('newWorkDurationMetric', name),
    newUnfinishedWorkSecondsMetric: (name) => record('newUnfinishedWorkSecondsMetric', name),
    newLongestRunningProcessorSecondsMetric: (name) => record('newLongestRunningProcessorSecondsMetric', name),
    newRetriesMetric: (name) => record('newRetriesMetric', name),
    newListsMetric: (name) => record('newListsMetric', name),
    newListDurationMetric: (name) => record('newListDurationMetric', name),
    newItemsInListMetric: (name) => record('newItemsInListMetric', name),
    newWatchesMetric: (name) => record('newWatchesMetric', name),
    newShortWatchesMetric: (name) => record('newShortWatchesMetric', name),
    newWatchDurationMetric: (name) => record('newWatchDurationMetric', name),
    newItemsInWatchMetric: (name) => record('newItemsInWatchMetric', name),
    newLastResourceVersionMetric: (name) => record('newLastResourceVersionMetric', name),
    newReconcileTotalMetric: (controller, result) => record('newReconcileTotalMetric', `${controller}/${result}`),
    newReconcileErrorsMetric: (controller) => record('newReconcileErrorsMetric', controller),
    newTerminalReconcileErrorsMetric: (controller) => record('newTerminalReconcileErrorsMetric', controller),
    newReconcileTimeMetric: (controller) => record('newReconcileTimeMetric', controller),
    newActiveWorkersMetric: (controller) => record('newActiveWorkersMetric', controller),
    newEventsDroppedMetric: (component, reason) => record('newEventsDroppedMetric', `${component}/${reason}`),
  };
  /** The calls of one metric, as `[at, op, value?]` triples. */
  const of = (metric: keyof MetricsProvider, name?: string): Array<readonly [number, MetricCall['op'], number?]> =>
    calls
      .filter((c) => c.metric === metric && (name === undefined || c.name === name))
      .map((c) => (c.value === undefined ? ([c.at, c.op] as const) : ([c.at, c.op, c.value] as const)));
  /** The value a gauge or counter reaches after all its calls (inc/dec/set). */
  const valueOf = (metric: keyof MetricsProvider, name?: string): number =>
    calls
      .filter((c) => c.metric === metric && (name === undefined || c.name === name))
      .reduce((v, c) => (c.op === 'inc' ? v + 1 : c.op === 'dec' ? v - 1 : c.op === 'set' ? (c.value ?? 0) : v), 0);
  return { provider, calls, made, of, valueOf };
};
