import { distinctUntilChanged, EMPTY, endWith, type Observable, switchMap } from 'rxjs';

/**
 * Runs `work()` while `on$` says true: subscribes it when `on$` turns true, unsubscribes it the
 * moment `on$` turns false (or completes), and starts it afresh when `on$` turns true again.
 * Repeated values of `on$` change nothing; an error of `on$` or of the work ends the result.
 *
 * Maps to client-go's leader-election callbacks (`OnStartedLeading(ctx)`, with `ctx` cancelled
 * on `OnStoppedLeading`), the shape that {@link whileLeading} and {@link whileOwning} specialise.
 *
 * ```
 * on$:      f--t--t-----f----t---|
 * work():      ^--a--b--!    ^--a!
 * result:   ------a--b-----------a|
 * ```
 *
 * Algorithm: `on$` → `distinctUntilChanged` → `endWith(false)` → `switchMap(on ? work() : EMPTY)`.
 *
 * @example
 * ```ts
 * import { interval, timer, map } from 'rxjs';
 * import { whileTrue } from 'kube-rx';
 * // ticks during the first and third second only
 * const on$ = timer(0, 1000).pipe(map((n) => n % 2 === 0));
 * whileTrue(on$, () => interval(100)).subscribe(console.log);
 * ```
 * @category operators
 * @since 0.2.0
 */
export const whileTrue = <T>(on$: Observable<boolean>, work: () => Observable<T>): Observable<T> =>
  on$.pipe(
    distinctUntilChanged(),
    endWith(false),
    switchMap((on) => (on ? work() : EMPTY)),
  );
