import { defer, map, type Observable, switchMap, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import { configMap, listPage, modified, type TestConfigMap } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { itemExponentialFailureRateLimiter } from '../../lib/workqueue/rateLimiter.js';
import type { ReconcileEvent } from '../../lib/workqueue/ReconcileEvent.js';
import { done, requeueAfter, type ReconcileResult } from '../../lib/workqueue/ReconcileResult.js';
import { reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { newTestScheduler } from '../helpers/marbles.js';

const boom = new Error('boom');

describe('a whole controller in virtual time: informer → keys → reconcileWith', () => {
  it('reconciles the initial list, retries a failure with backoff, reruns a key changed while it ran, and honours RequeueAfter', () => {
    const rx = newTestScheduler();
    /** [frame, key, the resourceVersion the reconciler read from the store] */
    const calls: [number, string, string | undefined][] = [];
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const list = cold('     -(p|)', { p: listPage('10', [configMap('a', '1'), configMap('b', '1')]) });
      // the watch starts at 1: a changes at 3 (while a runs), b changes at 55
      const watch = cold('     --m 51ms n', { m: modified(configMap('a', '2')), n: modified(configMap('b', '3')) });
      const watchSubs = '     -^ 93ms !';
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [list], watches: [watch] });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0 });
      let bRuns = 0;
      // a run takes 10 ms; b's first run fails after 6 ms; b's second asks for RequeueAfter(30)
      const reconcile = (key: string): Observable<ReconcileResult> =>
        defer(() => {
          calls.push([rx.now(), key, informer.store.get(key)?.metadata.resourceVersion]);
          if (key === 'default/b') bRuns += 1;
          if (key === 'default/b' && bRuns === 1) return timer(6, rx).pipe(switchMap(() => throwError(() => boom)));
          return timer(10, rx).pipe(map(() => (key === 'default/b' && bRuns === 2 ? requeueAfter(30) : done)));
        });
      const events$ = informer.events$.pipe(
        map((e) => e.key),
        reconcileWith(reconcile, { scheduler: rx, rateLimiter: itemExponentialFailureRateLimiter(20, 1000) }),
      );
      const S = (key: string, attempt = 0): ReconcileEvent => ({ _tag: 'Started', key: `default/${key}`, attempt });
      const OK = (key: string, result: ReconcileResult = done): ReconcileEvent => ({
        _tag: 'Succeeded',
        key: `default/${key}`,
        result,
        durationMs: 10,
      });
      //  1  the initial list: a starts (one worker), b waits
      //  3  a changes while it runs: dirty, queued again behind b when it ends
      // 11  a done; b starts
      // 17  b fails: backoff 20 ms; a runs again (it reads rv 2)
      // 27  a done
      // 37  b retried (attempt 1); at 47 it asks for RequeueAfter(30): due at 77
      // 55  b changes: it runs at once, done at 65 (its RequeueAfter still waits)
      // 77  b runs from its RequeueAfter, attempt 0 (forgotten), done at 87
      const expected = '-a 9ms (xb) 2ms (frs) 5ms y 9ms t 9ms (zq) 4ms B 9ms v 11ms C 9ms w';
      expectObservable(events$, '^ 94ms !').toBe(expected, {
        a: S('a'),
        x: OK('a'),
        b: S('b'),
        f: { _tag: 'Failed', key: 'default/b', error: boom, retryInMs: 20, durationMs: 6 },
        r: { _tag: 'Requeued', key: 'default/b', delayMs: 20, reason: 'Failed' },
        s: S('a'),
        y: OK('a'),
        t: S('b', 1),
        z: OK('b', requeueAfter(30)),
        q: { _tag: 'Requeued', key: 'default/b', delayMs: 30, reason: 'RequeueAfter' },
        B: S('b'),
        v: OK('b'),
        C: S('b'),
        w: OK('b'),
      });
      expectSubscriptions(list.subscriptions).toBe('^!');
      expectSubscriptions(watch.subscriptions).toBe(watchSubs);
    });
    expect(calls).toEqual([
      [1, 'default/a', '1'],
      [11, 'default/b', '1'],
      [17, 'default/a', '2'],
      [37, 'default/b', '1'],
      [55, 'default/b', '3'],
      [77, 'default/b', '3'],
    ]);
  });
});
