import { asyncScheduler, type SchedulerLike } from 'rxjs';

/**
 * Why a fenced action was refused: this replica's lease is not known to be valid at `now` (its
 * own clock) — it never led, stopped leading, or its last successful renew is too old
 * (`validUntil <= now`, e.g. after a GC pause or a stopped VM).
 *
 * Maps to nothing in client-go (whose `leaderelection` has no fencing); the closest is
 * `LeaderElector.IsLeader()` being false.
 *
 * @example
 * ```ts
 * import type { LeaseFenced } from 'kube-rx';
 * const e: LeaseFenced = { _tag: 'LeaseFenced', action: 'reconcile default/a', now: 12_000, validUntil: 10_000, message: 'reconcile default/a: lease not valid' };
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface LeaseFenced {
  readonly _tag: 'LeaseFenced';
  /** What was refused (`reconcile KEY`, `apply secrets`, ...). */
  readonly action: string;
  /** The fence's clock when it refused. */
  readonly now: number;
  /** Until when the lease was valid (undefined: never held, or given up). */
  readonly validUntil: number | undefined;
  readonly message: string;
}

/**
 * Whether `u` is a refusal of a {@link LeaseFence}: a {@link LeaseFenced} value, or an object
 * client's `InvalidRequest` with `field: 'fence'` (a write refused before it was sent), or an
 * `Error` carrying either (the object client's Promise helpers).
 *
 * @example
 * ```ts
 * import { isLeaseFenced } from 'kube-rx';
 * isLeaseFenced({ _tag: 'LeaseFenced', action: 'x', now: 0, validUntil: undefined, message: 'x' }); // true
 * ```
 * @category controller
 * @since 0.3.0
 */
export const isLeaseFenced = (u: unknown): boolean => {
  if (typeof u !== 'object' || u === null || !('_tag' in u)) return false;
  if (u._tag === 'LeaseFenced') return true;
  return u._tag === 'InvalidRequest' && 'field' in u && u.field === 'fence';
};

/**
 * A synchronous check, by this process's own clock, that its lease is still valid: fed by
 * {@link leaderElection} (its `fence` option) with the send time of every successful acquire or
 * renew, cleared when it stops leading. Consult it right before an action that must not happen
 * after another replica may have taken over: the manager checks it before each reconcile
 * (`RunOptions.fence`), the object client before each write (`ClientConfig.fence`).
 *
 * Maps to nothing in client-go or controller-runtime (neither fences); it is the closest thing to a
 * fencing token that the API server allows. What remains unfenced: the time between the check and
 * the server applying the request (request latency, a pause right after the check), and clock-rate
 * differences beyond the margin (docs/reliability.md).
 *
 * ```
 * renews (sent at):   r0------r1------r2  X (renews fail, or the process is paused)
 * isValid():          true ...................... true | false from r2 + leaseDuration - margin
 * ```
 *
 * @example
 * ```ts
 * import { httpLeaseClient, leaderElection, leaseFence } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const fence = leaseFence();
 * const leader$ = leaderElection({ client: httpLeaseClient(kubeConfig), namespace: 'kube-system', name: 'ctl', identity: 'pod-a', fence });
 * // mgr.run({ leader$, fence }); objectClient(resource, { kubeConfig, fence })
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface LeaseFence {
  /** Whether the lease is valid at `now` (default: the fence's scheduler's now). */
  readonly isValid: (now?: number) => boolean;
  /** `undefined` when valid at `now`, else the refusal of `action`. */
  readonly check: (action: string, now?: number) => LeaseFenced | undefined;
  /** Until when the lease is valid (exclusive), or undefined when not held. */
  readonly validUntil: () => number | undefined;
  /**
   * Called by leader election: a successful acquire/renew was sent at `sentAt` (scheduler time),
   * with its lease duration and renew deadline (the default margin is their difference).
   */
  readonly renewed: (sentAt: number, timings: { readonly leaseDurationMs: number; readonly renewDeadlineMs: number }) => void;
  /** Called by leader election when it stops leading (or gives the lease up). */
  readonly revoke: () => void;
}

/**
 * Configuration of {@link leaseFence}.
 *
 * @example
 * ```ts
 * import type { LeaseFenceConfig } from 'kube-rx';
 * const config: LeaseFenceConfig = { marginMs: 5_000 };
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface LeaseFenceConfig {
  /**
   * Subtracted from the lease duration: the lease counts as valid until
   * `lastRenewSent + leaseDuration - marginMs`. It covers clock-rate differences between replicas
   * and the latency of the action after the check. Default: the lease duration minus the renew
   * deadline (given by leader election), i.e. the fence closes when a running leader would step
   * down; at least 1 ms is always kept.
   */
  readonly marginMs?: number;
  /** The clock. Default `asyncScheduler` (must be the leader election's). */
  readonly scheduler?: SchedulerLike;
}

/**
 * The pure rule of a {@link LeaseFence}: when a renew sent at `sentAt` leaves the lease valid
 * until. Another candidate observed that renew no earlier than `sentAt` and may take the lease
 * only `leaseDurationMs` after observing it (client-go's `observedTime + leaseDuration`), so by
 * our clock the lease is ours before `sentAt + leaseDurationMs`; `marginMs` is kept back.
 *
 * @example
 * ```ts
 * import { fenceValidUntil } from 'kube-rx';
 * fenceValidUntil(1_000, 15_000, 5_000); // 11_000
 * ```
 * @category controller
 * @since 0.3.0
 */
export const fenceValidUntil = (sentAt: number, leaseDurationMs: number, marginMs: number): number =>
  sentAt + Math.max(1, leaseDurationMs - marginMs);

/**
 * Makes a {@link LeaseFence}: pass it to {@link leaderElection} (`fence`), which keeps it
 * current, and to what must stop when the lease may be gone.
 *
 * Algorithm: keeps `validUntil = fenceValidUntil(lastSuccessfulSend, leaseDuration, margin)`,
 * only ever moved forward by renews, set to undefined by `revoke`; `isValid(now)` is
 * `validUntil !== undefined && now < validUntil`. No timers: a paused process reads the clock when
 * it resumes, before its timers could have told it it stopped leading.
 *
 * @example
 * ```ts
 * import { leaseFence } from 'kube-rx';
 * const fence = leaseFence({ marginMs: 5_000 });
 * fence.isValid(); // false until leader election reports a renew
 * ```
 * @category controller
 * @since 0.3.0
 */
export const leaseFence = (config: LeaseFenceConfig = {}): LeaseFence => {
  const scheduler = config.scheduler ?? asyncScheduler;
  let validUntil: number | undefined;
  const fence: LeaseFence = {
    isValid: (now = scheduler.now()) => validUntil !== undefined && now < validUntil,
    check: (action, now = scheduler.now()) =>
      fence.isValid(now)
        ? undefined
        : {
            _tag: 'LeaseFenced',
            action,
            now,
            validUntil,
            message:
              validUntil === undefined
                ? `${action}: refused, this replica does not hold the lease`
                : `${action}: refused, the lease may have passed to another replica (valid until ${validUntil}, now ${now})`,
          },
    validUntil: () => validUntil,
    renewed: (sentAt, { leaseDurationMs, renewDeadlineMs }) => {
      const until = fenceValidUntil(sentAt, leaseDurationMs, config.marginMs ?? leaseDurationMs - renewDeadlineMs);
      if (validUntil === undefined || until > validUntil) validUntil = until;
    },
    revoke: () => {
      validUntil = undefined;
    },
  };
  return fence;
};
