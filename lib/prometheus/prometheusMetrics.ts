import {
  Counter,
  exponentialBuckets,
  Gauge,
  Histogram,
  type OpenMetricsContentType,
  register,
  type Registry,
} from 'prom-client';

import type { MetricsProvider } from '../metrics/MetricsProvider.js';

/**
 * Options of {@link prometheusMetrics}.
 *
 * Maps to controller-runtime's `metrics.Registry` (here any prom-client registry).
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import type { PrometheusMetricsOptions } from 'kube-rx/prometheus';
 * const options: PrometheusMetricsOptions = { registry: new Registry(), prefix: 'myapp_' };
 * ```
 * @category metrics
 * @since 0.2.0
 */
export interface PrometheusMetricsOptions {
  /** Where the metrics are registered (default prom-client's global `register`). */
  readonly registry?: Registry | Registry<OpenMetricsContentType>;
  /** Prepended to every metric name (default none). */
  readonly prefix?: string;
}

/** client-go's and controller-runtime's work queue duration buckets: 10 ns to 1000 s, ×10. */
const QUEUE_BUCKETS = exponentialBuckets(10e-9, 10, 12);

/** controller-runtime's `controller_runtime_reconcile_time_seconds` buckets (5 ms to 60 s). */
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0,
  3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** A list takes milliseconds to minutes. */
const LIST_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** A watch runs for minutes (the server ends it after 5 to 10). */
const WATCH_DURATION_BUCKETS = [1, 10, 30, 60, 120, 300, 450, 600, 900, 1800];

/** Objects per list or events per watch: 1 to 262 144, ×4. */
const ITEM_BUCKETS = exponentialBuckets(1, 4, 10);

/**
 * The Prometheus metrics of every kube-rx {@link MetricsProvider} hook, registered in `registry`
 * under client-go's and controller-runtime's names and labels, so that existing dashboards and
 * alerts apply:
 *
 * | metric | type | labels | client-go / controller-runtime name |
 * |---|---|---|---|
 * | `workqueue_depth` | gauge | `name` | `workqueue_depth` |
 * | `workqueue_adds_total` | counter | `name` | `workqueue_adds_total` |
 * | `workqueue_queue_duration_seconds` | histogram | `name` | `workqueue_queue_duration_seconds` |
 * | `workqueue_work_duration_seconds` | histogram | `name` | `workqueue_work_duration_seconds` |
 * | `workqueue_unfinished_work_seconds` | gauge | `name` | `workqueue_unfinished_work_seconds` |
 * | `workqueue_longest_running_processor_seconds` | gauge | `name` | `workqueue_longest_running_processor_seconds` |
 * | `workqueue_retries_total` | counter | `name` | `workqueue_retries_total` |
 * | `kube_rx_workqueue_depth_by_priority` | gauge | `name`, `priority` | controller-runtime's priority queue `workqueue_depth{priority}` |
 * | `reflector_lists_total` | counter | `name` | `reflector_lists_total` |
 * | `reflector_list_duration_seconds` | histogram | `name` | `reflector_list_duration_seconds` |
 * | `reflector_items_per_list` | histogram | `name` | `reflector_items_per_list` |
 * | `reflector_watches_total` | counter | `name` | `reflector_watches_total` |
 * | `reflector_short_watches_total` | counter | `name` | `reflector_short_watches_total` |
 * | `reflector_watch_duration_seconds` | histogram | `name` | `reflector_watch_duration_seconds` |
 * | `reflector_items_per_watch` | histogram | `name` | `reflector_items_per_watch` |
 * | `reflector_last_resource_version` | gauge | `name` | `reflector_last_resource_version` |
 * | `controller_runtime_reconcile_total` | counter | `controller`, `result` | `controller_runtime_reconcile_total` |
 * | `controller_runtime_reconcile_errors_total` | counter | `controller` | `controller_runtime_reconcile_errors_total` |
 * | `controller_runtime_reconcile_time_seconds` | histogram | `controller` | `controller_runtime_reconcile_time_seconds` |
 * | `controller_runtime_active_workers` | gauge | `controller` | `controller_runtime_active_workers` |
 * | `kube_rx_events_dropped_total` | counter | `component`, `reason` | (client-go only logs them) |
 *
 * Buckets: the work queue's and the reconcile time's are client-go's and controller-runtime's;
 * the reflector's (whose Kubernetes exporter used summaries) are histograms sized for lists,
 * watches and item counts. A series appears as soon as its queue, reflector or controller starts
 * (counters at 0, every reconcile `result` included, as controller-runtime does).
 *
 * Calling it again with the same registry (and prefix) reuses the metrics already registered.
 * This module is the only one of kube-rx that imports `prom-client` (an optional peer dependency):
 * the `kube-rx` entry does not load it.
 *
 * Maps to client-go's `workqueue.SetProvider` / `cache.SetReflectorMetricsProvider` with
 * component-base's Prometheus providers, and controller-runtime's `metrics.Registry`.
 *
 * @example
 * ```ts
 * import { Registry } from 'prom-client';
 * import { controllerManager } from 'kube-rx';
 * import { prometheusMetrics } from 'kube-rx/prometheus';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const registry = new Registry();
 * const mgr = controllerManager({ kubeConfig, metrics: prometheusMetrics({ registry }) });
 * // serve `await registry.metrics()` on /metrics
 * ```
 * @category metrics
 * @since 0.2.0
 */
export const prometheusMetrics = (options: PrometheusMetricsOptions = {}): MetricsProvider => {
  const registry = options.registry ?? register;
  const prefix = options.prefix ?? '';
  const registers = [registry];

  /** The metric of that name already in the registry when it is of the right kind, else a new one. */
  const existing = <M>(name: string, kind: abstract new (...args: never[]) => M): M | undefined => {
    const found: unknown = registry.getSingleMetric(prefix + name);
    return found instanceof kind ? found : undefined;
  };
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
    existing<Counter<L>>(name, Counter) ?? new Counter({ name: prefix + name, help, labelNames, registers });
  const gauge = (name: string, help: string, labelNames: readonly string[]): Gauge =>
    existing<Gauge>(name, Gauge) ?? new Gauge({ name: prefix + name, help, labelNames, registers });
  const histogram = (name: string, help: string, labelNames: readonly string[], buckets: number[]): Histogram =>
    existing<Histogram>(name, Histogram) ?? new Histogram({ name: prefix + name, help, labelNames, buckets, registers });

  const byName = ['name'] as const;
  const byController = ['controller'] as const;

  const depth = gauge('workqueue_depth', 'Keys waiting in the work queue.', byName);
  const adds = counter('workqueue_adds_total', 'Adds to the work queue that were not already pending.', byName);
  const queueDuration = histogram('workqueue_queue_duration_seconds', 'Seconds a key waited in the work queue before a worker took it.', byName, QUEUE_BUCKETS);
  const workDuration = histogram('workqueue_work_duration_seconds', 'Seconds a worker spent on a key.', byName, QUEUE_BUCKETS);
  const unfinished = gauge('workqueue_unfinished_work_seconds', 'Seconds of work in progress not yet observed by the work duration (sum over running keys).', byName);
  const longest = gauge('workqueue_longest_running_processor_seconds', 'Seconds the longest running key of the work queue has been running.', byName);
  const retries = counter('workqueue_retries_total', 'Delayed re-adds to the work queue.', byName);
  const depthByPriority = gauge('kube_rx_workqueue_depth_by_priority', 'Keys waiting in a priority work queue, per priority.', ['name', 'priority']);

  const lists = counter('reflector_lists_total', 'Lists started by the reflector.', byName);
  const listDuration = histogram('reflector_list_duration_seconds', 'Seconds a complete list took.', byName, LIST_DURATION_BUCKETS);
  const itemsPerList = histogram('reflector_items_per_list', 'Objects in a complete list.', byName, ITEM_BUCKETS);
  const watches = counter('reflector_watches_total', 'Watches started by the reflector.', byName);
  const shortWatches = counter('reflector_short_watches_total', 'Watches that closed in under a second without an event.', byName);
  const watchDuration = histogram('reflector_watch_duration_seconds', 'Seconds a watch ran.', byName, WATCH_DURATION_BUCKETS);
  const itemsPerWatch = histogram('reflector_items_per_watch', 'Events a watch delivered.', byName, ITEM_BUCKETS);
  const lastRV = gauge('reflector_last_resource_version', 'The newest resourceVersion the reflector saw (when numeric).', byName);
  const served = gauge('kube_rx_informer_served', 'Whether the API server serves the informer\'s resource (1) or not (0), for informers that wait for it.', byName);

  const reconcileTotal = counter('controller_runtime_reconcile_total', 'Reconciles per controller and result.', ['controller', 'result'] as const);
  const reconcileErrors = counter('controller_runtime_reconcile_errors_total', 'Failed reconciles per controller.', byController);
  const terminalErrors = counter('controller_runtime_terminal_reconcile_errors_total', 'Reconciles per controller that failed with a terminal error (not requeued).', byController);
  const reconcileTime = histogram('controller_runtime_reconcile_time_seconds', 'Seconds per reconcile per controller.', byController, RECONCILE_BUCKETS);
  const activeWorkers = gauge('controller_runtime_active_workers', 'Reconciles running now per controller.', byController);
  const debouncePending = gauge('kube_rx_debounce_pending_keys', 'Keys held back by the per-key debounce, waiting for their quiet period.', byName);

  const eventsDropped = counter('kube_rx_events_dropped_total', 'Events an event recorder did not write, per component and reason.', ['component', 'reason'] as const);

  /** A labelled child, its series created at once (a counter or gauge at its current value, a histogram at zero). */
  const counterOf = <L extends string>(metric: Counter<L>, labels: Partial<Record<L, string>>): Counter.Internal => {
    metric.inc(labels, 0);
    return metric.labels(labels);
  };
  const gaugeOf = (metric: Gauge, labels: Partial<Record<string, string>>): Gauge.Internal<string> => {
    metric.inc(labels, 0);
    return metric.labels(labels);
  };
  const histogramOf = (metric: Histogram, labels: Partial<Record<string, string>>): Histogram.Internal<string> => {
    metric.zero(labels);
    return metric.labels(labels);
  };

  return {
    newDepthMetric: (name) => gaugeOf(depth, { name }),
    newAddsMetric: (name) => counterOf(adds, { name }),
    newLatencyMetric: (name) => histogramOf(queueDuration, { name }),
    newWorkDurationMetric: (name) => histogramOf(workDuration, { name }),
    newUnfinishedWorkSecondsMetric: (name) => gaugeOf(unfinished, { name }),
    newLongestRunningProcessorSecondsMetric: (name) => gaugeOf(longest, { name }),
    newRetriesMetric: (name) => counterOf(retries, { name }),
    newDepthWithPriorityMetric: (name, priority) => gaugeOf(depthByPriority, { name, priority: String(priority) }),
    newListsMetric: (name) => counterOf(lists, { name }),
    newListDurationMetric: (name) => histogramOf(listDuration, { name }),
    newItemsInListMetric: (name) => histogramOf(itemsPerList, { name }),
    newWatchesMetric: (name) => counterOf(watches, { name }),
    newShortWatchesMetric: (name) => counterOf(shortWatches, { name }),
    newWatchDurationMetric: (name) => histogramOf(watchDuration, { name }),
    newItemsInWatchMetric: (name) => histogramOf(itemsPerWatch, { name }),
    newLastResourceVersionMetric: (name) => gaugeOf(lastRV, { name }),
    newServedMetric: (name) => gaugeOf(served, { name }),
    newReconcileTotalMetric: (controller, result) => counterOf(reconcileTotal, { controller, result }),
    newReconcileErrorsMetric: (controller) => counterOf(reconcileErrors, { controller }),
    newTerminalReconcileErrorsMetric: (controller) => counterOf(terminalErrors, { controller }),
    newReconcileTimeMetric: (controller) => histogramOf(reconcileTime, { controller }),
    newActiveWorkersMetric: (controller) => gaugeOf(activeWorkers, { controller }),
    newEventsDroppedMetric: (component, reason) => counterOf(eventsDropped, { component, reason }),
    newDebouncePendingMetric: (name) => gaugeOf(debouncePending, { name }),
  };
};
