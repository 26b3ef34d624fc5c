import fc from 'fast-check';
import { defer, map, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { itemExponentialFailureRateLimiter } from '../../lib/workqueue/rateLimiter.js';
import type { ReconcileEvent } from '../../lib/workqueue/ReconcileEvent.js';
import { reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { done, isTerminalError, TerminalError, terminalError } from '../../lib/workqueue/ReconcileResult.js';
import { reconcileEventLog } from '../../lib/workqueue/reconcileLogs.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { recordingMetrics } from '../helpers/recordingMetrics.js';

const invalid = new Error('spec.size: Invalid value: -1');

describe('terminal errors', () => {
  it('a terminal failure is reported (terminal: true, retryInMs Infinity) and not requeued; an ordinary one is', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      let eCalls = 0;
      const fail = terminalError(invalid);
      const keys = cold('      t----e------------');
      const keysSubs = '       ^-----------------';
      const expected = '       (sf)-u(rq)------vo';
      const out = keys.pipe(
        reconcileWith(
          (key) =>
            key === 't'
              ? throwError(() => fail)
              : timer(1, rx).pipe(
                  map(() => {
                    eCalls += 1;
                    if (eCalls === 1) throw invalid;
                    return done;
                  }),
                ),
          { scheduler: rx, rateLimiter: itemExponentialFailureRateLimiter(10, 1000), concurrency: 2 },
        ),
      );
      expectObservable(out).toBe(expected, {
        s: { _tag: 'Started', key: 't', attempt: 0 },
        f: { _tag: 'Failed', key: 't', error: fail, retryInMs: Number.POSITIVE_INFINITY, durationMs: 0, terminal: true },
        u: { _tag: 'Started', key: 'e', attempt: 0 },
        r: { _tag: 'Failed', key: 'e', error: invalid, retryInMs: 10, durationMs: 1 },
        q: { _tag: 'Requeued', key: 'e', delayMs: 10, reason: 'Failed' },
        v: { _tag: 'Started', key: 'e', attempt: 1 },
        o: { _tag: 'Succeeded', key: 'e', result: done, durationMs: 1 },
      } satisfies Record<string, ReconcileEvent>);
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('a key that failed terminally runs again when it is added again (a new event for its object)', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      let calls = 0;
      const keys = cold('a---a-');
      const out = keys.pipe(
        reconcileWith(
          () => defer(() => (++calls === 1 ? throwError(() => terminalError('bad')) : timer(1, rx).pipe(map(() => done)))),
          { scheduler: rx, rateLimiter: itemExponentialFailureRateLimiter(3, 1000) },
        ),
        map((e) => (e._tag === 'Failed' ? `F${e.terminal === true ? 'T' : ''}` : e._tag)),
      );
      expectObservable(out).toBe('(sf)s(o)', { s: 'Started', f: 'FT', o: 'Succeeded' });
    });
  });

  it('counts a terminal failure as an error and as a terminal error, and logs it without retryInMs', () => {
    const rx = newTestScheduler();
    const metrics = recordingMetrics(() => rx.now());
    rx.run(({ cold, expectObservable }) => {
      const keys = cold('a-');
      const out = keys.pipe(reconcileWith(() => throwError(() => terminalError(invalid)), { scheduler: rx, metrics: metrics.provider, name: 'c' }), map((e) => e._tag));
      expectObservable(out).toBe('(sf)', { s: 'Started', f: 'Failed' });
    });
    expect(metrics.valueOf('newReconcileTotalMetric', 'c/error')).toBe(1);
    expect(metrics.valueOf('newReconcileErrorsMetric', 'c')).toBe(1);
    expect(metrics.valueOf('newTerminalReconcileErrorsMetric', 'c')).toBe(1);
    const log = reconcileEventLog('c', { _tag: 'Failed', key: 'a', error: terminalError(invalid), retryInMs: Number.POSITIVE_INFINITY, durationMs: 0, terminal: true });
    expect(log?.fields).toMatchObject({ terminal: true });
    expect(log?.fields).not.toHaveProperty('retryInMs');
  });

  it('property: terminalError wraps once, keeps its cause, is an Error with a stack; isTerminalError tells it apart', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer(), fc.constant(invalid), fc.record({ message: fc.string() })), (cause) => {
        const e = terminalError(cause);
        expect(e).toBeInstanceOf(TerminalError);
        expect(e).toBeInstanceOf(Error);
        expect(typeof e.stack).toBe('string');
        expect(e.cause).toBe(cause);
        expect(terminalError(e)).toBe(e);
        expect(isTerminalError(e)).toBe(true);
        expect(isTerminalError(cause)).toBe(false);
      }),
    );
  });
});
