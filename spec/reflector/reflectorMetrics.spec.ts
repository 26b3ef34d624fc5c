import { NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { listThenWatch } from '../../lib/reflector/listThenWatch.js';
import type { ReflectorEvent } from '../../lib/reflector/ReflectorEvent.js';
import {
  initialReflectorMetricsState,
  reduceReflectorMetrics,
  reflectorMetrics,
  type ReflectorMetricsState,
  type ReflectorMetricsUpdate,
} from '../../lib/reflector/reflectorMetrics.js';
import { added, bookmark, configMap, listPage, modified, type TestConfigMap as Cm } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { recordingMetrics } from '../helpers/recordingMetrics.js';

type Ev = ReflectorEvent<Cm>;

/** Runs the reducer over `[event, at]` pairs; returns the final state and every update with its time. */
const run = (steps: ReadonlyArray<readonly [Ev, number]>): { state: ReflectorMetricsState; updates: Array<readonly [number, ReflectorMetricsUpdate]> } => {
  let state: ReflectorMetricsState = initialReflectorMetricsState;
  const updates: Array<readonly [number, ReflectorMetricsUpdate]> = [];
  for (const [event, at] of steps) {
    const step = reduceReflectorMetrics(state, event, at);
    state = step.state;
    for (const u of step.updates) updates.push([at, u]);
  }
  return { state, updates };
};

const count = (metric: 'lists' | 'watches' | 'shortWatches'): ReflectorMetricsUpdate => ({ _tag: 'Count', metric });
const observe = (metric: 'listDuration' | 'itemsInList' | 'watchDuration' | 'itemsInWatch', value: number): ReflectorMetricsUpdate => ({
  _tag: 'Observe',
  metric,
  value,
});
const rv = (value: number): ReflectorMetricsUpdate => ({ _tag: 'Set', metric: 'lastResourceVersion', value });

const a = configMap('a', '11');
const b = configMap('b', '12');
const ev = {
  listing: { _tag: 'Listing', resourceVersion: '0', cause: 'Initial' } as Ev,
  replace: (items: ReadonlyArray<Cm>, resourceVersion: string): Ev => ({ _tag: 'Replace', items, resourceVersion }),
  watching: (resourceVersion: string): Ev => ({ _tag: 'Watching', resourceVersion }),
  added: (o: Cm): Ev => ({ _tag: 'Added', object: o, resourceVersion: o.metadata.resourceVersion ?? '' }),
  bookmark: (resourceVersion: string): Ev => ({ _tag: 'Bookmark', resourceVersion }),
  veryShort: { _tag: 'Error', error: { _tag: 'VeryShortWatch', resourceVersion: '10' }, next: 'list' } as Ev,
  idle: { _tag: 'Error', error: { _tag: 'WatchIdle', resourceVersion: '12', idleMs: 5 }, next: 'watch' } as Ev,
  backoff: { _tag: 'Backoff', delayMs: 800, attempt: 1, next: 'list' } as Ev,
};

describe('reduceReflectorMetrics', () => {
  it('a paged list then a watch: list count, duration, items and RV; the watch ends cleanly into the next', () => {
    const { state, updates } = run([
      [ev.listing, 0],
      [ev.replace([a, b], '10'), 250],
      [ev.watching('10'), 250],
      [ev.added(a), 300],
      [ev.bookmark('15'), 400],
      [ev.watching('15'), 60_250],
    ]);
    expect(updates).toEqual([
      [0, count('lists')],
      [250, observe('listDuration', 0.25)],
      [250, observe('itemsInList', 2)],
      [250, rv(10)],
      [250, count('watches')],
      [300, rv(11)],
      [400, rv(15)],
      [60_250, observe('watchDuration', 60)],
      [60_250, observe('itemsInWatch', 2)],
      [60_250, count('watches')],
    ]);
    expect(state).toEqual({ _tag: 'Watching', since: 60_250, items: 0 });
  });

  it('a very short watch counts as short (no duration); an idle one observes duration and items; a failed list observes nothing', () => {
    const { updates } = run([
      [ev.watching('10'), 0],
      [ev.veryShort, 200],
      [ev.backoff, 200],
      [ev.listing, 1000],
      [{ _tag: 'Error', error: { _tag: 'ListFailed', error: { _tag: 'TransportError', verb: 'list', resource: 'cm', message: 'x' } }, next: 'list' }, 1100],
      [ev.watching('10'), 2000],
      [ev.added(a), 2100],
      [ev.idle, 9000],
    ]);
    expect(updates).toEqual([
      [0, count('watches')],
      [200, count('shortWatches')],
      [200, observe('itemsInWatch', 0)],
      [1000, count('lists')],
      [2000, count('watches')],
      [2100, rv(11)],
      [9000, observe('watchDuration', 7)],
      [9000, observe('itemsInWatch', 1)],
    ]);
  });

  it('a streaming list goes on as a watch from its Replace', () => {
    const { updates } = run([
      [ev.listing, 0],
      [ev.replace([a], '20'), 100],
      [ev.added(b), 600],
      [ev.idle, 1100],
    ]);
    expect(updates).toEqual([
      [0, count('lists')],
      [100, observe('listDuration', 0.1)],
      [100, observe('itemsInList', 1)],
      [100, rv(20)],
      [600, count('watches')],
      [600, rv(12)],
      [1100, observe('watchDuration', 1)],
      [1100, observe('itemsInWatch', 1)],
    ]);
  });

  it('leaves resourceVersions that are not decimal integers out of the gauge', () => {
    expect(run([[ev.listing, 0], [ev.replace([], 'abc'), 1], [ev.bookmark('12a'), 2], [ev.bookmark('007'), 3]]).updates.filter(([, u]) => u._tag === 'Set')).toEqual([
      [3, rv(7)],
    ]);
  });
});

describe('reflectorMetrics over listThenWatch (virtual time)', () => {
  it('counts lists and watches and observes durations and items exactly, through a clean close, a very short watch and a relist', () => {
    const rx = newTestScheduler();
    const rec = recordingMetrics(() => rx.now());
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<Cm>({
        lists: [
          cold('50ms (p|)', { p: listPage('10', [configMap('x', '5'), configMap('y', '6')]) }),
          cold('100ms (p|)', { p: listPage('20', [configMap('x', '5'), configMap('y', '6'), configMap('z', '7')]) }),
        ],
        watches: [
          cold('10ms a 19ms b 969ms |', { a: added(configMap('a', '11')), b: modified(configMap('a', '12')) }),
          cold('200ms |'),
          NEVER,
        ],
      });
      const out = listThenWatch(lw, { scheduler: rx, random: () => 0, name: 'cms', metrics: rec.provider });
      expectObservable(out, '^ 3000ms !').toBe('L 49ms (RW) 6ms a 19ms b 969ms W 199ms (EB) 796ms L 99ms (RW)', {
        L: expect.objectContaining({ _tag: 'Listing' }) as unknown,
        R: expect.objectContaining({ _tag: 'Replace' }) as unknown,
        W: expect.objectContaining({ _tag: 'Watching' }) as unknown,
        a: expect.objectContaining({ _tag: 'Added' }) as unknown,
        b: expect.objectContaining({ _tag: 'Modified' }) as unknown,
        E: expect.objectContaining({ _tag: 'Error' }) as unknown,
        B: expect.objectContaining({ _tag: 'Backoff', delayMs: 800 }) as unknown,
      });
    });
    expect(rec.of('newListsMetric')).toEqual([[0, 'inc'], [2050, 'inc']]);
    expect(rec.of('newListDurationMetric')).toEqual([[50, 'observe', 0.05], [2150, 'observe', 0.1]]);
    expect(rec.of('newItemsInListMetric')).toEqual([[50, 'observe', 2], [2150, 'observe', 3]]);
    expect(rec.of('newWatchesMetric')).toEqual([[50, 'inc'], [1050, 'inc'], [2150, 'inc']]);
    expect(rec.of('newWatchDurationMetric')).toEqual([[1050, 'observe', 1]]);
    expect(rec.of('newShortWatchesMetric')).toEqual([[1250, 'inc']]);
    expect(rec.of('newItemsInWatchMetric')).toEqual([[1050, 'observe', 2], [1250, 'observe', 0]]);
    expect(rec.of('newLastResourceVersionMetric')).toEqual([[50, 'set', 10], [60, 'set', 11], [80, 'set', 12], [2150, 'set', 20]]);
    expect(new Set(rec.calls.map((c) => c.name))).toEqual(new Set(['cms']));
  });

  it('makes the metrics once per subscription, not before, and passes events through unchanged', () => {
    const rx = newTestScheduler();
    const rec = recordingMetrics(() => rx.now());
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Ev>('a-b-|', { a: ev.listing, b: ev.replace([a], '3') });
      const out = source.pipe(reflectorMetrics(rec.provider, 'r', rx));
      expect(rec.made.size).toBe(0);
      expectObservable(out).toBe('a-b-|', { a: ev.listing, b: ev.replace([a], '3') });
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
    expect(rec.made.get('newListsMetric')).toBe(1);
    expect(rec.of('newListDurationMetric')).toEqual([[2, 'observe', 0.002]]);
  });

  it('a streaming list (initialList: stream) counts one list and then the watch it turns into', () => {
    const rx = newTestScheduler();
    const rec = recordingMetrics(() => rx.now());
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<Cm>({
        watches: [cold('10ms a 9ms k 79ms b', { a: added(configMap('a', '4')), k: bookmark('5', true), b: added(configMap('b', '6')) })],
      });
      const out = listThenWatch(lw, { scheduler: rx, random: () => 0, initialList: 'stream', name: 's', metrics: rec.provider });
      expectObservable(out, '^ 500ms !').toBe('L 19ms (RW) 76ms b', {
        L: expect.objectContaining({ _tag: 'Listing' }) as unknown,
        R: expect.objectContaining({ _tag: 'Replace' }) as unknown,
        W: expect.objectContaining({ _tag: 'Watching', resourceVersion: '5' }) as unknown,
        b: expect.objectContaining({ _tag: 'Added' }) as unknown,
      });
    });
    expect(rec.of('newListsMetric')).toEqual([[0, 'inc']]);
    expect(rec.of('newListDurationMetric')).toEqual([[20, 'observe', 0.02]]);
    expect(rec.of('newItemsInListMetric')).toEqual([[20, 'observe', 1]]);
    // the watch starts with the end bookmark, where the stream emits Watching
    expect(rec.of('newWatchesMetric')).toEqual([[20, 'inc']]);
    expect(rec.of('newLastResourceVersionMetric')).toEqual([[20, 'set', 5], [100, 'set', 6]]);
  });
});
