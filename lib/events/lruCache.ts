/**
 * A bounded map that forgets its least recently used entry when full: `get` and `set` are O(1)
 * (a `Map` keeps insertion order; a hit is moved to the end by delete + set, and the first key is
 * the least recently used one). Mutable; owned by one caller.
 *
 * Maps to `github.com/golang/groupcache/lru.Cache` (`Get`, `Add`), which client-go's
 * `tools/record` caches use (4096 entries each).
 *
 * @example
 * ```ts
 * import { lruCache } from 'kube-rx/reducers';
 * const c = lruCache<number>(2);
 * c.set('a', 1); c.set('b', 2); c.get('a'); c.set('c', 3);
 * [...c.keys()]; // ['a', 'c']: 'b' was the least recently used
 * ```
 * @category events
 * @since 0.3.0
 */
export interface LruCache<V> {
  /** The value of `key`, marking it most recently used. */
  get(key: string): V | undefined;
  /** Sets `key` (most recently used), evicting the least recently used entry when over capacity. */
  set(key: string, value: V): void;
  readonly size: number;
  readonly capacity: number;
  /** Keys from least to most recently used. */
  keys(): IterableIterator<string>;
}

/**
 * Makes an empty {@link LruCache} of at most `capacity` entries; throws a `TypeError` if
 * `capacity` is not an integer >= 1.
 *
 * Maps to groupcache's `lru.New(maxEntries)`.
 *
 * @example
 * ```ts
 * import { lruCache } from 'kube-rx/reducers';
 * const c = lruCache<string>(4096);
 * c.set('k', 'v');
 * c.get('k'); // 'v'
 * ```
 * @category events
 * @since 0.3.0
 */
export const lruCache = <V>(capacity: number): LruCache<V> => {
  if (!Number.isInteger(capacity) || capacity < 1) throw new TypeError(`capacity must be an integer >= 1, got ${capacity}`);
  const entries = new Map<string, V>();
  return {
    get: (key) => {
      if (!entries.has(key)) return undefined;
      const value = entries.get(key) as V;
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set: (key, value) => {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > capacity) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
    },
    get size() {
      return entries.size;
    },
    capacity,
    keys: () => entries.keys(),
  };
};
