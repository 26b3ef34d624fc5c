/**
 * The mutable state of one {@link kube-rx!coalesceByKey} subscription (or of a test): at most one waiting
 * value per key, handed out in the order the keys first arrived, and never a key that is still
 * running. The functions of this module read or mutate it in place, each in O(1).
 *
 * Maps to client-go's `workqueue.Typed` (`queue`, `dirty`, `processing`), carrying the latest
 * value of each key instead of the key alone, as the DeltaFIFO keeps one entry per key.
 *
 * Invariants:
 * - A key is in at most one of `queued` and `parked`; `waiting(s) <= ` the number of distinct keys.
 * - A key in `parked` is in `running` (it changed while running); a key in `queued` is not.
 *
 * ```
 * offer(a,1) offer(b,1) take()→a:1 offer(a,2) offer(b,2)   queued: {b:2}  parked: {a:2}  running: {a}
 * release(a)                                                 queued: {b:2, a:2}  running: {}
 * ```
 *
 * @example
 * ```ts
 * import { coalesceState as c } from 'kube-rx/reducers';
 * const s = c.createCoalesceState<number>();
 * c.offer(s, 'a', 1);
 * c.offer(s, 'a', 2);
 * c.take(s); // { key: 'a', value: 2 }
 * ```
 * @category operators
 * @since 0.2.0
 */
export interface CoalesceState<T> {
  /** One value per key, ready to be handed out, in order of first arrival (a `Map` keeps insertion order). */
  readonly queued: Map<string, T>;
  /** The latest value of a key that arrived while the key was running; queued when it is released. */
  readonly parked: Map<string, T>;
  /** Keys handed out by {@link take} and not yet {@link release}d. */
  readonly running: Set<string>;
}

/**
 * Creates an empty state.
 *
 * Maps to client-go's `workqueue.NewTyped`.
 *
 * ```
 * createCoalesceState() → queued: {}, parked: {}, running: {}
 * ```
 *
 * @example
 * ```ts
 * import { coalesceState as c } from 'kube-rx/reducers';
 * c.waiting(c.createCoalesceState()); // 0
 * ```
 * @category operators
 * @since 0.2.0
 */
export const createCoalesceState = <T>(): CoalesceState<T> => ({ queued: new Map(), parked: new Map(), running: new Set() });

/**
 * Keeps the latest value: the default way a new value replaces a waiting one.
 *
 * ```
 * latest(1, 2) → 2
 * ```
 *
 * @example
 * ```ts
 * import { coalesceState as c } from 'kube-rx/reducers';
 * c.latest('old', 'new'); // 'new'
 * ```
 * @category operators
 * @since 0.2.0
 */
export const latest = <T>(_waiting: T, next: T): T => next;

/**
 * Adds `value` for `key`. If a value of `key` already waits, it becomes `combine(waiting, value)`
 * and keeps its place; if `key` is running, the value is parked until {@link release}; otherwise
 * it is queued at the end. Returns whether the number of waiting values grew.
 *
 * Maps to client-go's `Typed.Add` (a key already dirty is not queued twice).
 *
 * ```
 * offer(a,1) offer(b,1) offer(a,2)   queued: {a:2, b:1}   (a keeps its place)
 * ```
 *
 * @example
 * ```ts
 * import { coalesceState as c } from 'kube-rx/reducers';
 * const s = c.createCoalesceState<string[]>();
 * c.offer(s, 'a', ['x']);
 * c.offer(s, 'a', ['y'], (w, v) => [...w, ...v]); // false: coalesced
 * s.queued.get('a'); // ['x', 'y']
 * ```
 * @category operators
 * @since 0.2.0
 */
export const offer = <T>(state: CoalesceState<T>, key: string, value: T, combine: (waiting: T, next: T) => T = latest): boolean => {
  const into = state.running.has(key) ? state.parked : state.queued;
  const grew = !into.has(key);
  into.set(key, grew ? value : combine(into.get(key) as T, value));
  return grew;
};

/**
 * Hands out the value of the key that has waited longest and marks the key running; `undefined`
 * when nothing is queued.
 *
 * Maps to client-go's `Typed.Get`.
 *
 * ```
 * queued: {a:2, b:1}   take() → { key: 'a', value: 2 }   queued: {b:1}   running: {a}
 * ```
 *
 * @example
 * ```ts
 * import { coalesceState as c } from 'kube-rx/reducers';
 * const s = c.createCoalesceState<number>();
 * c.take(s); // undefined
 * ```
 * @category operators
 * @since 0.2.0
 */
export const take = <T>(state: CoalesceState<T>): { readonly key: string; readonly value: T } | undefined => {
  const first = state.queued.entries().next();
  if (first.done === true) return undefined;
  const [key, value] = first.value;
  state.queued.delete(key);
  state.running.add(key);
  return { key, value };
};

/**
 * Marks `key` as no longer running; a value parked meanwhile is queued (at the end). Returns
 * whether one was.
 *
 * Maps to client-go's `Typed.Done`.
 *
 * ```
 * running: {a}  parked: {a:3}   release(a) → true   queued: {…, a:3}   running: {}
 * ```
 *
 * @example
 * ```ts
 * import { coalesceState as c } from 'kube-rx/reducers';
 * const s = c.createCoalesceState<number>();
 * c.offer(s, 'a', 1);
 * c.take(s);
 * c.offer(s, 'a', 2);
 * c.release(s, 'a'); // true: a:2 is queued
 * ```
 * @category operators
 * @since 0.2.0
 */
export const release = <T>(state: CoalesceState<T>, key: string): boolean => {
  state.running.delete(key);
  if (!state.parked.has(key)) return false;
  state.queued.set(key, state.parked.get(key) as T);
  state.parked.delete(key);
  return true;
};

/**
 * How many values wait (queued or parked): never more than the number of distinct keys.
 *
 * Maps to client-go's `Typed.Len` (plus keys dirty while processing).
 *
 * ```
 * queued: {b:2}  parked: {a:2}   waiting() → 2
 * ```
 *
 * @example
 * ```ts
 * import { coalesceState as c } from 'kube-rx/reducers';
 * const s = c.createCoalesceState<number>();
 * for (let i = 0; i < 1000; i++) c.offer(s, `k${i % 3}`, i);
 * c.waiting(s); // 3
 * ```
 * @category operators
 * @since 0.2.0
 */
export const waiting = <T>(state: CoalesceState<T>): number => state.queued.size + state.parked.size;

/**
 * Whether nothing waits and nothing runs.
 *
 * Maps to client-go's `Typed.Len() == 0` with no item processing.
 *
 * ```
 * createCoalesceState() → idle
 * ```
 *
 * @example
 * ```ts
 * import { coalesceState as c } from 'kube-rx/reducers';
 * c.isIdle(c.createCoalesceState()); // true
 * ```
 * @category operators
 * @since 0.2.0
 */
export const isIdle = <T>(state: CoalesceState<T>): boolean => waiting(state) === 0 && state.running.size === 0;
