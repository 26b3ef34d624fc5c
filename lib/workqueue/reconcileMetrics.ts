import { defer, finalize, type MonoTypeOperatorFunction, tap } from 'rxjs';

import type { CounterMetric, GaugeMetric, HistogramMetric } from '../metrics/Metric.js';
import type { ReconcileMetricsProvider, ReconcileResultLabel } from '../metrics/ReconcileMetricsProvider.js';
import type { ReconcileEvent } from './ReconcileEvent.js';

/**
 * The `result` label of a reconcile that ended (`Succeeded` or `Failed`), or nothing for the
 * other events.
 *
 * Maps to the `result` label values chosen in controller-runtime's `reconcileHandler`.
 *
 * ```
 * Succeeded(Done) ──► 'success'   Succeeded(Requeue) ──► 'requeue'   Succeeded(RequeueAfter) ──► 'requeue_after'   Failed ──► 'error'
 * (a terminal failure too: controller-runtime counts it as `error` and in `terminal_reconcile_errors_total`)
 * ```
 *
 * @example
 * ```ts
 * import { reconcileResultLabel } from 'kube-rx';
 * reconcileResultLabel({ _tag: 'Failed', key: 'a', error: new Error('x'), retryInMs: 5, durationMs: 1 }); // 'error'
 * ```
 * @category metrics
 * @since 0.2.0
 */
export const reconcileResultLabel = (event: ReconcileEvent): ReconcileResultLabel | undefined => {
  switch (event._tag) {
    case 'Failed':
      return 'error';
    case 'Succeeded':
      return event.result._tag === 'Done' ? 'success' : event.result._tag === 'Requeue' ? 'requeue' : 'requeue_after';
    default:
      return undefined;
  }
};

const RESULTS: ReadonlyArray<ReconcileResultLabel> = ['success', 'error', 'requeue', 'requeue_after'];

/**
 * Measures a reconcile loop from its {@link ReconcileEvent}s: passes them through unchanged and
 * updates controller-runtime's reconcile metrics of `controller`. {@link reconcileWith} applies it
 * when its config has `metrics`; without, nothing is measured or paid.
 *
 * Maps to controller-runtime's `ReconcileTotal`, `ReconcileErrors`, `ReconcileTime` and
 * `ActiveWorkers` updates in `reconcileHandler` / `processNextWorkItem`.
 *
 * ```
 * events:   S(a)----OK(a, 40 ms)--S(b)--F(b, 5 ms)
 * metrics:  workers 1   0            1     0
 *           total{success}+1, time 0.04     total{error}+1, errors+1, time 0.005
 * ```
 *
 * Algorithm:
 * 1. On subscribe, make the metrics (every result label, so all series exist from the start).
 * 2. `Started`: active workers up.
 * 3. `Succeeded` / `Failed`: active workers down; count the result ({@link reconcileResultLabel});
 *    observe the duration in seconds; a failure also counts an error, a terminal failure also a
 *    terminal error (when the provider has that metric).
 * 4. `Aborted` (drain deadline): active workers down.
 * 5. When the stream ends or is unsubscribed, active workers go down by the runs still counted.
 *
 * @param provider - where the metrics come from (e.g. `prometheusMetrics()` of `kube-rx/prometheus`).
 * @param controller - the controller's name (the `controller` label).
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { done, noopMetrics, reconcileMetrics, reconcileWith } from 'kube-rx';
 * of('default/a').pipe(reconcileWith(() => of(done)), reconcileMetrics(noopMetrics, 'my-controller')).subscribe();
 * ```
 * @category metrics
 * @since 0.2.0
 */
export const reconcileMetrics =
  (provider: ReconcileMetricsProvider, controller: string): MonoTypeOperatorFunction<ReconcileEvent> =>
  (source) =>
    defer(() => {
      const total = new Map<ReconcileResultLabel, CounterMetric>(RESULTS.map((r) => [r, provider.newReconcileTotalMetric(controller, r)]));
      const errors: CounterMetric = provider.newReconcileErrorsMetric(controller);
      const terminalErrors: CounterMetric | undefined = provider.newTerminalReconcileErrorsMetric?.(controller);
      const time: HistogramMetric = provider.newReconcileTimeMetric(controller);
      const workers: GaugeMetric = provider.newActiveWorkersMetric(controller);
      let active = 0;
      const idle = (): void => {
        active -= 1;
        workers.dec();
      };
      return source.pipe(
        tap((event) => {
          switch (event._tag) {
            case 'Started':
              active += 1;
              workers.inc();
              return;
            case 'Succeeded':
            case 'Failed': {
              idle();
              const result = reconcileResultLabel(event);
              if (result !== undefined) total.get(result)?.inc();
              if (event._tag === 'Failed') errors.inc();
              if (event._tag === 'Failed' && event.terminal === true) terminalErrors?.inc();
              time.observe(event.durationMs / 1000);
              return;
            }
            case 'Aborted':
              idle();
              return;
            case 'Requeued':
              return;
          }
        }),
        finalize(() => {
          while (active > 0) idle();
        }),
      );
    });
