/**
 * What an informer tells its subscribers: one change to one object, already applied to the store.
 *
 * - `Added` (`initial` is true for objects of the first list and for a late subscriber's replay).
 * - `Updated` with the `old` and the new `object`.
 * - `Deleted` with the last known `object`; `finalStateUnknown` when the delete was inferred from
 *   a relist (client-go's `DeletedFinalStateUnknown`) rather than seen.
 * - `Sync`: a periodic resync, or a relist that found the object unchanged.
 *
 * Maps to client-go's `ResourceEventHandler` calls `OnAdd(obj, isInInitialList)`,
 * `OnUpdate(old, new)`, `OnDelete(obj)`.
 *
 * @example
 * ```ts
 * import type { ResourceEvent, KubeObject } from 'kube-rx';
 * const describe = (e: ResourceEvent<KubeObject>) => `${e._tag} ${e.key}`;
 * ```
 * @category informer
 * @since 0.1.0
 */
export type ResourceEvent<T> =
  | { readonly _tag: 'Added'; readonly key: string; readonly object: T; readonly initial: boolean }
  | { readonly _tag: 'Updated'; readonly key: string; readonly old: T; readonly object: T; readonly initial: boolean }
  | {
      readonly _tag: 'Deleted';
      readonly key: string;
      readonly object: T;
      readonly finalStateUnknown: boolean;
      readonly initial: boolean;
    }
  | { readonly _tag: 'Sync'; readonly key: string; readonly object: T; readonly initial: boolean };
