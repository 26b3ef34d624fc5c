import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createCoalesceState, isIdle, offer, release, take, waiting } from '../../lib/operators/CoalesceState.js';

type Op = { readonly _tag: 'offer'; readonly key: string; readonly n: number } | { readonly _tag: 'take' } | { readonly _tag: 'release'; readonly pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ _tag: fc.constant('offer' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e'), n: fc.nat() }), weight: 4 },
  { arbitrary: fc.constant({ _tag: 'take' as const }), weight: 2 },
  { arbitrary: fc.record({ _tag: fc.constant('release' as const), pick: fc.nat() }), weight: 2 },
);

describe('CoalesceState', () => {
  it('for any interleaving of offers, takes and releases: nothing is lost, nothing reordered within a key, a running key is never taken, and at most one value per key waits', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 200 }), (ops) => {
        // values are lists, combined by concatenation: what is handed out must add up to what was offered
        const s = createCoalesceState<number[]>();
        const concat = (w: number[], v: number[]): number[] => [...w, ...v];
        const offered = new Map<string, number[]>();
        const handed = new Map<string, number[]>();
        /** Keys in the order they should come out: a naive model of first-arrival order. */
        const model: string[] = [];
        const running: string[] = [];
        const parkedModel = new Set<string>();
        const hand = (t: { key: string; value: number[] }): void => {
          expect(running).not.toContain(t.key);
          expect(t.key).toBe(model.shift());
          running.push(t.key);
          handed.set(t.key, [...(handed.get(t.key) ?? []), ...t.value]);
        };
        for (const op of ops) {
          switch (op._tag) {
            case 'offer':
              offered.set(op.key, [...(offered.get(op.key) ?? []), op.n]);
              offer(s, op.key, [op.n], concat);
              if (running.includes(op.key)) parkedModel.add(op.key);
              else if (!model.includes(op.key)) model.push(op.key);
              break;
            case 'take': {
              const t = take(s);
              if (t === undefined) expect(model).toEqual([]);
              else hand(t);
              break;
            }
            case 'release': {
              if (running.length === 0) break;
              const [key] = running.splice(op.pick % running.length, 1);
              if (key === undefined) break;
              expect(release(s, key)).toBe(parkedModel.has(key));
              if (parkedModel.delete(key)) model.push(key);
              break;
            }
          }
          const distinct = new Set([...model, ...parkedModel]);
          expect(waiting(s)).toBe(distinct.size);
          expect(waiting(s)).toBeLessThanOrEqual(new Set(offered.keys()).size);
        }
        // drain: release and take until idle
        for (;;) {
          for (const key of running.splice(0)) if (release(s, key) && parkedModel.delete(key)) model.push(key);
          const t = take(s);
          if (t === undefined) break;
          hand(t);
        }
        expect(isIdle(s)).toBe(true);
        expect(handed).toEqual(offered);
      }),
    );
  });

  it('with the default combine, the last value of each key is the last one handed out', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.nat()), { maxLength: 100 }), fc.array(fc.boolean(), { maxLength: 100 }), (offers, takes) => {
        const s = createCoalesceState<number>();
        const last = new Map<string, number>();
        const lastHanded = new Map<string, number>();
        offers.forEach(([key, n], i) => {
          offer(s, key, n);
          last.set(key, n);
          const t = takes[i] === true ? take(s) : undefined;
          if (t !== undefined) {
            lastHanded.set(t.key, t.value);
            release(s, t.key);
          }
        });
        for (let t = take(s); t !== undefined; t = take(s)) {
          lastHanded.set(t.key, t.value);
          release(s, t.key);
        }
        expect(lastHanded).toEqual(last);
      }),
    );
  });

  it('keeps one value per key however many arrive', () => {
    const s = createCoalesceState<number>();
    for (let i = 0; i < 10_000; i++) offer(s, `k${i % 10}`, i);
    expect(waiting(s)).toBe(10);
    expect(take(s)).toEqual({ key: 'k0', value: 9990 });
  });
});
