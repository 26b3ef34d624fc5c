import type { CounterMetric, GaugeMetric, HistogramMetric, SettableGaugeMetric } from './Metric.js';
import type { MetricsProvider } from './MetricsProvider.js';

const noop = (): void => undefined;
const counter: CounterMetric = { inc: noop };
const gauge: GaugeMetric = { inc: noop, dec: noop };
const settable: SettableGaugeMetric = { set: noop };
const histogram: HistogramMetric = { observe: noop };

/**
 * A {@link MetricsProvider} whose metrics do nothing: a base to override a few metrics from, or a
 * stand-in. (Leaving `metrics` unset costs even less: nothing is measured at all.)
 *
 * Maps to client-go's `noopMetricsProvider` (`workqueue`) and `noopMetricsProvider` (`cache`).
 *
 * @example
 * ```ts
 * import { noopMetrics, type MetricsProvider } from 'kube-rx';
 * let depth = 0;
 * const provider: MetricsProvider = {
 *   ...noopMetrics,
 *   newDepthMetric: () => ({ inc: () => { depth += 1; }, dec: () => { depth -= 1; } }),
 * };
 * ```
 * @category metrics
 * @since 0.2.0
 */
export const noopMetrics: MetricsProvider = {
  newDepthMetric: () => gauge,
  newAddsMetric: () => counter,
  newLatencyMetric: () => histogram,
  newWorkDurationMetric: () => histogram,
  newUnfinishedWorkSecondsMetric: () => settable,
  newLongestRunningProcessorSecondsMetric: () => settable,
  newRetriesMetric: () => counter,
  newListsMetric: () => counter,
  newListDurationMetric: () => histogram,
  newItemsInListMetric: () => histogram,
  newWatchesMetric: () => counter,
  newShortWatchesMetric: () => counter,
  newWatchDurationMetric: () => histogram,
  newItemsInWatchMetric: () => histogram,
  newLastResourceVersionMetric: () => settable,
  newReconcileTotalMetric: () => counter,
  newReconcileErrorsMetric: () => counter,
  newReconcileTimeMetric: () => histogram,
  newActiveWorkersMetric: () => gauge,
  newEventsDroppedMetric: () => counter,
};
