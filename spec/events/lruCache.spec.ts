import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { lruCache } from '../../lib/events/lruCache.js';

type Op = { readonly op: 'get'; readonly key: string } | { readonly op: 'set'; readonly key: string; readonly value: number };

const ops = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant('get' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') }),
    fc.record({ op: fc.constant('set' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), value: fc.integer() }),
  ),
  { maxLength: 200 },
);

describe('lruCache', () => {
  it('behaves as a model list ordered by recency, and never holds more than its capacity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), ops, (capacity, script: ReadonlyArray<Op>) => {
        const cache = lruCache<number>(capacity);
        let model: Array<readonly [string, number]> = [];
        for (const step of script) {
          const found = model.find(([k]) => k === step.key);
          if (step.op === 'get') {
            expect(cache.get(step.key)).toBe(found?.[1]);
            if (found !== undefined) model = [...model.filter(([k]) => k !== step.key), found];
          } else {
            cache.set(step.key, step.value);
            model = [...model.filter(([k]) => k !== step.key), [step.key, step.value]];
            if (model.length > capacity) model = model.slice(model.length - capacity);
          }
          expect(cache.size).toBeLessThanOrEqual(capacity);
          expect([...cache.keys()]).toEqual(model.map(([k]) => k));
        }
      }),
    );
  });

  it('keeps 4096 entries as client-go does, forgetting the least recently used', () => {
    const cache = lruCache<number>(4096);
    for (let i = 0; i < 5000; i++) cache.set(`k${i}`, i);
    expect(cache.size).toBe(4096);
    expect(cache.get('k903')).toBeUndefined();
    expect(cache.get('k904')).toBe(904);
  });

  it('refuses a capacity that is not an integer >= 1', () => {
    expect(() => lruCache(0)).toThrow(TypeError);
    expect(() => lruCache(1.5)).toThrow(TypeError);
  });
});
