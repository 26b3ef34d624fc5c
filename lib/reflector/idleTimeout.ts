import { Observable, of, type OperatorFunction, type SchedulerAction, type SchedulerLike, timeout } from 'rxjs';

/**
 * Ends a stream that stays silent for `idleMs`: when no value arrived for `idleMs` (counted from
 * the subscription, then from each value), unsubscribes from the source, emits `onIdle()` and
 * completes: the watchdog of the reflector's watches.
 *
 * The same output as rxjs `timeout({ each: idleMs, with: () => of(onIdle()), scheduler })`, at the
 * same moments, but without a timer per value: rxjs `timeout` cancels and re-arms a timer on every
 * value (a `setInterval`/`clearInterval` pair per watch event with the async scheduler). Here
 * each value only records `scheduler.now()`; one timer runs, and when it fires early (values came
 * meanwhile) it re-arms itself for the rest of the quiet period, so it fires exactly `idleMs`
 * after the last value. A non-positive `idleMs` is handed to rxjs `timeout` unchanged; `Infinity`
 * arms no timer at all (the source passes through untouched).
 *
 * Maps to nothing in client-go (its watch has no idle watchdog; a dead connection hangs until the
 * TCP keep-alive gives up).
 *
 * ```
 * idleMs = 5
 * source:  -a--b------------
 * output:  -a--b----(i|)          i = onIdle(), 5 frames after b
 * ```
 *
 * Algorithm: `last = now()` at subscription; schedule a check in `idleMs`. Each value sets
 * `last = now()` and passes through. A check computes `quiet = now() - last`: if `quiet >= idleMs`,
 * unsubscribe from the source, emit `onIdle()`, complete; otherwise re-schedule the check in
 * `idleMs - quiet`. Errors and completion of the source pass through and cancel the check.
 *
 * @example
 * ```ts
 * import { NEVER, asyncScheduler } from 'rxjs';
 * import { idleTimeout } from './idleTimeout.js';
 * NEVER.pipe(idleTimeout(1000, () => 'idle', asyncScheduler)).subscribe((v) => console.log(v)); // 'idle' after 1 s
 * ```
 * @category reflector
 * @since 0.2.0
 */
export const idleTimeout =
  <A, B>(idleMs: number, onIdle: () => B, scheduler: SchedulerLike): OperatorFunction<A, A | B> =>
  (source) => {
    if (idleMs === Number.POSITIVE_INFINITY) return source;
    if (!(idleMs > 0)) return source.pipe(timeout({ each: idleMs, with: () => of(onIdle()), scheduler }));
    return new Observable<A | B>((subscriber) => {
      let last = scheduler.now();
      const upstream = source.subscribe({
        next: (value) => {
          last = scheduler.now();
          subscriber.next(value);
        },
        error: (e: unknown) => {
          subscriber.error(e);
        },
        complete: () => {
          subscriber.complete();
        },
      });
      const check = function (this: SchedulerAction<undefined>): void {
        const quiet = scheduler.now() - last;
        if (quiet < idleMs) {
          this.schedule(undefined, idleMs - quiet);
          return;
        }
        upstream.unsubscribe();
        subscriber.next(onIdle());
        subscriber.complete();
      };
      // scheduled after subscribing, as rxjs `timeout` does; a no-op if the source already ended
      subscriber.add(scheduler.schedule(check, idleMs));
      return upstream;
    });
  };
