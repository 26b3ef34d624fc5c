import { map, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { itemExponentialFailureRateLimiter } from '../../lib/workqueue/rateLimiter.js';
import type { ReconcileEvent } from '../../lib/workqueue/ReconcileEvent.js';
import { reconcileMetrics, reconcileResultLabel } from '../../lib/workqueue/reconcileMetrics.js';
import { done, requeue, requeueAfter } from '../../lib/workqueue/ReconcileResult.js';
import { type Reconciler, reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { recordingMetrics } from '../helpers/recordingMetrics.js';

const ev = {
  s: { _tag: 'Started', key: 'a', attempt: 0 },
  t: { _tag: 'Started', key: 'b', attempt: 0 },
  o: { _tag: 'Succeeded', key: 'a', result: done, durationMs: 40 },
  q: { _tag: 'Succeeded', key: 'a', result: requeue, durationMs: 2 },
  r: { _tag: 'Succeeded', key: 'b', result: requeueAfter(10), durationMs: 5 },
  f: { _tag: 'Failed', key: 'b', error: new Error('x'), retryInMs: 5, durationMs: 250 },
  R: { _tag: 'Requeued', key: 'b', delayMs: 5, reason: 'Failed' },
  x: { _tag: 'Aborted', key: 'a' },
} satisfies Record<string, ReconcileEvent>;

describe('reconcileResultLabel', () => {
  it("maps results to controller-runtime's labels", () => {
    expect([ev.o, ev.q, ev.r, ev.f, ev.s, ev.R, ev.x].map(reconcileResultLabel)).toEqual([
      'success',
      'requeue',
      'requeue_after',
      'error',
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('reconcileMetrics', () => {
  it('counts results and errors, observes reconcile time, moves active workers, and passes events through', () => {
    const rx = newTestScheduler();
    const rec = recordingMetrics(() => rx.now());
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = '    s-t-o-fR-s-q-t-r-s-x|';
      const subs = '      ^-------------------!';
      const expected = '  s-t-o-fR-s-q-t-r-s-x|';
      const events = cold<ReconcileEvent>(source, ev);
      expectObservable(events.pipe(reconcileMetrics(rec.provider, 'cm'))).toBe(expected, ev);
      expectSubscriptions(events.subscriptions).toBe(subs);
    });
    expect(rec.made.get('newReconcileTotalMetric')).toBe(4);
    expect(rec.of('newReconcileTotalMetric', 'cm/success')).toEqual([[4, 'inc']]);
    expect(rec.of('newReconcileTotalMetric', 'cm/error')).toEqual([[6, 'inc']]);
    expect(rec.of('newReconcileTotalMetric', 'cm/requeue')).toEqual([[11, 'inc']]);
    expect(rec.of('newReconcileTotalMetric', 'cm/requeue_after')).toEqual([[15, 'inc']]);
    expect(rec.of('newReconcileErrorsMetric', 'cm')).toEqual([[6, 'inc']]);
    expect(rec.of('newReconcileTimeMetric', 'cm')).toEqual([
      [4, 'observe', 0.04],
      [6, 'observe', 0.25],
      [11, 'observe', 0.002],
      [15, 'observe', 0.005],
    ]);
    expect(rec.of('newActiveWorkersMetric', 'cm').map(([at, op]) => `${at}${op}`)).toEqual([
      '0inc', '2inc', '4dec', '6dec', '9inc', '11dec', '13inc', '15dec', '17inc', '19dec',
    ]);
  });

  it('takes back the workers of runs still counted when unsubscribed', () => {
    const rx = newTestScheduler();
    const rec = recordingMetrics(() => rx.now());
    rx.run(({ cold, expectObservable }) => {
      const events = cold<ReconcileEvent>('s-t---', ev);
      expectObservable(events.pipe(reconcileMetrics(rec.provider, 'cm')), '^--!').toBe('s-t', ev);
    });
    expect(rec.of('newActiveWorkersMetric', 'cm')).toEqual([[0, 'inc'], [2, 'inc'], [3, 'dec'], [3, 'dec']]);
  });

  it('is applied by reconcileWith given metrics and a name', () => {
    const rx = newTestScheduler();
    const rec = recordingMetrics(() => rx.now());
    let calls = 0;
    const reconciler: Reconciler = () => {
      calls += 1;
      return calls === 1 ? timer(3, rx).pipe(map(() => { throw new Error('boom'); })) : timer(7, rx).pipe(map(() => done));
    };
    rx.run(({ hot, expectObservable }) => {
      const keys = hot('       a');
      const expected = '       S 2ms (FR) 1ms S 6ms S';
      const out = keys.pipe(
        reconcileWith(reconciler, { scheduler: rx, rateLimiter: itemExponentialFailureRateLimiter(5, 1000), name: 'ctl', metrics: rec.provider }),
      );
      expectObservable(out.pipe(map((e) => e._tag[0] ?? '')), '^ 50ms !').toBe(expected);
    });
    expect(rec.of('newReconcileTotalMetric', 'ctl/error')).toEqual([[3, 'inc']]);
    expect(rec.of('newReconcileTotalMetric', 'ctl/success')).toEqual([[15, 'inc']]);
    expect(rec.of('newReconcileErrorsMetric', 'ctl')).toEqual([[3, 'inc']]);
    expect(rec.of('newReconcileTimeMetric', 'ctl')).toEqual([[3, 'observe', 0.003], [15, 'observe', 0.007]]);
    expect(rec.valueOf('newActiveWorkersMetric', 'ctl')).toBe(0);
    expect(rec.of('newRetriesMetric', 'ctl')).toEqual([[3, 'inc']]);
  });

  it('measures nothing for a failing source: the error passes through', () => {
    const rx = newTestScheduler();
    const rec = recordingMetrics(() => rx.now());
    const e = new Error('e');
    rx.run(({ expectObservable }) => {
      expectObservable(throwError(() => e).pipe(reconcileMetrics(rec.provider, 'cm'))).toBe('#', {}, e);
    });
    expect(rec.calls).toEqual([]);
  });
});
