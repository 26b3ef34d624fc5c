import { DEFAULT_PRIORITY } from './PriorityReadyQueue.js';

/**
 * A key with the priority it is queued at: what a key source gives a priority work queue
 * ({@link kube-rx!reconcileWith} with `priorityQueue`). A plain string key is a key at
 * {@link DEFAULT_PRIORITY}.
 *
 * Maps to controller-runtime's `AddWithOpts(priorityqueue.AddOpts{Priority: p}, req)`.
 *
 * ```
 * keys:  a  {key: b, priority: -100}     ≡ add(a, 0) add(b, -100)
 * ```
 *
 * @example
 * ```ts
 * import { LOW_PRIORITY, type PrioritizedKey } from 'kube-rx';
 * const k: PrioritizedKey = { key: 'ns/a', priority: LOW_PRIORITY };
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface PrioritizedKey {
  readonly key: string;
  readonly priority: number;
}

/**
 * The key of a work-queue input (a string or a {@link PrioritizedKey}).
 *
 * Maps to nothing (controller-runtime passes the priority beside the request).
 *
 * ```
 * keyOf('a') → 'a';   keyOf({ key: 'a', priority: -100 }) → 'a'
 * ```
 *
 * @example
 * ```ts
 * import { keyOf } from 'kube-rx';
 * keyOf({ key: 'ns/a', priority: 0 }); // 'ns/a'
 * ```
 * @category controller
 * @since 0.3.0
 */
export const keyOf = (k: string | PrioritizedKey): string => (typeof k === 'string' ? k : k.key);

/**
 * The priority of a work-queue input: {@link DEFAULT_PRIORITY} for a plain string.
 *
 * Maps to controller-runtime's zero `AddOpts.Priority` for a plain `Add`.
 *
 * ```
 * priorityOf('a') → 0;   priorityOf({ key: 'a', priority: -100 }) → -100
 * ```
 *
 * @example
 * ```ts
 * import { priorityOf } from 'kube-rx';
 * priorityOf('ns/a'); // 0
 * ```
 * @category controller
 * @since 0.3.0
 */
export const priorityOf = (k: string | PrioritizedKey): number => (typeof k === 'string' ? DEFAULT_PRIORITY : k.priority);
