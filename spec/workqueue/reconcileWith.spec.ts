import { defer, finalize, lastValueFrom, map, NEVER, type Observable, of, throwError, timer, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import {
  bucketRateLimiter,
  itemExponentialFailureRateLimiter,
  type RateLimiter,
} from '../../lib/workqueue/rateLimiter.js';
import type { ReconcileEvent } from '../../lib/workqueue/ReconcileEvent.js';
import { done, requeue, requeueAfter, type ReconcileResult } from '../../lib/workqueue/ReconcileResult.js';
import { type Reconciler, reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { newTestScheduler } from '../helpers/marbles.js';

/** The error the reconcilers fail with (compared by identity in the events). */
const boom = new Error('boom');

const started = (key: string, attempt = 0): ReconcileEvent => ({ _tag: 'Started', key, attempt });
const ok = (key: string, durationMs: number, result: ReconcileResult = done): ReconcileEvent => ({
  _tag: 'Succeeded',
  key,
  result,
  durationMs,
});
const failed = (key: string, retryInMs: number, durationMs = 0, error: unknown = boom): ReconcileEvent => ({
  _tag: 'Failed',
  key,
  error,
  retryInMs,
  durationMs,
});
const requeued = (key: string, delayMs: number, reason: 'Requeue' | 'RequeueAfter' | 'Failed'): ReconcileEvent => ({
  _tag: 'Requeued',
  key,
  delayMs,
  reason,
});
const aborted = (key: string): ReconcileEvent => ({ _tag: 'Aborted', key });

/** The client-go per-item limiter alone, so the overall bucket never interferes. */
const exponential = (): RateLimiter => itemExponentialFailureRateLimiter(5, 1000);

describe('reconcileWith', () => {
  it('after the source completes, still reconciles the keys already queued, then completes', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const keys = cold('     (ab|)');
      const keysSubs = '      (^!)';
      const expected = '      a----(xb)-(y|)';
      const out = keys.pipe(
        reconcileWith(() => timer(5, rx).pipe(map(() => done)), { scheduler: rx, rateLimiter: exponential() }),
      );
      expectObservable(out).toBe(expected, { a: started('a'), x: ok('a', 5), b: started('b'), y: ok('b', 5) });
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('after the source completes, reports a failure but requeues nothing', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const keys = cold('     a|');
      const expected = '      a--(f|)';
      const out = keys.pipe(
        reconcileWith(() => timer(3, rx).pipe(map(() => {
          throw boom;
        })), { scheduler: rx, rateLimiter: exponential() }),
      );
      expectObservable(out).toBe(expected, { a: started('a'), f: failed('a', 5, 3) });
    });
  });

  it('coalesces a key added many times while it waits: it runs once', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const keys = hot('      xaaa----------|');
      const keysSubs = '      ^-------------!';
      const expected = '      x----(yz)-w---|';
      const out = keys.pipe(
        reconcileWith(() => timer(5, rx).pipe(map(() => done)), { scheduler: rx, rateLimiter: exponential() }),
      );
      expectObservable(out).toBe(expected, { x: started('x'), y: ok('x', 5), z: started('a'), w: ok('a', 5) });
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('never runs the same key twice at once; a key added while running runs again after it', () => {
    const rx = newTestScheduler();
    let active = 0;
    let maxActive = 0;
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const keys = hot('      a-a-a-----------|');
      const keysSubs = '      ^---------------!';
      const expected = '      s----(dt)-e-----|';
      const reconcile = (): Observable<ReconcileResult> =>
        defer(() => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          return timer(5, rx).pipe(
            map(() => done),
            finalize(() => {
              active -= 1;
            }),
          );
        });
      const out = keys.pipe(reconcileWith(reconcile, { concurrency: 2, scheduler: rx, rateLimiter: exponential() }));
      expectObservable(out).toBe(expected, { s: started('a'), d: ok('a', 5), t: started('a'), e: ok('a', 5) });
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
    expect(maxActive).toBe(1);
  });

  it('runs at most `concurrency` keys at once (2 workers, 3 keys)', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const keys = hot('      (abc)-------------|');
      const keysSubs = '      ^-----------------!';
      const expected = '      (ab)-(xcy)z-------|';
      const out = keys.pipe(
        reconcileWith(() => timer(5, rx).pipe(map(() => done)), { concurrency: 2, scheduler: rx, rateLimiter: exponential() }),
      );
      expectObservable(out).toBe(expected, {
        a: started('a'),
        b: started('b'),
        x: ok('a', 5),
        c: started('c'),
        y: ok('b', 5),
        z: ok('c', 5),
      });
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('backs a failing key off per item (5, 10, 20 ms) and resets the backoff on success', () => {
    const rx = newTestScheduler();
    let runs = 0;
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      // fails at 0, 5, 15 (backoff 5, 10, 20), succeeds at 35 (forgotten); added again at 50:
      // fails, and the backoff starts over at 5 ms; the source completes at 70 (shutdown)
      const keys = hot('      a 49ms a 19ms |');
      const keysSubs = '      ^ 69ms        !';
      const expected = '      (sfr)(tgq) 5ms (uhp) 15ms (vi) 11ms (wde)(jkl) 5ms (mno)|';
      const reconcile = (): Observable<ReconcileResult> =>
        defer(() => {
          runs += 1;
          return runs === 4 ? of(done) : throwError(() => boom);
        });
      const out = keys.pipe(reconcileWith(reconcile, { scheduler: rx, rateLimiter: exponential() }));
      expectObservable(out).toBe(expected, {
        s: started('a', 0),
        f: failed('a', 5),
        r: requeued('a', 5, 'Failed'),
        t: started('a', 1),
        g: failed('a', 10),
        q: requeued('a', 10, 'Failed'),
        u: started('a', 2),
        h: failed('a', 20),
        p: requeued('a', 20, 'Failed'),
        v: started('a', 3),
        i: ok('a', 0),
        w: started('a', 0),
        d: failed('a', 5),
        e: requeued('a', 5, 'Failed'),
        j: started('a', 1),
        k: failed('a', 10),
        l: requeued('a', 10, 'Failed'),
        m: started('a', 2),
        n: failed('a', 20),
        o: requeued('a', 20, 'Failed'),
      });
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('paces rate-limited requeues with the overall token bucket: burst at once, then qps', () => {
    const rx = newTestScheduler();
    const runs = new Map<string, number>();
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      // 10 qps, burst 2: the four requeues wait 0, 0, 100, 200 ms
      const keys = hot('      (abcd) 250ms |');
      const keysSubs = '      ^ 255ms      !';
      // a's and b's requeues are immediate (tokens left): they run again at once, before the next key
      const expected = '      (ABCMNDEFOPGHIJKL) 82ms (QR) 96ms (ST) 52ms |';
      const reconcile = (key: string): Observable<ReconcileResult> =>
        defer(() => {
          const n = (runs.get(key) ?? 0) + 1;
          runs.set(key, n);
          return of(n === 1 ? requeue : done);
        });
      const out = keys.pipe(reconcileWith(reconcile, { concurrency: 4, scheduler: rx, rateLimiter: bucketRateLimiter(10, 2) }));
      expectObservable(out).toBe(expected, {
        A: started('a'),
        B: ok('a', 0, requeue),
        C: requeued('a', 0, 'Requeue'),
        D: started('b'),
        E: ok('b', 0, requeue),
        F: requeued('b', 0, 'Requeue'),
        G: started('c'),
        H: ok('c', 0, requeue),
        I: requeued('c', 100, 'Requeue'),
        J: started('d'),
        K: ok('d', 0, requeue),
        L: requeued('d', 200, 'Requeue'),
        M: started('a'),
        N: ok('a', 0),
        O: started('b'),
        P: ok('b', 0),
        Q: started('c'),
        R: ok('c', 0),
        S: started('d'),
        T: ok('d', 0),
      });
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('ends a run at its first value (the rest is unsubscribed); completion without a value is Done', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const chatty = cold('   --x--y--|', { x: done, y: requeue });
      const chattySubs = '    ^-!';
      const empty = cold<ReconcileResult>('    ----|');
      const emptySubs = '     --^---!';
      const keys = hot('      ab--------|');
      const expected = '      a-(xb)c---|';
      const out = keys.pipe(reconcileWith((key) => (key === 'a' ? chatty : empty), { scheduler: rx }));
      expectObservable(out).toBe(expected, { a: started('a'), x: ok('a', 2), b: started('b'), c: ok('b', 4) });
      expectSubscriptions(chatty.subscriptions).toBe(chattySubs);
      expectSubscriptions(empty.subscriptions).toBe(emptySubs);
    });
  });

  it('Requeue: rate-limited (per-item backoff grows); the attempt counts requeues', () => {
    const rx = newTestScheduler();
    let runs = 0;
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const keys = hot('      a-------------------|');
      const keysSubs = '      ^-------------------!';
      const expected = '      (sor)(tpq) 5ms (uv)-|';
      const reconcile = (): Observable<ReconcileResult> => defer(() => of(++runs < 3 ? requeue : done));
      const out = keys.pipe(reconcileWith(reconcile, { scheduler: rx, rateLimiter: exponential() }));
      expectObservable(out).toBe(expected, {
        s: started('a', 0),
        o: ok('a', 0, requeue),
        r: requeued('a', 5, 'Requeue'),
        t: started('a', 1),
        p: ok('a', 0, requeue),
        q: requeued('a', 10, 'Requeue'),
        u: started('a', 2),
        v: ok('a', 0),
      });
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('RequeueAfter(d): runs again after d, and forgets the backoff first', () => {
    const rx = newTestScheduler();
    let runs = 0;
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      // fails once (backoff 5), then asks for 30 ms: the next run is a fresh attempt 0
      const keys = hot('      a 49ms |');
      const keysSubs = '      ^ 49ms !';
      const expected = '      (sfr)(tox) 25ms (uv) 11ms |';
      const reconcile = (): Observable<ReconcileResult> =>
        defer(() => {
          runs += 1;
          if (runs === 1) return throwError(() => boom);
          return of(runs === 2 ? requeueAfter(30) : done);
        });
      const out = keys.pipe(reconcileWith(reconcile, { scheduler: rx, rateLimiter: exponential() }));
      expectObservable(out).toBe(expected, {
        s: started('a', 0),
        f: failed('a', 5),
        r: requeued('a', 5, 'Failed'),
        t: started('a', 1),
        o: ok('a', 0, requeueAfter(30)),
        x: requeued('a', 30, 'RequeueAfter'),
        u: started('a', 0),
        v: ok('a', 0),
      });
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('forgets the key on success (Done or void): its next failure backs off from 5 ms again', () => {
    const rx = newTestScheduler();
    const rl = exponential();
    let runs = 0;
    rx.run(({ hot, expectObservable }) => {
      const keys = hot('      a---------a---|');
      const expected = '      (sfr)(tv)-(wx)';
      const reconcile = (): Observable<ReconcileResult | undefined> =>
        defer(() => {
          runs += 1;
          if (runs === 1) return throwError(() => boom);
          return of(undefined); // void: Done
        });
      expectObservable(keys.pipe(reconcileWith(reconcile, { scheduler: rx, rateLimiter: rl })), '^ 12ms !').toBe(
        expected,
        {
          s: started('a', 0),
          f: failed('a', 5),
          r: requeued('a', 5, 'Failed'),
          t: started('a', 1),
          v: ok('a', 0),
          w: started('a', 0),
          x: ok('a', 0),
        },
      );
    });
    expect(rl.numRequeues('a')).toBe(0);
  });

  it('reports an error thrown synchronously by the reconciler and requeues the key with backoff', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const keys = hot('      a---------|');
      const keysSubs = '      ^---------!';
      const expected = '      (sfr)(tgq)|';
      const error = new Error('sync');
      const reconcile = (): Observable<ReconcileResult> => {
        throw error;
      };
      const out = keys.pipe(reconcileWith(reconcile, { scheduler: rx, rateLimiter: exponential() }));
      expectObservable(out).toBe(expected, {
        s: started('a', 0),
        f: failed('a', 5, 0, error),
        r: requeued('a', 5, 'Failed'),
        t: started('a', 1),
        g: failed('a', 10, 0, error),
        q: requeued('a', 10, 'Failed'),
      });
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('reports an erroring Observable with its duration and retries it after the backoff', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const run = cold<ReconcileResult>('      --#', undefined, boom);
      const runSubs = [
        '                     ^-!',
        '                     -------^-!',
      ];
      const keys = hot('      a--------|');
      const keysSubs = '      ^--------!';
      // the source completes at 9 (shutdown) just before the second failure: reported, not requeued
      const expected = '      s-(fr)-t-(g|)';
      const out = keys.pipe(reconcileWith(() => run, { scheduler: rx, rateLimiter: exponential() }));
      expectObservable(out).toBe(expected, {
        s: started('a', 0),
        t: started('a', 1),
        f: failed('a', 5, 2),
        r: requeued('a', 5, 'Failed'),
        g: failed('a', 10, 2),
      });
      expectSubscriptions(run.subscriptions).toBe(runSubs);
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('reports a rejected Promise (real time) and completes after it when the source has completed', async () => {
    const error = new Error('rejected');
    const events = await lastValueFrom(
      of('a').pipe(
        reconcileWith(() => Promise.reject<ReconcileResult>(error), { rateLimiter: exponential() }),
        toArray(),
      ),
    );
    expect(events).toEqual([started('a'), { _tag: 'Failed', key: 'a', error, retryInMs: 5, durationMs: expect.any(Number) as unknown }]);
  });

  it('accepts a Promise of a result (real time)', async () => {
    const events = await lastValueFrom(
      of('a').pipe(reconcileWith(() => Promise.resolve(requeueAfter(10)), { rateLimiter: exponential() }), toArray()),
    );
    // shutting down (the source completed): the result is reported, nothing is requeued
    expect(events).toEqual([started('a'), { _tag: 'Succeeded', key: 'a', result: requeueAfter(10), durationMs: expect.any(Number) as unknown }]);
  });

  it('accepts a Promise<void> (an async reconciler with no result): Done', async () => {
    const reconcile: Reconciler = () => Promise.resolve();
    const events = await lastValueFrom(of('a').pipe(reconcileWith(reconcile), toArray()));
    expect(events).toEqual([started('a'), { _tag: 'Succeeded', key: 'a', result: done, durationMs: expect.any(Number) as unknown }]);
  });

  it('drains gracefully: starts nothing after shutdown, lets a short reconcile finish, aborts a long one at the deadline', () => {
    const rx = newTestScheduler();
    const signals = new Map<string, AbortSignal>();
    const abortedAt = new Map<string, number>();
    rx.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const long = cold('     100ms (d|)', { d: done });
      const longSubs = '      ^---------!';
      const short = cold('    ----(d|)', { d: done });
      const shortSubs = '     ^---!';
      const keys = hot('      (abc)-x--');
      const keysSubs = '      ^-!';
      const shutdown$ = hot(' --s');
      const expected = '      (ab)y-----(z|)';
      const reconcile = (key: string, signal: AbortSignal): Observable<ReconcileResult> => {
        signals.set(key, signal);
        signal.addEventListener('abort', () => abortedAt.set(key, rx.now()));
        return key === 'a' ? long : short;
      };
      const out = keys.pipe(reconcileWith(reconcile, { concurrency: 2, scheduler: rx, shutdown$, drainTimeoutMs: 8 }));
      expectObservable(out).toBe(expected, { a: started('a'), b: started('b'), y: ok('b', 4), z: aborted('a') });
      expectSubscriptions(long.subscriptions).toBe(longSubs);
      expectSubscriptions(short.subscriptions).toBe(shortSubs);
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
    expect([...signals.keys()]).toEqual(['a', 'b']); // c and x never started
    expect(abortedAt).toEqual(new Map([['a', 10]]));
    expect(signals.get('b')?.aborted).toBe(false);
  });

  it('completes as soon as the last running reconcile ends before the deadline', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const run = cold('      -----(d|)', { d: done });
      const keys = hot('      a-------');
      const keysSubs = '      ^-!';
      const shutdown$ = hot(' --s');
      const expected = '      s----(y|)';
      const out = keys.pipe(reconcileWith(() => run, { scheduler: rx, shutdown$, drainTimeoutMs: 1000 }));
      expectObservable(out).toBe(expected, { s: started('a'), y: ok('a', 5) });
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('does not requeue a key that fails during the drain; the failure is still reported', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, cold, expectObservable }) => {
      const run = cold<ReconcileResult>('      ----#', undefined, boom);
      const keys = hot('      a-|');
      const expected = '      s---(f|)';
      const out = keys.pipe(reconcileWith(() => run, { scheduler: rx, rateLimiter: exponential() }));
      expectObservable(out).toBe(expected, { s: started('a'), f: failed('a', 5, 4) });
    });
  });

  it('drops keys waiting for a requeue at shutdown, and completes at once when nothing runs', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const keys = hot('      a----------');
      const keysSubs = '      ^----!';
      const shutdown$ = hot(' -----s');
      const expected = '      (sox)|';
      const out = keys.pipe(
        reconcileWith(() => of(requeueAfter(5)), { scheduler: rx, shutdown$, rateLimiter: exponential() }),
      );
      expectObservable(out).toBe(expected, {
        s: started('a'),
        o: ok('a', 0, requeueAfter(5)),
        x: requeued('a', 5, 'RequeueAfter'),
      });
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('unsubscribing aborts the running signals and unsubscribes their Observables', () => {
    const rx = newTestScheduler();
    const signals: AbortSignal[] = [];
    rx.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const run = cold('      --------(d|)', { d: done });
      const runSubs = ['      ^---!', '^---!'];
      const keys = hot('      (ab)---');
      const keysSubs = '      ^---!';
      const unsub = '         ^---!';
      const expected = '      (ab)-';
      const out = keys.pipe(
        reconcileWith(
          (_key, signal) => {
            signals.push(signal);
            return run;
          },
          { concurrency: 2, scheduler: rx },
        ),
      );
      expectObservable(out, unsub).toBe(expected, { a: started('a'), b: started('b') });
      expectSubscriptions(run.subscriptions).toBe(runSubs);
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
  });

  it('cancels its requeue timers when unsubscribed', () => {
    const rx = newTestScheduler();
    let runs = 0;
    rx.run(({ hot, expectObservable }) => {
      const keys = hot('      a---');
      const out = keys.pipe(
        reconcileWith(
          () =>
            defer(() => {
              runs += 1;
              return of(requeueAfter(10));
            }),
          { scheduler: rx },
        ),
      );
      expectObservable(out, '^--!').toBe('(sox)', {
        s: started('a'),
        o: ok('a', 0, requeueAfter(10)),
        x: requeued('a', 10, 'RequeueAfter'),
      });
    });
    expect(runs).toBe(1);
  });

  it('forwards an error of the source after aborting what runs', () => {
    const rx = newTestScheduler();
    const signals: AbortSignal[] = [];
    rx.run(({ hot, expectObservable }) => {
      const keys = hot('      a--#', undefined, boom);
      const out = keys.pipe(
        reconcileWith(
          (_key, signal) => {
            signals.push(signal);
            return NEVER;
          },
          { scheduler: rx },
        ),
      );
      expectObservable(out).toBe('s--#', { s: started('a') }, boom);
    });
    expect(signals[0]?.aborted).toBe(true);
  });

  it('rejects an invalid concurrency or drain timeout with a TypeError when the operator is made', () => {
    expect(() => reconcileWith(() => of(done), { concurrency: 0 })).toThrow(TypeError);
    expect(() => reconcileWith(() => of(done), { concurrency: 1.5 })).toThrow(TypeError);
    expect(() => reconcileWith(() => of(done), { drainTimeoutMs: -1 })).toThrow(TypeError);
  });
});
