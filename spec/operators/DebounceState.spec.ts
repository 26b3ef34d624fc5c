import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createDebounceState, type DebounceTiming, fire, flush, trigger, validateTiming } from '../../lib/operators/DebounceState.js';

interface Trigger {
  readonly key: string;
  readonly at: number;
  readonly n: number;
}
interface Emission {
  readonly key: string;
  readonly at: number;
  readonly n: number;
}

const timingArb: fc.Arbitrary<DebounceTiming> = fc
  .record({ ms: fc.integer({ min: 1, max: 8 }), extra: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }) })
  .map(({ ms, extra }) => (extra === undefined ? { ms } : { ms, maxWaitMs: ms + extra }));

/** Triggers of keys a..e, in time order (gaps of 0 to 10), each with a distinct number. */
const triggersArb: fc.Arbitrary<ReadonlyArray<Trigger>> = fc
  .array(fc.record({ key: fc.constantFrom('a', 'b', 'c', 'd', 'e'), gap: fc.integer({ min: 0, max: 10 }) }), { maxLength: 120 })
  .map((raw) => {
    let at = 0;
    return raw.map(({ key, gap }, n) => {
      at += gap;
      return { key, at, n };
    });
  });

/**
 * Drives the reducer as the operator does, online, with all keys interleaved: one timer per pending
 * key, re-armed on `Wait`; triggers at a time run before the timers due then (the order of a
 * `TestScheduler`, where the source's frames were scheduled first).
 */
const simulate = (timing: DebounceTiming, triggers: ReadonlyArray<Trigger>): Emission[] => {
  const s = createDebounceState<Trigger>();
  let timers: Array<{ at: number; key: string; seq: number }> = [];
  let seq = 0;
  const out: Emission[] = [];
  const runTimersBefore = (limit: number): void => {
    for (;;) {
      timers.sort((x, y) => x.at - y.at || x.seq - y.seq);
      const next = timers[0];
      if (next === undefined || next.at >= limit) return;
      timers = timers.slice(1);
      const outcome = fire(s, next.key, next.at);
      if (outcome._tag === 'Wait') {
        expect(outcome.dueAt).toBeGreaterThan(next.at);
        timers.push({ at: outcome.dueAt, key: next.key, seq: seq++ });
      } else if (outcome._tag === 'Emit') out.push({ key: next.key, at: next.at, n: outcome.value.n });
    }
  };
  for (const t of triggers) {
    runTimersBefore(t.at);
    const outcome = trigger(s, timing, t.key, t, t.at);
    if (outcome._tag === 'Schedule') timers.push({ at: outcome.dueAt, key: t.key, seq: seq++ });
    // one timer per pending key, and only for pending keys
    expect(timers.map((x) => x.key).sort()).toEqual([...s.pending.keys()].sort());
  }
  runTimersBefore(Number.POSITIVE_INFINITY);
  expect(s.pending.size).toBe(0);
  return out;
};

/** The specification, per key and offline: bursts of triggers, each ending at min(last + ms, first + maxWait). */
const model = (timing: DebounceTiming, triggers: ReadonlyArray<Trigger>): Emission[] => {
  const bound = timing.maxWaitMs ?? Number.POSITIVE_INFINITY;
  const out: Emission[] = [];
  for (const key of new Set(triggers.map((t) => t.key))) {
    let burst: { first: number; due: number; n: number } | undefined;
    for (const t of triggers.filter((x) => x.key === key)) {
      if (burst !== undefined && t.at > burst.due) {
        out.push({ key, at: burst.due, n: burst.n });
        burst = undefined;
      }
      burst =
        burst === undefined
          ? { first: t.at, due: t.at + Math.min(timing.ms, bound), n: t.n }
          : { first: burst.first, due: Math.max(burst.due, Math.min(t.at + timing.ms, burst.first + bound)), n: t.n };
    }
    if (burst !== undefined) out.push({ key, at: burst.due, n: burst.n });
  }
  return out;
};

const byTimeThenKey = (x: Emission, y: Emission): number => x.at - y.at || x.key.localeCompare(y.key);

describe('DebounceState', () => {
  it('for any interleaving of keys: each key comes out once per burst, with its latest value, at min(last trigger + ms, first + maxWait)', () => {
    fc.assert(
      fc.property(timingArb, triggersArb, (timing, triggers) => {
        const online = simulate(timing, triggers);
        expect([...online].sort(byTimeThenKey)).toEqual(model(timing, triggers).sort(byTimeThenKey));
      }),
    );
  });

  it('never holds a key longer than maxWait after its first trigger, nor releases it before a quiet period or the bound', () => {
    fc.assert(
      fc.property(timingArb, triggersArb, (timing, triggers) => {
        const bound = timing.maxWaitMs ?? Number.POSITIVE_INFINITY;
        const previous = new Map<string, number>();
        for (const e of simulate(timing, triggers)) {
          // the burst: the key's triggers after its previous emission, up to the one emitted
          const burst = triggers.filter((t) => t.key === e.key && t.n > (previous.get(e.key) ?? -1) && t.n <= e.n);
          previous.set(e.key, e.n);
          const first = burst[0]?.at ?? Number.NaN;
          const last = burst.at(-1)?.at ?? Number.NaN;
          expect(burst.at(-1)?.n).toBe(e.n);
          expect(e.at - first).toBeLessThanOrEqual(bound);
          expect(e.at).toBeGreaterThanOrEqual(last);
          expect(e.at - last >= timing.ms || e.at - first === bound).toBe(true);
        }
        // nothing lost: the last trigger of every key is the value of its last emission
        const out = simulate(timing, triggers);
        for (const key of new Set(triggers.map((t) => t.key))) {
          const lastTrigger = triggers.filter((t) => t.key === key).at(-1);
          const lastOut = out.filter((e) => e.key === key).at(-1);
          expect(lastOut?.n).toBe(lastTrigger?.n);
        }
        expect(out.length).toBeLessThanOrEqual(triggers.length);
      }),
    );
  });

  it('flushes pending keys in the order their bursts began, and a flushed key’s timer finds it gone', () => {
    const s = createDebounceState<string>();
    expect(trigger(s, { ms: 3 }, 'b', 'b1', 0)).toEqual({ _tag: 'Schedule', dueAt: 3 });
    expect(trigger(s, { ms: 3 }, 'a', 'a1', 1)).toEqual({ _tag: 'Schedule', dueAt: 4 });
    expect(trigger(s, { ms: 3 }, 'b', 'b2', 2)).toEqual({ _tag: 'Pending', dueAt: 5 });
    expect(flush(s)).toEqual(['b2', 'a1']);
    expect(fire(s, 'b', 3)).toEqual({ _tag: 'Gone' });
  });

  it('rejects a quiet period that is not positive and a bound below it', () => {
    expect(() => {
      validateTiming({ ms: 0 });
    }).toThrow(/ms must be/);
    expect(() => {
      validateTiming({ ms: 5, maxWaitMs: 4 });
    }).toThrow(/maxWaitMs must be >= ms/);
    expect(() => {
      validateTiming({ ms: 5, maxWaitMs: 5 });
    }).not.toThrow();
  });
});
