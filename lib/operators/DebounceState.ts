/**
 * The timing of a per-key debounce: a key is released `ms` after its last trigger, but never later
 * than `maxWaitMs` after the first trigger of its burst.
 *
 * Maps to kube-rs's `Config::debounce` (the quiet period; kube-rs has no upper bound) and lodash's
 * `debounce(f, wait, { maxWait })`.
 *
 * ```
 * ms 3, maxWaitMs 5:  triggers a-a-a-a-a     key out: -----a (at 5: the bound, although triggers go on)
 * ```
 *
 * @example
 * ```ts
 * import type { DebounceTiming } from 'kube-rx';
 * const timing: DebounceTiming = { ms: 500, maxWaitMs: 5_000 };
 * ```
 * @category operators
 * @since 0.3.0
 */
export interface DebounceTiming {
  /** The quiet period: how long a key must see no new trigger (> 0). */
  readonly ms: number;
  /** The bound: a burst lasts at most this long after its first trigger (>= `ms`; default: no bound). */
  readonly maxWaitMs?: number;
}

/**
 * One pending key: when its burst began, when it is due, and its latest value.
 *
 * @category operators
 * @since 0.3.0
 */
export interface DebounceEntry<T> {
  readonly firstAt: number;
  dueAt: number;
  value: T;
}

/**
 * The mutable state of one {@link kube-rx!debounceByKey} subscription (or of a test): the pending keys in
 * the order their bursts began. The functions of this module read or mutate it in place, each in
 * O(1) (a `Map` lookup and update); a trigger never moves a timer, it only moves the due time, and
 * the timer, when it fires early, asks again ({@link fire}).
 *
 * Maps to the per-key timers of kube-rs's debounced scheduler (`runtime/scheduler.rs`).
 *
 * Invariant: for every entry, `firstAt <= dueAt <= firstAt + maxWaitMs`.
 *
 * ```
 * ms 3, maxWait 5:   trigger(a,0) → due 3   trigger(a,2) → due 5   trigger(a,4) → due 5 (bound)
 *                    fire(a,3) → Wait 5     fire(a,5) → Emit a
 * ```
 *
 * @example
 * ```ts
 * import { debounceState as d } from 'kube-rx/reducers';
 * const s = d.createDebounceState<string>();
 * d.trigger(s, { ms: 3 }, 'a', 'a', 0); // { _tag: 'Schedule', dueAt: 3 }
 * d.fire(s, 'a', 3); // { _tag: 'Emit', value: 'a' }
 * ```
 * @category operators
 * @since 0.3.0
 */
export interface DebounceState<T> {
  readonly pending: Map<string, DebounceEntry<T>>;
}

/**
 * What the caller of {@link trigger} must do: start a timer for a key that was not pending
 * (`Schedule`), or nothing, as its timer already runs (`Pending`).
 *
 * @category operators
 * @since 0.3.0
 */
export type TriggerOutcome = { readonly _tag: 'Schedule'; readonly dueAt: number } | { readonly _tag: 'Pending'; readonly dueAt: number };

/**
 * What a key's timer does when it fires: release the key's latest value (`Emit`), wait until its
 * due time moved by later triggers (`Wait`), or nothing (`Gone`: the key was flushed).
 *
 * @category operators
 * @since 0.3.0
 */
export type FireOutcome<T> =
  | { readonly _tag: 'Emit'; readonly value: T }
  | { readonly _tag: 'Wait'; readonly dueAt: number }
  | { readonly _tag: 'Gone' };

/**
 * Creates an empty state.
 *
 * ```
 * createDebounceState() → pending: {}
 * ```
 *
 * @example
 * ```ts
 * import { debounceState as d } from 'kube-rx/reducers';
 * d.createDebounceState<string>().pending.size; // 0
 * ```
 * @category operators
 * @since 0.3.0
 */
export const createDebounceState = <T>(): DebounceState<T> => ({ pending: new Map() });

/**
 * Checks a {@link DebounceTiming}; throws a `TypeError` naming the bad field.
 *
 * @example
 * ```ts
 * import { debounceState as d } from 'kube-rx/reducers';
 * d.validateTiming({ ms: 100, maxWaitMs: 1000 }); // ok
 * ```
 * @category operators
 * @since 0.3.0
 */
export const validateTiming = (timing: DebounceTiming): void => {
  const { ms, maxWaitMs } = timing;
  if (!(Number.isFinite(ms) && ms > 0)) throw new TypeError(`debounce ms must be a finite number > 0, got ${ms}`);
  if (maxWaitMs !== undefined && !(maxWaitMs >= ms)) throw new TypeError(`debounce maxWaitMs must be >= ms (${ms}), got ${maxWaitMs}`);
};

/**
 * A trigger of `key` at `now` carrying `value`: a new burst begins (due at `now + ms`, capped by
 * `now + maxWaitMs`), or the pending burst takes the value and its due time moves to
 * `min(now + ms, firstAt + maxWaitMs)`.
 *
 * ```
 * ms 3, maxWait 5:  trigger(a,0) → Schedule 3   trigger(a,4) → Pending 5
 * ```
 *
 * @example
 * ```ts
 * import { debounceState as d } from 'kube-rx/reducers';
 * const s = d.createDebounceState<number>();
 * d.trigger(s, { ms: 3, maxWaitMs: 5 }, 'a', 1, 0); // { _tag: 'Schedule', dueAt: 3 }
 * d.trigger(s, { ms: 3, maxWaitMs: 5 }, 'a', 2, 4); // { _tag: 'Pending', dueAt: 5 }
 * ```
 * @category operators
 * @since 0.3.0
 */
export const trigger = <T>(state: DebounceState<T>, timing: DebounceTiming, key: string, value: T, now: number): TriggerOutcome => {
  const bound = timing.maxWaitMs ?? Number.POSITIVE_INFINITY;
  const entry = state.pending.get(key);
  if (entry === undefined) {
    const dueAt = now + Math.min(timing.ms, bound);
    state.pending.set(key, { firstAt: now, dueAt, value });
    return { _tag: 'Schedule', dueAt };
  }
  entry.value = value;
  entry.dueAt = Math.max(entry.dueAt, Math.min(now + timing.ms, entry.firstAt + bound));
  return { _tag: 'Pending', dueAt: entry.dueAt };
};

/**
 * `key`'s timer fired at `now`: if the key is due, it leaves the state and its latest value is
 * released; if triggers moved its due time, the timer must wait again.
 *
 * ```
 * due 5:  fire(a,3) → Wait 5   fire(a,5) → Emit
 * ```
 *
 * @example
 * ```ts
 * import { debounceState as d } from 'kube-rx/reducers';
 * const s = d.createDebounceState<number>();
 * d.trigger(s, { ms: 3 }, 'a', 1, 0);
 * d.fire(s, 'a', 3); // { _tag: 'Emit', value: 1 }
 * d.fire(s, 'a', 3); // { _tag: 'Gone' }
 * ```
 * @category operators
 * @since 0.3.0
 */
export const fire = <T>(state: DebounceState<T>, key: string, now: number): FireOutcome<T> => {
  const entry = state.pending.get(key);
  if (entry === undefined) return { _tag: 'Gone' };
  if (entry.dueAt > now) return { _tag: 'Wait', dueAt: entry.dueAt };
  state.pending.delete(key);
  return { _tag: 'Emit', value: entry.value };
};

/**
 * Empties the state, returning the latest value of every pending key in the order their bursts
 * began (what {@link kube-rx!debounceByKey} emits when its source completes).
 *
 * ```
 * pending {a, b}:  flush() → [a, b]   pending {}
 * ```
 *
 * @example
 * ```ts
 * import { debounceState as d } from 'kube-rx/reducers';
 * const s = d.createDebounceState<string>();
 * d.trigger(s, { ms: 3 }, 'b', 'b', 0);
 * d.trigger(s, { ms: 3 }, 'a', 'a', 1);
 * d.flush(s); // ['b', 'a']
 * ```
 * @category operators
 * @since 0.3.0
 */
export const flush = <T>(state: DebounceState<T>): ReadonlyArray<T> => {
  const values = [...state.pending.values()].map((e) => e.value);
  state.pending.clear();
  return values;
};
