import { Registry } from 'prom-client';
import { filter, map, of } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { itemExponentialFailureRateLimiter } from '../../lib/workqueue/rateLimiter.js';
import { reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { debounceByKey } from '../../lib/operators/debounceByKey.js';
import { prometheusMetrics } from '../../lib/prometheus/prometheusMetrics.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { recordingMetrics } from '../helpers/recordingMetrics.js';

describe('debounceByKey', () => {
  it('emits a key after a quiet period of its own; keys do not delay each other', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('a-a-b----a---|');
      const subs = '      ^------------!';
      const expected = '  -----a-b----a|';
      expectObservable(source.pipe(debounceByKey({ ms: 3, scheduler: rx }))).toBe(expected);
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
  });

  it('lets a key out every maxWait under a steady stream of triggers', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable }) => {
      const source = hot('aaaaaaaaaaaa|');
      const expected = '  -----a-----a|';
      expectObservable(source.pipe(debounceByKey({ ms: 3, maxWaitMs: 5, scheduler: rx }))).toBe(expected);
    });
  });

  it('without maxWait, holds a key for as long as triggers keep coming', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable }) => {
      const source = hot('aaaaaaaaaaaa------|');
      const expected = '   --------------a---|';
      expectObservable(source.pipe(debounceByKey({ ms: 3, scheduler: rx }))).toBe(expected);
    });
  });

  it('handles many keys interleaved, each on its own clock, emitting the latest value of each burst', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable }) => {
      const values = { a: 'x:1', b: 'y:1', c: 'x:2', d: 'z:1', e: 'y:2', f: 'x:3' };
      const source = hot('abcdebf---------|', values);
      // x: 0, 2 → out at 5 with x:2; x:3 at 6 begins a new burst (out at 9). y: 1, 4, 5 → bound 1 + 6 = 7. z: 3 → 6.
      const expected = '  -----cdb-f------|';
      const keyOf = (v: string): string => v.split(':')[0] ?? v;
      expectObservable(source.pipe(debounceByKey({ ms: 3, maxWaitMs: 6, keyOf, scheduler: rx }))).toBe(expected, values);
    });
  });

  it('flushes the pending keys when the source completes, in the order their bursts began', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      expectObservable(cold('b-a-b|').pipe(debounceByKey({ ms: 10, scheduler: rx }))).toBe('-----(ba|)');
    });
  });

  it('passes an error on at once and drops the pending keys; unsubscribing drops them too', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      expectObservable(cold('a-#').pipe(debounceByKey({ ms: 10, scheduler: rx }))).toBe('--#');
      const source = hot('a-b--------');
      expectObservable(source.pipe(debounceByKey({ ms: 10, scheduler: rx })), '^---!').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('reports the number of pending keys', () => {
    const rx = newTestScheduler();
    const pending: string[] = [];
    rx.run(({ hot, expectObservable }) => {
      const source = hot('ab-a---|');
      const op = debounceByKey({ ms: 3, scheduler: rx, pending: { next: (n) => pending.push(`${rx.now()}:${n}`) } });
      expectObservable(source.pipe(op)).toBe('----b-a|');
    });
    expect(pending).toEqual(['0:1', '1:2', '4:1', '6:0']);
  });

  it('rejects bad timings when called', () => {
    expect(() => debounceByKey({ ms: -1 })).toThrow(TypeError);
  });
});

describe('reconcileWith debounce', () => {
  it('debounces the keys before the queue: a burst of changes reconciles once', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable }) => {
      const keys = hot('aaa-b-a----|');
      const out = keys.pipe(
        reconcileWith(() => of(done), { scheduler: rx, rateLimiter: itemExponentialFailureRateLimiter(5, 1000), debounce: { ms: 2, maxWaitMs: 4 } }),
        filter((e) => e._tag === 'Started'),
        map((e) => e.key),
      );
      // a: triggers 0, 1, 2 → out at 4 (min(2 + 2, 0 + 4)); b at 6; a again at 8
      expectObservable(out).toBe('----a-b-a--|');
    });
  });

  it('still reconciles the keys pending when the source completes', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const out = cold('(ab|)').pipe(
        reconcileWith(() => of(done), { scheduler: rx, debounce: { ms: 50 } }),
        map((e) => `${e._tag} ${e.key}`),
      );
      expectObservable(out).toBe('(xyzw|)', { x: 'Started a', y: 'Succeeded a', z: 'Started b', w: 'Succeeded b' });
    });
  });

  it('reports the keys it holds back as a gauge, back to 0 when the loop ends', async () => {
    const rx = newTestScheduler();
    const sets: string[] = [];
    const recorded = recordingMetrics(() => rx.now());
    const registry = new Registry();
    const prometheus = prometheusMetrics({ registry });
    rx.run(({ hot, expectObservable }) => {
      const keys = hot('ab-a----|');
      const provider = {
        ...recorded.provider,
        newDebouncePendingMetric: (name: string) => {
          const child = prometheus.newDebouncePendingMetric?.(name);
          return {
            set: (n: number) => {
              sets.push(`${rx.now()} ${name}=${n}`);
              child?.set(n);
            },
          };
        },
      };
      const out = keys.pipe(reconcileWith(() => of(done), { scheduler: rx, debounce: { ms: 3 }, metrics: provider, name: 'deb' }), filter((e) => e._tag === 'Started'), map((e) => e.key));
      expectObservable(out, '^-----!').toBe('----b-');
    });
    // a at 0 and 3 (pending until 6), b at 1 (out at 4); unsubscribed at 6 with a still pending
    expect(sets).toEqual(['0 deb=1', '1 deb=2', '4 deb=1', '6 deb=0']);
    const gauge = await registry.getSingleMetric('kube_rx_debounce_pending_keys')?.get();
    expect(gauge?.values).toEqual([{ value: 0, labels: { name: 'deb' } }]);
  });
});
