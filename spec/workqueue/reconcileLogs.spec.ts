import { map, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { httpError } from '../../lib/listwatch/ListerWatcherError.js';
import { itemExponentialFailureRateLimiter } from '../../lib/workqueue/rateLimiter.js';
import type { ReconcileEvent } from '../../lib/workqueue/ReconcileEvent.js';
import { logReconcileEvents, reconcileEventLog } from '../../lib/workqueue/reconcileLogs.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { recordingLogger } from '../helpers/recordingLogger.js';

describe('reconcile log lines', () => {
  it('a failure at error with key, retry and the error fields; an abort at warn; nothing else', () => {
    const events: ReconcileEvent[] = [
      { _tag: 'Started', key: 'a', attempt: 0 },
      { _tag: 'Failed', key: 'a', error: httpError('list', 'secrets', 403, { reason: 'Forbidden' }), retryInMs: 5, durationMs: 2 },
      { _tag: 'Requeued', key: 'a', delayMs: 5, reason: 'Failed' },
      { _tag: 'Succeeded', key: 'a', result: done, durationMs: 1 },
      { _tag: 'Aborted', key: 'b' },
    ];
    expect(events.map((e) => reconcileEventLog('cm', e))).toEqual([
      undefined,
      {
        level: 'error',
        message: 'reconcile failed',
        fields: {
          controller: 'cm',
          key: 'a',
          retryInMs: 5,
          durationMs: 2,
          errorType: 'HttpError',
          verb: 'list',
          resource: 'secrets',
          code: 403,
          reason: 'Forbidden',
          error: 'list secrets: HTTP 403 Forbidden',
        },
      },
      undefined,
      undefined,
      { level: 'warn', message: 'reconcile aborted at the drain deadline', fields: { controller: 'cm', key: 'b' } },
    ]);
  });

  it('logReconcileEvents passes events through and logs as they pass', () => {
    const rx = newTestScheduler();
    const { logger, lines } = recordingLogger();
    const ev = { s: { _tag: 'Started', key: 'a', attempt: 0 }, x: { _tag: 'Aborted', key: 'a' } } satisfies Record<string, ReconcileEvent>;
    rx.run(({ cold, expectObservable }) => {
      expectObservable(cold<ReconcileEvent>('s-x|', ev).pipe(logReconcileEvents(logger, 'cm'))).toBe('s-x|', ev);
    });
    expect(lines).toEqual([{ level: 'warn', message: 'reconcile aborted at the drain deadline', fields: { controller: 'cm', key: 'a' } }]);
  });

  it('reconcileWith given a logger logs failures and aborts under its name', () => {
    const rx = newTestScheduler();
    const { logger, lines } = recordingLogger();
    rx.run(({ hot, expectObservable }) => {
      // a fails at 3 (requeued), b runs from 3; shutdown at 5; b is aborted at the drain deadline (15)
      const keys = hot('      ab');
      const stop = hot('      5ms s');
      const expected = '      S 2ms (FRS) 7ms (x|)';
      const reconciler = (key: string) =>
        key === 'a' ? timer(3, rx).pipe(map(() => { throw new TypeError('bad\nsecond line'); })) : timer(100, rx).pipe(map(() => done));
      const out = keys.pipe(
        reconcileWith(reconciler, {
          scheduler: rx,
          concurrency: 1,
          shutdown$: stop,
          drainTimeoutMs: 10,
          rateLimiter: itemExponentialFailureRateLimiter(5, 1000),
          name: 'cm',
          logger,
        }),
      );
      expectObservable(out.pipe(map((e) => (e._tag === 'Aborted' ? 'x' : e._tag[0] ?? '')))).toBe(expected);
    });
    expect(lines.map((l) => [l.level, l.message, l.fields['key'], l.fields['controller']])).toEqual([
      ['error', 'reconcile failed', 'a', 'cm'],
      ['warn', 'reconcile aborted at the drain deadline', 'b', 'cm'],
    ]);
    expect(lines[0]?.fields).toMatchObject({ errorType: 'TypeError', error: 'bad' });
  });
});
