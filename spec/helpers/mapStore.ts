import type { Store } from '../../lib/store/Store.js';

/** A Map-backed read-only Store, for tests of code that reads a store (the real one is lib/store). */
export const mapStore = <T>(m: Map<string, T>): Store<T> => ({
  get: (k) => m.get(k),
  has: (k) => m.has(k),
  list: () => [...m.values()],
  listKeys: () => [...m.keys()],
  get size() {
    return m.size;
  },
});
