import { map, NEVER, of, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { controllerManager, type ManagerEvent } from '../../lib/controller/controllerManager.js';
import { itemExponentialFailureRateLimiter } from '../../lib/workqueue/rateLimiter.js';
import { isReconcileTimeout, reconcileTimeout, withReconcileTimeout } from '../../lib/workqueue/reconcileTimeout.js';
import type { ReconcileEvent } from '../../lib/workqueue/ReconcileEvent.js';
import { reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { configMap, listPage } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { recordingLogger } from '../helpers/recordingLogger.js';
import { recordingMetrics } from '../helpers/recordingMetrics.js';

const exponential = () => itemExponentialFailureRateLimiter(5, 1000);

describe('reconcileTimeoutMs', () => {
  it('aborts a run that takes longer than the bound, reports a typed failure and retries it with backoff', () => {
    const rx = newTestScheduler();
    const reasons: unknown[] = [];
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold('      ------(d|)', { d: done });
      const slowSubs = '       ^---!';
      const fast = cold('      --(d|)', { d: done });
      let calls = 0;
      const out = cold('a').pipe(
        reconcileWith(
          (_key, signal) => {
            signal.addEventListener('abort', () => reasons.push(signal.reason));
            calls += 1;
            return calls === 1 ? slow : fast;
          },
          { scheduler: rx, rateLimiter: exponential(), reconcileTimeoutMs: 4 },
        ),
      );
      const timeout = reconcileTimeout('a', 4);
      expectObservable(out).toBe('s---(fr)-t-o', {
        s: { _tag: 'Started', key: 'a', attempt: 0 },
        f: { _tag: 'Failed', key: 'a', error: timeout, retryInMs: 5, durationMs: 4 },
        r: { _tag: 'Requeued', key: 'a', delayMs: 5, reason: 'Failed' },
        t: { _tag: 'Started', key: 'a', attempt: 1 },
        o: { _tag: 'Succeeded', key: 'a', result: done, durationMs: 2 },
      } satisfies Record<string, ReconcileEvent>);
      expectSubscriptions(slow.subscriptions).toBe(slowSubs);
      expectSubscriptions(fast.subscriptions).toBe('---------^-!');
    });
    expect(reasons).toEqual([reconcileTimeout('a', 4)]);
    expect(isReconcileTimeout(reasons[0])).toBe(true);
  });

  it('leaves a run that ends in time alone, and cancels its deadline', () => {
    const rx = newTestScheduler();
    const aborted: boolean[] = [];
    rx.run(({ cold, expectObservable }) => {
      const out = cold('a-b|').pipe(
        reconcileWith(
          (_key, signal) => {
            signal.addEventListener('abort', () => aborted.push(true));
            return timer(3, rx).pipe(map(() => done));
          },
          { scheduler: rx, rateLimiter: exponential(), reconcileTimeoutMs: 4, concurrency: 2 },
        ),
        map((e) => `${e._tag} ${e.key}`),
      );
      expectObservable(out).toBe('x-yz-(w|)', { x: 'Started a', y: 'Started b', z: 'Succeeded a', w: 'Succeeded b' });
    });
    expect(aborted).toEqual([]);
  });

  it('has timed out a run still going at the bound', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const out = cold('a|').pipe(
        reconcileWith(() => timer(3, rx).pipe(map(() => done)), { scheduler: rx, rateLimiter: exponential(), reconcileTimeoutMs: 3 }),
        map((e) => e._tag),
      );
      expectObservable(out).toBe('s--(f|)', { s: 'Started', f: 'Failed' });
    });
  });

  it('counts a timed-out run as an error in the reconcile metrics', () => {
    const rx = newTestScheduler();
    const metrics = recordingMetrics(() => rx.now());
    rx.run(({ cold, expectObservable }) => {
      const out = cold('a|').pipe(
        reconcileWith(() => NEVER, { scheduler: rx, rateLimiter: exponential(), reconcileTimeoutMs: 7, metrics: metrics.provider, name: 'c' }),
        map((e) => e._tag),
      );
      expectObservable(out).toBe('s------(f|)', { s: 'Started', f: 'Failed' });
    });
    expect(metrics.calls.filter((c) => c.metric === 'newReconcileErrorsMetric' || (c.metric === 'newReconcileTotalMetric' && c.op === 'inc'))).toEqual([
      { at: 7, metric: 'newReconcileTotalMetric', name: 'c/error', op: 'inc' },
      { at: 7, metric: 'newReconcileErrorsMetric', name: 'c', op: 'inc' },
    ]);
  });

  it('logs a timed-out run as a failure naming the timeout', () => {
    const rx = newTestScheduler();
    const log = recordingLogger();
    rx.run(({ cold, expectObservable }) => {
      const out = cold('a|').pipe(
        reconcileWith(() => NEVER, { scheduler: rx, rateLimiter: exponential(), reconcileTimeoutMs: 2, logger: log.logger, name: 'c' }),
        map((e) => e._tag),
      );
      expectObservable(out).toBe('s-(f|)', { s: 'Started', f: 'Failed' });
    });
    expect(log.lines.filter((l) => l.level === 'error').map((l) => [l.message, l.fields['errorType'], l.fields['error']])).toEqual([
      ['reconcile failed', 'ReconcileTimeout', 'reconcile of a timed out after 2 ms'],
    ]);
  });

  it('passes an outer abort (shutdown) on to the bounded run', () => {
    const rx = newTestScheduler();
    const outer = new AbortController();
    const seen: unknown[] = [];
    rx.run(({ cold, expectObservable }) => {
      const bounded = withReconcileTimeout(
        (_key, signal) => {
          signal.addEventListener('abort', () => seen.push(signal.reason));
          return NEVER;
        },
        10,
        rx,
      );
      rx.schedule(() => {
        outer.abort('shutdown');
      }, 2);
      expectObservable(cold('-').pipe(() => bounded('k', outer.signal) as never), '----!').toBe('');
    });
    expect(seen).toEqual(['shutdown']);
  });

  it('rejects a bound that is not a positive number', () => {
    expect(() => reconcileWith(() => of(done), { reconcileTimeoutMs: 0 })).toThrow(TypeError);
    expect(() => withReconcileTimeout(() => of(done), Number.NaN)).toThrow(/reconcileTimeoutMs/);
  });

  it('is a controller option of the manager', () => {
    const rx = newTestScheduler();
    const failed: string[] = [];
    rx.run(({ cold, hot }) => {
      const lw = fakeListerWatcher<KubeObject>({ lists: [cold('(p|)', { p: listPage('1', [configMap('a', '1')]) })] });
      const mgr = controllerManager({ listerWatcher: () => lw as never, scheduler: rx });
      mgr.select('cms', { resource: 'configmaps' });
      mgr.controller({ name: 'c', for: 'cms', reconcile: () => NEVER, config: { reconcileTimeoutMs: 5, rateLimiter: exponential(), drainTimeoutMs: 100 } });
      const events = mgr.run({ shutdown$: hot('12ms x') }).pipe(
        map((e: ManagerEvent) => {
          if (e._tag === 'Reconcile' && e.event._tag === 'Failed' && isReconcileTimeout(e.event.error)) failed.push(`${rx.now()} ${e.event.error.key}`);
          return e._tag;
        }),
      );
      events.subscribe();
    });
    // fails at 5, retried at 10 (backoff 5) and fails at 15 (drained until then, as it still runs at the shutdown at 12)
    expect(failed).toEqual(['5 default/a', '15 default/a']);
  });
});
