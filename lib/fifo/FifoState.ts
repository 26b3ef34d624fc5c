import type { KeyFunc } from '../meta/keyFunc.js';
import type { Store } from '../store/Store.js';
import {
  type DeletedFinalStateUnknown,
  type Delta,
  type Deltas,
  type DeltaType,
  isDeletedFinalStateUnknown,
  newestObject,
} from './Delta.js';

/**
 * How a {@link FifoState} orders its entries.
 *
 * - `'key'` (client-go `DeltaFIFO`): one entry per key; new deltas for a waiting key coalesce into
 *   its entry, which keeps its place in the queue.
 * - `'global'` (client-go `RealFIFO`): one entry per delta, popped in arrival order; nothing
 *   coalesces except the consecutive-delete collapse.
 *
 * ```
 * input:   A(a1)  A(b1)  U(a2)
 * 'key':    a:[A a1, U a2]   b:[A b1]
 * 'global': a:[A a1]  b:[A b1]  a:[U a2]
 * ```
 *
 * @example
 * ```ts
 * import { type FifoOrder } from 'kube-rx';
 * import { fifoState } from 'kube-rx/reducers';
 * const order: FifoOrder = 'global';
 * fifoState.createFifoState(order).order; // 'global'
 * ```
 * @category fifo
 * @since 0.1.0
 */
export type FifoOrder = 'key' | 'global';

/**
 * The mutable state of one DeltaFIFO, owned by a single subscription of {@link kube-rx!deltaFifo} (or by a
 * test). Every function of this module mutates it in place: an Add, Update, Delete or Pop costs
 * O(1) whatever the number of cached objects (DESIGN F6); only {@link replace} and {@link resync}
 * walk the known keys.
 *
 * Maps to client-go's `cache.DeltaFIFO` (fields `items`, `queue`, `populated`,
 * `initialPopulationCount`) and, with `order: 'global'`, to `cache.RealFIFO`.
 *
 * Invariants:
 * - `items` never holds an empty array.
 * - Order `'key'`: a key is in `queue[head..]` if and only if it is in `items`, exactly once.
 * - Order `'global'`: a key occurs in `queue[head..]` exactly `items.get(key).length` times, once
 *   per pending delta, in arrival order.
 * - `queue[0..head)` is garbage awaiting compaction; compaction happens once `head` passes half
 *   of `queue.length`, so it is amortised O(1) per pop.
 * - `synced` implies {@link hasSynced}.
 *
 * ```
 * items: { 'ns/a': [Added a1, Updated a2], 'ns/b': [Deleted b1] }
 * queue: [ 'ns/x'(popped) | 'ns/a', 'ns/b' ]   head = 1
 * ```
 *
 * @example
 * ```ts
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState();
 * fifoState.addObject(s, { metadata: { name: 'a' } }, 'a');
 * fifoState.pop(s)?.deltas.length; // 1
 * ```
 * @category fifo
 * @since 0.1.0
 */
export interface FifoState<T> {
  /** Coalescing per key (`'key'`) or one entry per delta (`'global'`). */
  readonly order: FifoOrder;
  /** Pending deltas per key, oldest first. client-go `items`. */
  readonly items: Map<string, Delta<T>[]>;
  /** Keys in pop order from index `head` on. client-go `queue`. */
  readonly queue: string[];
  /** Index of the next key to pop in `queue`. */
  head: number;
  /** True once the first Replace, Add, Update or Delete has been queued. client-go `populated`. */
  populated: boolean;
  /** Entries of the first Replace not yet popped. client-go `initialPopulationCount`. */
  initialPopulationCount: number;
  /** True once a `Synced` signal has been handed out by {@link takeSynced}. */
  synced: boolean;
}

/**
 * One popped entry: a key with every delta it gathered while waiting.
 *
 * Maps to the arguments client-go's `DeltaFIFO.Pop` hands its `PopProcessFunc`
 * (`Deltas`, `isInInitialList`).
 *
 * ```
 * queue: [a]  items: a:[Added a1, Updated a2]  ── pop ──►  { key: 'a', deltas: [Added a1, Updated a2], isInInitialList }
 * ```
 *
 * @example
 * ```ts
 * import type { KubeObject } from 'kube-rx';
 * import type { FifoPopped } from 'kube-rx/reducers';
 * const p: FifoPopped<KubeObject> = { key: 'a', deltas: [], isInInitialList: false };
 * ```
 * @category fifo
 * @since 0.1.0
 */
export interface FifoPopped<T> {
  readonly key: string;
  /** Oldest first, never empty. In `'global'` order exactly one delta. */
  readonly deltas: Deltas<T>;
  /** True while the items of the first Replace are being delivered. */
  readonly isInInitialList: boolean;
}

/**
 * Creates an empty FIFO state.
 *
 * Maps to client-go's `NewDeltaFIFOWithOptions` (`order: 'key'`) and `NewRealFIFO`
 * (`order: 'global'`).
 *
 * ```
 * createFifoState() → items: {}, queue: [], populated: false, initialPopulationCount: 0
 * ```
 *
 * @example
 * ```ts
 * import { fifoState } from 'kube-rx/reducers';
 * fifoState.queueLength(fifoState.createFifoState('global')); // 0
 * ```
 * @category fifo
 * @since 0.1.0
 */
export const createFifoState = <T>(order: FifoOrder = 'key'): FifoState<T> => ({
  order,
  items: new Map(),
  queue: [],
  head: 0,
  populated: false,
  initialPopulationCount: 0,
  synced: false,
});

/**
 * The number of entries waiting to be popped (keys in `'key'` order, deltas in `'global'` order).
 * O(1).
 *
 * Maps to client-go's `len(f.queue)`.
 *
 * ```
 * queue: [ a(popped) | b, c ] → 2
 * ```
 *
 * @example
 * ```ts
 * import { fifoState } from 'kube-rx/reducers';
 * fifoState.queueLength(fifoState.createFifoState()); // 0
 * ```
 * @category fifo
 * @since 0.1.0
 */
export const queueLength = <T>(state: FifoState<T>): number => state.queue.length - state.head;

/**
 * Keeps one of two consecutive `Deleted` deltas, as client-go's `isDeletionDup` does: the older
 * one, unless the older one is a {@link DeletedFinalStateUnknown} tombstone, in which case the
 * newer one (a real final state carries more information than a tombstone). `undefined` when they
 * are not both deletions.
 */
const deletionDup = <T>(older: Delta<T>, newer: Delta<T>): Delta<T> | undefined => {
  if (older.type !== 'Deleted' || newer.type !== 'Deleted') return undefined;
  return isDeletedFinalStateUnknown(older.object) ? newer : older;
};

const enqueue = <T>(state: FifoState<T>, key: string): void => {
  state.queue.push(key);
};

/**
 * Queues one delta for `key`, collapsing two consecutive deletions into one.
 *
 * Maps to client-go's `DeltaFIFO.queueActionLocked` (with `dedupDeltas` / `isDeletionDup`).
 *
 * Algorithm:
 * 1. Let `pending = items[key]`.
 * 2. If there is none, set `items[key] = [delta]`, append `key` to the queue and stop.
 * 3. If the last pending delta and `delta` are both `Deleted`, keep the older one (or take the
 *    newer one when the older is a tombstone) and stop: nothing new is
 *    queued, and in `'global'` order the surviving deletion keeps the older one's place.
 * 4. Otherwise append `delta` to `pending`; in `'global'` order also append `key` to the queue
 *    (in `'key'` order the key is already queued, by the invariant).
 *
 * O(1). Does not touch `populated` (see {@link addObject} and friends).
 *
 * ```
 * a:[Deleted a1]    ── queueAction(Deleted, a2) ──►  a:[Deleted a1]
 * a:[Deleted DFSU]  ── queueAction(Deleted, a2) ──►  a:[Deleted a2]
 * a:[Added a1]    ── queueAction(Updated, a2) ──►  a:[Added a1, Updated a2]   queue unchanged ('key')
 * ```
 *
 * @example
 * ```ts
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState();
 * fifoState.queueAction(s, 'Deleted', { metadata: { name: 'a', resourceVersion: '1' } }, 'a');
 * fifoState.queueAction(s, 'Deleted', { metadata: { name: 'a', resourceVersion: '2' } }, 'a');
 * s.items.get('a')?.length; // 1
 * ```
 * @category fifo
 * @since 0.1.0
 */
export function queueAction<T>(
  state: FifoState<T>,
  type: 'Deleted',
  obj: T | DeletedFinalStateUnknown<T>,
  key: string,
): void;
export function queueAction<T>(state: FifoState<T>, type: Exclude<DeltaType, 'Deleted'>, obj: T, key: string): void;
export function queueAction<T>(
  state: FifoState<T>,
  type: DeltaType,
  obj: T | DeletedFinalStateUnknown<T>,
  key: string,
): void {
  // The overloads guarantee that only a `Deleted` delta may carry a tombstone.
  const delta = { type, object: obj } as Delta<T>;
  const pending = state.items.get(key);
  const last = pending?.[pending.length - 1];
  if (pending === undefined || last === undefined) {
    state.items.set(key, [delta]);
    enqueue(state, key);
    return;
  }
  const kept = deletionDup(last, delta);
  if (kept !== undefined) {
    pending[pending.length - 1] = kept;
    return;
  }
  pending.push(delta);
  if (state.order === 'global') enqueue(state, key);
}

/**
 * Queues an `Added` delta (a watch `ADDED` event). O(1).
 *
 * Maps to client-go's `DeltaFIFO.Add`.
 *
 * Algorithm:
 * 1. Set `populated = true`.
 * 2. {@link queueAction}(`Added`, `obj`, `key`).
 *
 * ```
 * {}  ── addObject(a1) ──►  a:[Added a1]   queue: [a]
 * ```
 *
 * @example
 * ```ts
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState();
 * fifoState.addObject(s, { metadata: { name: 'a' } }, 'a');
 * s.items.get('a')?.[0]?.type; // 'Added'
 * ```
 * @category fifo
 * @since 0.1.0
 */
export const addObject = <T>(state: FifoState<T>, obj: T, key: string): void => {
  state.populated = true;
  queueAction(state, 'Added', obj, key);
};

/**
 * Queues an `Updated` delta (a watch `MODIFIED` event). O(1).
 *
 * Maps to client-go's `DeltaFIFO.Update`.
 *
 * Algorithm:
 * 1. Set `populated = true`.
 * 2. {@link queueAction}(`Updated`, `obj`, `key`).
 *
 * ```
 * a:[Added a1]  ── updateObject(a2) ──►  a:[Added a1, Updated a2]
 * ```
 *
 * @example
 * ```ts
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState();
 * fifoState.updateObject(s, { metadata: { name: 'a' } }, 'a');
 * s.items.get('a')?.[0]?.type; // 'Updated'
 * ```
 * @category fifo
 * @since 0.1.0
 */
export const updateObject = <T>(state: FifoState<T>, obj: T, key: string): void => {
  state.populated = true;
  queueAction(state, 'Updated', obj, key);
};

/**
 * Queues a `Deleted` delta (a watch `DELETED` event), unless the key is unknown. O(1).
 *
 * Maps to client-go's `DeltaFIFO.Delete`.
 *
 * Algorithm:
 * 1. Set `populated = true`.
 * 2. If `knownObjects` is given and `key` is neither in it (`has`) nor pending in `items`, drop
 *    the deletion and stop: it was already reported, e.g. by a relist (DESIGN F2).
 * 3. {@link queueAction}(`Deleted`, `obj`, `key`), which collapses it into a pending deletion.
 *
 * Without `knownObjects` every deletion is queued (client-go drops those not pending, which only
 * makes sense for a FIFO whose consumer keeps no store).
 *
 * ```
 * known: {a}   {}          ── deleteObject(a1) ──►  a:[Deleted a1]
 * known: {}    {}          ── deleteObject(a1) ──►  {}                (dropped)
 * known: {}    a:[Added a0] ── deleteObject(a1) ──►  a:[Added a0, Deleted a1]
 * ```
 *
 * @example
 * ```ts
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState();
 * const known = { get: () => undefined, has: () => false, list: () => [], listKeys: () => [], size: 0 };
 * fifoState.deleteObject(s, { metadata: { name: 'a' } }, 'a', known);
 * fifoState.queueLength(s); // 0
 * ```
 * @category fifo
 * @since 0.1.0
 */
export const deleteObject = <T>(state: FifoState<T>, obj: T, key: string, knownObjects?: Store<T>): void => {
  state.populated = true;
  if (knownObjects !== undefined && !state.items.has(key) && !knownObjects.has(key)) return;
  queueAction(state, 'Deleted', obj, key);
};

/**
 * Queues a complete list: every listed object becomes `Replaced`, and every key known or pending
 * but absent from the list becomes a `Deleted` {@link DeletedFinalStateUnknown} tombstone
 * (DESIGN F3). O(list + known + pending).
 *
 * Maps to client-go's `DeltaFIFO.Replace` with `EmitDeltaTypeReplaced: true`.
 *
 * Algorithm:
 * 1. For each listed object, in list order, {@link queueAction}(`Replaced`, obj, keyFunc(obj)),
 *    remembering its key.
 * 2. For each key pending in `items` and not listed: queue `Deleted` with
 *    `{ key, obj: newest pending object }` (a pending tombstone is unwrapped; a pending deletion
 *    absorbs the new tombstone, see {@link queueAction}).
 * 3. For each key of `knownObjects.listKeys()` not listed and not pending: queue `Deleted` with
 *    `{ key, obj: knownObjects.get(key) }` (skipped if the store no longer has it).
 * 4. If not `populated` yet: set `populated = true` and `initialPopulationCount` to the number of
 *    queued entries.
 *
 * client-go's older `Replace` checked only the known keys, leaving a pending `Added` of a vanished
 * object in the queue; kube-rx checks the union of known and pending keys.
 *
 * ```
 * known: {a, b}   items: c:[Added c1]
 *     ── replace([a2]) ──►
 * items: a:[Replaced a2], c:[Added c1, Deleted DFSU(c, c1)], b:[Deleted DFSU(b, b0)]
 * ```
 *
 * @example
 * ```ts
 * import { type KubeObject, metaNamespaceKeyFunc } from 'kube-rx';
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState<KubeObject>();
 * fifoState.replace(s, [{ metadata: { name: 'a' } }], metaNamespaceKeyFunc);
 * s.initialPopulationCount; // 1
 * fifoState.hasSynced(s); // false until it is popped
 * ```
 * @category fifo
 * @since 0.1.0
 */
export const replace = <T>(
  state: FifoState<T>,
  items: ReadonlyArray<T>,
  keyFunc: KeyFunc<T>,
  knownObjects?: Store<T>,
): void => {
  const listed = beginReplace(state);
  queueListed(state, listed, items, keyFunc);
  endReplace(state, listed, knownObjects);
};

/**
 * The listed keys of a {@link replace} in progress: `undefined` when nothing was pending as it
 * began (then every listed key is pending until {@link endReplace}, and no set is needed).
 */
export type ReplaceInProgress = Set<string> | undefined;

/**
 * Step 0 of {@link replace} applied in slices: what it must remember of the list while its items
 * are queued (see {@link ReplaceInProgress}). Call {@link queueListed} on consecutive slices of the
 * list, then {@link endReplace}, with nothing popped or queued in between: the state is then
 * exactly {@link replace}'s on the whole list.
 *
 * Maps to the first lines of client-go's `DeltaFIFO.Replace`.
 *
 * @example
 * ```ts
 * import { type KubeObject, metaNamespaceKeyFunc } from 'kube-rx';
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState<KubeObject>();
 * const listed = fifoState.beginReplace(s);
 * fifoState.queueListed(s, listed, [{ metadata: { name: 'a' } }], metaNamespaceKeyFunc);
 * fifoState.queueListed(s, listed, [{ metadata: { name: 'b' } }], metaNamespaceKeyFunc);
 * fifoState.endReplace(s, listed);
 * s.initialPopulationCount; // 2
 * ```
 * @category fifo
 * @since 0.3.0
 */
export const beginReplace = <T>(state: FifoState<T>): ReplaceInProgress =>
  // Only keys pending before this list can be pending and unlisted afterwards; with nothing
  // pending (the usual case: the informer's FIFO is drained at once) no set of listed keys is
  // needed. Every listed key is pending after step 1, so `items.has` also answers "listed" below.
  state.items.size > 0 ? new Set<string>() : undefined;

/**
 * Step 1 of {@link replace} for one slice of the list: queues `Replaced` for each object, in
 * order, and remembers its key in `listed`. O(slice).
 *
 * Maps to the loop over the list in client-go's `DeltaFIFO.Replace`.
 *
 * @example
 * ```ts
 * import { type KubeObject, metaNamespaceKeyFunc } from 'kube-rx';
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState<KubeObject>();
 * const listed = fifoState.beginReplace(s);
 * fifoState.queueListed(s, listed, [{ metadata: { name: 'a' } }], metaNamespaceKeyFunc);
 * fifoState.queueLength(s); // 1
 * ```
 * @category fifo
 * @since 0.3.0
 */
export const queueListed = <T>(state: FifoState<T>, listed: ReplaceInProgress, items: Iterable<T>, keyFunc: KeyFunc<T>): void => {
  for (const item of items) {
    const key = keyFunc(item);
    listed?.add(key);
    queueAction(state, 'Replaced', item, key);
  }
};

/**
 * Steps 2 to 4 of {@link replace}, once every slice of the list is queued: `Deleted` for every
 * pending or known key that was not listed, then the initial population count.
 *
 * Maps to the end of client-go's `DeltaFIFO.Replace`.
 *
 * @example
 * ```ts
 * import { type KubeObject } from 'kube-rx';
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState<KubeObject>();
 * fifoState.endReplace(s, fifoState.beginReplace(s));
 * s.populated; // true
 * ```
 * @category fifo
 * @since 0.3.0
 */
export const endReplace = <T>(state: FifoState<T>, listed: ReplaceInProgress, knownObjects?: Store<T>): void => {
  if (listed !== undefined && state.items.size > listed.size) {
    // Snapshot of the pending keys: queueing deletions below only touches existing keys.
    for (const [key, pending] of [...state.items]) {
      if (listed.has(key)) continue;
      const obj = newestObject(pending);
      if (obj === undefined) continue;
      queueAction(state, 'Deleted', { _tag: 'DeletedFinalStateUnknown', key, obj }, key);
    }
  }
  if (knownObjects !== undefined) {
    for (const key of knownObjects.listKeys()) {
      if (state.items.has(key)) continue;
      const obj = knownObjects.get(key);
      if (obj === undefined) continue;
      queueAction(state, 'Deleted', { _tag: 'DeletedFinalStateUnknown', key, obj }, key);
    }
  }
  if (!state.populated) {
    state.populated = true;
    state.initialPopulationCount = queueLength(state);
  }
};

/**
 * Queues a `Sync` delta, carrying the known object, for every known key with nothing pending
 * (DESIGN F4). A key with pending deltas is skipped: its consumer will see a fresher state anyway.
 * O(known). A no-op without `knownObjects`.
 *
 * Maps to client-go's `DeltaFIFO.Resync` (`syncKeyLocked`).
 *
 * Algorithm:
 * 1. For each key of `knownObjects.listKeys()`:
 *    1. if `items` has the key, skip it;
 *    2. let `obj = knownObjects.get(key)`; if absent, skip it;
 *    3. {@link queueAction}(`Sync`, obj, key).
 *
 * ```
 * known: {a: a1, b: b1}   items: b:[Updated b2]
 *     ── resync ──►
 * items: b:[Updated b2], a:[Sync a1]
 * ```
 *
 * @example
 * ```ts
 * import { fifoState } from 'kube-rx/reducers';
 * const a = { metadata: { name: 'a' } };
 * const known = { get: () => a, has: () => true, list: () => [a], listKeys: () => ['a'], size: 1 };
 * const s = fifoState.createFifoState<typeof a>();
 * fifoState.resync(s, known);
 * fifoState.queueLength(s); // 1
 * ```
 * @category fifo
 * @since 0.1.0
 */
export const resync = <T>(state: FifoState<T>, knownObjects?: Store<T>): void => {
  if (knownObjects === undefined) return;
  for (const key of knownObjects.listKeys()) {
    if (state.items.has(key)) continue;
    const obj = knownObjects.get(key);
    if (obj === undefined) continue;
    queueAction(state, 'Sync', obj, key);
  }
};

/**
 * True once every entry queued by the first Replace has been popped (DESIGN F5), or once an
 * Add/Update/Delete came before any Replace. O(1).
 *
 * Maps to client-go's `DeltaFIFO.HasSynced` (`populated && initialPopulationCount == 0`).
 *
 * ```
 * replace([a, b])  pop  pop
 * false ────────── false true
 * ```
 *
 * @example
 * ```ts
 * import { type KubeObject, metaNamespaceKeyFunc } from 'kube-rx';
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState<KubeObject>();
 * fifoState.replace(s, [], metaNamespaceKeyFunc);
 * fifoState.hasSynced(s); // true
 * ```
 * @category fifo
 * @since 0.1.0
 */
export const hasSynced = <T>(state: FifoState<T>): boolean => state.populated && state.initialPopulationCount === 0;

/**
 * Returns `true` exactly once: the first time it is called while {@link hasSynced} holds. The
 * operator calls it after every input and every pop to emit its single `Synced` signal.
 *
 * Maps to the moment client-go's `HasSynced` first returns true (what `WaitForCacheSync` waits for).
 *
 * Algorithm:
 * 1. If `synced` is set or {@link hasSynced} is false, return `false`.
 * 2. Set `synced = true` and return `true`.
 *
 * ```
 * hasSynced:   false true true
 * takeSynced:  false true false
 * ```
 *
 * @example
 * ```ts
 * import { type KubeObject, metaNamespaceKeyFunc } from 'kube-rx';
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState<KubeObject>();
 * fifoState.replace(s, [], metaNamespaceKeyFunc);
 * [fifoState.takeSynced(s), fifoState.takeSynced(s)]; // [true, false]
 * ```
 * @category fifo
 * @since 0.1.0
 */
export const takeSynced = <T>(state: FifoState<T>): boolean => {
  if (state.synced || !hasSynced(state)) return false;
  state.synced = true;
  return true;
};

/**
 * Removes and returns the head entry, or `undefined` when nothing is queued. O(1) amortised
 * (plus, in `'global'` order, the number of deltas still pending for the popped key).
 *
 * Maps to client-go's `DeltaFIFO.Pop` (and `RealFIFO.Pop` in `'global'` order).
 *
 * Algorithm:
 * 1. If the queue is empty, return `undefined`.
 * 2. Let `isInInitialList = !hasSynced(state)`, evaluated before step 4.
 * 3. Take `key = queue[head]`, advance `head`; compact the queue once `head` passes half of it.
 * 4. If `initialPopulationCount > 0`, decrement it.
 * 5. Order `'key'`: remove and return all of `items[key]`. Order `'global'`: remove and return
 *    only its first delta (dropping `items[key]` when it becomes empty).
 *
 * ```
 * queue: [a, b]  items: a:[Added a1, Updated a2], b:[Added b1]
 *     ── pop ──►  { key: a, deltas: [Added a1, Updated a2] }   queue: [b]
 * ```
 *
 * @example
 * ```ts
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState();
 * fifoState.addObject(s, { metadata: { name: 'a' } }, 'a');
 * fifoState.pop(s)?.key; // 'a'
 * fifoState.pop(s);      // undefined
 * ```
 * @category fifo
 * @since 0.1.0
 */
export const pop = <T>(state: FifoState<T>): FifoPopped<T> | undefined => {
  for (;;) {
    const key = state.queue[state.head];
    if (key === undefined) return undefined;
    const isInInitialList = !hasSynced(state);
    state.head += 1;
    if (state.head * 2 > state.queue.length) {
      state.queue.splice(0, state.head);
      state.head = 0;
    }
    if (state.initialPopulationCount > 0) state.initialPopulationCount -= 1;
    const pending = state.items.get(key);
    // Unreachable while the invariant holds; client-go likewise skips a key without items.
    if (pending === undefined) continue;
    if (state.order === 'key') {
      state.items.delete(key);
      return { key, deltas: pending, isInInitialList };
    }
    const first = pending.shift();
    if (pending.length === 0) state.items.delete(key);
    if (first === undefined) continue;
    return { key, deltas: [first], isInInitialList };
  }
};

/**
 * The fast lane of an idle FIFO: when nothing is queued, queuing one delta and popping it at
 * once gives a single-delta entry whose `isInInitialList` is known without touching the queue.
 * Returns that flag (and marks the state populated, as queuing would), or `undefined` when
 * something is queued, in which case the state is unchanged and the delta must be queued.
 *
 * Maps to nothing in client-go (whose `Pop` blocks on a condition variable); it is
 * {@link queueAction} followed by {@link pop} on an empty queue, without the `Map` and queue
 * writes (issue 23). The caller must only use it for a delta that would be queued (not a
 * deletion that {@link deleteObject} drops).
 *
 * Algorithm:
 * 1. If the queue or `items` is not empty, return `undefined`.
 * 2. Set `populated`; if `initialPopulationCount > 0`, decrement it (as {@link pop} does; with
 *    an empty queue it is 0).
 * 3. Return `!hasSynced(state)` as evaluated before step 2's decrement, which is what
 *    {@link pop} would report.
 *
 * ```
 * queue: []  ── passThrough ──►  false   (same as addObject + pop: { deltas: [Added a], isInInitialList: false })
 * queue: [b] ── passThrough ──►  undefined  (queue it)
 * ```
 *
 * @example
 * ```ts
 * import { fifoState } from 'kube-rx/reducers';
 * const s = fifoState.createFifoState();
 * fifoState.passThrough(s); // false: a delta now would be delivered as it is, after the sync
 * ```
 * @category fifo
 * @since 0.3.0
 */
export const passThrough = <T>(state: FifoState<T>): boolean | undefined => {
  if (state.queue.length !== state.head || state.items.size !== 0) return undefined;
  state.populated = true;
  const isInInitialList = !hasSynced(state);
  if (state.initialPopulationCount > 0) state.initialPopulationCount -= 1;
  return isInInitialList;
};
