import type { CounterMetric, HistogramMetric, SettableGaugeMetric } from './Metric.js';

/**
 * Makes the metrics of a named reflector (one {@link listThenWatch}, so one informer). Each method
 * is called once per subscription of the reflector with its name.
 *
 * What each metric measures (see {@link reflectorMetrics} for how they are derived):
 * - lists: LIST cycles started (paged or streaming, first list and relists);
 * - list duration: seconds from the start of a list to its complete result;
 * - items in list: the number of objects of that result;
 * - watches: watches started;
 * - short watches: watches that closed in under a second with no event (client-go's
 *   "very short watch");
 * - watch duration: seconds a watch ran, observed when it ends;
 * - items in watch: the events a watch delivered (bookmarks and undecodable objects included),
 *   observed when it ends;
 * - last resourceVersion: the newest resourceVersion seen, when it is a decimal integer (as
 *   client-go, which skips the others: resourceVersions are opaque).
 * - served (optional, kube-rx's own): for an informer with `served$` (dynamic watches), 1 while
 *   the API server serves its resource, 0 while it does not (CRD absent or deleted).
 *
 * Maps to client-go's `cache.MetricsProvider` (`tools/cache/reflector_metrics.go`).
 *
 * @example
 * ```ts
 * import { noopMetrics, type ReflectorMetricsProvider } from 'kube-rx';
 * let lists = 0;
 * const provider: ReflectorMetricsProvider = { ...noopMetrics, newListsMetric: () => ({ inc: () => { lists += 1; } }) };
 * ```
 * @category metrics
 * @since 0.2.0
 */
export interface ReflectorMetricsProvider {
  /** client-go `NewListsMetric`: `reflector_lists_total`. */
  newListsMetric(name: string): CounterMetric;
  /** client-go `NewListDurationMetric`: `reflector_list_duration_seconds`. */
  newListDurationMetric(name: string): HistogramMetric;
  /** client-go `NewItemsInListMetric`: `reflector_items_per_list`. */
  newItemsInListMetric(name: string): HistogramMetric;
  /** client-go `NewWatchesMetric`: `reflector_watches_total`. */
  newWatchesMetric(name: string): CounterMetric;
  /** client-go `NewShortWatchesMetric`: `reflector_short_watches_total`. */
  newShortWatchesMetric(name: string): CounterMetric;
  /** client-go `NewWatchDurationMetric`: `reflector_watch_duration_seconds`. */
  newWatchDurationMetric(name: string): HistogramMetric;
  /** client-go `NewItemsInWatchMetric`: `reflector_items_per_watch`. */
  newItemsInWatchMetric(name: string): HistogramMetric;
  /** client-go `NewLastResourceVersionMetric`: `reflector_last_resource_version`. */
  newLastResourceVersionMetric(name: string): SettableGaugeMetric;
  /**
   * No client-go equivalent: `kube_rx_informer_served`, 1 while the informer's resource is served,
   * 0 while not (set only for informers with `served$`). Optional.
   * @since 0.3.0
   */
  newServedMetric?(name: string): SettableGaugeMetric;
}
