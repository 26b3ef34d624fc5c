import type { CounterMetric } from './Metric.js';

/**
 * Why an event recorder did not write an event (the `reason` label of the dropped counter):
 * - `buffer_full`: its bounded buffer was full (the sink is slower than the events come);
 * - `spam_filtered`: the spam filter refused it (no token left for its source, object and type);
 * - `rejected`: the API server refused the write (a 4xx or 5xx `HttpError`; client-go does not retry those);
 * - `retries_exhausted`: the server could not be reached for all tries;
 * - `invalid`: its object had no apiVersion, kind or name, or its type was not Normal or Warning;
 * - `closed`: the recorder was closed before it was written.
 *
 * Maps to the cases client-go's `recordToSink` / `recordEvent` log ("will not retry", "retry
 * limit exceeded") and the broadcaster's `DropIfChannelFull`.
 *
 * @example
 * ```ts
 * import type { EventDropReason } from 'kube-rx';
 * const reason: EventDropReason = 'buffer_full';
 * ```
 * @category metrics
 * @since 0.3.0
 */
export type EventDropReason = 'buffer_full' | 'spam_filtered' | 'rejected' | 'retries_exhausted' | 'invalid' | 'closed';

/**
 * Makes the metrics of an event recorder, once per recorder and reason (every series exists
 * from the start).
 *
 * Maps to nothing in client-go (it only logs drops); named as kube-rx's other metrics would be
 * in Prometheus: `kube_rx_events_dropped_total{component, reason}`.
 *
 * @example
 * ```ts
 * import type { EventRecorderMetricsProvider } from 'kube-rx';
 * let dropped = 0;
 * const provider: EventRecorderMetricsProvider = { newEventsDroppedMetric: () => ({ inc: () => { dropped += 1; } }) };
 * ```
 * @category metrics
 * @since 0.3.0
 */
export interface EventRecorderMetricsProvider {
  /** `kube_rx_events_dropped_total{component, reason}`. */
  newEventsDroppedMetric(component: string, reason: EventDropReason): CounterMetric;
}
