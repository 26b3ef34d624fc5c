import { concat, defer, distinctUntilChanged, EMPTY, endWith, ignoreElements, type Observable, Subject, switchMap, take, takeUntil, tap } from 'rxjs';

/**
 * Options of {@link whileTrue}.
 *
 * @category operators
 * @since 0.3.0
 */
export interface WhileTrueOptions {
  /**
   * Stop following `on$` when this emits (or when `on$` completes), and drain: work that is running
   * then is left to finish (it is expected to wind down on the same signal) and the result completes
   * when it does; with nothing running it completes at once. Without it, `on$` completing stops the
   * work at once.
   */
  readonly stop$?: Observable<unknown>;
}

/**
 * Runs `work()` while `on$` says true: subscribes it when `on$` turns true, unsubscribes it the
 * moment `on$` turns false (or completes), and starts it afresh when `on$` turns true again.
 * Repeated values of `on$` change nothing; an error of `on$` or of the work ends the result. With
 * `stop$` ({@link WhileTrueOptions}), the end is a drain instead: after `stop$` the running work
 * is left to complete.
 *
 * Maps to client-go's leader-election callbacks (`OnStartedLeading(ctx)`, with `ctx` cancelled
 * on `OnStoppedLeading`), the shape that {@link whileLeading}, {@link whileOwning} and the
 * {@link controllerManager}'s leader and shard gates specialise.
 *
 * ```
 * on$:      f--t--t-----f----t---|
 * work():      ^--a--b--!    ^--a!
 * result:   ------a--b-----------a|
 *
 * with stop$ (drain):
 * on$:      t-----------
 * stop$:    ----s
 * work():   ^-a----b|          (winds down on stop$)
 * result:   --a----b|
 * ```
 *
 * Algorithm: `on$` (until `stop$`, then: if the work is running and has not completed, wait for
 * its completion) → `distinctUntilChanged` → `endWith(false)` → `switchMap(on ? work() : EMPTY)`.
 *
 * @example
 * ```ts
 * import { interval, timer, map, take } from 'rxjs';
 * import { whileTrue } from 'kube-rx';
 * // ticks during the first and third second only
 * const on$ = timer(0, 1000).pipe(map((n) => n % 2 === 0));
 * whileTrue(on$, () => interval(100)).subscribe(console.log);
 * // after 5 s: stop following on$, let a running burst of three ticks finish
 * whileTrue(on$, () => interval(100).pipe(take(3)), { stop$: timer(5000) }).subscribe(console.log);
 * ```
 * @category operators
 * @since 0.2.0
 */
export const whileTrue = <T>(on$: Observable<boolean>, work: () => Observable<T>, options: WhileTrueOptions = {}): Observable<T> =>
  defer(() => {
    const { stop$ } = options;
    let on = false;
    let workDone = false;
    const done$ = new Subject<void>();
    const run = (): Observable<T> => {
      workDone = false;
      return work().pipe(
        tap({
          complete: () => {
            workDone = true;
            done$.next();
          },
        }),
      );
    };
    const gate$ =
      stop$ === undefined
        ? on$
        : concat(
            on$.pipe(
              tap((v) => {
                on = v;
              }),
              takeUntil(stop$),
            ),
            defer(() => (on && !workDone ? done$.pipe(take(1), ignoreElements()) : EMPTY)),
          );
    return gate$.pipe(
      distinctUntilChanged(),
      endWith(false),
      switchMap((v) => (v ? run() : EMPTY)),
    );
  });
