import { NEVER, type Observable, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import type { DecodeFailure } from '../../lib/codec/DecodeFailure.js';
import type { Status } from '../../lib/codec/Status.js';
import type { ListPage, WatchEvent } from '../../lib/listwatch/ListerWatcher.js';
import { httpError, transportError } from '../../lib/listwatch/ListerWatcherError.js';
import { resourceVersionOf } from '../../lib/meta/KubeObject.js';
import { listThenWatch, type ReflectorConfig } from '../../lib/reflector/listThenWatch.js';
import type { ReflectorError } from '../../lib/reflector/ReflectorError.js';
import type { ListCause, NextStep, ReflectorEvent } from '../../lib/reflector/ReflectorEvent.js';
import {
  added,
  bookmark,
  configMap,
  listPage,
  modified,
  type TestConfigMap as Cm,
} from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { gone, status, streamOpts, watchOpts } from '../helpers/reflector.js';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const newScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => {
    expect(actual).toEqual(expected);
  });

/** Virtual time, no jitter: watch timeouts are 300 s, backoffs 800 ms, 1.6 s, 3.2 s, ... */
const cfg = (rx: TestScheduler, extra: ReflectorConfig = {}): ReflectorConfig => ({ scheduler: rx, random: () => 0, ...extra });

type Ev = ReflectorEvent<Cm>;

const ev = {
  listing: (resourceVersion: string, cause: ListCause): Ev => ({ _tag: 'Listing', resourceVersion, cause }),
  replace: (resourceVersion: string, items: ReadonlyArray<Cm>): Ev => ({ _tag: 'Replace', items, resourceVersion }),
  watching: (resourceVersion: string): Ev => ({ _tag: 'Watching', resourceVersion }),
  added: (object: Cm): Ev => ({ _tag: 'Added', object, resourceVersion: resourceVersionOf(object) }),
  modified: (object: Cm): Ev => ({ _tag: 'Modified', object, resourceVersion: resourceVersionOf(object) }),
  bookmark: (resourceVersion: string): Ev => ({ _tag: 'Bookmark', resourceVersion }),
  invalid: (failure: DecodeFailure): Ev => ({ _tag: 'Invalid', failure }),
  error: (error: ReflectorError, next: NextStep): Ev => ({ _tag: 'Error', error, next }),
  backoff: (delayMs: number, attempt: number, next: NextStep): Ev => ({ _tag: 'Backoff', delayMs, attempt, next }),
};

const inStream = (s: Status): WatchEvent<Cm> => ({ _tag: 'Error', status: s });

const badObject = (resourceVersion: string, source: 'list' | 'watch' = 'watch'): DecodeFailure => ({
  _tag: 'DecodeFailure',
  source,
  key: 'default/bad',
  resourceVersion,
  errors: ['Invalid value 1 supplied to : ConfigMap/data'],
  raw: '{"metadata":{"name":"bad"},"data":1}',
});


const a1 = configMap('a', '1');
const b2 = configMap('b', '2');
const c3 = configMap('c', '3');
const c101 = configMap('c', '101');

const unavailable = httpError('watch', 'configmaps', 503);

// ---------------------------------------------------------------------------------------------
// Marble tests of the Observable
//
// Conventions: `cold` marbles (the fake server's answers) are relative to the moment the request
// is subscribed; the expected output and the subscription marbles are in absolute virtual time,
// written with time progression (`9ms`) because `(RW)` groups take 4 frames of marble text but 0
// of time. Most tests answer the first LIST at t=10, so the first WATCH is subscribed at t=10.
// Each `// t=` comment gives the absolute timeline the expected marble encodes.
// ---------------------------------------------------------------------------------------------

describe('listThenWatch: list', () => {
  // the default initialList 'auto' lists in pages here: the fake says supportsStreamingList: false
  it('lists at resourceVersion 0 with a limit, replaces, then watches from the list RV', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1, b2]) });
      const watch0 = cold<WatchEvent<Cm>>('20ms a', { a: added(c101) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0] });

      // t=0 Listing; t=10 page → Replace, Watching; t=30 Added
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 99ms !').toBe('L 9ms (RW) 16ms A', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1, b2]),
        W: ev.watching('100'),
        A: ev.added(c101),
      });
      expectSubscriptions(list0.subscriptions).toBe('^ 9ms !');
      expectSubscriptions(watch0.subscriptions).toBe('10ms ^ 89ms !');
      return lw;
    });
    expect(lw.listCalls).toEqual([{ resourceVersion: '0', limit: 500 }]);
    expect(lw.watchCalls).toEqual([watchOpts('100')]);
  });

  it('follows continue tokens without a resourceVersion, surfaces invalid items, and replaces once', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const page1 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1], 'tok1') });
      const page2 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [b2], 'tok2', [badObject('100', 'list')]) });
      const page3 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('101', [c3]) });
      const lw = fakeListerWatcher<Cm>({ lists: [page1, page2, page3] });

      // pages at t=10, 20 (with an invalid item), 30 → one Replace
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 99ms !').toBe('L 19ms I 9ms (RW)', {
        L: ev.listing('0', 'Initial'),
        I: ev.invalid(badObject('100', 'list')),
        R: ev.replace('101', [a1, b2, c3]),
        W: ev.watching('101'),
      });
      expectSubscriptions(page1.subscriptions).toBe('^ 9ms !');
      expectSubscriptions(page2.subscriptions).toBe('10ms ^ 9ms !');
      expectSubscriptions(page3.subscriptions).toBe('20ms ^ 9ms !');
      return lw;
    });
    expect(lw.listCalls).toEqual([
      { resourceVersion: '0', limit: 500 },
      { limit: 500, continue: 'tok1' },
      { limit: 500, continue: 'tok2' },
    ]);
    expect(lw.watchCalls).toEqual([watchOpts('101')]);
  });

  it('falls back to one full list when a continue token expires, discarding the partial pages', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const page1 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1], 'tok1') });
      const page2 = cold<ListPage<Cm>>('10ms #', undefined, gone('list'));
      const full = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('200', [a1, b2]) });
      const lw = fakeListerWatcher<Cm>({ lists: [page1, page2, full] });

      // t=20 the continue page answers 410 → full list answers at t=30
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 99ms !').toBe('L 29ms (RW)', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('200', [a1, b2]),
        W: ev.watching('200'),
      });
      expectSubscriptions(page2.subscriptions).toBe('10ms ^ 9ms !');
      expectSubscriptions(full.subscriptions).toBe('20ms ^ 9ms !');
      return lw;
    });
    expect(lw.listCalls).toEqual([{ resourceVersion: '0', limit: 500 }, { limit: 500, continue: 'tok1' }, { resourceVersion: '0' }]);
  });

  it('relists at once with resourceVersion "" when the list RV itself has expired', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms #', undefined, gone('list'));
      const list1 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('300', [a1]) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0, list1] });

      // t=10 410 → Error and a consistent relist at once; t=20 Replace
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 99ms !').toBe('L 9ms (EK) 6ms (RW)', {
        L: ev.listing('0', 'Initial'),
        E: ev.error({ _tag: 'ListFailed', error: gone('list') }, 'list'),
        K: ev.listing('', 'Expired'),
        R: ev.replace('300', [a1]),
        W: ev.watching('300'),
      });
      return lw;
    });
    expect(lw.listCalls).toEqual([{ resourceVersion: '0', limit: 500 }, { resourceVersion: '', limit: 500 }]);
  });

  it('backs off and relists at "0" when the first list fails', () => {
    const rx = newScheduler();
    const failure = httpError('list', 'configmaps', 500);
    const lw = rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms #', undefined, failure);
      const list1 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0, list1] });

      // t=10 500 → backoff 800 ms; t=810 relist; t=820 Replace
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 999ms !').toBe('L 9ms (EB) 796ms K 9ms (RW)', {
        L: ev.listing('0', 'Initial'),
        E: ev.error({ _tag: 'ListFailed', error: failure }, 'list'),
        B: ev.backoff(800, 1, 'list'),
        K: ev.listing('0', 'Error'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
      });
      return lw;
    });
    expect(lw.listCalls).toEqual([
      { resourceVersion: '0', limit: 500 },
      { resourceVersion: '0', limit: 500 },
    ]);
  });
});

describe('listThenWatch: a ListerWatcher that throws', () => {
  it('reports a synchronous throw as a failed request instead of erroring the stream', () => {
    const rx = newScheduler();
    rx.run(({ expectObservable }) => {
      const lw = {
        list: (): Observable<ListPage<Cm>> => {
          throw new Error('boom');
        },
        watch: (): Observable<WatchEvent<Cm>> => NEVER,
        supportsStreamingList: false,
      };
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 99ms !').toBe('(LEB)', {
        L: ev.listing('0', 'Initial'),
        E: ev.error({ _tag: 'ListFailed', error: transportError('list', '', 'boom') }, 'list'),
        B: ev.backoff(800, 1, 'list'),
      });
    });
  });
});

describe('listThenWatch: watch', () => {
  it('re-watches from the last RV without relisting when the server closes the watch', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('5ms a 4ms |', { a: added(c101) });
      const watch1 = cold<WatchEvent<Cm>>('5ms m', { m: modified(configMap('c', '102')) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0, watch1] });

      // t=15 Added; t=20 clean close → Watching from 101 at once; t=25 Modified
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 99ms !').toBe('L 9ms (RW)-A 4ms X 4ms M', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        A: ev.added(c101),
        X: ev.watching('101'),
        M: ev.modified(configMap('c', '102')),
      });
      expectSubscriptions(watch0.subscriptions).toBe('10ms ^ 9ms !');
      expectSubscriptions(watch1.subscriptions).toBe('20ms ^ 79ms !');
      return lw;
    });
    expect(lw.listCalls).toHaveLength(1);
    expect(lw.watchCalls).toEqual([watchOpts('100'), watchOpts('101')]);
  });

  it('moves the RV on bookmarks without emitting objects; the next watch starts from the bookmark RV', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('5ms k 4ms |', { k: bookmark<Cm>('150') });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0] });

      // t=15 Bookmark; t=20 close → Watching from the bookmark RV
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 99ms !').toBe('L 9ms (RW)-K 4ms X', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        K: ev.bookmark('150'),
        X: ev.watching('150'),
      });
      return lw;
    });
    expect(lw.watchCalls).toEqual([watchOpts('100'), watchOpts('150')]);
  });

  it('surfaces invalid events, keeps watching, and moves the RV to the invalid object RV', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('5ms a 4ms i 4ms |', {
        a: added(configMap('c', '104')),
        i: { _tag: 'Invalid', failure: badObject('105') },
      });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0] });

      // t=15 Added; t=20 Invalid; t=25 close → Watching from the invalid object's RV
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 99ms !').toBe('L 9ms (RW)-A 4ms I 4ms X', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        A: ev.added(configMap('c', '104')),
        I: ev.invalid(badObject('105')),
        X: ev.watching('105'),
      });
      return lw;
    });
    expect(lw.listCalls).toHaveLength(1);
  });

  it('relists with resourceVersion "" after a 410 at watch start', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('5ms #', undefined, gone('watch'));
      const list1 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('150', [a1]) });
      const watch1 = cold<WatchEvent<Cm>>('-');
      const lw = fakeListerWatcher<Cm>({ lists: [list0, list1], watches: [watch0, watch1] });

      // t=15 410 → backoff; t=815 Listing at ""; t=825 Replace, Watching
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 899ms !').toBe('L 9ms (RW) 1ms (EB) 796ms K 9ms (SX)', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        E: ev.error({ _tag: 'WatchExpired', resourceVersion: '100' }, 'list'),
        B: ev.backoff(800, 1, 'list'),
        K: ev.listing('', 'Expired'),
        S: ev.replace('150', [a1]),
        X: ev.watching('150'),
      });
      expectSubscriptions(watch0.subscriptions).toBe('10ms ^ 4ms !');
      expectSubscriptions(list1.subscriptions).toBe('815ms ^ 9ms !');
      expectSubscriptions(watch1.subscriptions).toBe('825ms ^ 74ms !');
      return lw;
    });
    expect(lw.listCalls).toEqual([{ resourceVersion: '0', limit: 500 }, { resourceVersion: '', limit: 500 }]);
    expect(lw.watchCalls).toEqual([watchOpts('100'), watchOpts('150')]);
  });

  it('tears the watch down and relists with resourceVersion "" after an in-stream ERROR 410', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('5ms a 4ms e', { a: added(c101), e: inStream(status(410, 'Expired')) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0] });

      // t=15 Added; t=20 ERROR 410 → backoff; t=820 Listing at ""
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 899ms !').toBe('L 9ms (RW)-A 4ms (EB) 796ms K', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        A: ev.added(c101),
        E: ev.error({ _tag: 'WatchExpired', resourceVersion: '101', status: status(410, 'Expired') }, 'list'),
        B: ev.backoff(800, 1, 'list'),
        K: ev.listing('', 'Expired'),
      });
      expectSubscriptions(watch0.subscriptions).toBe('10ms ^ 9ms !');
      return lw;
    });
    expect(lw.listCalls).toEqual([{ resourceVersion: '0', limit: 500 }, { resourceVersion: '', limit: 500 }]);
  });

  it('relists from the last RV (served whole from the watch cache) after an in-stream ERROR 500', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('5ms a 4ms e', { a: added(c101), e: inStream(status(500, 'InternalError')) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0] });

      // t=15 Added; t=20 ERROR 500 → backoff; t=820 Listing at 101
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 899ms !').toBe('L 9ms (RW)-A 4ms (EB) 796ms K', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        A: ev.added(c101),
        E: ev.error({ _tag: 'WatchStatus', resourceVersion: '101', status: status(500, 'InternalError') }, 'list'),
        B: ev.backoff(800, 1, 'list'),
        K: ev.listing('101', 'Error'),
      });
      return lw;
    });
    expect(lw.listCalls).toEqual([{ resourceVersion: '0', limit: 500 }, { resourceVersion: '101' }]);
  });

  it('relists after a backoff when the watch request is forbidden (403)', () => {
    const rx = newScheduler();
    const forbidden = httpError('watch', 'configmaps', 403);
    const lw = rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('#', undefined, forbidden);
      const list1 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('120', [a1, b2]) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0, list1], watches: [watch0] });

      // t=10 403 → backoff; t=810 Listing at 100 (no limit); t=820 Replace
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 899ms !').toBe('L 9ms (RWEB) 794ms K 9ms (SX)', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        E: ev.error({ _tag: 'WatchFailed', error: forbidden }, 'list'),
        B: ev.backoff(800, 1, 'list'),
        K: ev.listing('100', 'Error'),
        S: ev.replace('120', [a1, b2]),
        X: ev.watching('120'),
      });
      return lw;
    });
    expect(lw.listCalls).toEqual([{ resourceVersion: '0', limit: 500 }, { resourceVersion: '100' }]);
  });

  it('re-watches from the last RV without relisting after a transport error', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('5ms #', undefined, new Error('socket hang up'));
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0] });

      // t=15 connection reset → backoff; t=815 Watching from 100 again
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 899ms !').toBe('L 9ms (RW) 1ms (EB) 796ms W', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        E: ev.error({ _tag: 'WatchFailed', error: transportError('watch', '', 'socket hang up') }, 'watch'),
        B: ev.backoff(800, 1, 'watch'),
      });
      return lw;
    });
    expect(lw.listCalls).toHaveLength(1);
    expect(lw.watchCalls).toEqual([watchOpts('100'), watchOpts('100')]);
  });

  it('backs off 0.8 s, 1.6 s, 3.2 s, 6.4 s on repeated 503s, re-watching without relisting', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const failing = cold<WatchEvent<Cm>>('#', undefined, unavailable);
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: () => failing });

      // 503 at t=10, 810, 2410, 5610: waits of 800, 1600, 3200, 6400 ms
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 5999ms !').toBe(
        'L 9ms (RWEB) 794ms (WEC) 1595ms (WED) 3195ms (WEF)',
        {
          L: ev.listing('0', 'Initial'),
          R: ev.replace('100', [a1]),
          W: ev.watching('100'),
          E: ev.error({ _tag: 'WatchFailed', error: unavailable }, 'watch'),
          B: ev.backoff(800, 1, 'watch'),
          C: ev.backoff(1_600, 2, 'watch'),
          D: ev.backoff(3_200, 3, 'watch'),
          F: ev.backoff(6_400, 4, 'watch'),
        },
      );
      expectSubscriptions(failing.subscriptions).toBe(['10ms (^!)', '810ms (^!)', '2410ms (^!)', '5610ms (^!)']);
      return lw;
    });
    expect(lw.listCalls).toHaveLength(1);
  });

  it('resets the backoff after 2 minutes without a failure', () => {
    const rx = newScheduler();
    rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('#', undefined, unavailable);
      const watch1 = cold<WatchEvent<Cm>>('2m #', undefined, unavailable);
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0, watch1] });

      // t=10 503 → 800 ms; t=810 a watch that fails 2 min later (t=120810) → 800 ms again
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 129999ms !').toBe('L 9ms (RWEB) 794ms W 119999ms (EB) 796ms W', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        E: ev.error({ _tag: 'WatchFailed', error: unavailable }, 'watch'),
        B: ev.backoff(800, 1, 'watch'),
      });
    });
  });

  it('waits at least Retry-After on a 429 at watch start', () => {
    const rx = newScheduler();
    const tooMany = httpError('watch', 'configmaps', 429, { retryAfterSeconds: 5 });
    rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('#', undefined, tooMany);
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0] });

      // t=10 429 with Retry-After 5 s → backoff 5000 ms, not 800; t=5010 Watching
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 5999ms !').toBe('L 9ms (RWEB) 4994ms W', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        E: ev.error({ _tag: 'WatchFailed', error: tooMany }, 'watch'),
        B: ev.backoff(5_000, 1, 'watch'),
      });
    });
  });

  it('re-watches after at least details.retryAfterSeconds on an in-stream ERROR 429', () => {
    const rx = newScheduler();
    const throttled = status(429, 'TooManyRequests', 3);
    const lw = rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('5ms e', { e: inStream(throttled) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0] });

      // t=15 ERROR 429 (retryAfterSeconds 3) → backoff 3000 ms; t=3015 Watching
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 3999ms !').toBe('L 9ms (RW) 1ms (EB) 2996ms W', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        E: ev.error({ _tag: 'WatchStatus', resourceVersion: '100', status: throttled }, 'watch'),
        B: ev.backoff(3_000, 1, 'watch'),
      });
      return lw;
    });
    expect(lw.listCalls).toHaveLength(1);
  });

  it('counts a watch that closes in under a second with no event as an error, and relists', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('5ms |');
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0] });

      // t=15 closed after 5 ms with nothing → VeryShortWatch; t=815 relist
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 899ms !').toBe('L 9ms (RW) 1ms (EB) 796ms K', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        E: ev.error({ _tag: 'VeryShortWatch', resourceVersion: '100' }, 'list'),
        B: ev.backoff(800, 1, 'list'),
        K: ev.listing('100', 'Error'),
      });
      return lw;
    });
    expect(lw.listCalls).toEqual([{ resourceVersion: '0', limit: 500 }, { resourceVersion: '100' }]);
  });

  it('re-watches at once after a quiet watch that lasted a full second', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('1s |');
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0] });

      // t=1010 closed after 1 s with nothing → Watching again at once
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 1099ms !').toBe('L 9ms (RW) 996ms W', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
      });
      return lw;
    });
    expect(lw.listCalls).toHaveLength(1);
  });

  it('tears down and re-opens a watch that stays idle for watchIdleTimeoutMs', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch0 = cold<WatchEvent<Cm>>('5ms a', { a: added(c101) });
      const watch1 = cold<WatchEvent<Cm>>('-');
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0, watch1] });

      // t=15 last event; t=65 idle 50 ms → torn down, backoff; t=865 Watching
      expectObservable(listThenWatch(lw, cfg(rx, { watchIdleTimeoutMs: 50 })), '^ 899ms !').toBe(
        'L 9ms (RW)-A 49ms (EB) 796ms X',
        {
          L: ev.listing('0', 'Initial'),
          R: ev.replace('100', [a1]),
          W: ev.watching('100'),
          A: ev.added(c101),
          E: ev.error({ _tag: 'WatchIdle', resourceVersion: '101', idleMs: 50 }, 'watch'),
          B: ev.backoff(800, 1, 'watch'),
          X: ev.watching('101'),
        },
      );
      expectSubscriptions(watch0.subscriptions).toBe('10ms ^ 54ms !');
      expectSubscriptions(watch1.subscriptions).toBe('865ms ^ 34ms !');
      return lw;
    });
    expect(lw.listCalls).toHaveLength(1);
  });

  it('defaults the idle limit to the watch timeout plus 30 s', () => {
    const rx = newScheduler();
    rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [cold<WatchEvent<Cm>>('-')] });

      // timeout 300 s (random 0) → idle limit 330 s: t=330010 WatchIdle
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 330099ms !').toBe('L 9ms (RW) 329996ms (EB)', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        E: ev.error({ _tag: 'WatchIdle', resourceVersion: '100', idleMs: 330_000 }, 'watch'),
        B: ev.backoff(800, 1, 'watch'),
      });
    });
  });

  it('jitters the server timeout of each watch between min and 2 * min', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<Cm>({ lists: [cold<ListPage<Cm>>('(p|)', { p: listPage('100', []) })], watches: [cold<WatchEvent<Cm>>('-')] });
      expectObservable(listThenWatch(lw, cfg(rx, { random: () => 0.5, minWatchTimeoutSeconds: 100 })), '^ 9ms !').toBe('(LRW)', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', []),
        W: ev.watching('100'),
      });
      return lw;
    });
    expect(lw.watchCalls).toEqual([{ resourceVersion: '100', allowWatchBookmarks: true, timeoutSeconds: 150 }]);
  });
});

describe('listThenWatch: streaming list', () => {
  it('buffers the initial events until the end bookmark, replaces, then keeps the same watch', () => {
    const rx = newScheduler();
    const a151 = configMap('a', '151');
    const lw = rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const watch0 = cold<WatchEvent<Cm>>('5ms a 4ms b 4ms k 4ms m 4ms e', {
        a: added(a1),
        b: added(b2),
        k: bookmark<Cm>('150', true),
        m: modified(a151),
        e: inStream(status(500, 'InternalError')),
      });
      const watch1 = cold<WatchEvent<Cm>>('-');
      const lw = fakeListerWatcher<Cm>({ watches: [watch0, watch1] });

      // t=5, 10 buffered; t=15 end bookmark → Replace; t=20 Modified; t=25 ERROR 500; t=825 streams again
      expectObservable(listThenWatch(lw, cfg(rx, { initialList: 'stream' })), '^ 899ms !').toBe(
        'L 14ms (RW) 1ms M 4ms (EB) 796ms K',
        {
          L: ev.listing('', 'Initial'),
          R: ev.replace('150', [a1, b2]),
          W: ev.watching('150'),
          M: ev.modified(a151),
          E: ev.error({ _tag: 'WatchStatus', resourceVersion: '151', status: status(500, 'InternalError') }, 'list'),
          B: ev.backoff(800, 1, 'list'),
          K: ev.listing('151', 'Error'),
        },
      );
      expectSubscriptions(watch0.subscriptions).toBe('^ 24ms !');
      expectSubscriptions(watch1.subscriptions).toBe('825ms ^ 74ms !');
      return lw;
    });
    expect(lw.listCalls).toEqual([]);
    expect(lw.watchCalls).toEqual([streamOpts(''), streamOpts('151')]);
  });

  it('falls back to a paged LIST at once when the server refuses the streaming list', () => {
    const rx = newScheduler();
    const refused = httpError('watch', 'configmaps', 422, { reason: 'Invalid' });
    const lw = rx.run(({ cold, expectObservable }) => {
      const watch0 = cold<WatchEvent<Cm>>('5ms #', undefined, refused);
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0] });

      // t=5 the streaming WATCH is refused → Listing (paged) at once; t=15 Replace
      expectObservable(listThenWatch(lw, cfg(rx, { initialList: 'stream' })), '^ 99ms !').toBe('L 4ms (EK) 6ms (RW)', {
        L: ev.listing('', 'Initial'),
        E: ev.error({ _tag: 'WatchFailed', error: refused }, 'list'),
        K: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
      });
      return lw;
    });
    expect(lw.listCalls).toEqual([{ resourceVersion: '0', limit: 500 }]);
    expect(lw.watchCalls).toEqual([streamOpts(''), watchOpts('100')]);
  });

  it('falls back to LIST, discarding buffered objects, when the stream closes before its end bookmark', () => {
    const rx = newScheduler();
    rx.run(({ cold, expectObservable }) => {
      const watch0 = cold<WatchEvent<Cm>>('5ms a 4ms |', { a: added(a1) });
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [b2]) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0] });

      // t=10 the stream closes before its end bookmark → paged LIST at once; t=20 Replace
      expectObservable(listThenWatch(lw, cfg(rx, { initialList: 'stream' })), '^ 99ms !').toBe('L 9ms (EK) 6ms (RW)', {
        L: ev.listing('', 'Initial'),
        E: ev.error(
          { _tag: 'WatchFailed', error: transportError('watch', '', 'watch closed before the initial-events-end bookmark') },
          'list',
        ),
        K: ev.listing('0', 'Initial'),
        R: ev.replace('100', [b2]),
        W: ev.watching('100'),
      });
    });
  });
});

describe("listThenWatch: initialList 'auto' (the default)", () => {
  const refused = httpError('watch', 'configmaps', 422, { reason: 'Invalid' });
  /** The events of: streaming attempt fails (E) → paged LIST → watch → in-stream 500 → backoff → relist (M). */
  const fallbackThenRelist = (first: ReflectorError) => ({
    L: ev.listing('', 'Initial'),
    E: ev.error(first, 'list'),
    K: ev.listing('0', 'Initial'),
    R: ev.replace('100', [a1]),
    W: ev.watching('100'),
    F: ev.error({ _tag: 'WatchStatus', resourceVersion: '100', status: status(500, 'InternalError') }, 'list'),
    B: ev.backoff(800, 1, 'list'),
    M: ev.listing('100', 'Error'),
  });

  it('streams when the ListerWatcher may stream and the server serves it', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const watch0 = cold<WatchEvent<Cm>>('5ms a 4ms k', { a: added(a1), k: bookmark<Cm>('150', true) });
      const lw = fakeListerWatcher<Cm>({ watches: [watch0], supportsStreamingList: true });
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 99ms !').toBe('L 9ms (RW)', {
        L: ev.listing('', 'Initial'),
        R: ev.replace('150', [a1]),
        W: ev.watching('150'),
      });
      expectSubscriptions(watch0.subscriptions).toBe('^ 99ms !');
      return lw;
    });
    expect(lw.listCalls).toEqual([]);
    expect(lw.watchCalls).toEqual([streamOpts('')]);
  });

  it('a refusal (422) is reported once and every later list is a paged LIST', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const watch0 = cold<WatchEvent<Cm>>('5ms #', undefined, refused);
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch1 = cold<WatchEvent<Cm>>('5ms e', { e: inStream(status(500, 'InternalError')) });
      const list1 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('120', [b2]) });
      const watch2 = cold<WatchEvent<Cm>>('-');
      const lw = fakeListerWatcher<Cm>({ lists: [list0, list1], watches: [watch0, watch1, watch2], supportsStreamingList: true });

      // t=5 refused → StreamingListUnsupported, paged LIST at once; t=15 Replace, watch;
      // t=20 in-stream 500 → backoff 800 ms; t=820 relist: a paged LIST again, no streaming attempt
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 899ms !').toBe('L 4ms (EK) 6ms (RW) 1ms (FB) 796ms M 9ms (SX)', {
        ...fallbackThenRelist({ _tag: 'StreamingListUnsupported', error: refused }),
        // the paged LIST after the refusal says it falls back; the relist after the 500 does not
        K: { ...ev.listing('0', 'Initial'), fallback: 'StreamingListUnsupported' },
        S: ev.replace('120', [b2]),
        X: ev.watching('120'),
      });
      expectSubscriptions(watch0.subscriptions).toBe('^ 4ms !');
      expectSubscriptions(list0.subscriptions).toBe('5ms ^ 9ms !');
      expectSubscriptions(list1.subscriptions).toBe('820ms ^ 9ms !');
      return lw;
    });
    expect(lw.watchCalls).toEqual([streamOpts(''), watchOpts('100'), watchOpts('120')]);
    expect(lw.listCalls).toEqual([
      { resourceVersion: '0', limit: 500 },
      { resourceVersion: '100' },
    ]);
  });

  it('another failure of a streaming attempt falls back for that cycle only: the next list streams again', () => {
    const rx = newScheduler();
    const unavailable = httpError('watch', 'configmaps', 503);
    const lw = rx.run(({ cold, expectObservable }) => {
      const watch0 = cold<WatchEvent<Cm>>('5ms #', undefined, unavailable);
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const watch1 = cold<WatchEvent<Cm>>('5ms e', { e: inStream(status(500, 'InternalError')) });
      const watch2 = cold<WatchEvent<Cm>>('5ms k', { k: bookmark<Cm>('130', true) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: [watch0, watch1, watch2], supportsStreamingList: true });

      expectObservable(listThenWatch(lw, cfg(rx)), '^ 899ms !').toBe('L 4ms (EK) 6ms (RW) 1ms (FB) 796ms M 4ms (TY)', {
        ...fallbackThenRelist({ _tag: 'WatchFailed', error: unavailable }),
        T: ev.replace('130', []),
        Y: ev.watching('130'),
      });
      return lw;
    });
    expect(lw.watchCalls).toEqual([streamOpts(''), watchOpts('100'), streamOpts('100')]);
  });

  it("'list' never streams and 'stream' keeps streaming after a refusal", () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], supportsStreamingList: true });
      expectObservable(listThenWatch(lw, cfg(rx, { initialList: 'list' })), '^ 99ms !').toBe('L 9ms (RW)', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
      });
      return lw;
    });
    expect(lw.watchCalls).toEqual([watchOpts('100')]);
  });
});

describe('listThenWatch: teardown', () => {
  it('does nothing before subscribe', () => {
    const lw = fakeListerWatcher<Cm>({});
    listThenWatch(lw);
    expect(lw.listCalls).toEqual([]);
  });

  it('aborts the list in flight on unsubscribe', () => {
    const rx = newScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const list0 = cold<ListPage<Cm>>('-');
      const lw = fakeListerWatcher<Cm>({ lists: [list0] });
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 49ms !').toBe('L', { L: ev.listing('0', 'Initial') });
      expectSubscriptions(list0.subscriptions).toBe('^ 49ms !');
    });
  });

  it('cancels the backoff timer on unsubscribe: no further request', () => {
    const rx = newScheduler();
    const lw = rx.run(({ cold, expectObservable }) => {
      const list0 = cold<ListPage<Cm>>('10ms (p|)', { p: listPage('100', [a1]) });
      const lw = fakeListerWatcher<Cm>({ lists: [list0], watches: () => cold<WatchEvent<Cm>>('#', undefined, unavailable) });
      expectObservable(listThenWatch(lw, cfg(rx)), '^ 499ms !').toBe('L 9ms (RWEB)', {
        L: ev.listing('0', 'Initial'),
        R: ev.replace('100', [a1]),
        W: ev.watching('100'),
        E: ev.error({ _tag: 'WatchFailed', error: unavailable }, 'watch'),
        B: ev.backoff(800, 1, 'watch'),
      });
      return lw;
    });
    rx.flush();
    expect(lw.watchCalls).toHaveLength(1);
  });

  it('runs 10 000 synchronous watch cycles without growing the call stack', () => {
    const rx = newScheduler();
    let events = 0;
    const lw = fakeListerWatcher<Cm>({
      lists: [of(listPage('100', []))],
      watches: (_options, call) => (call < 10_000 ? of(added(configMap('x', String(1_000 + call)))) : NEVER),
    });
    rx.run(() => {
      const subscription = listThenWatch(lw, cfg(rx)).subscribe((e) => {
        if (e._tag === 'Added') events++;
      });
      rx.schedule(() => {
        subscription.unsubscribe();
      }, 10);
    });
    expect(events).toBe(10_000);
    expect(lw.watchCalls).toHaveLength(10_001);
    expect(lw.watchCalls[10_000]?.resourceVersion).toBe('10999');
  });
});
