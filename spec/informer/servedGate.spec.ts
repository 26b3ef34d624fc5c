/**
 * The informer's `served$` gate (issue 15.6): it lists and watches only while its resource is
 * served, says `Stopped` with reason `NotServed` otherwise, and never backs off on 404s meanwhile.
 */
import { describe, expect, it } from 'vitest';

import type { InformerProblem, InformerStatus } from '../../lib/informer/InformerStatus.js';
import type { ResourceEvent } from '../../lib/informer/ResourceEvent.js';
import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import type { ListPage } from '../../lib/listwatch/ListerWatcher.js';
import { httpError } from '../../lib/listwatch/ListerWatcherError.js';
import { notServed, SERVED, type ServedState } from '../../lib/listwatch/ServedState.js';
import { noopMetrics } from '../../lib/metrics/noopMetrics.js';
import { added, configMap, listPage, type TestConfigMap } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { newTestScheduler } from '../helpers/marbles.js';

type Ev = ResourceEvent<TestConfigMap>;

const a1 = configMap('a', '1');
const b1 = configMap('b', '5');
const add = (o: TestConfigMap, initial: boolean): Ev => ({ _tag: 'Added', key: `default/${o.metadata.name}`, object: o, initial });
const s = (x: InformerStatus): InformerStatus => x;
const N = notServed('customresourcedefinition "widgets.example.com" not found');
const gone: InformerStatus = { _tag: 'Stopped', reason: 'NotServed', message: N._tag === 'NotServed' ? N.message : '' };

describe('sharedIndexInformer with served$', () => {
  it('waits while not served, lists when served, stops with a reason when it goes, resumes with a new list', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const served$ = cold<ServedState>(' n----s--------n-----s', { n: N, s: SERVED });
      const list1 = cold('                      -(p|)', { p: listPage('10', [a1]) });
      const list2 = cold('                                        -(p|)', { p: listPage('20', [b1]) });
      const watch1 = cold<never>('                  -');
      const watch2 = cold('                                          --e', { e: added(configMap('c', '21')) });
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [list1, list2], watches: [watch1, watch2] });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0, served$ });
      const c21 = configMap('c', '21');
      // status$ first: it replays the current status (Stopped) when subscribed, before events$ starts the informer
      expectObservable(informer.status$, '^ 30ms !').toBe('(sx) 1ms l (yw) 4ms x 5ms l (yv)', {
        s: s({ _tag: 'Stopped' }),
        x: gone,
        l: s({ _tag: 'Listing', resourceVersion: '0', cause: 'Initial' }),
        y: s({ _tag: 'Synced', count: 1 }),
        w: s({ _tag: 'Watching', resourceVersion: '10', synced: true }),
        v: s({ _tag: 'Watching', resourceVersion: '20', synced: true }),
      });
      expectObservable(informer.events$, '^ 30ms !').toBe('6ms a 14ms b 1ms c', { a: add(a1, true), b: add(b1, true), c: add(c21, false) });
      expectObservable(informer.synced$, '^ 29ms !').toBe('f 5ms t 7ms f 6ms t', { f: false, t: true });
      expectSubscriptions(list1.subscriptions).toBe('     5ms ^!');
      expectSubscriptions(watch1.subscriptions).toBe('    6ms ^ 7ms !');
      expectSubscriptions(list2.subscriptions).toBe('     20ms ^!');
      expectSubscriptions(served$.subscriptions).toBe('^ 30ms !');
    });
  });

  it('reports Unknown on problems$ and keeps its state; Stopped without a reason once unsubscribed', () => {
    const rx = newTestScheduler();
    const problems: InformerProblem[] = [];
    rx.run(({ cold, expectObservable }) => {
      const boom = httpError('discovery', '/apis/example.com/v1', 503);
      const served$ = cold<ServedState>('s--u---', { s: SERVED, u: { _tag: 'Unknown', error: boom } });
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [cold('----(p|)', { p: listPage('10', [a1]) })], watches: [cold<never>('-')] });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0, served$ });
      informer.problems$.subscribe((p) => problems.push(p));
      expectObservable(informer.status$, '^ 12ms !').toBe('(xl) (yw) 3ms x', {
        l: s({ _tag: 'Listing', resourceVersion: '0', cause: 'Initial' }),
        y: s({ _tag: 'Synced', count: 1 }),
        w: s({ _tag: 'Watching', resourceVersion: '10', synced: true }),
        x: s({ _tag: 'Stopped' }),
      });
      expectObservable(informer.events$, '^ 10ms !').toBe('4ms a', { a: add(a1, true) });
    });
    expect(problems).toEqual([{ _tag: 'ReflectorError', error: { _tag: 'ListFailed', error: httpError('discovery', '/apis/example.com/v1', 503) }, next: 'list' }]);
  });

  it('never lists while not served: no 404 backoff storm', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const list = cold<ListPage<TestConfigMap>>('-#', undefined, httpError('list', 'widgets.example.com', 404));
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [list] });
      const informer = sharedIndexInformer(lw, { scheduler: rx, served$: cold('n', { n: N }) });
      expectObservable(informer.status$, '^ 99ms !').toBe('(sx)', { s: s({ _tag: 'Stopped' }), x: gone });
      expectObservable(informer.events$, '^ 100ms !').toBe('');
      rx.flush();
      expect(list.subscriptions).toEqual([]);
    });
  });

  it('with failFast, a 404 while served is retried, not terminal: served$ decides', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const list404 = cold<ListPage<TestConfigMap>>('-#', undefined, httpError('list', 'widgets.example.com', 404));
      const list = cold('-(p|)', { p: listPage('10', [a1]) });
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [list404, list], watches: [cold<never>('-')] });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0, failFast: true, backoff: { initialMs: 5, jitter: 0 }, served$: cold('s', { s: SERVED }) });
      // the 404 at 1 backs off 5 ms, the relist at 6 answers at 7
      expectObservable(informer.events$, '^ 20ms !').toBe('7ms a', { a: add(a1, true) });
    });
  });

  it('sets the served gauge on every definite state, not on Unknown', () => {
    const rx = newTestScheduler();
    const gauge: Array<[string, number, number]> = [];
    rx.run(({ cold, expectObservable }) => {
      const unknown: ServedState = { _tag: 'Unknown', error: httpError('discovery', '/apis/example.com/v1', 503) };
      const served$ = cold<ServedState>('n--s--u--n', { n: N, s: SERVED, u: unknown });
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [cold('-(p|)', { p: listPage('10', [a1]) })], watches: [cold<never>('-')] });
      const metrics = {
        ...noopMetrics,
        newServedMetric: (name: string) => ({ set: (v: number) => gauge.push([name, rx.now(), v]) }),
      };
      const informer = sharedIndexInformer(lw, { scheduler: rx, served$, metrics, name: 'widgets' });
      expectObservable(informer.events$, '^ 12ms !').toBe('----a', { a: add(a1, true) });
    });
    expect(gauge).toEqual([
      ['widgets', 0, 0],
      ['widgets', 3, 1],
      ['widgets', 9, 0],
    ]);
  });
});
