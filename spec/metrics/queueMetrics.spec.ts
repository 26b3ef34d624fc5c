import { map, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { createQueueMetrics } from '../../lib/metrics/queueMetrics.js';
import { itemExponentialFailureRateLimiter } from '../../lib/workqueue/rateLimiter.js';
import { done, requeueAfter } from '../../lib/workqueue/ReconcileResult.js';
import { type Reconciler, reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { add, addAfter, createWorkQueueState, done as queueDone, get, shutDown } from '../../lib/workqueue/WorkQueueState.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { recordingMetrics } from '../helpers/recordingMetrics.js';

type Rx = ReturnType<typeof newTestScheduler>;

/** A reconciler that takes `durations[key]` ms of virtual time (default 10). */
const taking =
  (rx: Rx, durations: Readonly<Record<string, number>> = {}): Reconciler =>
  (key) =>
    timer(durations[key] ?? 10, rx).pipe(map(() => done));

const tags = map((e: { readonly _tag: string }) => e._tag[0] ?? '?');

describe('work queue metrics through the queue functions (client-go queue.go semantics)', () => {
  it('counts an add only when the key was not dirty, a retry per delayed add, and nothing once shut down', () => {
    let now = 0;
    const rec = recordingMetrics(() => now);
    const scheduler = newTestScheduler();
    const s = createWorkQueueState(createQueueMetrics(rec.provider, 'q', { now: () => now, schedule: scheduler.schedule.bind(scheduler) }));
    add(s, 'a');
    add(s, 'a'); // coalesced: not counted
    now = 4;
    expect(get(s)).toBe('a');
    add(s, 'a'); // running, not dirty: counted, runs again after done
    now = 9;
    queueDone(s, 'a');
    addAfter(s, 'b', 50, now);
    addAfter(s, 'c', 0, now); // a retry, and an add at once
    expect(rec.of('newAddsMetric')).toEqual([[0, 'inc'], [4, 'inc'], [9, 'inc']]);
    expect(rec.of('newRetriesMetric')).toEqual([[9, 'inc'], [9, 'inc']]);
    expect(rec.of('newLatencyMetric')).toEqual([[4, 'observe', 0.004]]);
    expect(rec.of('newWorkDurationMetric')).toEqual([[9, 'observe', 0.005]]);
    expect(rec.valueOf('newDepthMetric')).toBe(2); // a (again) and c
    const before = rec.calls.length;
    shutDown(s);
    add(s, 'd');
    addAfter(s, 'e', 10, now);
    expect(rec.calls.length).toBe(before);
  });
});

describe('work queue metrics of reconcileWith (virtual time)', () => {
  it('counts adds that were not pending, moves depth, observes queue and work durations', () => {
    const rx = newTestScheduler();
    const rec = recordingMetrics(() => rx.now());
    rx.run(({ hot, expectObservable }) => {
      // a at 0 (runs 0-10), b at 1 and again at 2 (coalesced), a at 5 while it runs (so it runs again after)
      const keys = hot('      a b b 2ms a');
      const expected = '      S 9ms (SS) 6ms (SS) 6ms S';
      const out = keys.pipe(reconcileWith(taking(rx), { scheduler: rx, name: 'q', metrics: rec.provider }));
      expectObservable(out.pipe(tags), '^ 100ms !').toBe(expected);
    });
    expect(rec.of('newAddsMetric', 'q')).toEqual([[0, 'inc'], [1, 'inc'], [5, 'inc']]);
    expect(rec.of('newDepthMetric', 'q')).toEqual([[0, 'inc'], [0, 'dec'], [1, 'inc'], [5, 'inc'], [10, 'dec'], [20, 'dec']]);
    expect(rec.of('newLatencyMetric', 'q')).toEqual([[0, 'observe', 0], [10, 'observe', 0.009], [20, 'observe', 0.015]]);
    expect(rec.of('newWorkDurationMetric', 'q')).toEqual([[10, 'observe', 0.01], [20, 'observe', 0.01], [30, 'observe', 0.01]]);
    expect(rec.of('newRetriesMetric', 'q')).toEqual([]);
    expect(rec.valueOf('newDepthMetric', 'q')).toBe(0);
  });

  it('updates unfinished work and the longest running processor every 500 ms while work runs, zeroes them when it stops, and leaves no timer while idle', () => {
    const rx = newTestScheduler();
    const rec = recordingMetrics(() => rx.now());
    rx.run(({ hot, expectObservable }) => {
      // a runs 0-1200, b runs 250-700 (two workers)
      const keys = hot('      a 249ms b');
      const expected = '      a 249ms b 449ms y 499ms x';
      const out = keys.pipe(
        reconcileWith(taking(rx, { a: 1200, b: 450 }), { scheduler: rx, concurrency: 2, name: 'q', metrics: rec.provider }),
      );
      expectObservable(out.pipe(map((e) => (e._tag === 'Started' ? e.key : e.key === 'a' ? 'x' : 'y'))), '^ 5000ms !').toBe(expected);
    });
    expect(rec.of('newUnfinishedWorkSecondsMetric', 'q')).toEqual([
      [500, 'set', 0.75],
      [1000, 'set', 1],
      [1200, 'set', 0],
      [5001, 'set', 0], // dispose at unsubscription
    ]);
    expect(rec.of('newLongestRunningProcessorSecondsMetric', 'q')).toEqual([
      [500, 'set', 0.5],
      [1000, 'set', 1],
      [1200, 'set', 0],
      [5001, 'set', 0],
    ]);
  });

  it('counts a retry per requeue (failure, RequeueAfter), and the delayed add when it is due', () => {
    const rx = newTestScheduler();
    const rec = recordingMetrics(() => rx.now());
    let calls = 0;
    const reconciler: Reconciler = () => {
      calls += 1;
      if (calls === 1) return throwError(() => new Error('boom'));
      return timer(0, rx).pipe(map(() => (calls === 2 ? requeueAfter(100) : done)));
    };
    rx.run(({ hot, expectObservable }) => {
      const keys = hot('      a');
      const expected = '      (SFR)(SOR) 95ms (SO)';
      const out = keys.pipe(
        reconcileWith(reconciler, { scheduler: rx, rateLimiter: itemExponentialFailureRateLimiter(5, 1000), name: 'q', metrics: rec.provider }),
      );
      expectObservable(out.pipe(tags), '^ 1000ms !').toBe(expected.replace(/O/g, 'S'));
    });
    expect(rec.of('newAddsMetric', 'q')).toEqual([[0, 'inc'], [5, 'inc'], [105, 'inc']]);
    expect(rec.of('newRetriesMetric', 'q')).toEqual([[0, 'inc'], [5, 'inc']]);
    expect(rec.of('newLatencyMetric', 'q')).toEqual([[0, 'observe', 0], [5, 'observe', 0], [105, 'observe', 0]]);
  });

  it('takes the depth of keys left in the queue back when it stops', () => {
    const rx = newTestScheduler();
    const rec = recordingMetrics(() => rx.now());
    rx.run(({ hot, expectObservable }) => {
      const keys = hot('      (abc)');
      const stop = hot('      5ms s');
      const expected = '      S 9ms (S|)';
      const out = keys.pipe(reconcileWith(taking(rx), { scheduler: rx, shutdown$: stop, name: 'q', metrics: rec.provider }));
      expectObservable(out.pipe(tags)).toBe(expected);
    });
    expect(rec.of('newDepthMetric', 'q')).toEqual([[0, 'inc'], [0, 'dec'], [0, 'inc'], [0, 'inc'], [10, 'dec'], [10, 'dec']]);
    expect(rec.valueOf('newDepthMetric', 'q')).toBe(0);
  });

  it('runs the update timer only while work runs (none at all without metrics)', () => {
    const pending = (withMetrics: boolean): ReadonlyArray<number> => {
      const rx = newTestScheduler();
      const seen: number[] = [];
      rx.run(({ hot, expectObservable }) => {
        const keys = hot('      a');
        const expected = '      a 1199ms b';
        const metrics = withMetrics ? { metrics: recordingMetrics(() => rx.now()).provider } : {};
        const out = keys.pipe(reconcileWith(taking(rx, { a: 1200 }), { scheduler: rx, ...metrics }));
        expectObservable(out.pipe(map((e) => (e._tag === 'Started' ? 'a' : 'b'))), '^ 2000ms !').toBe(expected);
        // actions pending at 600: the reconcile's timer, the probe at 1300, the unsubscription at 2000, the ticker (with
        // metrics); at 1300, only the unsubscription
        for (const at of [600, 1300]) {
          rx.schedule(() => {
            seen.push(rx.actions.length);
          }, at);
        }
      });
      return seen;
    };
    expect(pending(true)).toEqual([4, 1]);
    expect(pending(false)).toEqual([3, 1]);
  });
});
