/**
 * Decides how long a key waits before it is retried. A limiter keeps mutable state (failures per
 * key, tokens left): create one per work queue (one subscription of {@link reconcileWith}) and do
 * not share it between queues, or their backoffs and budgets mix. Time is an argument (`now`, in
 * ms, e.g. `scheduler.now()`), so a limiter never reads a clock and runs in virtual time.
 *
 * Maps to client-go's `workqueue.RateLimiter` / `TypedRateLimiter` (`When`, `Forget`,
 * `NumRequeues`; `default_rate_limiters.go`).
 *
 * ```
 * when(k):  5   10   20   40 ...     (per-item exponential)
 * forget(k)                          → the next when(k) is 5 again
 * ```
 *
 * @example
 * ```ts
 * import { itemExponentialFailureRateLimiter, type RateLimiter } from 'kube-rx';
 * const rl: RateLimiter = itemExponentialFailureRateLimiter();
 * rl.when('ns/a', 0); // 5
 * rl.when('ns/a', 0); // 10
 * rl.numRequeues('ns/a'); // 2
 * rl.forget('ns/a');
 * ```
 * @category controller
 * @since 0.1.0
 */
export interface RateLimiter {
  /** How long (ms) `key` should wait before its next run, counting this call as one more failure or requeue. */
  when(key: string, now: number): number;
  /** Stops tracking `key` (it succeeded): its backoff starts over. Budgets shared by all keys are untouched. */
  forget(key: string): void;
  /** How many times `key` has been requeued through {@link RateLimiter.when} since it was last forgotten. */
  numRequeues(key: string): number;
}

const assertNonNegative = (name: string, value: number): void => {
  if (!(value >= 0) || Number.isNaN(value)) throw new TypeError(`${name} must be a number >= 0, got ${value}`);
};

/**
 * Per-key exponential backoff: the n-th consecutive requeue of a key waits `baseMs * 2^n`, capped
 * at `maxMs`; {@link RateLimiter.forget} starts the key over. Defaults are client-go's (5 ms to
 * 1000 s).
 *
 * Maps to client-go's `workqueue.NewItemExponentialFailureRateLimiter(baseDelay, maxDelay)`.
 *
 * ```
 * when(a):   5    10    20    40  ...  1_000_000 (cap)
 * when(b):   5                               (keys are independent)
 * forget(a); when(a): 5
 * ```
 *
 * Algorithm (state: `failures: Map<key, number>`):
 * 1. `when(key)`: let `n = failures[key] ?? 0`; set `failures[key] = n + 1`; return
 *    `min(baseMs * 2^n, maxMs)`.
 * 2. `forget(key)`: delete `failures[key]`.
 * 3. `numRequeues(key)`: `failures[key] ?? 0`.
 *
 * Throws a `TypeError` if `baseMs` or `maxMs` is negative or NaN.
 *
 * @param baseMs - delay of the first requeue (default 5).
 * @param maxMs - largest delay (default 1 000 000, i.e. 1000 s).
 *
 * @example
 * ```ts
 * import { itemExponentialFailureRateLimiter } from 'kube-rx';
 * const rl = itemExponentialFailureRateLimiter(100, 300);
 * [rl.when('k', 0), rl.when('k', 0), rl.when('k', 0)]; // [100, 200, 300]
 * ```
 * @category controller
 * @since 0.1.0
 */
export const itemExponentialFailureRateLimiter = (baseMs = 5, maxMs = 1_000_000): RateLimiter => {
  assertNonNegative('baseMs', baseMs);
  assertNonNegative('maxMs', maxMs);
  const failures = new Map<string, number>();
  return {
    when: (key) => {
      const n = failures.get(key) ?? 0;
      failures.set(key, n + 1);
      // 2 ** n is Infinity past n = 1023; min() then yields maxMs, as client-go's overflow guard does.
      return Math.min(baseMs * 2 ** n, maxMs);
    },
    forget: (key) => {
      failures.delete(key);
    },
    numRequeues: (key) => failures.get(key) ?? 0,
  };
};

/**
 * An overall token bucket shared by all keys: it holds up to `burst` tokens and refills at `qps`
 * tokens per second of scheduler time; each {@link RateLimiter.when} reserves one token and
 * returns how long to wait until that token is available. Keys are not tracked (`forget` does
 * nothing, `numRequeues` is 0).
 *
 * Maps to client-go's `workqueue.BucketRateLimiter{Limiter: rate.NewLimiter(qps, burst)}`, whose
 * `When` is `Limiter.Reserve().Delay()` (`golang.org/x/time/rate`).
 *
 * ```
 * qps 10, burst 2, all calls at t=0:
 * when():  0   0   100   200   300 ...   (burst, then one token every 1000/qps ms)
 * ```
 *
 * Algorithm (state: `tokens`, `last`; the bucket starts full at the first call):
 * 1. Refill: `tokens = min(burst, tokens + (now - last) * qps / 1000)`; `last = now` (a clock
 *    going backwards refills nothing).
 * 2. Reserve: `tokens -= 1` (tokens may go negative: those are reservations in the future).
 * 3. Return `tokens >= 0 ? 0 : -tokens * 1000 / qps`.
 *
 * In any window of `t` ms starting at the first call, at most `burst + qps * t / 1000`
 * reservations become ready. Throws a `TypeError` if `qps <= 0` or `burst < 1`.
 *
 * @param qps - refill rate, tokens per second (default 10).
 * @param burst - bucket size (default 100).
 *
 * @example
 * ```ts
 * import { bucketRateLimiter } from 'kube-rx';
 * const rl = bucketRateLimiter(10, 1);
 * [rl.when('a', 0), rl.when('b', 0), rl.when('c', 0)]; // [0, 100, 200]
 * ```
 * @category controller
 * @since 0.1.0
 */
export const bucketRateLimiter = (qps = 10, burst = 100): RateLimiter => {
  if (!(qps > 0)) throw new TypeError(`qps must be > 0, got ${qps}`);
  if (!(burst >= 1)) throw new TypeError(`burst must be >= 1, got ${burst}`);
  let tokens = burst;
  let last: number | undefined;
  return {
    when: (_key, now) => {
      if (last !== undefined && now > last) tokens = Math.min(burst, tokens + ((now - last) * qps) / 1000);
      if (last === undefined || now > last) last = now;
      tokens -= 1;
      return tokens >= 0 ? 0 : (-tokens * 1000) / qps;
    },
    forget: () => undefined,
    numRequeues: () => 0,
  };
};

/**
 * Combines limiters: a key waits as long as the strictest of them says. Every limiter sees every
 * call, so each keeps its own count.
 *
 * Maps to client-go's `workqueue.NewMaxOfRateLimiter(limiters...)`.
 *
 * ```
 * exponential:  5   10   20        bucket(10 qps, burst 1):  0   100   200
 * max:          5  100  200
 * ```
 *
 * Algorithm:
 * 1. `when(key, now)`: call `when` on every limiter; return the largest answer (0 with none).
 * 2. `forget(key)`: forget on every limiter.
 * 3. `numRequeues(key)`: the largest `numRequeues` of the limiters.
 *
 * @example
 * ```ts
 * import { bucketRateLimiter, itemExponentialFailureRateLimiter, maxOfRateLimiter } from 'kube-rx';
 * const rl = maxOfRateLimiter(itemExponentialFailureRateLimiter(5, 1000), bucketRateLimiter(10, 1));
 * [rl.when('a', 0), rl.when('a', 0)]; // [5, 100]
 * ```
 * @category controller
 * @since 0.1.0
 */
export const maxOfRateLimiter = (...limiters: ReadonlyArray<RateLimiter>): RateLimiter => ({
  when: (key, now) => limiters.reduce((acc, l) => Math.max(acc, l.when(key, now)), 0),
  forget: (key) => {
    for (const l of limiters) l.forget(key);
  },
  numRequeues: (key) => limiters.reduce((acc, l) => Math.max(acc, l.numRequeues(key)), 0),
});

/**
 * The default limiter of a controller: per-key exponential backoff from 5 ms to 1000 s, and an
 * overall bucket of 10 qps with a burst of 100, whichever is stricter. A fresh one per call, as
 * each queue needs its own.
 *
 * Maps to client-go's `workqueue.DefaultControllerRateLimiter()` (used by controller-runtime when
 * no `RateLimiter` option is given).
 *
 * ```
 * failures of one key:   5   10   20   40 ...   1000 s
 * many keys at once:     the 101st requeue within the same instant waits 100 ms, the next 200 ms, ...
 * ```
 *
 * @example
 * ```ts
 * import { defaultControllerRateLimiter } from 'kube-rx';
 * const rl = defaultControllerRateLimiter();
 * rl.when('ns/a', 0); // 5
 * ```
 * @category controller
 * @since 0.1.0
 */
export const defaultControllerRateLimiter = (): RateLimiter =>
  maxOfRateLimiter(itemExponentialFailureRateLimiter(5, 1_000_000), bucketRateLimiter(10, 100));
