import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Delta, DeletedFinalStateUnknown } from '../../lib/fifo/Delta.js';
import {
  addObject,
  beginReplace,
  createFifoState,
  deleteObject,
  endReplace,
  type FifoOrder,
  type FifoPopped,
  type FifoState,
  hasSynced,
  passThrough,
  pop,
  queueAction,
  queueLength,
  queueListed,
  replace,
  resync,
  takeSynced,
  updateObject,
} from '../../lib/fifo/FifoState.js';
import { metaNamespaceKeyFunc } from '../../lib/meta/keyFunc.js';
import { configMap, type TestConfigMap } from '../../lib/testing/builders.js';
import { mapStore } from '../helpers/mapStore.js';

type CM = TestConfigMap;


const cm = (name: string, rv = '1'): CM => configMap(name, rv, 'ns');
const key = (o: CM): string => metaNamespaceKeyFunc(o);
const dfsu = (k: string, obj: CM): DeletedFinalStateUnknown<CM> => ({ _tag: 'DeletedFinalStateUnknown', key: k, obj });

const popAll = <T>(s: FifoState<T>): FifoPopped<T>[] => {
  const out: FifoPopped<T>[] = [];
  for (let p = pop(s); p !== undefined; p = pop(s)) out.push(p);
  return out;
};

/** Checks the documented invariants of a state. */
const checkInvariants = <T>(s: FifoState<T>): void => {
  const live = s.queue.slice(s.head);
  for (const ds of s.items.values()) expect(ds.length).toBeGreaterThan(0);
  if (s.order === 'key') {
    expect(new Set(live).size).toBe(live.length);
    expect(new Set(live)).toEqual(new Set(s.items.keys()));
  } else {
    const counts = new Map<string, number>();
    for (const k of live) counts.set(k, (counts.get(k) ?? 0) + 1);
    expect(counts).toEqual(new Map([...s.items].map(([k, ds]) => [k, ds.length])));
  }
  expect(s.head * 2).toBeLessThanOrEqual(s.queue.length);
  if (s.synced) expect(hasSynced(s)).toBe(true);
};

describe('FifoState (client-go delta_fifo_test.go parity)', () => {
  it('basic: adds and updates pop in insertion order, one entry per key', () => {
    const s = createFifoState<CM>();
    const a1 = cm('a', '1');
    const b1 = cm('b', '2');
    const a2 = cm('a', '3');
    addObject(s, a1, key(a1));
    addObject(s, b1, key(b1));
    updateObject(s, a2, key(a2));
    expect(popAll(s)).toEqual([
      {
        key: 'ns/a',
        deltas: [
          { type: 'Added', object: a1 },
          { type: 'Updated', object: a2 },
        ],
        isInInitialList: false,
      },
      { key: 'ns/b', deltas: [{ type: 'Added', object: b1 }], isInInitialList: false },
    ]);
    expect(pop(s)).toBeUndefined();
  });

  it('addUpdate: add, update, delete of one key coalesce into one entry', () => {
    const s = createFifoState<CM>();
    addObject(s, cm('foo', '10'), 'ns/foo');
    updateObject(s, cm('foo', '12'), 'ns/foo');
    deleteObject(s, cm('foo', '15'), 'ns/foo');
    expect(popAll(s).map((p) => p.deltas.map((d) => d.type))).toEqual([['Added', 'Updated', 'Deleted']]);
  });

  it('detectLineJumpers: a key keeps its place while it gathers deltas', () => {
    const s = createFifoState<CM>();
    addObject(s, cm('foo', '10'), 'ns/foo');
    addObject(s, cm('bar', '1'), 'ns/bar');
    addObject(s, cm('foo', '11'), 'ns/foo');
    addObject(s, cm('foo', '13'), 'ns/foo');
    addObject(s, cm('zab', '30'), 'ns/zab');
    expect(pop(s)?.key).toBe('ns/foo');
    addObject(s, cm('foo', '14'), 'ns/foo'); // foo goes to the back now
    expect(popAll(s).map((p) => p.key)).toEqual(['ns/bar', 'ns/zab', 'ns/foo']);
  });

  it('enqueueingNoLister: without knownObjects every deletion is queued (kube-rx deviation)', () => {
    const s = createFifoState<CM>();
    deleteObject(s, cm('foo'), 'ns/foo');
    expect(popAll(s).map((p) => p.deltas.map((d) => d.type))).toEqual([['Deleted']]);
  });

  it('enqueueingWithLister: deletion of a key neither known nor pending is dropped (F2)', () => {
    const s = createFifoState<CM>();
    const known = mapStore(new Map([['ns/bar', cm('bar')]]));
    deleteObject(s, cm('foo'), 'ns/foo', known);
    expect(queueLength(s)).toBe(0);
    expect(s.populated).toBe(true);
    deleteObject(s, cm('bar'), 'ns/bar', known);
    expect(popAll(s).map((p) => p.key)).toEqual(['ns/bar']);
  });

  it('DeleteExistingNonPropagated: a deletion of a pending but unknown key is queued', () => {
    const s = createFifoState<CM>();
    const known = mapStore(new Map<string, CM>());
    addObject(s, cm('foo', '5'), 'ns/foo');
    deleteObject(s, cm('foo', '6'), 'ns/foo', known);
    expect(popAll(s).map((p) => p.deltas)).toEqual([
      [
        { type: 'Added', object: cm('foo', '5') },
        { type: 'Deleted', object: cm('foo', '6') },
      ],
    ]);
  });

  it('dedupDeltas: two consecutive deletions collapse, keeping the older unless it is a tombstone (isDeletionDup)', () => {
    const s = createFifoState<CM>();
    queueAction(s, 'Deleted', cm('a', '1'), 'ns/a');
    queueAction(s, 'Deleted', cm('a', '2'), 'ns/a');
    expect(s.items.get('ns/a')).toEqual([{ type: 'Deleted', object: cm('a', '1') }]);
    queueAction(s, 'Deleted', dfsu('ns/a', cm('a', '3')), 'ns/a');
    expect(s.items.get('ns/a')).toEqual([{ type: 'Deleted', object: cm('a', '1') }]);

    queueAction(s, 'Deleted', dfsu('ns/b', cm('b', '1')), 'ns/b');
    queueAction(s, 'Deleted', cm('b', '2'), 'ns/b');
    expect(s.items.get('ns/b')).toEqual([{ type: 'Deleted', object: cm('b', '2') }]);

    queueAction(s, 'Added', cm('c', '1'), 'ns/c');
    queueAction(s, 'Deleted', cm('c', '2'), 'ns/c');
    queueAction(s, 'Added', cm('c', '3'), 'ns/c');
    queueAction(s, 'Deleted', cm('c', '4'), 'ns/c');
    expect(s.items.get('ns/c')?.map((d) => d.type)).toEqual(['Added', 'Deleted', 'Added', 'Deleted']);
    expect(popAll(s).map((p) => p.key)).toEqual(['ns/a', 'ns/b', 'ns/c']);
  });

  it('ReplaceDeltaType: listed objects become Replaced deltas', () => {
    const s = createFifoState<CM>();
    const known = mapStore(new Map([['ns/foo', cm('foo', '5')]]));
    replace(s, [cm('foo', '6')], key, known);
    expect(popAll(s).map((p) => p.deltas)).toEqual([[{ type: 'Replaced', object: cm('foo', '6') }]]);
  });

  it('ReplaceMakesDeletions: known keys missing from the list become DeletedFinalStateUnknown', () => {
    const s = createFifoState<CM>();
    const known = mapStore(
      new Map([
        ['ns/foo', cm('foo', '5')],
        ['ns/bar', cm('bar', '6')],
        ['ns/baz', cm('baz', '7')],
      ]),
    );
    // baz is already being deleted: the real deletion is kept, not the tombstone.
    deleteObject(s, cm('baz', '10'), 'ns/baz', known);
    replace(s, [cm('foo', '5')], key, known);
    const byKey = new Map(popAll(s).map((p) => [p.key, p.deltas]));
    expect(byKey).toEqual(
      new Map<string, readonly Delta<CM>[]>([
        ['ns/baz', [{ type: 'Deleted', object: cm('baz', '10') }]],
        ['ns/foo', [{ type: 'Replaced', object: cm('foo', '5') }]],
        ['ns/bar', [{ type: 'Deleted', object: dfsu('ns/bar', cm('bar', '6')) }]],
      ]),
    );
  });

  it('ReplaceMakesDeletionsForObjectsOnlyInQueue: a pending, unknown key missing from the list is deleted', () => {
    const s = createFifoState<CM>();
    const known = mapStore(new Map<string, CM>());
    addObject(s, cm('foo', '1'), 'ns/foo');
    updateObject(s, cm('foo', '2'), 'ns/foo');
    replace(s, [cm('bar', '3')], key, known);
    const byKey = new Map(popAll(s).map((p) => [p.key, p.deltas]));
    expect(byKey.get('ns/foo')).toEqual([
      { type: 'Added', object: cm('foo', '1') },
      { type: 'Updated', object: cm('foo', '2') },
      { type: 'Deleted', object: dfsu('ns/foo', cm('foo', '2')) },
    ]);
    expect(byKey.get('ns/bar')).toEqual([{ type: 'Replaced', object: cm('bar', '3') }]);
  });

  it('replaceWithDeleteDeltaIn: a pending deletion absorbs the tombstone', () => {
    const s = createFifoState<CM>();
    const known = mapStore(new Map([['ns/foo', cm('foo', '1')]]));
    deleteObject(s, cm('foo', '2'), 'ns/foo', known);
    replace(s, [], key, known);
    expect(popAll(s).map((p) => p.deltas)).toEqual([[{ type: 'Deleted', object: cm('foo', '2') }]]);
  });

  it('addReplace: a pending tombstone is unwrapped when a later Replace deletes again', () => {
    const s = createFifoState<CM>();
    const known = mapStore(new Map([['ns/foo', cm('foo', '1')]]));
    replace(s, [], key, known); // foo: [Deleted DFSU(foo1)]
    addObject(s, cm('foo', '2'), 'ns/foo'); // foo: [Deleted DFSU, Added foo2]
    replace(s, [], key, known); // foo2 vanished again
    expect(popAll(s).map((p) => p.deltas)).toEqual([
      [
        { type: 'Deleted', object: dfsu('ns/foo', cm('foo', '1')) },
        { type: 'Added', object: cm('foo', '2') },
        { type: 'Deleted', object: dfsu('ns/foo', cm('foo', '2')) },
      ],
    ]);
  });

  it('Resync: known keys with nothing pending get a Sync delta with the known object', () => {
    const s = createFifoState<CM>();
    const known = mapStore(new Map([['ns/foo', cm('foo', '1')]]));
    resync(s, known);
    expect(popAll(s).map((p) => p.deltas)).toEqual([[{ type: 'Sync', object: cm('foo', '1') }]]);
    resync(s); // no knownObjects: no-op
    expect(queueLength(s)).toBe(0);
  });

  it('ResyncNonExisting: a resync does not add a Sync behind a pending deletion', () => {
    const s = createFifoState<CM>();
    const known = mapStore(new Map([['ns/foo', cm('foo', '5')]]));
    deleteObject(s, cm('foo', '5'), 'ns/foo', known);
    resync(s, known);
    expect(popAll(s).map((p) => p.deltas)).toEqual([[{ type: 'Deleted', object: cm('foo', '5') }]]);
  });

  it('UpdateResyncRace: a resync does not add a Sync behind a pending update', () => {
    const s = createFifoState<CM>();
    const known = mapStore(new Map([['ns/foo', cm('foo', '5')]]));
    updateObject(s, cm('foo', '6'), 'ns/foo');
    resync(s, known);
    expect(popAll(s).map((p) => p.deltas)).toEqual([[{ type: 'Updated', object: cm('foo', '6') }]]);
  });

  it('HasSynced: true after the items of the first Replace have been popped', () => {
    const s = createFifoState<CM>();
    expect(hasSynced(s)).toBe(false);
    replace(s, [cm('a'), cm('b')], key);
    expect(s.initialPopulationCount).toBe(2);
    expect(hasSynced(s)).toBe(false);
    expect(takeSynced(s)).toBe(false);
    addObject(s, cm('c'), 'ns/c'); // not part of the initial population
    expect(pop(s)?.isInInitialList).toBe(true);
    expect(hasSynced(s)).toBe(false);
    expect(pop(s)?.isInInitialList).toBe(true);
    expect(hasSynced(s)).toBe(true);
    expect(pop(s)?.isInInitialList).toBe(false);
    expect(takeSynced(s)).toBe(true);
    expect(takeSynced(s)).toBe(false);
    // A second Replace does not reset the initial population.
    replace(s, [cm('d')], key);
    expect(hasSynced(s)).toBe(true);
    expect(pop(s)?.isInInitialList).toBe(false);
  });

  it('HasSynced: an empty first Replace syncs at once; so does an Add before any Replace', () => {
    const empty = createFifoState<CM>();
    replace(empty, [], key);
    expect(hasSynced(empty)).toBe(true);
    const added = createFifoState<CM>();
    addObject(added, cm('a'), 'ns/a');
    expect(hasSynced(added)).toBe(true);
    replace(added, [cm('b')], key);
    expect(added.initialPopulationCount).toBe(0);
  });

  it('HasSynced: the initial population counts the deletions of the first Replace', () => {
    const s = createFifoState<CM>();
    const known = mapStore(new Map([['ns/old', cm('old')]]));
    replace(s, [cm('a')], key, known);
    expect(s.initialPopulationCount).toBe(2);
    expect(popAll(s).map((p) => p.isInInitialList)).toEqual([true, true]);
    expect(hasSynced(s)).toBe(true);
  });

  it('pop compacts the queue once the head passes half of it', () => {
    const s = createFifoState<CM>();
    for (let i = 0; i < 10; i++) addObject(s, cm(`k${i}`), `ns/k${i}`);
    for (let i = 0; i < 6; i++) pop(s);
    expect(s.head).toBe(0);
    expect(s.queue).toEqual(['ns/k6', 'ns/k7', 'ns/k8', 'ns/k9']);
    checkInvariants(s);
  });

  describe("order: 'global' (RealFIFO, F7)", () => {
    it('pops one delta per entry in arrival order', () => {
      const s = createFifoState<CM>('global');
      addObject(s, cm('a', '1'), 'ns/a');
      addObject(s, cm('b', '2'), 'ns/b');
      updateObject(s, cm('a', '3'), 'ns/a');
      checkInvariants(s);
      expect(popAll(s)).toEqual([
        { key: 'ns/a', deltas: [{ type: 'Added', object: cm('a', '1') }], isInInitialList: false },
        { key: 'ns/b', deltas: [{ type: 'Added', object: cm('b', '2') }], isInInitialList: false },
        { key: 'ns/a', deltas: [{ type: 'Updated', object: cm('a', '3') }], isInInitialList: false },
      ]);
    });

    it('collapses consecutive deletions in place and drops deletions of unknown keys', () => {
      const s = createFifoState<CM>('global');
      const known = mapStore(new Map([['ns/a', cm('a', '1')]]));
      deleteObject(s, cm('a', '2'), 'ns/a', known);
      addObject(s, cm('b', '3'), 'ns/b');
      deleteObject(s, cm('a', '4'), 'ns/a', known);
      deleteObject(s, cm('z', '5'), 'ns/z', known);
      checkInvariants(s);
      expect(popAll(s).map((p) => [p.key, p.deltas])).toEqual([
        ['ns/a', [{ type: 'Deleted', object: cm('a', '2') }]],
        ['ns/b', [{ type: 'Added', object: cm('b', '3') }]],
      ]);
    });

    it('counts entries, not keys, in the initial population', () => {
      const s = createFifoState<CM>('global');
      const known = mapStore(new Map([['ns/gone', cm('gone')]]));
      replace(s, [cm('a'), cm('b')], key, known);
      expect(s.initialPopulationCount).toBe(3);
      expect(popAll(s).map((p) => p.isInInitialList)).toEqual([true, true, true]);
      expect(hasSynced(s)).toBe(true);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------

type Cmd =
  | { readonly t: 'Added' | 'Modified' | 'Deleted'; readonly name: string }
  | { readonly t: 'Replace'; readonly names: readonly string[] }
  | { readonly t: 'Resync' }
  | { readonly t: 'Pop' };

const nameArb = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constantFrom('Added' as const, 'Modified' as const, 'Deleted' as const), name: nameArb }), weight: 6 },
  { arbitrary: fc.record({ t: fc.constant('Replace' as const), names: fc.uniqueArray(nameArb, { maxLength: 5 }) }), weight: 1 },
  { arbitrary: fc.constant({ t: 'Resync' as const }), weight: 1 },
  { arbitrary: fc.constant({ t: 'Pop' as const }), weight: 4 },
);
const cmdsArb = fc.array(cmdArb, { maxLength: 60 });

interface Run {
  /** Every popped entry, in pop order. */
  readonly popped: readonly FifoPopped<CM>[];
  /** The consumer's store after draining. */
  readonly known: ReadonlyMap<string, CM>;
  /** The state at the end. */
  readonly state: FifoState<CM>;
}

/** Drives a FifoState with `cmds`, a consumer applying popped deltas as client-go's HandleDeltas does. */
const runFifo = (order: FifoOrder, cmds: readonly Cmd[], drainAtEnd = true): Run => {
  const s = createFifoState<CM>(order);
  const known = new Map<string, CM>();
  const store = mapStore(known);
  const popped: FifoPopped<CM>[] = [];
  const consume = (p: FifoPopped<CM>): void => {
    popped.push(p);
    for (const d of p.deltas) {
      if (d.type === 'Deleted') known.delete(p.key);
      else known.set(p.key, d.object);
    }
  };
  cmds.forEach((c, i) => {
    const rv = String(i);
    switch (c.t) {
      case 'Added':
        addObject(s, cm(c.name, rv), `ns/${c.name}`);
        break;
      case 'Modified':
        updateObject(s, cm(c.name, rv), `ns/${c.name}`);
        break;
      case 'Deleted':
        deleteObject(s, cm(c.name, rv), `ns/${c.name}`, store);
        break;
      case 'Replace':
        replace(
          s,
          c.names.map((n) => cm(n, rv)),
          key,
          store,
        );
        break;
      case 'Resync':
        resync(s, store);
        break;
      case 'Pop': {
        const p = pop(s);
        if (p !== undefined) consume(p);
        break;
      }
    }
    checkInvariants(s);
  });
  if (drainAtEnd) for (let p = pop(s); p !== undefined; p = pop(s)) consume(p);
  checkInvariants(s);
  return { popped, known, state: s };
};

/** What a delta looks like for comparison: its type, and its object unless it is a deletion. */
type Shape = readonly [string, string] | readonly [string, string, CM];
const shape = (k: string, d: Delta<CM>): Shape => (d.type === 'Deleted' ? [k, 'Deleted'] : [k, d.type, d.object]);

/**
 * The reference model: applies the events straight to a Map, and lists the deltas each event
 * must produce (Sync excluded; deletions of keys the model does not hold produce nothing, being
 * either dropped or collapsed into the pending deletion). A Replace's deletions form one block
 * whose internal order is unspecified.
 */
const model = (cmds: readonly Cmd[]): { readonly final: Map<string, CM>; readonly segments: (Shape | Set<string>)[] } => {
  const final = new Map<string, CM>();
  const segments: (Shape | Set<string>)[] = [];
  cmds.forEach((c, i) => {
    const rv = String(i);
    switch (c.t) {
      case 'Added':
      case 'Modified': {
        const o = cm(c.name, rv);
        final.set(key(o), o);
        segments.push([key(o), c.t === 'Added' ? 'Added' : 'Updated', o]);
        break;
      }
      case 'Deleted':
        if (final.delete(`ns/${c.name}`)) segments.push([`ns/${c.name}`, 'Deleted']);
        break;
      case 'Replace': {
        const listed = c.names.map((n) => cm(n, rv));
        for (const o of listed) segments.push([key(o), 'Replaced', o]);
        const listedKeys = new Set(listed.map(key));
        const gone = new Set([...final.keys()].filter((k) => !listedKeys.has(k)));
        if (gone.size > 0) segments.push(gone);
        final.clear();
        for (const o of listed) final.set(key(o), o);
        break;
      }
      case 'Resync':
      case 'Pop':
        break;
    }
  });
  return { final, segments };
};

const flatten = (popped: readonly FifoPopped<CM>[]): Shape[] =>
  popped.flatMap((p) => p.deltas.filter((d) => d.type !== 'Sync').map((d) => shape(p.key, d)));

describe('FifoState properties', () => {
  it.each<FifoOrder>(['key', 'global'])(
    '(a) in %s order, the consumer store after draining equals the model applying events directly',
    (order) => {
      fc.assert(
        fc.property(cmdsArb, (cmds) => {
          expect(runFifo(order, cmds).known).toEqual(model(cmds).final);
        }),
        { numRuns: 500 },
      );
    },
  );

  it.each<FifoOrder>(['key', 'global'])('(b) in %s order, per-key delta order is preserved', (order) => {
    fc.assert(
      fc.property(cmdsArb, (cmds) => {
        const { popped } = runFifo(order, cmds);
        const expected = new Map<string, Shape[]>();
        for (const seg of model(cmds).segments) {
          const items: Shape[] = seg instanceof Set ? [...seg].map((k) => [k, 'Deleted'] as const) : [seg];
          for (const sh of items) expected.set(sh[0], [...(expected.get(sh[0]) ?? []), sh]);
        }
        const actual = new Map<string, Shape[]>();
        for (const sh of flatten(popped)) actual.set(sh[0], [...(actual.get(sh[0]) ?? []), sh]);
        expect(actual).toEqual(expected);
        for (const p of popped) expect(p.deltas.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('(c) in global order, popped order equals input order', () => {
    fc.assert(
      fc.property(cmdsArb, (cmds) => {
        const { popped } = runFifo('global', cmds);
        for (const p of popped) expect(p.deltas).toHaveLength(1);
        const actual = flatten(popped);
        let i = 0;
        for (const seg of model(cmds).segments) {
          if (seg instanceof Set) {
            const block = actual.slice(i, i + seg.size);
            expect(block.map((sh) => sh[1])).toEqual([...seg].map(() => 'Deleted'));
            expect(new Set(block.map((sh) => sh[0]))).toEqual(seg);
            i += seg.size;
          } else {
            expect(actual[i]).toEqual(seg);
            i += 1;
          }
        }
        expect(i).toBe(actual.length);
      }),
      { numRuns: 500 },
    );
  });

  it('(d) the entries flagged isInInitialList come first', () => {
    fc.assert(
      fc.property(cmdsArb, (cmds) => {
        const flags = runFifo('key', cmds).popped.map((p) => p.isInInitialList);
        const firstFalse = flags.indexOf(false);
        if (firstFalse >= 0) expect(flags.slice(firstFalse).every((f) => !f)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it.each<FifoOrder>(['key', 'global'])(
    '(e) in %s order, passThrough equals queuing one delta and popping it when nothing is queued, and changes nothing otherwise',
    (order) => {
      fc.assert(
        fc.property(cmdsArb, fc.boolean(), (cmds, drained) => {
          const viaQueue = runFifo(order, cmds, drained).state;
          const direct = runFifo(order, cmds, drained).state;
          const before = structuredClone(direct);
          const flag = passThrough(direct);
          if (queueLength(before) > 0) {
            expect(flag).toBeUndefined();
            expect(direct).toEqual(before);
            return;
          }
          updateObject(viaQueue, cm('z', 'x'), 'ns/z');
          expect(pop(viaQueue)).toEqual({ key: 'ns/z', deltas: [{ type: 'Updated', object: cm('z', 'x') }], isInInitialList: flag });
          expect(direct).toEqual(viaQueue);
          checkInvariants(direct);
        }),
        { numRuns: 300 },
      );
    },
  );
});

describe('replace in slices (issue 23)', () => {
  it('property: beginReplace, queueListed over any slices, endReplace leave the state one replace leaves', () => {
    const opArb = fc.tuple(fc.constantFrom('add', 'delete', 'known'), nameArb);
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), fc.uniqueArray(nameArb, { maxLength: 5 }), fc.array(fc.nat({ max: 5 }), { maxLength: 4 }), fc.constantFrom<FifoOrder>('key', 'global'), (ops, names, cuts, order) => {
        const build = (): { readonly s: FifoState<CM>; readonly known: Map<string, CM> } => {
          const s = createFifoState<CM>(order);
          const known = new Map<string, CM>();
          for (const [op, n] of ops) {
            if (op === 'known') known.set(key(cm(n)), cm(n, '0'));
            else if (op === 'add') addObject(s, cm(n, '1'), key(cm(n)));
            else deleteObject(s, cm(n, '1'), key(cm(n)), mapStore(known));
          }
          return { s, known };
        };
        const listedObjs = names.map((n) => cm(n, '9'));
        const one = build();
        replace(one.s, listedObjs, metaNamespaceKeyFunc, mapStore(one.known));
        const sliced = build();
        const listed = beginReplace(sliced.s);
        let from = 0;
        for (const to of [...cuts.sort((a, b) => a - b), listedObjs.length]) {
          queueListed(sliced.s, listed, listedObjs.slice(from, Math.max(from, to)), metaNamespaceKeyFunc);
          from = Math.max(from, to);
        }
        endReplace(sliced.s, listed, mapStore(sliced.known));
        expect(sliced.s.initialPopulationCount).toBe(one.s.initialPopulationCount);
        expect(popAll(sliced.s)).toEqual(popAll(one.s));
      }),
      { numRuns: 1000 },
    );
  });
});
