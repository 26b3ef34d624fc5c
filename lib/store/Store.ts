/**
 * Computes the index values of an object for one named index (an object may have several).
 *
 * Maps to client-go's `cache.IndexFunc`.
 *
 * @example
 * ```ts
 * import type { IndexFunc, KubeObject } from 'kube-rx';
 * const byApp: IndexFunc<KubeObject> = (o) => { const app = o.metadata.labels?.['app']; return app === undefined ? [] : [app]; };
 * ```
 * @category store
 * @since 0.1.0
 */
export type IndexFunc<T> = (obj: T) => ReadonlyArray<string>;

/**
 * Named index functions.
 *
 * Maps to client-go's `cache.Indexers`.
 *
 * @category store
 * @since 0.1.0
 */
export type Indexers<T> = Readonly<Record<string, IndexFunc<T>>>;

/**
 * A read-only view of a keyed cache of objects. Every consumer of an informer gets this view;
 * only the informer writes.
 *
 * Maps to client-go's `cache.Store` (its read methods: `Get`, `GetByKey`, `List`, `ListKeys`).
 *
 * @example
 * ```ts
 * import type { Store, KubeObject } from 'kube-rx';
 * const names = (s: Store<KubeObject>) => s.list().map((o) => o.metadata.name);
 * ```
 * @category store
 * @since 0.1.0
 */
export interface Store<T> {
  /** The object stored under `key`. O(1). */
  get(key: string): T | undefined;
  has(key: string): boolean;
  /** A fresh array of every object (O(n); the store is not copied on writes). */
  list(): ReadonlyArray<T>;
  listKeys(): ReadonlyArray<string>;
  readonly size: number;
}

/**
 * A read-only {@link Store} with named secondary indexes (`namespace` is built in).
 *
 * Maps to client-go's `cache.Indexer` (read side: `Index`, `IndexKeys`, `ListIndexFuncValues`,
 * `ByIndex`, `GetIndexers`).
 *
 * @example
 * ```ts
 * import { NamespaceIndex, type Indexer, type KubeObject } from 'kube-rx';
 * const inDefault = (i: Indexer<KubeObject>) => i.byIndex(NamespaceIndex, 'default');
 * ```
 * @category store
 * @since 0.1.0
 */
export interface Indexer<T> extends Store<T> {
  /** Objects whose index `indexName` contains `indexedValue`. O(result). Throws `TypeError` for an unknown index. */
  byIndex(indexName: string, indexedValue: string): ReadonlyArray<T>;
  /** Keys whose index `indexName` contains `indexedValue`. */
  indexKeys(indexName: string, indexedValue: string): ReadonlyArray<string>;
  /** Objects sharing any index value with `obj` under `indexName`. */
  index(indexName: string, obj: T): ReadonlyArray<T>;
  /** Every value index `indexName` currently has. */
  listIndexFuncValues(indexName: string): ReadonlyArray<string>;
  getIndexers(): Indexers<T>;
}

/**
 * The writable side of an {@link Indexer}, held by the informer alone. Each write is O(1) in the
 * number of stored objects (plus the object's index values); `replace` is O(n).
 *
 * Maps to client-go's `cache.Indexer` write methods (`Add`, `Update`, `Delete`, `Replace`,
 * `AddIndexers`) over `threadSafeMap`.
 *
 * @category store
 * @since 0.1.0
 */
export interface IndexerWriter<T> extends Indexer<T> {
  /** Inserts or replaces the object stored under its key. */
  upsert(obj: T): void;
  /**
   * {@link IndexerWriter.upsert} with the key already computed by the store's key function (the
   * informer's FIFO has it): the same write, without computing the key again. `key` must be the
   * key function's result for `obj`. Returns the object it replaced (`undefined`: none), so the
   * informer tells Added from Updated without reading the store first. @since 0.3.0
   */
  upsertAt(key: string, obj: T): T | undefined;
  /** Removes `key` (no-op when absent). */
  delete(key: string): void;
  /** Replaces the whole content. */
  replace(items: ReadonlyArray<T>): void;
  /** Adds indexes, indexing what is already stored. Throws `TypeError` if a name exists. */
  addIndexers(indexers: Indexers<T>): void;
  /** The read-only view to hand out (writes through it are impossible by type and at run time). */
  readonly view: Indexer<T>;
}
