export type { CounterMetric, GaugeMetric, HistogramMetric, SettableGaugeMetric } from './Metric.js';
export type { EventDropReason, EventRecorderMetricsProvider } from './EventRecorderMetricsProvider.js';
export type { ControllerMetricsProvider, MetricsProvider } from './MetricsProvider.js';
export type { DebounceMetricsProvider } from './DebounceMetricsProvider.js';
export { noopMetrics } from './noopMetrics.js';
export { createQueueMetrics, type QueueMetrics, UNFINISHED_WORK_UPDATE_PERIOD_MS } from './queueMetrics.js';
export type { ReconcileMetricsProvider, ReconcileResultLabel } from './ReconcileMetricsProvider.js';
export type { ReflectorMetricsProvider } from './ReflectorMetricsProvider.js';
export type { WorkQueueMetricsProvider } from './WorkQueueMetricsProvider.js';
