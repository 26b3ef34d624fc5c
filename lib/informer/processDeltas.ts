import { isDeletedFinalStateUnknown, type Deltas } from '../fifo/Delta.js';
import { type KubeObject, resourceVersionOf } from '../meta/KubeObject.js';
import type { IndexerWriter } from '../store/Store.js';
import type { ResourceEvent } from './ResourceEvent.js';

/**
 * Applies the deltas of one key to the store, then tells `emit` what happened, one
 * {@link ResourceEvent} per delta. The store is written before each event is emitted, so a
 * subscriber that reads the store sees (at least) the object it is told about (S2).
 *
 * Maps to client-go's `processDeltas` (`controller.go`) as called by
 * `sharedIndexInformer.HandleDeltas`.
 *
 * Algorithm, for each delta in order:
 * 1. `Deleted`: unwrap a `DeletedFinalStateUnknown` tombstone; remove the key; emit `Deleted`
 *    with the last known object and `finalStateUnknown` set for tombstones.
 * 2. `Added`, `Updated`, `Replaced`, `Sync`: write the new object under the key (`upsertAt`: the
 *    key is not computed again, and the object it replaced comes back: one lookup, not two).
 *    - No old object: emit `Added`.
 *    - `Sync`, or `Replaced` with an unchanged resourceVersion (a relist that found nothing new):
 *      emit `Sync`; subscribers get these only when they are due for a resync.
 *    - Otherwise emit `Updated` with old and new.
 *
 * Cost: O(1) in the number of stored objects (plus index maintenance of the object itself).
 *
 * @example
 * ```ts
 * import { createIndexer, type ResourceEvent, type KubeObject } from 'kube-rx';
 * import { processDeltas } from 'kube-rx/reducers';
 * const store = createIndexer<KubeObject>();
 * const out: ResourceEvent<KubeObject>[] = [];
 * processDeltas(store, 'a', [{ type: 'Added', object: { metadata: { name: 'a', resourceVersion: '1' } } }], true, (e) => out.push(e));
 * out[0]?._tag; // 'Added'
 * ```
 * @category informer
 * @since 0.1.0
 */
export const processDeltas = <T extends KubeObject>(
  store: IndexerWriter<T>,
  key: string,
  deltas: Deltas<T>,
  initial: boolean,
  emit: (event: ResourceEvent<T>) => void,
): void => {
  for (const d of deltas) {
    if (d.type === 'Deleted') {
      const tombstone = isDeletedFinalStateUnknown(d.object);
      const object = isDeletedFinalStateUnknown(d.object) ? d.object.obj : d.object;
      store.delete(key);
      emit({ _tag: 'Deleted', key, object, finalStateUnknown: tombstone, initial });
      continue;
    }
    const object = d.object;
    const old = store.upsertAt(key, object);
    if (old === undefined) {
      emit({ _tag: 'Added', key, object, initial });
    } else if (
      d.type === 'Sync' ||
      (d.type === 'Replaced' && resourceVersionOf(old) !== '' && resourceVersionOf(old) === resourceVersionOf(object))
    ) {
      emit({ _tag: 'Sync', key, object, initial });
    } else {
      emit({ _tag: 'Updated', key, old, object, initial });
    }
  }
};
