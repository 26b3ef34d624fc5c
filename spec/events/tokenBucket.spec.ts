import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { fullTokenBucket, takeToken, type TokenBucket } from '../../lib/events/tokenBucket.js';

const QPS = 1 / 300;
const BURST = 25;

describe('takeToken', () => {
  it('accepts at most burst + elapsed seconds × qps requests, whatever their timing', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 600_000 }), { minLength: 1, maxLength: 300 }), (gaps) => {
        let bucket: TokenBucket = fullTokenBucket(BURST, 0);
        let now = 0;
        let accepted = 0;
        for (const gap of gaps) {
          now += gap;
          const r = takeToken(bucket, now, QPS, BURST);
          bucket = r.bucket;
          if (r.accepted) accepted += 1;
          expect(accepted).toBeLessThanOrEqual(BURST + Math.floor((now / 1000) * QPS + 1e-9));
          expect(bucket.tokens).toBeGreaterThanOrEqual(0);
          expect(bucket.tokens).toBeLessThanOrEqual(BURST);
        }
      }),
    );
  });

  it('accepts a burst of 25 at once, then one request per 5 minutes', () => {
    let bucket: TokenBucket = fullTokenBucket(BURST, 0);
    const at = (now: number): boolean => {
      const r = takeToken(bucket, now, QPS, BURST);
      bucket = r.bucket;
      return r.accepted;
    };
    const burst = Array.from({ length: 26 }, () => at(0));
    expect(burst.filter(Boolean)).toHaveLength(25);
    expect(burst[25]).toBe(false);
    expect(at(299_999)).toBe(false);
    expect(at(300_000)).toBe(true);
    expect(at(300_000)).toBe(false);
    expect([at(900_000), at(900_000), at(900_000)]).toEqual([true, true, false]);
  });

  it('never refills beyond the burst, and a clock going back refills nothing', () => {
    const r = takeToken(fullTokenBucket(3, 0), 10_000_000, 1, 3);
    expect(r.bucket.tokens).toBe(2);
    const back = takeToken({ tokens: 0.5, at: 1000 }, 0, 1, 3);
    expect(back).toEqual({ accepted: false, bucket: { tokens: 0.5, at: 1000 } });
  });
});
