/**
 * A counter: a value that only goes up.
 *
 * Maps to client-go's `workqueue.CounterMetric` / `cache.CounterMetric` (`Inc()`), and to a
 * Prometheus counter.
 *
 * @example
 * ```ts
 * import type { CounterMetric } from 'kube-rx';
 * let adds = 0;
 * const counter: CounterMetric = { inc: () => { adds += 1; } };
 * ```
 * @category metrics
 * @since 0.2.0
 */
export interface CounterMetric {
  inc(): void;
}

/**
 * A gauge moved up and down by one (a queue's depth, the number of busy workers).
 *
 * Maps to client-go's `workqueue.GaugeMetric` (`Inc()`, `Dec()`), and to a Prometheus gauge.
 *
 * @example
 * ```ts
 * import type { GaugeMetric } from 'kube-rx';
 * let depth = 0;
 * const gauge: GaugeMetric = { inc: () => { depth += 1; }, dec: () => { depth -= 1; } };
 * ```
 * @category metrics
 * @since 0.2.0
 */
export interface GaugeMetric {
  inc(): void;
  dec(): void;
}

/**
 * A gauge set to a value (seconds of unfinished work, the last resourceVersion).
 *
 * Maps to client-go's `workqueue.SettableGaugeMetric` and the reflector's `cache.GaugeMetric`
 * (`Set(float64)`), and to a Prometheus gauge.
 *
 * @example
 * ```ts
 * import type { SettableGaugeMetric } from 'kube-rx';
 * let last = 0;
 * const gauge: SettableGaugeMetric = { set: (value) => { last = value; } };
 * ```
 * @category metrics
 * @since 0.2.0
 */
export interface SettableGaugeMetric {
  set(value: number): void;
}

/**
 * A distribution of observed values. Durations are observed in seconds, as client-go does.
 *
 * Maps to client-go's `workqueue.HistogramMetric` and the reflector's `cache.SummaryMetric`
 * (`Observe(float64)`), and to a Prometheus histogram or summary.
 *
 * @example
 * ```ts
 * import type { HistogramMetric } from 'kube-rx';
 * const seen: number[] = [];
 * const histogram: HistogramMetric = { observe: (value) => { seen.push(value); } };
 * ```
 * @category metrics
 * @since 0.2.0
 */
export interface HistogramMetric {
  observe(value: number): void;
}
