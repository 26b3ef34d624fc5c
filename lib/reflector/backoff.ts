/**
 * Settings of the reflector's exponential backoff. Every field is optional; the defaults are
 * client-go's: 800 ms doubling up to 30 s, full jitter (`1.0`), and a reset after 2 minutes
 * without a failure.
 *
 * Maps to client-go's `wait.NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0, clock)` as
 * built in `NewReflectorWithOptions` (`reflector.go`).
 *
 * ```
 * attempt:   0      1      2      3     ...   6+
 * base:    800ms  1.6s   3.2s   6.4s   ...   30s (maxMs)
 * delay:   base * (1 + jitter * random())     in [base, base * (1 + jitter)]
 * ```
 *
 * @example
 * ```ts
 * import type { BackoffConfig } from 'kube-rx';
 * const noJitter: BackoffConfig = { jitter: 0 };                 // 800, 1600, 3200, ... 30000
 * const fast: BackoffConfig = { initialMs: 100, maxMs: 5_000 };  // for a test cluster
 * ```
 * @category reflector
 * @since 0.1.0
 */
export interface BackoffConfig {
  /** The first delay, before jitter. Default 800. */
  readonly initialMs?: number;
  /** The largest delay, before jitter. Default 30 000. */
  readonly maxMs?: number;
  /** Multiplier between consecutive delays. Default 2. */
  readonly factor?: number;
  /** Up to this fraction of the base delay is added at random (`0` turns jitter off). Default 1.0. */
  readonly jitter?: number;
  /** After this long without a backoff, the next one starts again from `initialMs`. Default 120 000. */
  readonly resetAfterMs?: number;
}

/**
 * Where a backoff sequence stands: how many backoffs happened since the last reset, and when the
 * latest one started (scheduler time, ms).
 *
 * Invariant: `attempt === 0` if and only if `lastAt` is `undefined` or the sequence was reset.
 *
 * Maps to the private state of client-go's `exponentialBackoffManagerImpl` (`backoff`,
 * `lastBackoffStart`).
 *
 * ```
 * initialBackoffState ──nextBackoff──► { attempt: 1, lastAt: t1 } ──nextBackoff──► { attempt: 2, lastAt: t2 }
 * ```
 *
 * @example
 * ```ts
 * import type { BackoffState } from 'kube-rx/reducers';
 * const afterTwo: BackoffState = { attempt: 2, lastAt: 1_600 };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export interface BackoffState {
  readonly attempt: number;
  readonly lastAt?: number;
}

/**
 * The state before any backoff: attempt 0, never backed off.
 *
 * Maps to a freshly built client-go `exponentialBackoffManagerImpl`.
 *
 * ```
 * initialBackoffState = { attempt: 0 }
 * ```
 *
 * @example
 * ```ts
 * import { initialBackoffState } from 'kube-rx/reducers';
 * initialBackoffState.attempt; // 0
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const initialBackoffState: BackoffState = { attempt: 0 };

/**
 * The result of {@link nextBackoff}: how long to wait, and the state to keep for next time.
 *
 * Maps to the `time.Duration` client-go's `exponentialBackoffManagerImpl.getNextBackoff` returns.
 *
 * ```
 * nextBackoff(...) ──► { delayMs: 800, state: { attempt: 1, lastAt: now } }
 * ```
 *
 * @example
 * ```ts
 * import type { BackoffDecision } from 'kube-rx/reducers';
 * const d: BackoffDecision = { delayMs: 800, state: { attempt: 1, lastAt: 0 } };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export interface BackoffDecision {
  readonly delayMs: number;
  readonly state: BackoffState;
}

/**
 * Computes the next backoff delay and state. Pure: the clock (`now`) and the random source are
 * arguments, so the same inputs always give the same answer.
 *
 * Maps to client-go's `exponentialBackoffManagerImpl.getNextBackoff` followed by
 * `wait.Jitter(delay, jitter)` (`k8s.io/apimachinery/pkg/util/wait/backoff.go`).
 *
 * ```
 * failures:   x        x         x                     (2 min quiet)      x
 * delays:     800ms    1.6s      3.2s                                      800ms   (random = () => 0)
 * attempt:    1        2         3                                         1
 * ```
 *
 * Algorithm:
 * 1. Let `attempt = state.attempt`. If `state.lastAt` is defined and `now - lastAt >= resetAfterMs`,
 *    let `attempt = 0` (the system was healthy long enough).
 * 2. Let `base = min(initialMs * factor ^ attempt, maxMs)`.
 * 3. Let `delayMs = base * (1 + jitter * random())`, so `delayMs` is in `[base, base * (1 + jitter)]`.
 * 4. Return `delayMs` and the state `{ attempt: attempt + 1, lastAt: now }`.
 *
 * @param config - the policy; missing fields take client-go's defaults.
 * @param state - the state returned by the previous call, or {@link initialBackoffState}.
 * @param now - the current time in ms (e.g. `scheduler.now()`).
 * @param random - a source of numbers in `[0, 1)` (e.g. `Math.random`).
 *
 * @example
 * ```ts
 * import { initialBackoffState, nextBackoff } from 'kube-rx/reducers';
 * const zero = () => 0;
 * const a = nextBackoff({}, initialBackoffState, 0, zero);   // a.delayMs === 800
 * const b = nextBackoff({}, a.state, 1_000, zero);           // b.delayMs === 1600
 * const c = nextBackoff({}, b.state, 200_000, zero);         // c.delayMs === 800 (reset)
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const nextBackoff = (
  config: BackoffConfig,
  state: BackoffState,
  now: number,
  random: () => number,
): BackoffDecision => {
  const { initialMs = 800, maxMs = 30_000, factor = 2, jitter = 1.0, resetAfterMs = 120_000 } = config;
  const attempt = state.lastAt !== undefined && now - state.lastAt >= resetAfterMs ? 0 : state.attempt;
  const base = Math.min(initialMs * factor ** attempt, maxMs);
  return { delayMs: base * (1 + jitter * random()), state: { attempt: attempt + 1, lastAt: now } };
};
