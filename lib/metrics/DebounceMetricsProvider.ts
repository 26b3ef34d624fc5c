import type { SettableGaugeMetric } from './Metric.js';

/**
 * Makes the metric of a controller's per-key debounce (the `debounce` option of
 * {@link ReconcileConfig}): the number of keys held back, waiting for their quiet period. The
 * method is optional, so providers written before it still fit; `kube-rx/prometheus` implements
 * it as `kube_rx_debounce_pending_keys{name}`.
 *
 * Maps to nothing in client-go or controller-runtime (kube-rs's debounce has no metric).
 *
 * @example
 * ```ts
 * import { noopMetrics, type DebounceMetricsProvider, type ControllerMetricsProvider } from 'kube-rx';
 * let pending = 0;
 * const provider: ControllerMetricsProvider & DebounceMetricsProvider = {
 *   ...noopMetrics,
 *   newDebouncePendingMetric: () => ({ set: (n) => { pending = n; } }),
 * };
 * ```
 * @category metrics
 * @since 0.3.0
 */
export interface DebounceMetricsProvider {
  /** Keys held back by the debounce of the loop `name` (set whenever it changes, 0 when the loop ends). */
  newDebouncePendingMetric?(name: string): SettableGaugeMetric;
}
