import { config as rxConfig, map, timer } from 'rxjs';
import { newTestScheduler } from '../helpers/marbles.js';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { InformerProblem, InformerStatus } from '../../lib/informer/InformerStatus.js';
import type { ResourceEvent } from '../../lib/informer/ResourceEvent.js';
import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import {
  added,
  bookmark,
  configMap,
  deleted,
  errorEvent,
  listPage,
  modified,
  type TestConfigMap,
} from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import type { ListerWatcher, ListItemReuse } from '../../lib/listwatch/ListerWatcher.js';
import { decodeFailure } from '../../lib/codec/decodeObject.js';
import { mergeMapWithLag } from '../../lib/operators/mergeMapWithLag.js';

type Ev = ResourceEvent<TestConfigMap>;

const a1 = configMap('a', '1');
const a2 = configMap('a', '2');
const b1 = configMap('b', '1');
const c1 = configMap('c', '15');

const add = (o: TestConfigMap, initial = true): Ev => ({ _tag: 'Added', key: `default/${o.metadata.name}`, object: o, initial });
const upd = (old: TestConfigMap, o: TestConfigMap): Ev => ({
  _tag: 'Updated',
  key: `default/${o.metadata.name}`,
  old,
  object: o,
  initial: false,
});
const del = (o: TestConfigMap, finalStateUnknown = false): Ev => ({
  _tag: 'Deleted',
  key: `default/${o.metadata.name}`,
  object: o,
  finalStateUnknown,
  initial: false,
});
const sync = (o: TestConfigMap, initial = false): Ev => ({ _tag: 'Sync', key: `default/${o.metadata.name}`, object: o, initial });

const newScheduler = newTestScheduler;

describe('sharedIndexInformer', () => {
  afterEach(() => {
    rxConfig.onUnhandledError = null;
  });

  it('delivers the initial list as initial Added events, then watch events with old and new objects', () => {
    const rx = newScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const list = cold('     -(p|)', { p: listPage('10', [a1, b1]) });
      const watch = cold('     ----m----d', { m: modified(a2), d: deleted(b1) });
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [list], watches: [watch] });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0 });
      expectObservable(informer.events$, '^ 20ms !').toBe('-(ab)u----d', {
        a: add(a1),
        b: add(b1),
        u: upd(a1, a2),
        d: del(b1),
      });
      expectSubscriptions(list.subscriptions).toBe('^!');
      expectSubscriptions(watch.subscriptions).toBe('-^ 19ms !');
    });
  });

  it('writes the store before each event goes out (a subscriber reads what it is told)', () => {
    const rx = newScheduler();
    const seen: boolean[] = [];
    rx.run(({ cold }) => {
      const lw = fakeListerWatcher<TestConfigMap>({
        lists: [cold('-(p|)', { p: listPage('10', [a1, b1]) })],
        watches: [cold('--m--d', { m: modified(a2), d: deleted(b1) })],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx });
      const sub = informer.events$.subscribe((e) => {
        seen.push(e._tag === 'Deleted' ? !informer.store.has(e.key) : informer.store.get(e.key) === e.object);
      });
      rx.schedule(() => {
        sub.unsubscribe();
      }, 20);
    });
    expect(seen).toEqual([true, true, true, true]);
  });

  it('turns synced$ true after the first list and reports the lifecycle on status$', () => {
    const rx = newScheduler();
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<TestConfigMap>({
        lists: [cold('--(p|)', { p: listPage('10', [a1]) })],
        watches: [cold<never>('-------|'), cold<never>('-')],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0 });
      const sub = informer.events$.subscribe();
      rx.schedule(() => {
        sub.unsubscribe();
      }, 10);
      expectObservable(informer.synced$).toBe('f-t-------f', { f: false, t: true });
      const s = (x: InformerStatus): InformerStatus => x;
      // the watch closes at frame 9 after 7 frames with no event: a very short watch, so back off
      expectObservable(informer.status$, '^ 12ms !').toBe('l-(sw)---bx', {
        l: s({ _tag: 'Listing', resourceVersion: '0', cause: 'Initial' }),
        s: s({ _tag: 'Synced', count: 1 }),
        w: s({ _tag: 'Watching', resourceVersion: '10', synced: true }),
        b: s({
          _tag: 'BackingOff',
          delayMs: 800,
          attempt: 1,
          next: 'list',
          error: { _tag: 'VeryShortWatch', resourceVersion: '10' },
        }),
        x: s({ _tag: 'Stopped' }),
      });
    });
  });

  it('delivers a big list in batches on the scheduler, with synced$ and status$ in the same order', () => {
    const rx = newScheduler();
    const d1 = configMap('d', '1');
    const e1 = configMap('e', '1');
    // the runs the FIFO schedules after a full batch: delay 0 at the list's frame
    const runs: number[] = [];
    const schedule = rx.schedule.bind(rx);
    vi.spyOn(rx, 'schedule').mockImplementation((work, delay, state) => {
      if ((delay ?? 0) === 0 && rx.now() === 2) runs.push(rx.now());
      return schedule(work, delay, state);
    });
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<TestConfigMap>({
        lists: [cold('--(p|)', { p: listPage('10', [a1, b1, c1, d1, e1]) })],
        watches: [cold<never>('-')],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0, batchSize: 2 });
      // how many batch runs are still scheduled when each event goes out
      const sub = informer.events$.subscribe();
      rx.schedule(() => {
        sub.unsubscribe();
      }, 10);
      expectObservable(informer.events$, '^ 5ms !').toBe('--(abcde)', {
        a: add(a1),
        b: add(b1),
        c: add(c1),
        d: add(d1),
        e: add(e1),
      });
      expectObservable(informer.synced$, '^ 5ms !').toBe('f-t', { f: false, t: true });
      const s = (x: InformerStatus): InformerStatus => x;
      expectObservable(informer.status$, '^ 5ms !').toBe('l-(sw)', {
        l: s({ _tag: 'Listing', resourceVersion: '0', cause: 'Initial' }),
        s: s({ _tag: 'Synced', count: 5 }),
        w: s({ _tag: 'Watching', resourceVersion: '10', synced: true }),
      });
    });
    // a, b in the list's own run, then (c, d) and (e) in two scheduled runs
    expect(runs).toHaveLength(2);
  });

  it('replays the store to a late subscriber, then live events, with no gap and no duplicate', () => {
    const rx = newScheduler();
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<TestConfigMap>({
        lists: [cold('-(p|)', { p: listPage('10', [a1, b1]) })],
        watches: [cold('-------m-----d', { m: modified(a2), d: deleted(b1) })],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx });
      expectObservable(informer.events$, '^ 20ms !').toBe('-(ab)---u-----d', { a: add(a1), b: add(b1), u: upd(a1, a2), d: del(b1) });
      // joins at frame 10, after the update: gets the updated object as an initial Added, then the delete
      expectObservable(informer.events$, '---------- ^ 10ms !').toBe('----------(ab)d', {
        a: add(a2),
        b: add(b1),
        d: del(b1),
      });
    });
  });

  it('shares one list and one watch among every subscriber and stops when the last leaves', () => {
    const rx = newScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const list = cold('-(p|)', { p: listPage('10', [a1]) });
      const watch = cold<never>('-----');
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [list], watches: [watch] });
      const informer = sharedIndexInformer(lw, { scheduler: rx });
      expectObservable(informer.events$, '^ 9ms !').toBe('-a', { a: add(a1) });
      expectObservable(informer.events$, '-- ^ 4ms !').toBe('--a', { a: add(a1) });
      expectObservable(informer.events$, '--- ^ 2ms !').toBe('---a', { a: add(a1) });
      expectSubscriptions(watch.subscriptions).toBe('-^ 8ms !');
      flush();
      expect(lw.listCalls).toEqual([{ resourceVersion: '0', limit: 500 }]);
      expect(lw.watchCalls).toHaveLength(1);
      expect(informer.store.size).toBe(0);
    });
  });

  it('lingers after the last subscriber leaves, so that one coming back resumes without relisting', () => {
    const rx = newScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions, flush }) => {
      const list = cold('-(p|)', { p: listPage('10', [a1]) });
      const watch = cold('-------------m', { m: modified(a2) });
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [list, cold('-(p|)', { p: listPage('10', [a1]) })], watches: [watch, cold<never>('-')] });
      const informer = sharedIndexInformer(lw, { scheduler: rx, lingerMs: 10 });
      expectObservable(informer.events$, '^ 4ms !').toBe('-a', { a: add(a1) });
      expectObservable(informer.events$, '---------- ^ 9ms !').toBe('----------a---u', { a: add(a1), u: upd(a1, a2) });
      // the second subscriber leaves at 20; the watch lingers until 30
      expectSubscriptions(watch.subscriptions).toBe('-^ 28ms !');
      flush();
      expect(lw.listCalls).toHaveLength(1);
    });
  });

  it('relists without linger when a subscriber comes back after the informer stopped', () => {
    const rx = newScheduler();
    rx.run(({ cold, expectObservable, flush }) => {
      const lw = fakeListerWatcher<TestConfigMap>({
        lists: [cold('-(p|)', { p: listPage('10', [a1]) }), cold('-(p|)', { p: listPage('11', [a2]) })],
        watches: [cold<never>('-'), cold<never>('-')],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx });
      expectObservable(informer.events$, '^ 4ms !').toBe('-a', { a: add(a1) });
      expectObservable(informer.events$, '---------- ^ 4ms !').toBe('-----------a', { a: add(a2) });
      flush();
      expect(lw.listCalls).toHaveLength(2);
    });
  });

  it('after a 410, relists: vanished keys become finalStateUnknown deletes, unchanged objects are Sync, new ones Added', () => {
    const rx = newScheduler();
    rx.run(({ cold, expectObservable }) => {
      const backoff = 800;
      const lw = fakeListerWatcher<TestConfigMap>({
        lists: [cold('-(p|)', { p: listPage('10', [a1, b1]) }), cold('-(p|)', { p: listPage('20', [a1, c1]) })],
        watches: [cold('--e', { e: errorEvent(410) }), cold<never>('-')],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0 });
      const relistAt = 1 + 2 + backoff + 1;
      expectObservable(informer.events$, `^ ${relistAt + 5}ms !`).toBe(`-(ab) ${relistAt - 5}ms (cd)`, {
        a: add(a1),
        b: add(b1),
        c: add(c1, false),
        d: del(b1, true),
      });
    });
  });

  it('a relist keeps the stored object when the listed one has the same resourceVersion (one copy in memory)', () => {
    const rx = newScheduler();
    const a1Again = configMap('a', '1'); // equal to a1, another object, as a fresh LIST decodes it
    const b2 = configMap('b', '2');
    const stored: Array<{ a: unknown; b: unknown }> = [];
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<TestConfigMap>({
        lists: [cold('-(p|)', { p: listPage('10', [a1, b1]) }), cold('-(p|)', { p: listPage('20', [a1Again, b2]) })],
        watches: [cold('--e', { e: errorEvent(410) }), cold<never>('-')],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0 });
      const relistAt = 1 + 2 + 800 + 1;
      // the unchanged a is a Sync (not delivered without a resync period), the changed b an update
      expectObservable(informer.events$, `^ ${relistAt + 5}ms !`).toBe(`-(ab) ${relistAt - 5}ms u`, {
        a: add(a1),
        b: add(b1),
        u: upd(b1, b2),
      });
      rx.schedule(() => {
        stored.push({ a: informer.store.get('default/a'), b: informer.store.get('default/b') });
      }, relistAt + 1);
    });
    expect(stored).toHaveLength(1);
    expect(stored[0]?.a).toBe(a1);
    expect(stored[0]?.b).toBe(b2);
  });

  it('a relist hands the ListerWatcher a reuse (the first list none) that answers the stored object of the same key and resourceVersion, so an HTTP list drops the fresh copy as each item is decoded', () => {
    const rx = newScheduler();
    const given: Array<ListItemReuse<TestConfigMap> | undefined> = [];
    const answers: unknown[] = [];
    const b2 = configMap('b', '2');
    rx.run(({ cold }) => {
      const fake = fakeListerWatcher<TestConfigMap>({
        lists: [cold('-(p|)', { p: listPage('10', [a1, b1]) }), cold('-(p|)', { p: listPage('20', [configMap('a', '1'), b2]) })],
        watches: [cold('--e', { e: errorEvent(410) }), cold<never>('-')],
      });
      const lw: ListerWatcher<TestConfigMap> = {
        ...fake,
        list: (options, reuse) => {
          given.push(reuse);
          return fake.list(options);
        },
      };
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0 });
      const sub = informer.events$.subscribe();
      // once the relist has begun (its page arrives now)
      rx.schedule(() => {
        const reuse = given[1];
        answers.push(reuse?.(configMap('a', '1')), reuse?.(b2), reuse?.(configMap('c', '1')));
        sub.unsubscribe();
      }, 1 + 2 + 800 + 1);
    });
    expect(given).toHaveLength(2);
    expect(given[0]).toBeUndefined();
    expect(answers[0]).toBe(a1);
    expect(answers[1]).toBe(b2);
    expect(answers[2]).toEqual(configMap('c', '1'));
  });

  it('a relist through a ListerWatcher that applies reuse to each item gets no second pass over its pages (one key and lookup per item, as one that ignores reuse)', () => {
    /** keyFunc calls up to just after the relist, and the stored a, for a ListerWatcher that applies `reuse` or ignores it. */
    const relist = (applies: boolean): { keys: number; a: unknown } => {
      const rx = newScheduler();
      let keys = 0;
      let a: unknown;
      rx.run(({ cold }) => {
        const fake = fakeListerWatcher<TestConfigMap>({
          lists: [cold('-(p|)', { p: listPage('10', [a1, b1]) }), cold('-(p|)', { p: listPage('20', [configMap('a', '1'), configMap('b', '2')]) })],
          watches: [cold('--e', { e: errorEvent(410) }), cold<never>('-')],
        });
        const lw: ListerWatcher<TestConfigMap> = {
          ...fake,
          list: (options, reuse) => fake.list(options).pipe(map((page) => (applies && reuse !== undefined ? { ...page, items: page.items.map(reuse) } : page))),
        };
        const keyFunc = (o: TestConfigMap): string => {
          keys += 1;
          return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
        };
        const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0, keyFunc });
        const sub = informer.events$.subscribe();
        rx.schedule(() => {
          a = informer.store.get('default/a');
          sub.unsubscribe();
        }, 1 + 2 + 800 + 1 + 1);
      });
      return { keys, a };
    };
    const applied = relist(true);
    const ignored = relist(false);
    expect(applied.a).toBe(a1);
    expect(ignored.a).toBe(a1);
    expect(applied.keys).toBeGreaterThan(0);
    expect(applied.keys).toBe(ignored.keys);
  });

  it('a streaming relist keeps the stored object too (initial events at the same resourceVersion)', () => {
    const rx = newScheduler();
    const stored: unknown[] = [];
    rx.run(({ cold }) => {
      const lw = fakeListerWatcher<TestConfigMap>({
        watches: [
          cold('-a-k--e', { a: added(a1), k: bookmark('10', true), e: errorEvent(410) }),
          cold('-a-k', { a: added(configMap('a', '1')), k: bookmark('20', true) }),
        ],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0, initialList: 'stream' });
      const sub = informer.events$.subscribe();
      const relistedAt = 6 + 800 + 3;
      rx.schedule(() => {
        stored.push(informer.store.get('default/a'));
        sub.unsubscribe();
      }, relistedAt + 1);
    });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toBe(a1);
  });

  it('with a transform, a relist stores the freshly listed (transformed) objects', () => {
    const rx = newScheduler();
    const stored: unknown[] = [];
    rx.run(({ cold }) => {
      const lw = fakeListerWatcher<TestConfigMap>({
        lists: [cold('-(p|)', { p: listPage('10', [a1]) }), cold('-(p|)', { p: listPage('20', [configMap('a', '1')]) })],
        watches: [cold('--e', { e: errorEvent(410) }), cold<never>('-')],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0, transform: (o) => ({ ...o }) });
      const sub = informer.events$.subscribe();
      const relistAt = 1 + 2 + 800 + 1;
      rx.schedule(() => {
        stored.push(informer.store.get('default/a'));
      }, 2);
      rx.schedule(() => {
        stored.push(informer.store.get('default/a'));
        sub.unsubscribe();
      }, relistAt + 1);
    });
    expect(stored).toHaveLength(2);
    expect(stored[1]).toEqual(stored[0]);
    expect(stored[1]).not.toBe(stored[0]);
  });

  it('sends Sync events only to subscribers whose resync period has elapsed', () => {
    const rx = newScheduler();
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [cold('-(p|)', { p: listPage('10', [a1, b1]) })], watches: [cold<never>('-')] });
      const informer = sharedIndexInformer(lw, { scheduler: rx });
      expectObservable(informer.observe({ resyncPeriodMs: 1000 }), '^ 2500ms !').toBe('-(ab) 995ms (xy) 996ms (xy)', {
        a: add(a1),
        b: add(b1),
        x: sync(a1),
        y: sync(b1),
      });
      expectObservable(informer.observe({ resyncPeriodMs: 2000 }), '^ 2500ms !').toBe('-(ab) 1995ms (xy)', {
        a: add(a1),
        b: add(b1),
        x: sync(a1),
        y: sync(b1),
      });
      expectObservable(informer.observe(), '^ 2500ms !').toBe('-(ab)', { a: add(a1), b: add(b1) });
    });
  });

  it('keeps delivering to the others when one subscriber throws, and reports the error', () => {
    const rx = newScheduler();
    const reported: unknown[] = [];
    rxConfig.onUnhandledError = (e: unknown) => {
      reported.push(e);
    };
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<TestConfigMap>({
        lists: [cold('-(p|)', { p: listPage('10', [a1, b1]) })],
        watches: [cold('----m----d', { m: modified(a2), d: deleted(b1) })],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx });
      const thrower = informer.events$.subscribe(() => {
        throw new Error('handler bug');
      });
      rx.schedule(() => {
        thrower.unsubscribe();
      }, 20);
      expectObservable(informer.events$, '^ 20ms !').toBe('-(ab)u----d', { a: add(a1), b: add(b1), u: upd(a1, a2), d: del(b1) });
    });
    // rxjs keeps a throwing subscriber subscribed: each of its 4 events is reported, none lost
    expect(reported).toEqual([1, 2, 3, 4].map(() => new Error('handler bug')));
  });

  it('lets a slow subscriber lag behind without holding back the reflector or the others, and shows its lag', () => {
    const rx = newScheduler();
    const lags: number[] = [];
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const watch = cold('----m----d', { m: modified(a2), d: deleted(b1) });
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [cold('-(p|)', { p: listPage('10', [a1, b1]) })], watches: [watch] });
      const informer = sharedIndexInformer(lw, { scheduler: rx });
      const slow$ = informer.events$.pipe(
        mergeMapWithLag((e) => timer(10, rx).pipe(map(() => e)), { lag: { next: (n) => lags.push(n) } }),
      );
      expectObservable(slow$, '^ 60ms !').toBe('----------- a 9ms b 9ms u 9ms d', {
        a: add(a1),
        b: add(b1),
        u: upd(a1, a2),
        d: del(b1),
      });
      expectObservable(informer.events$, '^ 60ms !').toBe('-(ab)u----d', { a: add(a1), b: add(b1), u: upd(a1, a2), d: del(b1) });
      expectSubscriptions(watch.subscriptions).toBe('-^ 59ms !');
    });
    // a and b arrive at 1, u at 5 and d at 10, all before a's handler is done at 11: 4 behind, then it drains
    expect(lags).toEqual([1, 2, 3, 4, 3, 2, 1, 0]);
  });

  it('reports decode failures and reflector errors on problems$ and keeps going', () => {
    const rx = newScheduler();
    const bad = decodeFailure('list', { metadata: { name: 'x', resourceVersion: '3' } }, ['bad spec']);
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<TestConfigMap>({
        lists: [cold('-(p|)', { p: listPage('10', [a1], undefined, [bad]) })],
        watches: [cold('--#', undefined, { _tag: 'TransportError', verb: 'watch', resource: 'configmaps', message: 'reset' }), cold<never>('-')],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0 });
      const p = (x: InformerProblem): InformerProblem => x;
      expectObservable(informer.problems$, '^ 1000ms !').toBe('-f-e', {
        f: p(bad),
        e: p({
          _tag: 'ReflectorError',
          next: 'watch',
          error: { _tag: 'WatchFailed', error: { _tag: 'TransportError', verb: 'watch', resource: 'configmaps', message: 'reset' } },
        }),
      });
      expectObservable(informer.events$, '^ 1000ms !').toBe('-a', { a: add(a1) });
    });
  });
});
