import type { KubeObject } from '../../meta/KubeObject.js';

/**
 * The kind of change a write made; the `type` of the watch event it becomes.
 *
 * Maps to `watch.EventType` (`Added | Modified | Deleted`).
 *
 * @category testing
 * @since 0.1.0
 */
export type StoredEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/**
 * One write, as kept in the event history that watches replay.
 *
 * Maps to the apiserver watch cache's `watchCacheEvent` (`Object`, `PrevObject`, `ResourceVersion`).
 *
 * @category testing
 * @since 0.1.0
 */
export interface StoredEvent {
  /** The global resourceVersion this write produced. */
  readonly rv: number;
  /** The resource's id (`configmaps`, `leases.coordination.k8s.io`). */
  readonly resource: string;
  /** The object's key: `ns/name`, or `name` when cluster-scoped. */
  readonly key: string;
  readonly type: StoredEventType;
  /** The object after the write; for DELETED, its last state stamped with the deletion's resourceVersion. */
  readonly object: KubeObject;
  /** The object before the write (MODIFIED and DELETED). */
  readonly prev?: KubeObject;
}

/**
 * The state of the embedded API server: every object of every resource, one global
 * resourceVersion counter (as etcd's revision), and a bounded history of writes.
 *
 * Invariants:
 * - every stored object's `metadata.resourceVersion` is the rv of the last event that wrote it;
 * - `history` holds, in order, every event with `rv > floor()`, and at most `historyLimit` of them;
 * - a watch or snapshot from `rv >= floor()` can be served; an older one is `410 Expired`.
 *
 * Maps to etcd (revision, compaction) plus kube-apiserver's watch cache (the history window).
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { createObjectStore } from './ObjectStore.js';
 * const store = createObjectStore(100);
 * store.write('configmaps', 'default/a', 'ADDED', (rv) => ({ metadata: { name: 'a', namespace: 'default', resourceVersion: rv } }));
 * store.currentRv(); // 2
 * ```
 * @category testing
 * @since 0.1.0
 */
export interface ObjectStore {
  /** The current global resourceVersion. */
  currentRv(): number;
  /** The oldest resourceVersion a watch or a snapshot may start from. */
  floor(): number;
  get(resource: string, key: string): KubeObject | undefined;
  /** The objects of a resource ordered by key (as etcd orders them). */
  list(resource: string): ReadonlyArray<readonly [string, KubeObject]>;
  /** The objects of a resource as they were at `rv` (by undoing history), or undefined if `rv < floor()`. */
  snapshotAt(resource: string, rv: number): ReadonlyArray<readonly [string, KubeObject]> | undefined;
  /** Every event with an rv greater than `rv`, or undefined if `rv < floor()`. */
  eventsAfter(rv: number): ReadonlyArray<StoredEvent> | undefined;
  /** Bumps the resourceVersion, builds the object for it, stores it and tells the listeners. */
  write(resource: string, key: string, type: StoredEventType, build: (rv: string) => KubeObject): StoredEvent;
  /** Forgets the whole history: floor becomes the current resourceVersion. */
  compact(): void;
  /** Calls `listener` synchronously after every write; returns the unsubscribe function. */
  subscribe(listener: (event: StoredEvent) => void): () => void;
}

/**
 * Creates an empty {@link ObjectStore} whose history keeps at most `historyLimit` events; its
 * resourceVersion starts at `1`.
 *
 * Maps to a fresh etcd plus watch cache.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { createObjectStore } from './ObjectStore.js';
 * createObjectStore(1000).currentRv(); // 1
 * ```
 * @category testing
 * @since 0.1.0
 */
export const createObjectStore = (historyLimit: number): ObjectStore => {
  const objects = new Map<string, Map<string, KubeObject>>();
  const listeners = new Set<(event: StoredEvent) => void>();
  let history: Array<StoredEvent> = [];
  let rv = 1;
  let floorRv = 1;

  const table = (resource: string): Map<string, KubeObject> => {
    const existing = objects.get(resource);
    if (existing !== undefined) return existing;
    const created = new Map<string, KubeObject>();
    objects.set(resource, created);
    return created;
  };
  const sorted = (m: ReadonlyMap<string, KubeObject>): ReadonlyArray<readonly [string, KubeObject]> =>
    [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  return {
    currentRv: () => rv,
    floor: () => floorRv,
    get: (resource, key) => objects.get(resource)?.get(key),
    list: (resource) => sorted(table(resource)),
    snapshotAt: (resource, at) => {
      if (at < floorRv) return undefined;
      const snapshot = new Map(table(resource));
      for (let i = history.length - 1; i >= 0; i--) {
        const e = history[i];
        if (e === undefined || e.rv <= at) break;
        if (e.resource !== resource) continue;
        if (e.type === 'ADDED' || e.prev === undefined) snapshot.delete(e.key);
        else snapshot.set(e.key, e.prev);
      }
      return sorted(snapshot);
    },
    eventsAfter: (after) => {
      if (after < floorRv) return undefined;
      // history is in rv order: binary search for the first event after `after`
      let lo = 0;
      let hi = history.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((history[mid]?.rv ?? Number.POSITIVE_INFINITY) > after) hi = mid;
        else lo = mid + 1;
      }
      return history.slice(lo);
    },
    write: (resource, key, type, build) => {
      rv += 1;
      const t = table(resource);
      const prev = t.get(key);
      const object = build(String(rv));
      if (type === 'DELETED') t.delete(key);
      else t.set(key, object);
      const event: StoredEvent = { rv, resource, key, type, object, ...(prev === undefined ? {} : { prev }) };
      history.push(event);
      while (history.length > historyLimit) {
        const dropped = history.shift();
        if (dropped !== undefined) floorRv = dropped.rv;
      }
      for (const l of [...listeners]) l(event);
      return event;
    },
    compact: () => {
      history = [];
      floorRv = rv;
    },
    subscribe: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
};
