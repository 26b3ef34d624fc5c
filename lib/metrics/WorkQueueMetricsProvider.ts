import type { CounterMetric, GaugeMetric, HistogramMetric, SettableGaugeMetric } from './Metric.js';

/**
 * Makes the metrics of a named work queue (one {@link reconcileWith} loop). Each method is called
 * once per subscription of the loop with the queue's name; a provider backed by labelled metrics
 * (see `kube-rx/prometheus`) returns the child of that name, so a loop that restarts (after a
 * leader change, say) goes on with the same series.
 *
 * What each metric measures, as client-go's queue metrics:
 * - depth: keys waiting to run, counting a running key that changed and will run again
 *   (up on every counted add, down when a worker takes the key);
 * - adds: adds that were not already pending (a key added while it waits coalesces and is not
 *   counted), including delayed adds when they become due;
 * - latency: seconds from the first counted add of a key to a worker taking it;
 * - work duration: seconds from a worker taking a key to the end of its reconcile;
 * - unfinished work: the sum of the running times of the reconciles in progress, and
 *   longest running processor: the longest of them, both updated every 500 ms while work runs
 *   and set to 0 when it stops;
 * - retries: delayed re-adds (failures, `Requeue` and `RequeueAfter` results).
 *
 * Maps to client-go's `workqueue.MetricsProvider` (`util/workqueue/metrics.go`).
 *
 * @example
 * ```ts
 * import { noopMetrics, type WorkQueueMetricsProvider } from 'kube-rx';
 * let adds = 0;
 * const provider: WorkQueueMetricsProvider = { ...noopMetrics, newAddsMetric: () => ({ inc: () => { adds += 1; } }) };
 * ```
 * @category metrics
 * @since 0.2.0
 */
export interface WorkQueueMetricsProvider {
  /** client-go `NewDepthMetric`: `workqueue_depth`. */
  newDepthMetric(name: string): GaugeMetric;
  /** client-go `NewAddsMetric`: `workqueue_adds_total`. */
  newAddsMetric(name: string): CounterMetric;
  /** client-go `NewLatencyMetric`: `workqueue_queue_duration_seconds`. */
  newLatencyMetric(name: string): HistogramMetric;
  /** client-go `NewWorkDurationMetric`: `workqueue_work_duration_seconds`. */
  newWorkDurationMetric(name: string): HistogramMetric;
  /** client-go `NewUnfinishedWorkSecondsMetric`: `workqueue_unfinished_work_seconds`. */
  newUnfinishedWorkSecondsMetric(name: string): SettableGaugeMetric;
  /** client-go `NewLongestRunningProcessorSecondsMetric`: `workqueue_longest_running_processor_seconds`. */
  newLongestRunningProcessorSecondsMetric(name: string): SettableGaugeMetric;
  /** client-go `NewRetriesMetric`: `workqueue_retries_total`. */
  newRetriesMetric(name: string): CounterMetric;
  /**
   * controller-runtime's depth with a `priority` label (`workqueue_depth{priority}` of its priority
   * queue): the depth of the keys of one priority, made once per priority a priority queue sees.
   * Optional, so providers written before it still fit; `kube-rx/prometheus` implements it as
   * `kube_rx_workqueue_depth_by_priority{name, priority}`. A FIFO queue never calls it.
   * @since 0.3.0
   */
  newDepthWithPriorityMetric?(name: string, priority: number): GaugeMetric;
}
