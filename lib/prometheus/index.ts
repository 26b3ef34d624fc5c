/**
 * `kube-rx/prometheus`: kube-rx's metrics as prom-client metrics, under client-go's and
 * controller-runtime's names. Needs `prom-client` (an optional peer dependency of kube-rx).
 *
 * @packageDocumentation
 * @module kube-rx/prometheus
 */
export { prometheusMetrics, type PrometheusMetricsOptions } from './prometheusMetrics.js';
