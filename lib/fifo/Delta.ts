/**
 * The kind of change a {@link Delta} records.
 *
 * Maps to client-go's `cache.DeltaType` (`Added`, `Updated`, `Deleted`, `Replaced`, `Sync`).
 *
 * @category fifo
 * @since 0.1.0
 */
export type DeltaType = 'Added' | 'Updated' | 'Deleted' | 'Replaced' | 'Sync';

/**
 * Stands for an object that was deleted while the watch was down: the relist no longer has it,
 * and `obj` is the last state the cache knew.
 *
 * Maps to client-go's `cache.DeletedFinalStateUnknown`.
 *
 * @example
 * ```ts
 * import type { DeletedFinalStateUnknown, KubeObject } from 'kube-rx';
 * const t: DeletedFinalStateUnknown<KubeObject> = { _tag: 'DeletedFinalStateUnknown', key: 'ns/a', obj: { metadata: { name: 'a', namespace: 'ns' } } };
 * ```
 * @category fifo
 * @since 0.1.0
 */
export interface DeletedFinalStateUnknown<T> {
  readonly _tag: 'DeletedFinalStateUnknown';
  readonly key: string;
  readonly obj: T;
}

/**
 * Type guard for {@link DeletedFinalStateUnknown}.
 *
 * @example
 * ```ts
 * import { isDeletedFinalStateUnknown } from 'kube-rx';
 * isDeletedFinalStateUnknown({ metadata: { name: 'a' } }); // false
 * ```
 * @category fifo
 * @since 0.1.0
 */
export const isDeletedFinalStateUnknown = <T>(o: T | DeletedFinalStateUnknown<T>): o is DeletedFinalStateUnknown<T> =>
  typeof o === 'object' && o !== null && (o as { readonly _tag?: unknown })._tag === 'DeletedFinalStateUnknown';

/**
 * One change to one object. A `Deleted` delta may carry a {@link DeletedFinalStateUnknown}.
 *
 * Maps to client-go's `cache.Delta{Type, Object}`.
 *
 * @example
 * ```ts
 * import type { Delta, KubeObject } from 'kube-rx';
 * const d: Delta<KubeObject> = { type: 'Added', object: { metadata: { name: 'a' } } };
 * ```
 * @category fifo
 * @since 0.1.0
 */
export type Delta<T> =
  | { readonly type: 'Added' | 'Updated' | 'Replaced' | 'Sync'; readonly object: T }
  | { readonly type: 'Deleted'; readonly object: T | DeletedFinalStateUnknown<T> };

/**
 * The deltas of one key, oldest first.
 *
 * Maps to client-go's `cache.Deltas`.
 *
 * @category fifo
 * @since 0.1.0
 */
export type Deltas<T> = ReadonlyArray<Delta<T>>;

/**
 * The newest object a list of deltas knows for its key (unwrapping a tombstone), or `undefined`.
 *
 * Maps to client-go's `Deltas.Newest()`.
 *
 * @example
 * ```ts
 * import { newestObject } from 'kube-rx';
 * newestObject([{ type: 'Added', object: { metadata: { name: 'a' } } }])?.metadata.name; // 'a'
 * ```
 * @category fifo
 * @since 0.1.0
 */
export const newestObject = <T>(deltas: Deltas<T>): T | undefined => {
  const d = deltas[deltas.length - 1];
  if (d === undefined) return undefined;
  return isDeletedFinalStateUnknown(d.object) ? d.object.obj : d.object;
};
