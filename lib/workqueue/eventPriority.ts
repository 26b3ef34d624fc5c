import type { ResourceEvent } from '../informer/ResourceEvent.js';
import { DEFAULT_PRIORITY, LOW_PRIORITY } from './PriorityReadyQueue.js';

/**
 * The priority at which an informer event queues its keys in a priority work queue: the initial
 * list (and a late subscriber's replay, `initial: true`) and `Sync` (a periodic resync, or a relist
 * that found the object unchanged) go in at {@link LOW_PRIORITY}; every live change (`Added`,
 * `Updated`, `Deleted`, including a change a relist found) at {@link DEFAULT_PRIORITY}.
 *
 * Maps to controller-runtime's `handler.TypedFuncs` rule with a priority queue: `LowPriority` for a
 * create event with `IsInInitialList` and for an update whose old and new resourceVersion are
 * equal (a resync), the default priority otherwise. (kube-rx's informer turns an update with an
 * unchanged resourceVersion into `Sync`.)
 *
 * ```
 * Added(initial) Sync  → -100      Added Updated Deleted → 0
 * ```
 *
 * @example
 * ```ts
 * import { eventPriority, type KubeObject, type ResourceEvent } from 'kube-rx';
 * const e: ResourceEvent<KubeObject> = { _tag: 'Sync', key: 'ns/a', object: { metadata: { name: 'a' } }, initial: false };
 * eventPriority(e); // -100
 * ```
 * @category controller
 * @since 0.3.0
 */
export const eventPriority = <T>(e: ResourceEvent<T>): number => (e.initial || e._tag === 'Sync' ? LOW_PRIORITY : DEFAULT_PRIORITY);
