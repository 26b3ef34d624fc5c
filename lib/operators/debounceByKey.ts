import { asyncScheduler, type MonoTypeOperatorFunction, Observable, type Observer, type SchedulerLike, type Subscription } from 'rxjs';

import { createDebounceState, type DebounceTiming, fire, flush, trigger, validateTiming } from './DebounceState.js';

/**
 * Options of {@link debounceByKey}: the {@link DebounceTiming}, the key of a value, the scheduler
 * of the timers, and an observer of the number of pending keys (a gauge).
 *
 * Maps to kube-rs's `controller::Config::debounce`.
 *
 * ```
 * ms 3:  a-a---    →  -----a
 * ```
 *
 * @example
 * ```ts
 * import type { DebounceByKeyConfig } from 'kube-rx';
 * const config: DebounceByKeyConfig<{ key: string }> = { ms: 200, maxWaitMs: 2_000, keyOf: (v) => v.key };
 * ```
 * @category operators
 * @since 0.3.0
 */
export interface DebounceByKeyConfig<T> extends DebounceTiming {
  /** The key of a value (default: the value itself, for a stream of keys). */
  readonly keyOf?: (value: T) => string;
  /** Every timer runs on it (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
  /** Told the number of pending keys whenever it changes. */
  readonly pending?: Pick<Observer<number>, 'next'>;
}

/**
 * Per-key debounce: a key's value is emitted only after `ms` without a new value for that key,
 * but never later than `maxWaitMs` after the first value of its burst; keys do not delay each
 * other. The latest value of the burst is emitted.
 *
 * Maps to kube-rs's `Controller` `debounce` (its scheduler holds a key back while triggers keep
 * coming) with lodash's `maxWait` bound, which kube-rs lacks (a steady stream would hold a key
 * forever). rxjs's `debounceTime` is the same for a single key.
 *
 * Quiet period 3 (`ms: 3`): `a` goes out 3 frames after its last trigger; `b` is independent.
 * ```
 * source:  a-a-b----a---|
 * out:     -----a-b----a|
 * ```
 * With `maxWaitMs: 5`, a steady stream of `a` still lets `a` out every 5 frames:
 * ```
 * source:  aaaaaaaaaaaa|
 * out:     -----a-----a|
 * ```
 *
 * Completion: the pending keys are flushed (emitted at once, in the order their bursts began),
 * then the output completes: debouncing delays work, it never loses it. An error is passed on at
 * once and the pending keys are dropped (as `debounceTime` does). Unsubscribing drops them (and
 * reports 0 pending).
 *
 * Algorithm: a {@link kube-rx/reducers!DebounceState} (per subscription) holds, per pending key, its burst's start,
 * due time and latest value. A value updates it in O(1) ({@link trigger}); a key that was not
 * pending gets one timer, at its due time. A trigger never moves the timer: when it fires,
 * {@link fire} either releases the key or tells the new due time, and the timer is scheduled once
 * more for it. So each value costs O(1), and each key at most `1 + burst length / ms` timers.
 *
 * Throws a `TypeError` when called if `ms` is not > 0 or `maxWaitMs` is below `ms`.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { debounceByKey } from 'kube-rx';
 * of('ns/a', 'ns/b', 'ns/a').pipe(debounceByKey({ ms: 100 })).subscribe((key) => console.log(key));
 * // (on completion) ns/a, ns/b
 * ```
 * @category operators
 * @since 0.3.0
 */
export const debounceByKey = <T = string>(config: DebounceByKeyConfig<T>): MonoTypeOperatorFunction<T> => {
  validateTiming(config);
  const { scheduler = asyncScheduler, pending } = config;
  const keyOf = config.keyOf ?? ((value: T): string => String(value));
  return (source) =>
    new Observable<T>((subscriber) => {
      const state = createDebounceState<T>();
      const timers = new Map<string, Subscription>();
      const report = (): void => {
        pending?.next(state.pending.size);
      };
      const arm = (key: string, dueAt: number): void => {
        timers.set(
          key,
          scheduler.schedule(() => {
            const outcome = fire(state, key, scheduler.now());
            if (outcome._tag === 'Wait') {
              arm(key, outcome.dueAt);
              return;
            }
            timers.delete(key);
            if (outcome._tag === 'Emit') {
              report();
              subscriber.next(outcome.value);
            }
          }, Math.max(0, dueAt - scheduler.now())),
        );
      };
      const dropTimers = (): void => {
        for (const t of timers.values()) t.unsubscribe();
        timers.clear();
      };
      const subscription = source.subscribe({
        next: (value) => {
          const key = keyOf(value);
          const outcome = trigger(state, config, key, value, scheduler.now());
          if (outcome._tag === 'Schedule') {
            report();
            arm(key, outcome.dueAt);
          }
        },
        error: (error: unknown) => {
          dropTimers();
          flush(state);
          report();
          subscriber.error(error);
        },
        complete: () => {
          dropTimers();
          const values = flush(state);
          if (values.length > 0) report();
          for (const value of values) subscriber.next(value);
          subscriber.complete();
        },
      });
      return (): void => {
        subscription.unsubscribe();
        dropTimers();
        if (state.pending.size > 0) {
          flush(state);
          report();
        }
      };
    });
};
