/**
 * A token bucket as a value: `tokens` left (fractional) at time `at` (scheduler ms). Immutable;
 * {@link takeToken} returns the next one.
 *
 * Maps to client-go's `flowcontrol.NewTokenBucketPassiveRateLimiterWithClock` (`TryAccept`), the
 * limiter of `tools/record`'s spam filter.
 *
 * @example
 * ```ts
 * import { fullTokenBucket } from 'kube-rx/reducers';
 * fullTokenBucket(25, 0); // { tokens: 25, at: 0 }
 * ```
 * @category events
 * @since 0.3.0
 */
export interface TokenBucket {
  readonly tokens: number;
  readonly at: number;
}

/**
 * A full bucket of `burst` tokens at time `now`: a new source and object may record `burst`
 * events at once.
 *
 * @example
 * ```ts
 * import { fullTokenBucket } from 'kube-rx/reducers';
 * fullTokenBucket(25, 1_000).tokens; // 25
 * ```
 * @category events
 * @since 0.3.0
 */
export const fullTokenBucket = (burst: number, now: number): TokenBucket => ({ tokens: burst, at: now });

/** Floating-point slack: `300_000 / 1000 * (1 / 300)` must count as one whole token. */
const EPSILON = 1e-9;

/**
 * Refills `bucket` for the time since its last use (`qps` tokens a second, never above `burst`),
 * then takes one token if there is a whole one. A passive bucket: it never waits, it says no.
 *
 * Maps to client-go's `tokenBucketPassiveRateLimiter.TryAccept` (golang.org/x/time/rate
 * `AllowN(now, 1)`).
 *
 * Burst 25, one token per 300 s (qps 1/300):
 * ```
 * t=0 s:    25 events accepted, the 26th refused
 * t=300 s:  one accepted, the next refused
 * t=900 s:  two accepted (two tokens refilled), the next refused
 * ```
 *
 * Algorithm: `tokens = min(burst, tokens + (now - at) / 1000 * qps)`; accepted iff `tokens >= 1`
 * (up to a rounding error of 1e-9: 300 s at 1/300 qps is one token),
 * then `tokens -= 1`; `at = max(at, now)` (a clock that goes back refills nothing).
 *
 * @example
 * ```ts
 * import { fullTokenBucket, takeToken } from 'kube-rx/reducers';
 * let bucket = fullTokenBucket(1, 0);
 * const first = takeToken(bucket, 0, 1 / 300, 1);  // { accepted: true, … }
 * bucket = first.bucket;
 * takeToken(bucket, 1_000, 1 / 300, 1).accepted;   // false: 1/300 of a token refilled
 * takeToken(bucket, 300_000, 1 / 300, 1).accepted; // true
 * ```
 * @category events
 * @since 0.3.0
 */
export const takeToken = (
  bucket: TokenBucket,
  now: number,
  qps: number,
  burst: number,
): { readonly accepted: boolean; readonly bucket: TokenBucket } => {
  const at = Math.max(bucket.at, now);
  const refilled = Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * qps);
  return refilled >= 1 - EPSILON
    ? { accepted: true, bucket: { tokens: refilled - 1, at } }
    : { accepted: false, bucket: { tokens: refilled, at } };
};
