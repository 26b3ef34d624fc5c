import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { createIndexer } from '../../lib/store/createIndexer.js';
import { labelIndexFunc, metaNamespaceIndexFunc, NamespaceIndex } from '../../lib/store/indexFuncs.js';
import type { IndexFunc } from '../../lib/store/Store.js';

const obj = (
  name: string,
  namespace?: string,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string>; rv?: string } = {},
): KubeObject => ({
  metadata: {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    ...(extra.labels === undefined ? {} : { labels: extra.labels }),
    ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }),
    ...(extra.rv === undefined ? {} : { resourceVersion: extra.rv }),
  },
});

const pod = (name: string, labels: Record<string, string>): KubeObject => obj(name, undefined, { labels });

/** client-go index_test.go `testIndexFunc`: the value of label `foo`. */
const testIndexFunc: IndexFunc<KubeObject> = (o) => [o.metadata.labels?.['foo'] ?? ''];

/** client-go index_test.go `testUsersIndexFunc`: the comma-separated annotation `users`. */
const testUsersIndexFunc: IndexFunc<KubeObject> = (o) => {
  const users = o.metadata.annotations?.['users'];
  return users === undefined ? [] : users.split(',');
};

const withUsers = (name: string, users: string): KubeObject => obj(name, undefined, { annotations: { users } });

const sorted = (xs: ReadonlyArray<string>): string[] => [...xs].sort();
const names = (xs: ReadonlyArray<KubeObject>): string[] => sorted(xs.map((o) => o.metadata.name));

describe('metaNamespaceIndexFunc', () => {
  it('indexes by namespace, cluster-scoped objects under the empty namespace (as client-go)', () => {
    expect(metaNamespaceIndexFunc(obj('a', 'ns'))).toEqual(['ns']);
    expect(metaNamespaceIndexFunc(obj('node-1'))).toEqual(['']);
  });
});

describe('labelIndexFunc', () => {
  it('indexes by one label value, and not at all without the label', () => {
    const byApp = labelIndexFunc('app');
    expect(byApp(obj('a', 'ns', { labels: { app: 'web' } }))).toEqual(['web']);
    expect(byApp(obj('a', 'ns', { labels: { tier: 'x' } }))).toEqual([]);
    expect(byApp(obj('a', 'ns'))).toEqual([]);
  });
});

describe('createIndexer', () => {
  it('TestCache (doTestStore): add, update, get, list, listKeys, delete, replace', () => {
    const store = createIndexer<KubeObject>();
    store.upsert(obj('foo', undefined, { rv: 'bar' }));
    expect(store.get('foo')?.metadata.resourceVersion).toBe('bar');
    expect(store.has('foo')).toBe(true);
    store.upsert(obj('foo', undefined, { rv: 'baz' }));
    expect(store.get('foo')?.metadata.resourceVersion).toBe('baz');
    expect(store.size).toBe(1);
    store.delete('foo');
    expect(store.get('foo')).toBeUndefined();
    expect(store.has('foo')).toBe(false);
    store.delete('foo'); // absent: no-op

    store.upsert(obj('a'));
    store.upsert(obj('b'));
    store.upsert(obj('c'));
    expect(sorted(store.listKeys())).toEqual(['a', 'b', 'c']);
    expect(names(store.list())).toEqual(['a', 'b', 'c']);

    store.replace([obj('foo'), obj('bar')]);
    expect(sorted(store.listKeys())).toEqual(['bar', 'foo']);
    expect(store.get('a')).toBeUndefined();
    expect(store.size).toBe(2);
  });

  it('keys namespaced objects as namespace/name by default, and honours a custom keyFunc', () => {
    const byDefault = createIndexer<KubeObject>();
    byDefault.upsert(obj('a', 'ns'));
    expect(byDefault.listKeys()).toEqual(['ns/a']);

    const byName = createIndexer<KubeObject>({ keyFunc: (o) => `x-${o.metadata.name}` });
    byName.upsert(obj('a', 'ns'));
    expect(byName.listKeys()).toEqual(['x-a']);
    expect(byName.byIndex(NamespaceIndex, 'ns').map((o) => o.metadata.name)).toEqual(['a']);
  });

  it('upsertAt writes under the given key and returns the object it replaced', () => {
    for (const indexers of [{}, { byFoo: testIndexFunc }]) {
      const store = createIndexer<KubeObject>({ indexers });
      const first = pod('a', { foo: 'x' });
      const second = pod('a', { foo: 'y' });
      expect(store.upsertAt('a', first)).toBeUndefined();
      expect(store.upsertAt('a', second)).toBe(first);
      expect(store.get('a')).toBe(second);
      store.delete('a');
      expect(store.upsertAt('a', first)).toBeUndefined();
      if ('byFoo' in indexers) expect(store.indexKeys('byFoo', 'x')).toEqual(['a']);
    }
  });

  it('TestIndex (doTestIndex): byIndex with a label index', () => {
    const store = createIndexer<KubeObject>({ indexers: { byFoo: testIndexFunc } });
    store.upsert(pod('a', { foo: 'bar' }));
    store.upsert(pod('b', { foo: 'bar' }));
    store.upsert(pod('c', { foo: 'biz' }));
    expect(names(store.byIndex('byFoo', 'bar'))).toEqual(['a', 'b']);
    expect(names(store.byIndex('byFoo', 'biz'))).toEqual(['c']);
    expect(store.byIndex('byFoo', 'none')).toEqual([]);
    expect(names(store.index('byFoo', pod('x', { foo: 'bar' })))).toEqual(['a', 'b']);
  });

  it('TestGetIndexFuncValues', () => {
    const store = createIndexer<KubeObject>({ indexers: { testmodes: testIndexFunc } });
    store.upsert(pod('one', { foo: 'bar' }));
    store.upsert(pod('two', { foo: 'bar' }));
    store.upsert(pod('tre', { foo: 'biz' }));
    expect(sorted(store.listIndexFuncValues('testmodes'))).toEqual(['bar', 'biz']);
  });

  it('TestMultiIndexKeys (and UpdateIndexes: an update moves the key between index values)', () => {
    const store = createIndexer<KubeObject>({ indexers: { byUser: testUsersIndexFunc } });
    store.upsert(withUsers('one', 'ernie,bert'));
    store.upsert(withUsers('two', 'bert,oscar'));
    store.upsert(withUsers('tre', 'ernie,elmo'));

    const expected: Record<string, string[]> = {
      ernie: ['one', 'tre'],
      bert: ['one', 'two'],
      elmo: ['tre'],
      oscar: ['two'],
    };
    for (const [user, keys] of Object.entries(expected)) {
      expect(sorted(store.indexKeys('byUser', user))).toEqual(keys);
      expect(names(store.byIndex('byUser', user))).toEqual(keys);
    }
    // Index: objects sharing any value with the probe.
    expect(names(store.index('byUser', withUsers('probe', 'elmo,oscar')))).toEqual(['tre', 'two']);
    expect(store.index('byUser', withUsers('probe', ''))).toEqual([]);

    // UpdateIndexes: `two` drops bert and gains elmo.
    store.upsert(withUsers('two', 'oscar,elmo'));
    expect(sorted(store.indexKeys('byUser', 'bert'))).toEqual(['one']);
    expect(sorted(store.indexKeys('byUser', 'elmo'))).toEqual(['tre', 'two']);
    expect(sorted(store.indexKeys('byUser', 'oscar'))).toEqual(['two']);

    store.delete('one');
    expect(sorted(store.indexKeys('byUser', 'ernie'))).toEqual(['tre']);
    expect(store.indexKeys('byUser', 'bert')).toEqual([]);
    expect(sorted(store.listIndexFuncValues('byUser'))).toEqual(['elmo', 'ernie', 'oscar']);
  });

  it('TestThreadSafeStoreDeleteRemovesEmptySetsFromIndex', () => {
    const store = createIndexer<KubeObject>({ indexers: { byFoo: testIndexFunc } });
    store.upsert(pod('a', { foo: 'bar' }));
    store.upsert(pod('a', { foo: 'baz' }));
    expect(store.listIndexFuncValues('byFoo')).toEqual(['baz']);
    store.delete('a');
    expect(store.listIndexFuncValues('byFoo')).toEqual([]);
    expect(store.listIndexFuncValues(NamespaceIndex)).toEqual([]);
  });

  it('TestThreadSafeStoreAddKeepsNonEmptySetPostDeleteFromIndex', () => {
    const store = createIndexer<KubeObject>({ indexers: { byFoo: testIndexFunc } });
    store.upsert(pod('a', { foo: 'bar' }));
    store.upsert(pod('b', { foo: 'bar' }));
    store.delete('a');
    expect(store.listIndexFuncValues('byFoo')).toEqual(['bar']);
    expect(store.indexKeys('byFoo', 'bar')).toEqual(['b']);
  });

  it('TestThreadSafeStoreIndexingFunctionsWithMultipleValues', () => {
    const store = createIndexer<KubeObject>({ indexers: { byUser: testUsersIndexFunc } });
    store.upsert(withUsers('a', 'x'));
    store.upsert(withUsers('b', 'x,y'));
    store.upsert(withUsers('c', 'y,z'));
    store.upsert(withUsers('b', 'x,y,z')); // adds z, keeps x and y
    expect(sorted(store.indexKeys('byUser', 'z'))).toEqual(['b', 'c']);
    store.upsert(withUsers('b', 'y')); // removes x and z
    expect(sorted(store.indexKeys('byUser', 'x'))).toEqual(['a']);
    expect(sorted(store.indexKeys('byUser', 'z'))).toEqual(['c']);
    store.upsert(withUsers('b', 'y,y')); // duplicate values are harmless
    store.delete('b');
    expect(sorted(store.indexKeys('byUser', 'y'))).toEqual(['c']);
  });

  it('handles objects with many index values (Set-based diff)', () => {
    const many = (n: number, from = 0): string => Array.from({ length: n }, (_, i) => `u${from + i}`).join(',');
    const store = createIndexer<KubeObject>({ indexers: { byUser: testUsersIndexFunc } });
    store.upsert(withUsers('a', many(40)));
    store.upsert(withUsers('a', many(40, 20)));
    expect(store.listIndexFuncValues('byUser')).toHaveLength(40);
    expect(store.indexKeys('byUser', 'u0')).toEqual([]);
    expect(store.indexKeys('byUser', 'u59')).toEqual(['a']);
  });

  it('has the namespace index built in, overridable through config', () => {
    const store = createIndexer<KubeObject>();
    store.upsert(obj('a', 'ns1'));
    store.upsert(obj('b', 'ns2'));
    store.upsert(obj('node'));
    expect(names(store.byIndex(NamespaceIndex, 'ns1'))).toEqual(['a']);
    expect(names(store.byIndex(NamespaceIndex, ''))).toEqual(['node']);
    expect(Object.keys(store.getIndexers())).toEqual([NamespaceIndex]);

    const custom = createIndexer<KubeObject>({ indexers: { [NamespaceIndex]: () => ['all'] } });
    custom.upsert(obj('a', 'ns1'));
    expect(names(custom.byIndex(NamespaceIndex, 'all'))).toEqual(['a']);
    expect(custom.byIndex(NamespaceIndex, 'ns1')).toEqual([]);
  });

  it('throws a TypeError naming an unknown index', () => {
    const store = createIndexer<KubeObject>();
    store.upsert(obj('a', 'ns'));
    expect(() => store.byIndex('nope', 'x')).toThrow(new TypeError('Index with name nope does not exist'));
    expect(() => store.indexKeys('nope', 'x')).toThrow(TypeError);
    expect(() => store.index('nope', obj('a'))).toThrow(TypeError);
    expect(() => store.listIndexFuncValues('nope')).toThrow(/nope/);
    // Names that exist on Object.prototype are not indexes either.
    expect(() => store.byIndex('toString', 'x')).toThrow(TypeError);
  });

  it('addIndexers indexes existing objects and refuses a duplicate name', () => {
    const store = createIndexer<KubeObject>();
    store.upsert(pod('a', { foo: 'bar' }));
    store.upsert(pod('b', { foo: 'biz' }));
    store.addIndexers({ byFoo: testIndexFunc });
    expect(names(store.byIndex('byFoo', 'bar'))).toEqual(['a']);
    expect(sorted(Object.keys(store.getIndexers()))).toEqual(['byFoo', NamespaceIndex]);
    store.upsert(pod('c', { foo: 'bar' }));
    expect(names(store.byIndex('byFoo', 'bar'))).toEqual(['a', 'c']);

    expect(() => {
      store.addIndexers({ byFoo: testIndexFunc });
    }).toThrow(TypeError);
    expect(() => {
      store.addIndexers({ [NamespaceIndex]: testIndexFunc });
    }).toThrow(/namespace/);
  });

  it('replace rebuilds every index; the last object with a key wins', () => {
    const store = createIndexer<KubeObject>({ indexers: { byFoo: testIndexFunc } });
    store.upsert(pod('a', { foo: 'old' }));
    store.replace([pod('b', { foo: 'x' }), pod('c', { foo: 'y' }), pod('b', { foo: 'z' })]);
    expect(store.listIndexFuncValues('byFoo').length).toBe(2);
    expect(names(store.byIndex('byFoo', 'z'))).toEqual(['b']);
    expect(store.byIndex('byFoo', 'old')).toEqual([]);
    expect(store.byIndex('byFoo', 'x')).toEqual([]);
  });

  it('an index function that throws leaves the store unchanged', () => {
    const boom: IndexFunc<KubeObject> = (o) => {
      if (o.metadata.labels?.['boom'] !== undefined) throw new Error('boom');
      return [o.metadata.name];
    };
    const store = createIndexer<KubeObject>({ indexers: { byName: boom } });
    store.upsert(pod('a', {}));
    expect(() => {
      store.upsert(pod('a', { boom: 'yes' }));
    }).toThrow('boom');
    expect(store.get('a')?.metadata.labels).toEqual({});
    expect(store.indexKeys('byName', 'a')).toEqual(['a']);
    expect(() => {
      store.replace([pod('b', {}), pod('c', { boom: 'yes' })]);
    }).toThrow('boom');
    expect(store.listKeys()).toEqual(['a']);
  });

  it('list and listKeys return fresh arrays and cope with 200k objects', () => {
    const store = createIndexer<KubeObject>();
    const n = 200_000;
    const objs = Array.from({ length: n }, (_, i) => obj(`o${i}`, `ns${i % 10}`));
    store.replace(objs);
    const a = store.list();
    expect(a).toHaveLength(n);
    expect(store.list()).not.toBe(a);
    expect(store.listKeys()).toHaveLength(n);
    expect(store.byIndex(NamespaceIndex, 'ns3')).toHaveLength(n / 10);
    expect(store.indexKeys(NamespaceIndex, 'ns3')).toHaveLength(n / 10);
  });

  it('the view reads the live store and has no write methods at run time', () => {
    const store = createIndexer<KubeObject>();
    const view = store.view;
    store.upsert(obj('a', 'ns'));
    expect(view.get('ns/a')?.metadata.name).toBe('a');
    expect(view.size).toBe(1);
    store.upsert(obj('b', 'ns'));
    expect(view.size).toBe(2);
    expect(sorted(view.listKeys())).toEqual(['ns/a', 'ns/b']);

    expect(view).not.toBe(store);
    expect(Object.isFrozen(view)).toBe(true);
    for (const writer of ['upsert', 'delete', 'replace', 'addIndexers', 'view']) {
      expect(writer in view).toBe(false);
    }
    expect(sorted(Object.keys(view))).toEqual(
      sorted(['get', 'has', 'list', 'listKeys', 'size', 'byIndex', 'indexKeys', 'index', 'listIndexFuncValues', 'getIndexers']),
    );
    expect(() => {
      Object.assign(view, { upsert: () => undefined });
    }).toThrow(TypeError);
    expect(Object.isFrozen(view.getIndexers())).toBe(true);
  });

  describe('property: equals a naive model', () => {
    type Op =
      | { readonly op: 'upsert'; readonly obj: KubeObject }
      | { readonly op: 'delete'; readonly key: string }
      | { readonly op: 'replace'; readonly objs: ReadonlyArray<KubeObject> };

    const namespaces = ['', 'a', 'b', 'c'];
    const apps = ['web', 'db', 'cache'];
    const objArb: fc.Arbitrary<KubeObject> = fc
      .record({
        name: fc.constantFrom('n1', 'n2', 'n3', 'n4', 'n5', 'n6'),
        namespace: fc.constantFrom(...namespaces),
        app: fc.option(fc.constantFrom(...apps), { nil: undefined }),
        rv: fc.nat({ max: 1000 }).map(String),
      })
      .map(({ name, namespace, app, rv }) =>
        obj(name, namespace === '' ? undefined : namespace, {
          rv,
          ...(app === undefined ? {} : { labels: { app } }),
        }),
      );
    const keyOf = (o: KubeObject): string =>
      o.metadata.namespace === undefined ? o.metadata.name : `${o.metadata.namespace}/${o.metadata.name}`;
    /** Writes, the deleted keys made by the store's key function. */
    const opArbOf = (keyFunc: (o: KubeObject) => string): fc.Arbitrary<Op> =>
      fc.oneof(
        { weight: 6, arbitrary: objArb.map((o): Op => ({ op: 'upsert', obj: o })) },
        { weight: 3, arbitrary: objArb.map((o): Op => ({ op: 'delete', key: keyFunc(o) })) },
        { weight: 1, arbitrary: fc.array(objArb, { maxLength: 8 }).map((objs): Op => ({ op: 'replace', objs })) },
      );

    /**
     * With a label index (every write goes through the general index update), with only the
     * built-in namespace index (an update of a key skips the old object: the key fixes the
     * namespace), and keyed by name alone (one key may move between namespaces).
     */
    const configs: ReadonlyArray<{
      readonly title: string;
      readonly byApp: boolean;
      readonly keyOf: (o: KubeObject) => string;
    }> = [
      { title: 'namespace and label index', byApp: true, keyOf },
      { title: 'namespace index only', byApp: false, keyOf },
      { title: 'namespace index only, keyed by name (the namespace may change under one key)', byApp: false, keyOf: (o) => o.metadata.name },
    ];

    it.each(configs)('list, listKeys, get, byIndex(namespace), byIndex(label) after any sequence of writes: $title', ({ byApp, keyOf: key }) => {
      const keySorted = (xs: ReadonlyArray<KubeObject>): KubeObject[] => [...xs].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
      fc.assert(
        fc.property(fc.array(opArbOf(key), { maxLength: 60 }), (ops) => {
          const store = createIndexer<KubeObject>({
            ...(key === keyOf ? {} : { keyFunc: key }),
            ...(byApp ? { indexers: { byApp: labelIndexFunc('app') } } : {}),
          });
          const model = new Map<string, KubeObject>();
          for (const op of ops) {
            switch (op.op) {
              case 'upsert':
                store.upsert(op.obj);
                model.set(key(op.obj), op.obj);
                break;
              case 'delete':
                store.delete(op.key);
                model.delete(op.key);
                break;
              case 'replace':
                store.replace(op.objs);
                model.clear();
                for (const o of op.objs) model.set(key(o), o);
                break;
            }
            const view = store.view;
            const all = [...model.values()];
            expect(view.size).toBe(model.size);
            expect(sorted(view.listKeys())).toEqual(sorted([...model.keys()]));
            expect(keySorted(view.list())).toEqual(keySorted(all));
            for (const k of model.keys()) expect(view.get(k)).toBe(model.get(k));
            for (const ns of namespaces) {
              const expected = all.filter((o) => (o.metadata.namespace ?? '') === ns);
              expect(keySorted(view.byIndex(NamespaceIndex, ns))).toEqual(keySorted(expected));
            }
            // No empty sets: every listed value has at least one object.
            expect(sorted(view.listIndexFuncValues(NamespaceIndex))).toEqual(
              sorted([...new Set(all.map((o) => o.metadata.namespace ?? ''))]),
            );
            if (!byApp) continue;
            for (const app of apps) {
              const expected = all.filter((o) => o.metadata.labels?.['app'] === app);
              expect(keySorted(view.byIndex('byApp', app))).toEqual(keySorted(expected));
            }
            expect(sorted(view.listIndexFuncValues('byApp'))).toEqual(
              sorted([...new Set(all.flatMap((o) => labelIndexFunc('app')(o)))]),
            );
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
