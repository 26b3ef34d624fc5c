import type { CounterMetric, GaugeMetric, HistogramMetric } from './Metric.js';

/**
 * The `result` label of controller-runtime's `controller_runtime_reconcile_total`: how a
 * reconcile ended.
 *
 * Maps to controller-runtime's `labelError`, `labelRequeueAfter`, `labelRequeue`, `labelSuccess`.
 *
 * @example
 * ```ts
 * import type { ReconcileResultLabel } from 'kube-rx';
 * const results: ReadonlyArray<ReconcileResultLabel> = ['success', 'error', 'requeue', 'requeue_after'];
 * ```
 * @category metrics
 * @since 0.2.0
 */
export type ReconcileResultLabel = 'success' | 'error' | 'requeue' | 'requeue_after';

/**
 * Makes the reconcile metrics of a named controller. Each method is called once per subscription
 * (of {@link reconcileMetrics}, or of a {@link reconcileWith} given `metrics`) with the
 * controller's name; `newReconcileTotalMetric` once per result label, so that every series exists
 * from the start, as controller-runtime initialises them.
 *
 * - reconcile total: reconciles ended, by result (`success` for `Done`, `requeue`,
 *   `requeue_after`, `error` for a failure);
 * - reconcile errors: failed reconciles;
 * - reconcile time: seconds each reconcile took (successful or not);
 * - active workers: reconciles running now.
 *
 * Maps to controller-runtime's `pkg/internal/controller/metrics` (`ReconcileTotal`,
 * `ReconcileErrors`, `ReconcileTime`, `ActiveWorkers`).
 *
 * @example
 * ```ts
 * import { noopMetrics, type ReconcileMetricsProvider } from 'kube-rx';
 * let errors = 0;
 * const provider: ReconcileMetricsProvider = { ...noopMetrics, newReconcileErrorsMetric: () => ({ inc: () => { errors += 1; } }) };
 * ```
 * @category metrics
 * @since 0.2.0
 */
export interface ReconcileMetricsProvider {
  /** `controller_runtime_reconcile_total{controller, result}`. */
  newReconcileTotalMetric(controller: string, result: ReconcileResultLabel): CounterMetric;
  /** `controller_runtime_reconcile_errors_total{controller}`. */
  newReconcileErrorsMetric(controller: string): CounterMetric;
  /**
   * `controller_runtime_terminal_reconcile_errors_total{controller}`: reconciles that failed with a
   * `TerminalError` (also counted in the errors and in `reconcile_total{result="error"}`, as
   * controller-runtime counts them). Optional: a provider without it does not count them apart.
   * @since 0.3.0
   */
  newTerminalReconcileErrorsMetric?(controller: string): CounterMetric;
  /** `controller_runtime_reconcile_time_seconds{controller}`. */
  newReconcileTimeMetric(controller: string): HistogramMetric;
  /** `controller_runtime_active_workers{controller}`. */
  newActiveWorkersMetric(controller: string): GaugeMetric;
}
