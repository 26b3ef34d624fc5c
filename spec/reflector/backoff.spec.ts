import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { type BackoffState, initialBackoffState, nextBackoff } from '../../lib/reflector/backoff.js';

const zero = (): number => 0;

/** Runs `n` backoffs `gapMs` apart, starting at `now = 0`, and returns the delays. */
const delays = (n: number, gapMs: number, random: () => number = zero): number[] => {
  let state: BackoffState = initialBackoffState;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = nextBackoff({}, state, i * gapMs, random);
    out.push(d.delayMs);
    state = d.state;
  }
  return out;
};

describe('nextBackoff', () => {
  it('starts at 800 ms and doubles up to 30 s (client-go defaults, no jitter)', () => {
    expect(delays(8, 1_000)).toEqual([800, 1_600, 3_200, 6_400, 12_800, 25_600, 30_000, 30_000]);
  });

  it('counts attempts and records when the backoff started', () => {
    const a = nextBackoff({}, initialBackoffState, 5, zero);
    expect(a.state).toEqual({ attempt: 1, lastAt: 5 });
    expect(nextBackoff({}, a.state, 9, zero).state).toEqual({ attempt: 2, lastAt: 9 });
  });

  it('adds up to jitter * base at random', () => {
    expect(nextBackoff({}, initialBackoffState, 0, () => 0.5).delayMs).toBe(1_200);
    expect(nextBackoff({ jitter: 0.1 }, initialBackoffState, 0, () => 0.5).delayMs).toBe(840);
    expect(nextBackoff({ jitter: 0 }, initialBackoffState, 0, () => 0.99).delayMs).toBe(800);
  });

  it('resets after resetAfterMs without a backoff, and not a millisecond earlier', () => {
    const third = { attempt: 3, lastAt: 1_000 };
    expect(nextBackoff({}, third, 1_000 + 119_999, zero)).toEqual({ delayMs: 6_400, state: { attempt: 4, lastAt: 120_999 } });
    expect(nextBackoff({}, third, 1_000 + 120_000, zero)).toEqual({ delayMs: 800, state: { attempt: 1, lastAt: 121_000 } });
  });

  it('honours every setting', () => {
    const config = { initialMs: 10, maxMs: 50, factor: 3, jitter: 0, resetAfterMs: 100 };
    let state: BackoffState = initialBackoffState;
    const out: number[] = [];
    for (const now of [0, 1, 2, 3, 103]) {
      const d = nextBackoff(config, state, now, zero);
      out.push(d.delayMs);
      state = d.state;
    }
    expect(out).toEqual([10, 30, 50, 50, 10]);
  });

  it('property: delays stay within [base, base * (1 + jitter)], are capped, and reset', () => {
    fc.assert(
      fc.property(
        fc.record({
          initialMs: fc.integer({ min: 1, max: 5_000 }),
          maxMs: fc.integer({ min: 1, max: 120_000 }),
          factor: fc.double({ min: 1, max: 4, noNaN: true }),
          jitter: fc.double({ min: 0, max: 2, noNaN: true }),
          resetAfterMs: fc.integer({ min: 1, max: 600_000 }),
        }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 700_000 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })), {
          minLength: 1,
          maxLength: 40,
        }),
        (config, steps) => {
          let state: BackoffState = initialBackoffState;
          let now = 0;
          for (const [gap, r] of steps) {
            now += gap;
            const reset = state.lastAt !== undefined && now - state.lastAt >= config.resetAfterMs;
            const attempt = reset ? 0 : state.attempt;
            const base = Math.min(config.initialMs * config.factor ** attempt, config.maxMs);
            const { delayMs, state: next } = nextBackoff(config, state, now, () => r);
            expect(delayMs).toBeGreaterThanOrEqual(base);
            expect(delayMs).toBeLessThanOrEqual(base * (1 + config.jitter));
            expect(delayMs).toBeLessThanOrEqual(config.maxMs * (1 + config.jitter));
            expect(next).toEqual({ attempt: attempt + 1, lastAt: now });
            if (reset) expect(delayMs).toBeLessThanOrEqual(Math.min(config.initialMs, config.maxMs) * (1 + config.jitter));
            state = next;
          }
        },
      ),
    );
  });
});
