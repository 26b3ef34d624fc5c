import { asyncScheduler, defer, from, Observable, type ObservableInput, type ObservedValueOf, type SchedulerLike } from 'rxjs';


/**
 * Why a reconcile failed when it ran out of time: its signal was aborted after `timeoutMs` and
 * its run was ended. It is the `error` of the `Failed` {@link ReconcileEvent} (so it is counted
 * as an `error` in the reconcile metrics, logged as a failure, and the key is retried with its
 * per-item backoff) and the `reason` of the aborted signal.
 *
 * Maps to the `context.DeadlineExceeded` a controller-runtime reconciler sees when the
 * controller's `ReconciliationTimeout` passes.
 *
 * @example
 * ```ts
 * import { isReconcileTimeout, type ReconcileEvent } from 'kube-rx';
 * const timedOut = (e: ReconcileEvent): boolean => e._tag === 'Failed' && isReconcileTimeout(e.error);
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface ReconcileTimeout {
  readonly _tag: 'ReconcileTimeout';
  readonly key: string;
  readonly timeoutMs: number;
  readonly message: string;
}

/**
 * Builds a {@link ReconcileTimeout}.
 *
 * Maps to controller-runtime's `context.DeadlineExceeded` on the reconcile's context.
 *
 * @example
 * ```ts
 * import { reconcileTimeout } from 'kube-rx';
 * reconcileTimeout('ns/a', 5000).message; // 'reconcile of ns/a timed out after 5000 ms'
 * ```
 * @category controller
 * @since 0.3.0
 */
export const reconcileTimeout = (key: string, timeoutMs: number): ReconcileTimeout => ({
  _tag: 'ReconcileTimeout',
  key,
  timeoutMs,
  message: `reconcile of ${key} timed out after ${timeoutMs} ms`,
});

/**
 * Whether `u` is a {@link ReconcileTimeout}.
 *
 * Maps to `errors.Is(err, context.DeadlineExceeded)`.
 *
 * @example
 * ```ts
 * import { isReconcileTimeout, reconcileTimeout } from 'kube-rx';
 * isReconcileTimeout(reconcileTimeout('a', 1)); // true
 * isReconcileTimeout(new Error('boom')); // false
 * ```
 * @category controller
 * @since 0.3.0
 */
export const isReconcileTimeout = (u: unknown): u is ReconcileTimeout =>
  typeof u === 'object' && u !== null && '_tag' in u && u._tag === 'ReconcileTimeout';

/**
 * Bounds every run of `reconciler` (a {@link Reconciler}, or any function of a key and a signal;
 * a `void` result reads as `undefined`, so the result is a `Reconciler` again) to `timeoutMs`: the run gets its own signal, which aborts when
 * the outer signal aborts (shutdown) or, with a {@link ReconcileTimeout} as its reason, after
 * `timeoutMs` on `scheduler`; at that moment the run's Observable is unsubscribed and the run
 * errors with the {@link ReconcileTimeout}. {@link reconcileWith}'s `reconcileTimeoutMs` applies it.
 *
 * Maps to controller-runtime's `controller.Options.ReconciliationTimeout` (a `context.WithTimeout`
 * around each `Reconcile` call; off by default). Unlike Go, where a reconciler that ignores its
 * context keeps the worker busy, the run ends at the deadline: an Observable is cancelled; a
 * Promise cannot be, so a Promise reconciler should pass its signal to what it awaits.
 *
 * ```
 * reconciler:  ------r|         (takes 6 ms)
 * timeoutMs 4: ----#            #: ReconcileTimeout, the signal aborts at 4, the run is unsubscribed
 * ```
 *
 * Algorithm (per run): link a fresh `AbortController` to the outer signal; schedule the deadline;
 * subscribe to the reconciler; whichever comes first (a value, completion, an error, the deadline)
 * ends the run and cancels the other.
 *
 * Throws a `TypeError` when called if `timeoutMs` is not a finite number > 0.
 *
 * @example
 * ```ts
 * import { timer, map } from 'rxjs';
 * import { done, withReconcileTimeout, type Reconciler } from 'kube-rx';
 * const slow: Reconciler = () => timer(60_000).pipe(map(() => done));
 * const bounded: Reconciler = withReconcileTimeout(slow, 10_000);
 * ```
 * @category controller
 * @since 0.3.0
 */
export const withReconcileTimeout = <I extends ObservableInput<unknown>>(
  reconciler: (key: string, signal: AbortSignal) => I,
  timeoutMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): ((key: string, signal: AbortSignal) => Observable<Exclude<ObservedValueOf<I>, void> | undefined>) => {
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) throw new TypeError(`reconcileTimeoutMs must be a finite number > 0, got ${timeoutMs}`);
  return (key, outer) =>
    new Observable<Exclude<ObservedValueOf<I>, void> | undefined>((subscriber) => {
      const controller = new AbortController();
      const onAbort = (): void => {
        controller.abort(outer.reason);
      };
      if (outer.aborted) onAbort();
      else outer.addEventListener('abort', onAbort, { once: true });
      const deadline = scheduler.schedule(() => {
        const error = reconcileTimeout(key, timeoutMs);
        controller.abort(error);
        subscriber.error(error);
      }, timeoutMs);
      // a `void` value is `undefined` at run time
      const run = defer(() => from(reconciler(key, controller.signal)) as Observable<Exclude<ObservedValueOf<I>, void> | undefined>).subscribe(subscriber);
      return (): void => {
        deadline.unsubscribe();
        run.unsubscribe();
        outer.removeEventListener('abort', onAbort);
      };
    });
};
