import { type KeyFunc, metaNamespaceKeyFunc } from '../meta/keyFunc.js';
import type { KubeObject } from '../meta/KubeObject.js';
import { metaNamespaceIndexFunc, NamespaceIndex } from './indexFuncs.js';
import type { IndexFunc, Indexer, Indexers, IndexerWriter } from './Store.js';

/**
 * Options of {@link createIndexer}.
 *
 * Maps to the arguments of client-go's `cache.NewIndexer(keyFunc, indexers)`.
 *
 * @example
 * ```ts
 * import { labelIndexFunc, type IndexerConfig, type KubeObject } from 'kube-rx';
 * const config: IndexerConfig<KubeObject> = { indexers: { byApp: labelIndexFunc('app') } };
 * ```
 * @category store
 * @since 0.1.0
 */
export interface IndexerConfig<T> {
  /** The store key of an object; defaults to `metaNamespaceKeyFunc` (`namespace/name`). */
  readonly keyFunc?: KeyFunc<T>;
  /**
   * Extra named indexes. The `namespace` index ({@link NamespaceIndex}) is always present; an
   * entry under that name here replaces the built-in one.
   */
  readonly indexers?: Indexers<T>;
}

/** index value -> keys of the objects having that value. Invariant: no set is empty. */
type Index = Map<string, Set<string>>;

interface IndexEntry<T> {
  readonly fn: IndexFunc<T>;
  readonly index: Index;
}

const addKey = (index: Index, value: string, key: string): void => {
  const keys = index.get(value);
  if (keys === undefined) index.set(value, new Set([key]));
  else keys.add(key);
};

const removeKey = (index: Index, value: string, key: string): void => {
  const keys = index.get(value);
  if (keys === undefined) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(value);
};

/** A membership test over a small array without allocating; a Set for large ones. */
const memberOf = (values: ReadonlyArray<string>): ((v: string) => boolean) => {
  if (values.length > 16) {
    const set = new Set(values);
    return (v) => set.has(v);
  }
  return (v) => values.includes(v);
};

/** Moves `key` from the index values `before` to `after`, touching only the values that differ. */
const updateIndex = (
  index: Index,
  key: string,
  before: ReadonlyArray<string> | undefined,
  after: ReadonlyArray<string> | undefined,
): void => {
  if (before === undefined || before.length === 0) {
    if (after !== undefined) for (const v of after) addKey(index, v, key);
    return;
  }
  if (after === undefined || after.length === 0) {
    for (const v of before) removeKey(index, v, key);
    return;
  }
  if (before.length === 1 && after.length === 1) {
    const [was] = before;
    const [is] = after;
    // The common case (one value, unchanged, e.g. the namespace) costs nothing.
    if (was === is || was === undefined || is === undefined) return;
    removeKey(index, was, key);
    addKey(index, is, key);
    return;
  }
  const inAfter = memberOf(after);
  const inBefore = memberOf(before);
  for (const v of before) if (!inAfter(v)) removeKey(index, v, key);
  for (const v of after) if (!inBefore(v)) addKey(index, v, key);
};

const buildIndex = <T>(fn: IndexFunc<T>, items: ReadonlyMap<string, T>): Index => {
  const index: Index = new Map();
  for (const [key, obj] of items) for (const v of fn(obj)) addKey(index, v, key);
  return index;
};

/**
 * Creates an in-memory, Map-backed {@link IndexerWriter}: a keyed store with named secondary
 * indexes, the namespace index built in. Hand out its `view` (read-only, frozen) to consumers and
 * keep the writer.
 *
 * Maps to client-go's `cache.NewIndexer` (`cache.Indexer` over `threadSafeMap` / `storeIndex`).
 * JavaScript is single-threaded, so no lock is needed; a write is never observed half-done.
 *
 * Algorithm (state: `items: Map<key, T>` and, per index name, `Map<indexValue, Set<key>>`;
 * invariant: key `k` is in the set of value `v` of index `i` iff `items` has `k` and `v` is in
 * `indexFunc_i(items[k])`; no set is empty):
 * 1. `upsert(obj)`: `k = keyFunc(obj)`. Compute every index value of `obj` and of the object it
 *    replaces (if any) first, so an index function that throws leaves the store unchanged. Store
 *    `obj`; per index, remove `k` from the values only the old object had and add it to the values
 *    only the new one has, dropping sets that become empty. O(index values), independent of the
 *    store size. With the default key function and no index but the namespace one, replacing an
 *    object under its key changes no index (the key fixes the namespace) and the old object is
 *    not read: on a watch it is long out of the CPU's caches (issue 23).
 * 2. `delete(k)`: remove `k` from the old object's values, then from `items`. No-op when absent.
 * 3. `replace(objs)`: build fresh maps (the last object with a key wins), then swap them in. O(n).
 * 4. `addIndexers(more)`: a `TypeError` for a name already present; otherwise build the new indexes
 *    over the stored objects and add them.
 * 5. Reads (`byIndex`, `indexKeys`, `index`, `listIndexFuncValues`) on an unknown index name throw a
 *    `TypeError` naming it (client-go returns an error). Every read returns a fresh array.
 *
 * Index functions must be pure: the old object's values are recomputed on update and delete,
 * as client-go does.
 *
 * @example
 * ```ts
 * import { createIndexer, labelIndexFunc, NamespaceIndex, type KubeObject } from 'kube-rx';
 * const store = createIndexer<KubeObject>({ indexers: { byApp: labelIndexFunc('app') } });
 * store.upsert({ metadata: { name: 'a', namespace: 'ns', labels: { app: 'web' } } });
 * store.upsert({ metadata: { name: 'b', namespace: 'other' } });
 * store.view.byIndex(NamespaceIndex, 'ns').map((o) => o.metadata.name); // ['a']
 * store.view.indexKeys('byApp', 'web');                                  // ['ns/a']
 * store.delete('ns/a');
 * store.view.listIndexFuncValues('byApp');                               // []
 * ```
 * @category store
 * @since 0.1.0
 */
export const createIndexer = <T extends KubeObject>(config: IndexerConfig<T> = {}): IndexerWriter<T> => {
  const keyFunc: KeyFunc<T> = config.keyFunc ?? metaNamespaceKeyFunc;
  /** Keys are `namespace/name` (or `name`): two objects with one key are in one namespace. */
  const keyFixesNamespace = keyFunc === metaNamespaceKeyFunc;

  const funcs = new Map<string, IndexFunc<T>>([[NamespaceIndex, metaNamespaceIndexFunc]]);
  if (config.indexers !== undefined) for (const [name, fn] of Object.entries(config.indexers)) funcs.set(name, fn);

  let items = new Map<string, T>();
  const entries = new Map<string, IndexEntry<T>>();
  for (const [name, fn] of funcs) entries.set(name, { fn, index: new Map() });
  /** `entries`' values, in the same order, for the per-write loops (no iterator per write). */
  let entryList: ReadonlyArray<IndexEntry<T>> = [...entries.values()];
  let indexersSnapshot: Indexers<T> = Object.freeze(Object.fromEntries(funcs));

  const entryOf = (indexName: string): IndexEntry<T> => {
    const entry = entries.get(indexName);
    if (entry === undefined) throw new TypeError(`Index with name ${indexName} does not exist`);
    return entry;
  };

  const objectsOf = (keys: Iterable<string>): T[] => {
    const out: T[] = [];
    for (const key of keys) {
      const obj = items.get(key);
      if (obj !== undefined) out.push(obj);
    }
    return out;
  };

  /** Every index's values for `obj` (all computed before anything is written: a throwing index function changes nothing). */
  const valuesOf = (obj: T): Array<ReadonlyArray<string>> => {
    const out: Array<ReadonlyArray<string>> = [];
    for (const entry of entryList) out.push(entry.fn(obj));
    return out;
  };

  /** Writes `obj` (or removes the key) and moves the key between index values. O(index values). */
  const write = (key: string, before: T | undefined, after: T | undefined): void => {
    if (entryList.length === 1) {
      // the usual case (only the namespace index): no arrays of arrays
      const entry = entryList[0] as IndexEntry<T>;
      if (entry.fn === metaNamespaceIndexFunc) {
        // an object replacing another under a namespace/name key has the same namespace: the old
        // object, which is long out of the CPU's caches when its next version arrives, is not read
        if (before !== undefined && after !== undefined && keyFixesNamespace) {
          items.set(key, after);
          return;
        }
        // what updateIndex does with one value before and after, without the two arrays
        const was = before === undefined ? undefined : (before.metadata.namespace ?? '');
        const is = after === undefined ? undefined : (after.metadata.namespace ?? '');
        if (after === undefined) items.delete(key);
        else items.set(key, after);
        if (was !== is) {
          if (was !== undefined) removeKey(entry.index, was, key);
          if (is !== undefined) addKey(entry.index, is, key);
        }
        return;
      }
      const was = before === undefined ? undefined : entry.fn(before);
      const is = after === undefined ? undefined : entry.fn(after);
      if (after === undefined) items.delete(key);
      else items.set(key, after);
      updateIndex(entry.index, key, was, is);
      return;
    }
    const beforeValues = before === undefined ? undefined : valuesOf(before);
    const afterValues = after === undefined ? undefined : valuesOf(after);
    if (after === undefined) items.delete(key);
    else items.set(key, after);
    for (let i = 0; i < entryList.length; i++) {
      updateIndex((entryList[i] as IndexEntry<T>).index, key, beforeValues?.[i], afterValues?.[i]);
    }
  };

  const byIndex = (indexName: string, indexedValue: string): ReadonlyArray<T> => {
    const keys = entryOf(indexName).index.get(indexedValue);
    return keys === undefined ? [] : objectsOf(keys);
  };

  const indexKeys = (indexName: string, indexedValue: string): ReadonlyArray<string> => {
    const keys = entryOf(indexName).index.get(indexedValue);
    return keys === undefined ? [] : Array.from(keys);
  };

  const index = (indexName: string, obj: T): ReadonlyArray<T> => {
    const entry = entryOf(indexName);
    const values = entry.fn(obj);
    const [only] = values;
    if (values.length === 1 && only !== undefined) {
      const keys = entry.index.get(only);
      return keys === undefined ? [] : objectsOf(keys);
    }
    const union = new Set<string>();
    for (const v of values) {
      const keys = entry.index.get(v);
      if (keys !== undefined) for (const k of keys) union.add(k);
    }
    return objectsOf(union);
  };

  const view: Indexer<T> = Object.freeze({
    get: (key: string) => items.get(key),
    has: (key: string) => items.has(key),
    list: () => Array.from(items.values()),
    listKeys: () => Array.from(items.keys()),
    get size() {
      return items.size;
    },
    byIndex,
    indexKeys,
    index,
    listIndexFuncValues: (indexName: string) => Array.from(entryOf(indexName).index.keys()),
    getIndexers: () => indexersSnapshot,
  });

  const upsertAt = (key: string, obj: T): T | undefined => {
    const before = items.get(key);
    write(key, before, obj);
    return before;
  };

  const upsert = (obj: T): void => {
    upsertAt(keyFunc(obj), obj);
  };

  const remove = (key: string): void => {
    const old = items.get(key);
    if (old === undefined) return;
    write(key, old, undefined);
  };

  const replace = (objs: ReadonlyArray<T>): void => {
    const nextItems = new Map<string, T>();
    for (const obj of objs) nextItems.set(keyFunc(obj), obj);
    const rebuilt = Array.from(entries, ([name, { fn }]) => [name, { fn, index: buildIndex(fn, nextItems) }] as const);
    items = nextItems;
    for (const [name, entry] of rebuilt) entries.set(name, entry);
    entryList = [...entries.values()];
  };

  const addIndexers = (more: Indexers<T>): void => {
    const added = Object.entries(more);
    for (const [name] of added) {
      if (entries.has(name)) throw new TypeError(`indexer conflict: an index named ${name} already exists`);
    }
    const built = added.map(([name, fn]) => [name, { fn, index: buildIndex(fn, items) }] as const);
    for (const [name, entry] of built) {
      entries.set(name, entry);
      funcs.set(name, entry.fn);
    }
    entryList = [...entries.values()];
    indexersSnapshot = Object.freeze(Object.fromEntries(funcs));
  };

  return Object.freeze({
    ...view,
    get size() {
      return items.size;
    },
    upsert,
    upsertAt,
    delete: remove,
    replace,
    addIndexers,
    view,
  });
};
