import type { EventRecorderMetricsProvider } from './EventRecorderMetricsProvider.js';
import type { DebounceMetricsProvider } from './DebounceMetricsProvider.js';
import type { ReconcileMetricsProvider } from './ReconcileMetricsProvider.js';
import type { ReflectorMetricsProvider } from './ReflectorMetricsProvider.js';
import type { WorkQueueMetricsProvider } from './WorkQueueMetricsProvider.js';

/**
 * The metrics of a controller: its work queue's (client-go) and its reconciles'
 * (controller-runtime). What {@link ReconcileConfig}'s `metrics` takes.
 *
 * Maps to client-go's `workqueue.MetricsProvider` plus controller-runtime's controller metrics.
 *
 * @example
 * ```ts
 * import { noopMetrics, type ControllerMetricsProvider } from 'kube-rx';
 * const provider: ControllerMetricsProvider = noopMetrics;
 * ```
 * @category metrics
 * @since 0.2.0
 */
export type ControllerMetricsProvider = WorkQueueMetricsProvider & ReconcileMetricsProvider & DebounceMetricsProvider;

/**
 * Every metric kube-rx reports: reflectors', work queues', reconciles' and event recorders'. What
 * {@link controllerManager} takes as `metrics`, what `prometheusMetrics()` of `kube-rx/prometheus`
 * returns, and what {@link noopMetrics} is.
 *
 * Maps to client-go's `cache.SetReflectorMetricsProvider` and `workqueue.SetProvider` (global
 * there, passed explicitly here) plus controller-runtime's `metrics.Registry`.
 *
 * @example
 * ```ts
 * import { noopMetrics, type MetricsProvider } from 'kube-rx';
 * const provider: MetricsProvider = noopMetrics;
 * ```
 * @category metrics
 * @since 0.2.0
 */
export type MetricsProvider = ReflectorMetricsProvider & ControllerMetricsProvider & EventRecorderMetricsProvider;
