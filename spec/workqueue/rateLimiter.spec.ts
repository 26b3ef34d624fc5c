import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  bucketRateLimiter,
  defaultControllerRateLimiter,
  itemExponentialFailureRateLimiter,
  maxOfRateLimiter,
} from '../../lib/workqueue/rateLimiter.js';

describe('itemExponentialFailureRateLimiter', () => {
  it('TestItemExponentialFailureRateLimiter: 1, 2, 4, 8, 16, then the cap; per item; forget resets', () => {
    const rl = itemExponentialFailureRateLimiter(1, 1000);
    expect([1, 2, 3, 4, 5].map(() => rl.when('one', 0))).toEqual([1, 2, 4, 8, 16]);
    expect(rl.numRequeues('one')).toBe(5);
    expect([rl.when('two', 0), rl.when('two', 0)]).toEqual([1, 2]);
    expect(rl.numRequeues('two')).toBe(2);
    rl.forget('one');
    expect(rl.numRequeues('one')).toBe(0);
    expect(rl.when('one', 0)).toBe(1);
  });

  it('TestItemExponentialFailureRateLimiterOverFlow: huge failure counts stay at the cap', () => {
    const rl = itemExponentialFailureRateLimiter(1, 1000 * 60 * 60 * 24);
    for (let i = 0; i < 2000; i++) rl.when('overflow1', 0);
    expect(rl.when('overflow1', 0)).toBe(1000 * 60 * 60 * 24);
  });

  it('has client-go defaults: 5 ms doubling up to 1000 s', () => {
    const rl = itemExponentialFailureRateLimiter();
    expect([0, 1, 2, 3].map(() => rl.when('k', 0))).toEqual([5, 10, 20, 40]);
    for (let i = 0; i < 30; i++) rl.when('k', 0);
    expect(rl.when('k', 0)).toBe(1_000_000);
  });

  it('property: the n-th delay is min(base * 2^n, max), keys are independent, forget resets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.boolean()), { maxLength: 80 }),
        (base, max, ops) => {
          const rl = itemExponentialFailureRateLimiter(base, max);
          const model = new Map<string, number>();
          for (const [key, forget] of ops) {
            if (forget) {
              rl.forget(key);
              model.delete(key);
              expect(rl.numRequeues(key)).toBe(0);
            } else {
              const n = model.get(key) ?? 0;
              expect(rl.when(key, 0)).toBe(Math.min(base * 2 ** n, max));
              model.set(key, n + 1);
              expect(rl.numRequeues(key)).toBe(n + 1);
            }
          }
        },
      ),
    );
  });

  it('rejects a negative base with a TypeError', () => {
    expect(() => itemExponentialFailureRateLimiter(-1)).toThrow(TypeError);
  });
});

describe('bucketRateLimiter', () => {
  it('TestBucketRateLimiter-like: burst at once, then one token per 1000/qps ms', () => {
    const rl = bucketRateLimiter(10, 2);
    expect([rl.when('a', 0), rl.when('b', 0), rl.when('c', 0), rl.when('d', 0)]).toEqual([0, 0, 100, 200]);
    expect(rl.numRequeues('a')).toBe(0);
  });

  it('refills over scheduler time, never above burst', () => {
    const rl = bucketRateLimiter(10, 2);
    rl.when('a', 0);
    rl.when('a', 0); // empty
    expect(rl.when('a', 100)).toBe(0); // one token back after 100 ms
    expect(rl.when('a', 10_000)).toBe(0); // full again (2 tokens, not 100)
    expect(rl.when('a', 10_000)).toBe(0);
    expect(rl.when('a', 10_000)).toBe(100);
  });

  it('property: within t ms of the first call, at most burst + qps * t / 1000 reservations are ready', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 20_000 }),
        (qps, burst, gaps, window) => {
          const rl = bucketRateLimiter(qps, burst);
          let now = 0;
          const readyAt: number[] = [];
          for (const gap of gaps) {
            now += gap;
            readyAt.push(now + rl.when('k', now));
          }
          const granted = readyAt.filter((t) => t <= window).length;
          expect(granted).toBeLessThanOrEqual(burst + (qps * window) / 1000 + 1e-9);
        },
      ),
    );
  });

  it('rejects qps <= 0 and burst < 1 with a TypeError', () => {
    expect(() => bucketRateLimiter(0)).toThrow(TypeError);
    expect(() => bucketRateLimiter(10, 0)).toThrow(TypeError);
  });
});

describe('maxOfRateLimiter', () => {
  it('TestMaxOfRateLimiter: the strictest answer; forget reaches every limiter', () => {
    const rl = maxOfRateLimiter(itemExponentialFailureRateLimiter(5, 1000), bucketRateLimiter(10, 1));
    expect([rl.when('a', 0), rl.when('a', 0), rl.when('a', 0)]).toEqual([5, 100, 200]);
    expect(rl.numRequeues('a')).toBe(3);
    rl.forget('a');
    expect(rl.numRequeues('a')).toBe(0);
  });

  it('answers 0 with no limiter', () => {
    expect(maxOfRateLimiter().when('a', 0)).toBe(0);
  });
});

describe('defaultControllerRateLimiter', () => {
  it('is per-item 5 ms doubling, and the 101st requeue of one instant waits for the bucket', () => {
    const rl = defaultControllerRateLimiter();
    expect([rl.when('a', 0), rl.when('a', 0)]).toEqual([5, 10]);
    for (let i = 0; i < 98; i++) rl.when(`k${i}`, 0);
    expect(rl.when('z', 0)).toBe(100);
  });

  it('gives a fresh limiter each call', () => {
    const a = defaultControllerRateLimiter();
    a.when('k', 0);
    expect(defaultControllerRateLimiter().numRequeues('k')).toBe(0);
  });
});
