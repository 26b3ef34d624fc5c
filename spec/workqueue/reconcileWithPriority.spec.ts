import { map, of, type OperatorFunction, type SchedulerLike, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import type { PrioritizedKey } from '../../lib/workqueue/PrioritizedKey.js';
import { DEFAULT_PRIORITY, LOW_PRIORITY } from '../../lib/workqueue/PriorityReadyQueue.js';
import { itemExponentialFailureRateLimiter } from '../../lib/workqueue/rateLimiter.js';
import type { ReconcileEvent } from '../../lib/workqueue/ReconcileEvent.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { type ReconcileConfig, reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { newTestScheduler } from '../helpers/marbles.js';

const low = (key: string): PrioritizedKey => ({ key, priority: LOW_PRIORITY });
const high = (key: string): PrioritizedKey => ({ key, priority: DEFAULT_PRIORITY });
const started = (key: string, priority: number = DEFAULT_PRIORITY, attempt = 0): ReconcileEvent => ({ _tag: 'Started', key, attempt, priority });
const ok = (key: string, durationMs = 5): ReconcileEvent => ({ _tag: 'Succeeded', key, result: done, durationMs });

/** The events of keys run one after the other (5 ms each), as marble values `0`, `1`, ... `B`: Started, Succeeded, Started, ... */
const oneByOne = (...runs: ReadonlyArray<readonly [string, number?]>): Record<string, ReconcileEvent> =>
  Object.fromEntries(
    runs.flatMap(([key, priority], i) => [
      [(2 * i).toString(36).toUpperCase(), started(key, priority)],
      [(2 * i + 1).toString(36).toUpperCase(), ok(key)],
    ]),
  );

/** One 5 ms reconcile per key on `rx`, through a queue with `config`. */
const fiveMs = (rx: SchedulerLike, config: Omit<ReconcileConfig, 'scheduler'> = {}): OperatorFunction<string | PrioritizedKey, ReconcileEvent> =>
  reconcileWith(() => timer(5, rx).pipe(map(() => done)), { scheduler: rx, ...config });

describe('reconcileWith with a priority queue', () => {
  it('a live (high) key overtakes the waiting low keys of an initial list', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const keys = cold('     (abc)h', { a: low('l1'), b: low('l2'), c: low('l3'), h: high('h') });
      const keysSubs = '      ^';
      const expected = '      a----(bc)-(de)-(fg)-x';
      const out = keys.pipe(
        fiveMs(rx, { priorityQueue: { agingMs: 1000 } }),
      );
      expectObservable(out).toBe(expected, {
        a: started('l1', LOW_PRIORITY),
        b: ok('l1'),
        c: started('h'),
        d: ok('h'),
        e: started('l2', LOW_PRIORITY),
        f: ok('l2'),
        g: started('l3', LOW_PRIORITY),
        x: ok('l3'),
      });
      expectSubscriptions(keys.subscriptions).toBe(keysSubs);
    });
  });

  it('aging: under a steady stream of high keys, a low key runs at the first free worker after agingMs', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      // agingMs 10, one worker, 5 ms per reconcile; a new high key arrives just before each free worker
      const keys = cold('     (xL)a----b----c----d', { x: high('x'), L: low('L'), a: high('a'), b: high('b'), c: high('c'), d: high('d') });
      const expected = '      0----(12)-(34)-(56)-(78)-(9A)-B';
      const out = keys.pipe(
        fiveMs(rx, { priorityQueue: { agingMs: 10 } }),
      );
      // at 5 L has waited 5 < 10: the high key a goes first; at 10 L has waited 10: it goes before b (ready at 9)
      expectObservable(out).toBe(expected, oneByOne(['x'], ['a'], ['L', LOW_PRIORITY], ['b'], ['c'], ['d']));
    });
  });

  it('without aging (agingMs Infinity, controller-runtime), the same stream starves the low key until it ends', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const keys = cold('     (xL)a----b----c----d|', { x: high('x'), L: low('L'), a: high('a'), b: high('b'), c: high('c'), d: high('d') });
      const expected = '      0----(12)-(34)-(56)-(78)-(9A)-(B|)';
      const out = keys.pipe(
        fiveMs(rx, { priorityQueue: { agingMs: Number.POSITIVE_INFINITY } }),
      );
      expectObservable(out).toBe(expected, oneByOne(['x'], ['a'], ['b'], ['c'], ['d'], ['L', LOW_PRIORITY]));
    });
  });

  it('a waiting low key added again as a live change is raised', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const keys = cold('     abcB', { a: low('a'), b: low('b'), c: low('c'), B: high('b') });
      const expected = '      s----(xt)-(yu)-z';
      const out = keys.pipe(
        fiveMs(rx, { priorityQueue: { agingMs: 1000 } }),
      );
      expectObservable(out).toBe(expected, {
        s: started('a', LOW_PRIORITY),
        x: ok('a'),
        t: started('b'), // raised at 3: before c
        y: ok('b'),
        u: started('c', LOW_PRIORITY),
        z: ok('c'),
      });
    });
  });

  it('a requeued key keeps the priority it ran at: a failing low key is overtaken by a live one', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      // a (low) fails at 2 and is due again at 3; h (high) comes at 4; when x ends at 10, h goes first
      const keys = cold('     ax--h', { a: low('a'), x: high('x'), h: high('h') });
      const expected = '      s-(frt)---(uv)----(wy)----z';
      const boom = new Error('boom');
      let failures = 0;
      const out = keys.pipe(
        reconcileWith(
          (key) => {
            if (key === 'a' && failures === 0) {
              failures += 1;
              return timer(2, rx).pipe(
                map(() => {
                  throw boom;
                }),
              );
            }
            return timer(8, rx).pipe(map(() => done));
          },
          { scheduler: rx, rateLimiter: itemExponentialFailureRateLimiter(1, 1000), priorityQueue: { agingMs: 1000 } },
        ),
      );
      expectObservable(out).toBe(expected, {
        s: started('a', LOW_PRIORITY),
        f: { _tag: 'Failed', key: 'a', error: boom, retryInMs: 1, durationMs: 2 },
        r: { _tag: 'Requeued', key: 'a', delayMs: 1, reason: 'Failed' },
        t: started('x'),
        u: ok('x', 8),
        v: started('h'),
        w: ok('h', 8),
        y: started('a', LOW_PRIORITY, 1),
        z: ok('a', 8),
      });
    });
  });

  it('without priorityQueue, priorities are ignored: FIFO and no priority in the events', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const keys = cold('     (ab)h', { a: low('l1'), b: low('l2'), h: high('h') });
      const expected = '      a----(bc)-(de)-f';
      const out = keys.pipe(fiveMs(rx));
      expectObservable(out).toBe(expected, {
        a: { _tag: 'Started', key: 'l1', attempt: 0 },
        b: ok('l1'),
        c: { _tag: 'Started', key: 'l2', attempt: 0 },
        d: ok('l2'),
        e: { _tag: 'Started', key: 'h', attempt: 0 },
        f: ok('h'),
      });
    });
  });

  it('a key changed while it runs runs again afterwards, at the highest priority it was added with', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      // a runs 0-5; meanwhile b (low) waits, a changes at low then high: a re-runs first, at high
      const keys = cold('     ab-cA', { a: high('a'), b: low('b'), c: low('a'), A: high('a') });
      const expected = '      s----(xt)-(yu)-v';
      const out = keys.pipe(
        fiveMs(rx, { priorityQueue: { agingMs: 1000 } }),
      );
      expectObservable(out, '^-------------------!').toBe(expected, {
        s: started('a'),
        x: ok('a'),
        t: started('a'),
        y: ok('a'),
        u: started('b', LOW_PRIORITY),
        v: ok('b'),
      });
    });
  });

  it('with a debounce, a key goes in at the highest priority of its burst', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      // a live change, then a resync of the same key within the quiet period: still high
      const keys = cold('     aA', { a: high('a'), A: low('a') });
      const expected = '      ----s----x';
      const out = keys.pipe(
        fiveMs(rx, { debounce: { ms: 3 }, priorityQueue: {} }),
      );
      expectObservable(out).toBe(expected, { s: started('a'), x: ok('a') });
    });
  });

  it('throws when called on a negative agingMs', () => {
    expect(() => reconcileWith(() => of(done), { priorityQueue: { agingMs: -1 } })).toThrow(new TypeError('agingMs must be >= 0, got -1'));
  });
});
