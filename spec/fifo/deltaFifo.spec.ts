import fc from 'fast-check';
import { filter, type Observable, type OperatorFunction, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it, vi } from 'vitest';

import type { DeletedFinalStateUnknown, Delta } from '../../lib/fifo/Delta.js';
import { deltaFifo, type DeltaFifoConfig, type FifoInput, type FifoOutput } from '../../lib/fifo/deltaFifo.js';
import type { ReflectorError } from '../../lib/reflector/ReflectorError.js';
import { configMap, type TestConfigMap } from '../../lib/testing/builders.js';
import { mapStore } from '../helpers/mapStore.js';

type CM = TestConfigMap;
type In = FifoInput<CM>;
type Out = FifoOutput<CM>;


const cm = (name: string, rv = '1', data?: Record<string, string>): CM => configMap(name, rv, 'ns', data);
const rvOf = (o: CM): string => o.metadata.resourceVersion ?? '';
const added = (o: CM): In => ({ _tag: 'Added', object: o, resourceVersion: rvOf(o) });
const modified = (o: CM): In => ({ _tag: 'Modified', object: o, resourceVersion: rvOf(o) });
const deleted = (o: CM): In => ({ _tag: 'Deleted', object: o, resourceVersion: rvOf(o) });
const replaced = (...items: CM[]): In => ({ _tag: 'Replace', items, resourceVersion: '100' });
const RESYNC: In = { _tag: 'Resync' };
const SYNCED: Out = { _tag: 'Synced' };
const out = (key: string, deltas: Delta<CM>[], isInInitialList = false): Out => ({
  _tag: 'Deltas',
  key,
  deltas,
  isInInitialList,
});
const dfsu = (key: string, obj: CM): DeletedFinalStateUnknown<CM> => ({ _tag: 'DeletedFinalStateUnknown', key, obj });
const withoutSynced: OperatorFunction<Out, Out> = filter((o) => o._tag !== 'Synced');
const N = { 1: 1, 2: 2, 3: 3 };

const newScheduler = (): TestScheduler =>
  new TestScheduler((a, e) => {
    expect(a).toEqual(e);
  });

describe('deltaFifo', () => {
  it('always ready: delivers every event at once, in order', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold<In>('  -r---a-b-|', { r: replaced(cm('x')), a: added(cm('a', '2')), b: modified(cm('a', '3')) });
      const subs = '         ^--------!';
      const expected = '     -(xS)a-b-|';
      expectObservable(src.pipe(deltaFifo())).toBe(expected, {
        x: out('ns/x', [{ type: 'Replaced', object: cm('x') }], true),
        S: SYNCED,
        a: out('ns/a', [{ type: 'Added', object: cm('a', '2') }]),
        b: out('ns/a', [{ type: 'Updated', object: cm('a', '3') }]),
      });
      expectSubscriptions(src.subscriptions).toBe(subs);
    });
  });

  it('demand granted later: one entry per key with everything since (coalescing)', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const src = cold<In>('   -a-b-c---------|', { a: added(cm('a', '1')), b: modified(cm('a', '2')), c: added(cm('b', '3')) });
      const demand = hot<number>('-------1---1-----', N);
      const subs = '          ^--------------!';
      const expected = '      -------x---y---|';
      expectObservable(src.pipe(deltaFifo({ demand, initialDemand: 0 }), withoutSynced)).toBe(expected, {
        x: out('ns/a', [
          { type: 'Added', object: cm('a', '1') },
          { type: 'Updated', object: cm('a', '2') },
        ]),
        y: out('ns/b', [{ type: 'Added', object: cm('b', '3') }]),
      });
      expectSubscriptions(src.subscriptions).toBe(subs);
      expectSubscriptions(demand.subscriptions).toBe(subs);
    });
  });

  it('initialDemand defaults to 1', () => {
    newScheduler().run(({ cold, hot, expectObservable }) => {
      const src = cold<In>('   -a-b-----', { a: added(cm('a')), b: added(cm('b')) });
      const demand = hot<number>('------1--', N);
      const expected = '      -x----y--';
      expectObservable(src.pipe(deltaFifo({ demand }), withoutSynced)).toBe(expected, {
        x: out('ns/a', [{ type: 'Added', object: cm('a') }]),
        y: out('ns/b', [{ type: 'Added', object: cm('b') }]),
      });
    });
  });

  it('Replace turns vanished known keys into DeletedFinalStateUnknown deletions', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const known = mapStore(
        new Map([
          ['ns/a', cm('a', '1')],
          ['ns/b', cm('b', '1')],
        ]),
      );
      const src = cold<In>('  -r-----|', { r: replaced(cm('a', '2')) });
      const subs = '         ^------!';
      const expected = '     -(abS)-|';
      expectObservable(src.pipe(deltaFifo({ knownObjects: known }))).toBe(expected, {
        a: out('ns/a', [{ type: 'Replaced', object: cm('a', '2') }], true),
        b: out('ns/b', [{ type: 'Deleted', object: dfsu('ns/b', cm('b', '1')) }], true),
        S: SYNCED,
      });
      expectSubscriptions(src.subscriptions).toBe(subs);
    });
  });

  it('collapses consecutive deletions of a waiting key', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const known = mapStore(new Map([['ns/a', cm('a', '1')]]));
      const src = cold<In>('   -d-e---|', { d: deleted(cm('a', '2')), e: deleted(cm('a', '3')) });
      const demand = hot<number>('-----1---', N);
      const subs = '          ^------!';
      const expected = '      -----x-|';
      expectObservable(src.pipe(deltaFifo({ knownObjects: known, demand, initialDemand: 0 }), withoutSynced)).toBe(
        expected,
        { x: out('ns/a', [{ type: 'Deleted', object: cm('a', '2') }]) },
      );
      expectSubscriptions(src.subscriptions).toBe(subs);
    });
  });

  it('drops the deletion of a key neither known nor pending', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const known = mapStore(new Map<string, CM>());
      const src = cold<In>('  -d-a-|', { d: deleted(cm('z')), a: added(cm('b')) });
      const subs = '         ^----!';
      const expected = '     ---x-|';
      expectObservable(src.pipe(deltaFifo({ knownObjects: known }), withoutSynced)).toBe(expected, {
        x: out('ns/b', [{ type: 'Added', object: cm('b') }]),
      });
      expectSubscriptions(src.subscriptions).toBe(subs);
    });
  });

  it('Resync adds Sync deltas only for known keys with nothing pending', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const known = mapStore(
        new Map([
          ['ns/a', cm('a', '1')],
          ['ns/b', cm('b', '1')],
        ]),
      );
      const src = cold<In>('   -m-R------|', { m: modified(cm('a', '2')), R: RESYNC });
      const demand = hot<number>('-----2-----', N);
      const subs = '          ^---------!';
      const expected = '      -----(xy)-|';
      expectObservable(src.pipe(deltaFifo({ knownObjects: known, demand, initialDemand: 0 }), withoutSynced)).toBe(
        expected,
        {
          x: out('ns/a', [{ type: 'Updated', object: cm('a', '2') }]),
          y: out('ns/b', [{ type: 'Sync', object: cm('b', '1') }]),
        },
      );
      expectSubscriptions(src.subscriptions).toBe(subs);
    });
  });

  it('emits Synced right after the last item of the first Replace', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const src = cold<In>('   -r--------a--', { r: replaced(cm('a'), cm('b')), a: added(cm('c')) });
      const demand = hot<number>('---1--1----1--', N);
      const subs = '          ^-------------';
      const expected = '      ---a--(bS)-c--';
      expectObservable(src.pipe(deltaFifo({ demand, initialDemand: 0 }))).toBe(expected, {
        a: out('ns/a', [{ type: 'Replaced', object: cm('a') }], true),
        b: out('ns/b', [{ type: 'Replaced', object: cm('b') }], true),
        S: SYNCED,
        c: out('ns/c', [{ type: 'Added', object: cm('c') }]),
      });
      expectSubscriptions(src.subscriptions).toBe(subs);
    });
  });

  it('emits Synced at once for an empty first Replace, and only once', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold<In>('  -r-r-|', { r: replaced() });
      const subs = '         ^----!';
      const expected = '     -S---|';
      expectObservable(src.pipe(deltaFifo())).toBe(expected, { S: SYNCED });
      expectSubscriptions(src.subscriptions).toBe(subs);
    });
  });

  it('passes lifecycle events through at once, even while data waits for demand', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const err: ReflectorError = { _tag: 'VeryShortWatch', resourceVersion: '100' };
      const values: Record<string, In> = {
        l: { _tag: 'Listing', resourceVersion: '0', cause: 'Initial' },
        r: replaced(cm('a')),
        w: { _tag: 'Watching', resourceVersion: '100' },
        b: { _tag: 'Bookmark', resourceVersion: '101' },
        e: { _tag: 'Error', error: err, next: 'watch' },
        k: { _tag: 'Backoff', delayMs: 800, attempt: 1, next: 'watch' },
      };
      const src = cold<In>('   -l-r-w-b-e-k-|', values);
      const demand = hot<number>('---------------', N);
      const subs = '          ^------------!';
      const expected = '      -l---w-b-e-k---';
      const passthrough = Object.fromEntries(Object.entries(values).filter(([k]) => k !== 'r'));
      expectObservable(src.pipe(deltaFifo({ demand, initialDemand: 0 }))).toBe(expected, passthrough);
      expectSubscriptions(src.subscriptions).toBe(subs);
      expectSubscriptions(demand.subscriptions).toBe('^--------------');
    });
  });

  it('applies transform to listed and watched objects before queueing', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const strip = (o: CM): CM => ({ ...o, data: {} });
      const src = cold<In>('  -r----m-|', { r: replaced(cm('a', '1', { big: 'x' })), m: modified(cm('a', '2', { big: 'y' })) });
      const subs = '         ^-------!';
      const expected = '     -(xS)-y-|';
      expectObservable(src.pipe(deltaFifo({ transform: strip }))).toBe(expected, {
        x: out('ns/a', [{ type: 'Replaced', object: cm('a', '1', {}) }], true),
        S: SYNCED,
        y: out('ns/a', [{ type: 'Updated', object: cm('a', '2', {}) }]),
      });
      expectSubscriptions(src.subscriptions).toBe(subs);
    });
  });

  it("order: 'global' keeps arrival order, one delta per entry", () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const src = cold<In>('   -a-b-c--------|', { a: added(cm('a', '1')), b: added(cm('b', '2')), c: modified(cm('a', '3')) });
      const demand = hot<number>('-------3--------', N);
      const subs = '          ^-------------!';
      const expected = '      -------(xyz)--|';
      expectObservable(src.pipe(deltaFifo({ order: 'global', demand, initialDemand: 0 }), withoutSynced)).toBe(expected, {
        x: out('ns/a', [{ type: 'Added', object: cm('a', '1') }]),
        y: out('ns/b', [{ type: 'Added', object: cm('b', '2') }]),
        z: out('ns/a', [{ type: 'Updated', object: cm('a', '3') }]),
      });
      expectSubscriptions(src.subscriptions).toBe(subs);
    });
  });

  it('completes once the queue is drained, waiting for demand if needed', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const src = cold<In>('   -r-|', { r: replaced(cm('a')) });
      const demand = hot<number>('-----1--', N);
      const srcSubs = '       ^--!';
      const demandSubs = '    ^----!';
      const expected = '      -----(xS|)';
      expectObservable(src.pipe(deltaFifo({ demand, initialDemand: 0 }))).toBe(expected, {
        x: out('ns/a', [{ type: 'Replaced', object: cm('a') }], true),
        S: SYNCED,
      });
      expectSubscriptions(src.subscriptions).toBe(srcSubs);
      expectSubscriptions(demand.subscriptions).toBe(demandSubs);
    });
  });

  it('forwards a source error at once, dropping pending entries', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const src = cold<In>('   -a-#', { a: added(cm('a')) }, { _tag: 'Boom' });
      const demand = hot<number>('------1', N);
      const subs = '          ^--!';
      const expected = '      ---#';
      expectObservable(src.pipe(deltaFifo({ demand, initialDemand: 0 }))).toBe(expected, undefined, { _tag: 'Boom' });
      expectSubscriptions(src.subscriptions).toBe(subs);
      expectSubscriptions(demand.subscriptions).toBe(subs);
    });
  });

  it('forwards a demand error', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const src = cold<In>('   -a----', { a: added(cm('a')) });
      const demand = hot<number>('---#', N, { _tag: 'DemandFailed' });
      const subs = '          ^--!';
      const expected = '      ---#';
      expectObservable(src.pipe(deltaFifo({ demand, initialDemand: 0 }))).toBe(expected, undefined, { _tag: 'DemandFailed' });
      expectSubscriptions(src.subscriptions).toBe(subs);
    });
  });

  it('unsubscribing tears down the source and the demand subscriptions', () => {
    newScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const src = cold<In>('   -a-b-c-|', { a: added(cm('a')), b: added(cm('b')), c: added(cm('c')) });
      const demand = hot<number>('-------1', N);
      const unsub = '         ^---!';
      const expected = '      -x---';
      expectObservable(src.pipe(deltaFifo({ demand }), withoutSynced), unsub).toBe(expected, {
        x: out('ns/a', [{ type: 'Added', object: cm('a') }]),
      });
      expectSubscriptions(src.subscriptions).toBe(unsub);
      expectSubscriptions(demand.subscriptions).toBe(unsub);
    });
  });

  it('does no work before subscription', () => {
    const keyFunc = vi.fn((o: CM) => o.metadata.name);
    const source = new Subject<In>();
    const piped: Observable<Out> = source.pipe(deltaFifo({ keyFunc }));
    source.next(added(cm('a')));
    expect(keyFunc).not.toHaveBeenCalled();
    expect(piped).toBeDefined();
  });

  it('routes a throwing keyFunc or transform to the error channel', () => {
    const errors: unknown[] = [];
    const source = new Subject<In>();
    const boom = new TypeError('bad key');
    source
      .pipe(
        deltaFifo({
          keyFunc: () => {
            throw boom;
          },
        }),
      )
      .subscribe({ error: (e: unknown) => errors.push(e) });
    source.next(added(cm('a')));
    expect(errors).toEqual([boom]);
    expect(source.observed).toBe(false);
  });

  it('is re-entrancy safe: input and demand pushed from inside an emission are handled by the running loop', () => {
    const source = new Subject<In>();
    const demand = new Subject<number>();
    const seen: string[] = [];
    let depth = 0;
    let maxDepth = 0;
    source.pipe(deltaFifo({ demand, initialDemand: 1 }), withoutSynced).subscribe((o) => {
      depth += 1;
      maxDepth = Math.max(maxDepth, depth);
      if (o._tag === 'Deltas') {
        seen.push(o.key);
        if (o.key === 'ns/a') {
          source.next(added(cm('c')));
          demand.next(2);
        }
      } else {
        seen.push(o._tag);
      }
      depth -= 1;
    });
    source.next(replaced(cm('a'), cm('b')));
    expect(seen).toEqual(['ns/a', 'ns/b', 'ns/c']);
    expect(maxDepth).toBe(1);
  });

  it('F6: Add/Update/Delete never list the known keys, however many there are', () => {
    const big = new Map<string, CM>();
    for (let i = 0; i < 100_000; i++) big.set(`ns/k${i}`, cm(`k${i}`));
    const store = mapStore(big);
    const listKeys = vi.spyOn(store, 'listKeys');
    const list = vi.spyOn(store, 'list');
    const source = new Subject<In>();
    let count = 0;
    source.pipe(deltaFifo({ knownObjects: store }), withoutSynced).subscribe(() => (count += 1));
    for (let i = 0; i < 5_000; i++) {
      const o = cm(`k${i % 200_000}`, String(i));
      source.next(i % 3 === 0 ? added(o) : i % 3 === 1 ? modified(o) : deleted(o));
    }
    expect(count).toBe(5_000);
    expect(listKeys).not.toHaveBeenCalled();
    source.next(RESYNC);
    expect(listKeys).toHaveBeenCalledTimes(1);
    source.next(replaced());
    expect(listKeys).toHaveBeenCalledTimes(2);
    expect(list).not.toHaveBeenCalled();
  });

  it('property: a consumer applying popped deltas to its store ends equal to the events applied directly', () => {
    type Cmd =
      | { readonly t: 'Added' | 'Modified' | 'Deleted'; readonly name: string }
      | { readonly t: 'Replace'; readonly names: readonly string[] }
      | { readonly t: 'Resync' }
      | { readonly t: 'Demand'; readonly n: number };
    const nameArb = fc.constantFrom('a', 'b', 'c', 'd');
    const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
      fc.record({ t: fc.constantFrom('Added' as const, 'Modified' as const, 'Deleted' as const), name: nameArb }),
      fc.record({ t: fc.constant('Replace' as const), names: fc.uniqueArray(nameArb, { maxLength: 4 }) }),
      fc.constant({ t: 'Resync' as const }),
      fc.record({ t: fc.constant('Demand' as const), n: fc.integer({ min: 0, max: 3 }) }),
    );
    fc.assert(
      fc.property(fc.array(cmdArb, { maxLength: 40 }), fc.constantFrom<DeltaFifoConfig<CM>['order']>('key', 'global'), (cmds, order) => {
        const known = new Map<string, CM>();
        const modelMap = new Map<string, CM>();
        const source = new Subject<In>();
        const demand = new Subject<number>();
        let completed = false;
        let synced = 0;
        source.pipe(deltaFifo({ knownObjects: mapStore(known), demand, initialDemand: 0, ...(order === undefined ? {} : { order }) })).subscribe({
          next: (o) => {
            if (o._tag === 'Synced') synced += 1;
            if (o._tag !== 'Deltas') return;
            for (const d of o.deltas) {
              if (d.type === 'Deleted') known.delete(o.key);
              else known.set(o.key, d.object);
            }
          },
          complete: () => (completed = true),
        });
        cmds.forEach((c, i) => {
          const rv = String(i);
          switch (c.t) {
            case 'Added':
            case 'Modified': {
              const o = cm(c.name, rv);
              modelMap.set(`ns/${c.name}`, o);
              source.next(c.t === 'Added' ? added(o) : modified(o));
              break;
            }
            case 'Deleted':
              modelMap.delete(`ns/${c.name}`);
              source.next(deleted(cm(c.name, rv)));
              break;
            case 'Replace': {
              modelMap.clear();
              for (const n of c.names) modelMap.set(`ns/${n}`, cm(n, rv));
              source.next(replaced(...c.names.map((n) => cm(n, rv))));
              break;
            }
            case 'Resync':
              source.next(RESYNC);
              break;
            case 'Demand':
              demand.next(c.n);
              break;
          }
        });
        source.complete();
        demand.next(Number.POSITIVE_INFINITY);
        expect(completed).toBe(true);
        expect(known).toEqual(modelMap);
        expect(synced).toBeLessThanOrEqual(1);
        expect(demand.observed).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  describe('fast lane (issue 23)', () => {
    const watching: In = { _tag: 'Watching', resourceVersion: '100' };
    type Step = { readonly input: In; readonly wait: boolean; readonly demand: number };
    const inputArb: fc.Arbitrary<In> = fc.oneof(
      fc.uniqueArray(fc.integer({ min: 0, max: 8 }), { maxLength: 6 }).map((ids) => replaced(...ids.map((i) => cm(`o${i}`)))),
      fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 9 })).map(([i, rv]) => modified(cm(`o${i}`, String(rv)))),
      fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 9 })).map(([i, rv]) => added(cm(`o${i}`, String(rv)))),
      fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 9 })).map(([i, rv]) => deleted(cm(`o${i}`, String(rv)))),
      fc.constant(watching),
      fc.constant(RESYNC),
    );
    const stepArb: fc.Arbitrary<Step> = fc.record({ input: inputArb, wait: fc.boolean(), demand: fc.integer({ min: 0, max: 2 }) });

    /** Everything the FIFO emits, with a consumer keeping the store (as the informer does). */
    const run = (steps: ReadonlyArray<Step>, config: DeltaFifoConfig<CM>, withDemand: boolean, reenter: boolean): Out[] => {
      const rx = newScheduler();
      const m = new Map<string, CM>();
      const input = new Subject<In>();
      const demand = new Subject<number>();
      const got: Out[] = [];
      let reentered = false;
      input
        .pipe(deltaFifo({ scheduler: rx, knownObjects: mapStore(m), ...config, ...(withDemand ? { demand, initialDemand: 1 } : {}) }))
        .subscribe((o) => {
          got.push(o);
          if (o._tag !== 'Deltas') return;
          for (const d of o.deltas) {
            if (d.type === 'Deleted') m.delete(o.key);
            else m.set(o.key, d.object);
          }
          // an input pushed from inside an emission (a handler that writes back) must wait its turn
          if (reenter && !reentered) {
            reentered = true;
            input.next(modified(cm('o0', '10')));
          }
        });
      for (const step of steps) {
        if (step.wait) rx.flush();
        if (withDemand) demand.next(step.demand);
        input.next(step.input);
      }
      if (withDemand) demand.next(Number.POSITIVE_INFINITY);
      input.complete();
      rx.flush();
      return got;
    };

    it('emits exactly what the queue emits (relists, deletes, resyncs, batches, demand, re-entrant input)', () => {
      fc.assert(
        fc.property(
          fc.array(stepArb, { maxLength: 25 }),
          fc.constantFrom<'key' | 'global'>('key', 'global'),
          fc.constantFrom(1, 2, Number.POSITIVE_INFINITY),
          fc.boolean(),
          fc.boolean(),
          (steps, order, batchSize, withDemand, reenter) => {
            const config: DeltaFifoConfig<CM> = { order, batchSize };
            expect(run(steps, { ...config, fastLane: true }, withDemand, reenter)).toEqual(run(steps, { ...config, fastLane: false }, withDemand, reenter));
          },
        ),
        { numRuns: 500 },
      );
    });

    it('an idle FIFO emits a watch event at once as a one-delta entry; an unknown deletion is still dropped', () => {
      const m = new Map<string, CM>();
      const input = new Subject<In>();
      const got: Out[] = [];
      input.pipe(deltaFifo({ knownObjects: mapStore(m) })).subscribe((o) => got.push(o));
      input.next(replaced());
      input.next(added(cm('a')));
      m.set('ns/a', cm('a'));
      input.next(deleted(cm('b')));
      input.next(modified(cm('a', '2')));
      expect(got).toEqual([SYNCED, out('ns/a', [{ type: 'Added', object: cm('a') }]), out('ns/a', [{ type: 'Updated', object: cm('a', '2') }])]);
    });
  });

  describe('batchSize (issue 5: a big Replace does not block the event loop)', () => {
    const tagOf = (o: Out): string => (o._tag === 'Deltas' ? o.key.slice(3) : o._tag);
    const watching: In = { _tag: 'Watching', resourceVersion: '100' };
    const setup = (config: DeltaFifoConfig<CM> = {}) => {
      const rx = newScheduler();
      const input = new Subject<In>();
      const seen: string[] = [];
      const completed = { value: false };
      const sub = input.pipe(deltaFifo({ batchSize: 2, scheduler: rx, ...config })).subscribe({
        next: (o) => seen.push(tagOf(o)),
        complete: () => {
          completed.value = true;
        },
      });
      return { rx, input, seen, completed, sub };
    };

    it('emits at most batchSize entries per run and the rest in later runs on the scheduler', () => {
      const { rx, input, seen } = setup();
      input.next(replaced(cm('a'), cm('b'), cm('c'), cm('d'), cm('e')));
      expect(seen).toEqual(['a', 'b']);
      rx.flush();
      expect(seen).toEqual(['a', 'b', 'c', 'd', 'e', 'Synced']);
    });

    it('holds pass-through events behind the unfinished Replace, so Synced still comes first', () => {
      const { rx, input, seen } = setup();
      input.next({ _tag: 'Listing', resourceVersion: '0', cause: 'Initial' });
      input.next(replaced(cm('a'), cm('b'), cm('c')));
      input.next(watching);
      expect(seen).toEqual(['Listing', 'a', 'b']);
      rx.flush();
      expect(seen).toEqual(['Listing', 'a', 'b', 'c', 'Synced', 'Watching']);
      // once the queue is empty, pass-through events go out at once again
      input.next({ _tag: 'Bookmark', resourceVersion: '101' });
      expect(seen.at(-1)).toBe('Bookmark');
    });

    it('holds data arriving meanwhile too, so nothing coalesces into the listed entries', () => {
      const { rx, input, seen } = setup();
      input.next(replaced(cm('a'), cm('b'), cm('c'), cm('d'), cm('e')));
      input.next(watching);
      input.next(modified(cm('a', '2')));
      expect(seen).toEqual(['a', 'b']);
      rx.flush();
      // a's update is its own entry after Synced, not folded into a's initial entry
      expect(seen).toEqual(['a', 'b', 'c', 'd', 'e', 'Synced', 'Watching', 'a']);
    });

    it('completes after the last run, held events first', () => {
      const { rx, input, seen, completed } = setup();
      input.next(replaced(cm('a'), cm('b'), cm('c'), cm('d'), cm('e')));
      input.next(watching);
      input.complete();
      expect(seen).toEqual(['a', 'b', 'c', 'd']);
      expect(completed.value).toBe(false);
      rx.flush();
      expect(seen).toEqual(['a', 'b', 'c', 'd', 'e', 'Synced', 'Watching']);
      expect(completed.value).toBe(true);
    });

    it('cancels the scheduled run on unsubscribe', () => {
      const { rx, input, seen, sub } = setup();
      input.next(replaced(cm('a'), cm('b'), cm('c')));
      expect(rx.actions).toHaveLength(1);
      sub.unsubscribe();
      expect(rx.actions).toHaveLength(0);
      rx.flush();
      expect(seen).toEqual(['a', 'b']);
    });

    it('with demand: credit and batches both bound a run', () => {
      const demand = new Subject<number>();
      const { rx, input, seen } = setup({ demand, initialDemand: 0 });
      input.next(replaced(cm('a'), cm('b'), cm('c')));
      expect(seen).toEqual([]);
      demand.next(3);
      expect(seen).toEqual(['a', 'b']);
      rx.flush();
      expect(seen).toEqual(['a', 'b', 'c', 'Synced']);
    });

    it('queues a Replace longer than replaceSliceSize one slice per run, popping nothing before the last', () => {
      const { rx, input, seen, sub } = setup({ batchSize: 10, replaceSliceSize: 2 });
      input.next(replaced(cm('a'), cm('b'), cm('c'), cm('d'), cm('e')));
      input.next(watching);
      input.next(modified(cm('a', '2')));
      // a, b queued; c, d and e wait for two more runs; the inputs after the Replace are held
      expect(seen).toEqual([]);
      expect(rx.actions).toHaveLength(1);
      rx.flush();
      expect(seen).toEqual(['a', 'b', 'c', 'd', 'e', 'Synced', 'Watching', 'a']);
      sub.unsubscribe();
    });

    it('cancels the next slice of a Replace on unsubscribe', () => {
      const { rx, input, seen, sub } = setup({ batchSize: 10, replaceSliceSize: 2 });
      input.next(replaced(cm('a'), cm('b'), cm('c')));
      expect(rx.actions).toHaveLength(1);
      sub.unsubscribe();
      expect(rx.actions).toHaveLength(0);
      rx.flush();
      expect(seen).toEqual([]);
    });

    it('by default slices a Replace at 4 × batchSize', () => {
      const { rx, input, seen } = setup({ batchSize: 1 });
      input.next(replaced(cm('a'), cm('b'), cm('c'), cm('d')));
      // 4 objects: queued in one run, then popped one per run
      expect(seen).toEqual(['a']);
      const five = setup({ batchSize: 1 });
      five.input.next(replaced(cm('a'), cm('b'), cm('c'), cm('d'), cm('e')));
      expect(five.seen).toEqual([]);
      rx.flush();
      five.rx.flush();
      expect(five.seen).toEqual([...seen.slice(0, 4), 'e', 'Synced']);
    });

    it('emits exactly what it emits without batches (any inputs, any batch size)', () => {
      const inputArb: fc.Arbitrary<In> = fc.oneof(
        fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { maxLength: 12 }).map((ids) => replaced(...ids.map((i) => cm(`o${i}`)))),
        fc.integer({ min: 0, max: 20 }).map((i) => modified(cm(`o${i}`, '2'))),
        fc.integer({ min: 0, max: 20 }).map((i) => added(cm(`o${i}`, '3'))),
        fc.integer({ min: 0, max: 20 }).map((i) => deleted(cm(`o${i}`, '4'))),
        fc.constant(watching),
        fc.constant(RESYNC),
      );
      fc.assert(
        fc.property(fc.array(fc.tuple(inputArb, fc.boolean()), { maxLength: 12 }), fc.integer({ min: 1, max: 5 }), fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }), (inputs, batchSize, replaceSliceSize) => {
          const collect = (config: DeltaFifoConfig<CM>): Out[] => {
            const rx = newScheduler();
            const m = new Map<string, CM>();
            const input = new Subject<In>();
            const got: Out[] = [];
            // the consumer keeps the store, as the informer does
            input.pipe(deltaFifo({ scheduler: rx, knownObjects: mapStore(m), ...config })).subscribe((o) => {
              got.push(o);
              if (o._tag !== 'Deltas') return;
              for (const d of o.deltas) {
                if (d.type === 'Deleted') m.delete(o.key);
                else m.set(o.key, d.object);
              }
            });
            // a true flag lets the scheduler run (time passes) before the input
            for (const [i, wait] of inputs) {
              if (wait) rx.flush();
              input.next(i);
            }
            input.complete();
            rx.flush();
            return got;
          };
          // exactly the unbatched output, only spread over several runs
          // and a Replace queued in slices of any size (default 4 × batchSize)
          expect(collect({ batchSize, ...(replaceSliceSize === undefined ? {} : { replaceSliceSize }) })).toEqual(collect({}));
        }),
      );
    });
  });
});
