import {
  asyncScheduler,
  catchError,
  map,
  type Observable,
  Observable as RxObservable,
  of,
  type SchedulerLike,
  type Subscription,
  switchMap,
  timeout,
} from 'rxjs';

import { errorFields } from '../logging/errorFields.js';
import type { LogFields, Logger, LogLevel } from '../logging/Logger.js';
import { whileTrue } from '../operators/whileTrue.js';
import type { LeaseFence } from './leaseFence.js';
import { type Lease, type LeaseClient, microTime } from './leaseClient.js';

/**
 * Whether this candidate leads: `Leading`, or `Following` with the holder it last observed (when
 * another candidate holds the Lease).
 *
 * Maps to client-go's `LeaderCallbacks` (`OnStartedLeading`, `OnStoppedLeading`, `OnNewLeader`).
 *
 * @example
 * ```ts
 * import type { LeaderState } from 'kube-rx';
 * const s: LeaderState = { _tag: 'Following', leader: 'pod-b' };
 * ```
 * @category controller
 * @since 0.1.0
 */
export type LeaderState = { readonly _tag: 'Leading' } | { readonly _tag: 'Following'; readonly leader?: string };

/**
 * client-go's `JitterFactor`: while not leading, attempts are `retryPeriod * (1 + random * 1.2)`
 * apart, and the renew deadline must exceed `retryPeriod * 1.2`.
 *
 * @category controller
 * @since 0.1.0
 */
export const JITTER_FACTOR = 1.2;

/**
 * Configuration of {@link leaderElection}.
 *
 * Maps to client-go's `leaderelection.LeaderElectionConfig` with a `resourcelock.LeaseLock`.
 *
 * @example
 * ```ts
 * import type { LeaderElectionConfig } from 'kube-rx';
 * declare const client: import('kube-rx').LeaseClient;
 * const config: LeaderElectionConfig = { client, namespace: 'kube-system', name: 'my-controller', identity: 'pod-a' };
 * ```
 * @category controller
 * @since 0.1.0
 */
export interface LeaderElectionConfig {
  readonly client: LeaseClient;
  readonly namespace: string;
  /** The Lease's name. */
  readonly name: string;
  /** This candidate's identity (unique among candidates; a pod name, or hostname plus a UUID). */
  readonly identity: string;
  /** How long a non-leader waits, after observing a change of the Lease, before it may take it. Default 15000. Written to the Lease rounded up to whole seconds. */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps leading without a successful renew. Default 10000. */
  readonly renewDeadlineMs?: number;
  /** Time between attempts (jittered by {@link JITTER_FACTOR} while not leading). Default 2000. */
  readonly retryPeriodMs?: number;
  /** Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** On unsubscribe while leading, release the Lease so that another candidate can take it at once. Default true. */
  readonly releaseOnCancel?: boolean;
  /** The random source of the jitter, in [0, 1). Default `Math.random`; `() => 0` disables jitter. */
  readonly random?: () => number;
  /**
   * Consulted before each attempt: `false` means "do not acquire; if leading, step down (emit
   * `Following`, then release the Lease)". The Lease is still read, so expiry is tracked and a
   * later `true` acts without waiting a whole lease duration. Default: always `true`. (Sharding
   * uses this to hand shards over.)
   */
  readonly shouldLead?: () => boolean;
  /**
   * Where leadership changes are logged (`info` when acquired or given up, `warn` when lost, a
   * failed renew at `warn`, a failed acquire attempt at `debug`), with the Lease
   * (`namespace/name`) and identity. Default: nothing logged.
   */
  readonly logger?: Logger;
  /**
   * A {@link leaseFence} kept current: every successful acquire or renew reports its send time,
   * stopping to lead (or unsubscribing) revokes it. Share it with what must not act once the
   * lease may be gone (`RunOptions.fence`, `ClientConfig.fence`). It must use the same clock
   * (scheduler). Default: none.
   * @since 0.3.0
   */
  readonly fence?: LeaseFence;
}

const leading: LeaderState = { _tag: 'Leading' };
const following = (leader: string | undefined): LeaderState =>
  leader === undefined ? { _tag: 'Following' } : { _tag: 'Following', leader };

const sameState = (a: LeaderState, b: LeaderState): boolean =>
  a._tag === b._tag && (a._tag === 'Leading' || b._tag === 'Leading' || a.leader === b.leader);

const holderOf = (lease: Lease | undefined): string => lease?.spec?.holderIdentity ?? '';

/** Throws a TypeError unless leaseDuration > renewDeadline > retryPeriod * JITTER_FACTOR > 0. */
const validate = (leaseDurationMs: number, renewDeadlineMs: number, retryPeriodMs: number): void => {
  if (!(retryPeriodMs > 0)) throw new TypeError(`leaderElection: retryPeriodMs must be > 0 (got ${retryPeriodMs})`);
  if (!(leaseDurationMs > renewDeadlineMs)) {
    throw new TypeError(
      `leaderElection: leaseDurationMs (${leaseDurationMs}) must be greater than renewDeadlineMs (${renewDeadlineMs})`,
    );
  }
  if (!(renewDeadlineMs > retryPeriodMs * JITTER_FACTOR)) {
    throw new TypeError(
      `leaderElection: renewDeadlineMs (${renewDeadlineMs}) must be greater than retryPeriodMs * ${JITTER_FACTOR} (${retryPeriodMs * JITTER_FACTOR})`,
    );
  }
};

/**
 * Elects one leader among candidates that share a `coordination.k8s.io/v1` Lease, with client-go's
 * lease duration / renew deadline / retry period semantics, and emits this candidate's
 * {@link LeaderState} whenever it changes. Never completes; unsubscribing stops the candidate
 * (and releases the Lease when leading and `releaseOnCancel`).
 *
 * Maps to client-go's `leaderelection.LeaderElector` (`Run`, `acquire`, `renew`,
 * `tryAcquireOrRenew`, `release`) over `resourcelock.LeaseLock`.
 *
 * ```
 * free Lease:            L----------------------     (acquired on the first attempt)
 * held by b:             F(b)--------------------L   (taken once b's Lease expired: ≤ leaseDuration + retryPeriod·2.2 after b's last renew)
 * renews fail from t:    L-------t------F(…)         (Following before t' + renewDeadline, t' the last successful renew)
 * unsubscribe:           L------!                    (Lease released: holderIdentity '', leaseDurationSeconds 1)
 * ```
 *
 * ## Algorithm
 * 1. Every attempt (`tryAcquireOrRenew`) starts at scheduler time `now`:
 *    - fast path: when leading and the observed record is ours and valid, update it (renewTime =
 *      now); on failure fall through to the slow path;
 *    - slow path: GET the Lease; absent → create it with us as holder; else, when its
 *      resourceVersion differs from the observed one, observe it (`observedTime` = the time the
 *      answer arrived, on our clock). If it has a holder other than us and
 *      `observedTime + leaseDurationSeconds > now`, the attempt fails; otherwise update it with us
 *      as holder (acquireTime and leaseTransitions kept when we already held it, else acquireTime
 *      = now and leaseTransitions + 1). The update is conditional on the resourceVersion read,
 *      so two candidates cannot both win.
 * 2. A successful attempt sent at `now` makes us `Leading` until `now + renewDeadline` (the renew
 *    deadline timer); each later success moves it. An attempt that errors, times out (after
 *    renewDeadline) or is refused leaves the deadline where it is.
 * 3. The next attempt is `retryPeriod` after the previous one ended, jittered
 *    (`retryPeriod * (1 + random() * 1.2)`) while not leading.
 * 4. When the renew deadline passes, or an attempt observes another holder, we emit `Following`
 *    at once and abort an attempt in flight; we stay a candidate (step 1 goes on).
 * 5. When `shouldLead()` is false: no create or update; if leading, emit `Following`, then release.
 * 6. Unsubscribe: cancel timers and the attempt in flight; if leading and `releaseOnCancel`,
 *    update the Lease to holderIdentity `''`, leaseDurationSeconds 1, renewTime = acquireTime =
 *    now (fire and forget; a 409 leaves the Lease to expire).
 *
 * ## Guarantees
 * As in client-go, the guarantee rests on clocks, not on the server: candidates measure expiry
 * on their own clocks from when they observed a change, never comparing timestamps across
 * machines, so it holds when clock *rates* agree (skew of absolute time does not matter).
 * A leader stops leading at most `renewDeadline` after sending its last successful renew; any
 * other candidate observed that renew only after it was committed, so it cannot take the Lease
 * before `leaseDuration` (rounded up to whole seconds) after that — later than the leader's stop,
 * since `leaseDuration > renewDeadline`. The margin `leaseDuration - renewDeadline` must cover
 * clock-rate differences and the time the leader needs to stop its work (see {@link whileLeading}).
 * It is not a fencing token: a paused process (GC pause, suspended VM) resumes believing it
 * leads until its timers run; a {@link leaseFence} (`fence`) lets it check its own clock before
 * each reconcile and write instead.
 *
 * ## Recovery
 * Never errors: failed requests are retried every retry period. Throws a `TypeError` at call
 * time unless `leaseDurationMs > renewDeadlineMs > retryPeriodMs * 1.2` and `retryPeriodMs > 0`.
 *
 * @example
 * ```ts
 * import { httpLeaseClient, leaderElection, whileLeading } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * declare const controller: () => import('rxjs').Observable<unknown>;
 * const leader$ = leaderElection({
 *   client: httpLeaseClient(kubeConfig), namespace: 'kube-system', name: 'my-controller', identity: 'pod-a',
 * });
 * whileLeading(leader$, controller).subscribe();
 * ```
 * @category controller
 * @since 0.1.0
 */
export const leaderElection = (config: LeaderElectionConfig): Observable<LeaderState> => {
  const {
    client,
    namespace,
    name,
    identity,
    leaseDurationMs = 15_000,
    renewDeadlineMs = 10_000,
    retryPeriodMs = 2_000,
    scheduler = asyncScheduler,
    releaseOnCancel = true,
    random = Math.random,
    shouldLead = () => true,
    logger,
    fence,
  } = config;
  validate(leaseDurationMs, renewDeadlineMs, retryPeriodMs);
  const leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);

  return new RxObservable<LeaderState>((subscriber) => {
    /** client-go `observedRecord` (with its resourceVersion) and `observedTime`. */
    let observed: { readonly lease: Lease; readonly at: number } | undefined;
    let isLeading = false;
    let emitted: LeaderState | undefined;
    let inFlight = false;
    let attemptSub: Subscription | undefined;
    let nextSub: Subscription | undefined;
    let deadlineSub: Subscription | undefined;
    const log = (level: LogLevel, message: string, fields: LogFields = {}): void => {
      logger?.log(level, message, { lease: `${namespace}/${name}`, identity, ...fields });
    };

    const observe = (lease: Lease, at: number): void => {
      if (observed?.lease.metadata.resourceVersion !== lease.metadata.resourceVersion) observed = { lease, at };
    };
    const heldByOther = (now: number): boolean => {
      const holder = holderOf(observed?.lease);
      if (observed === undefined || holder === '' || holder === identity) return false;
      const seconds = observed.lease.spec?.leaseDurationSeconds ?? leaseDurationSeconds;
      return observed.at + seconds * 1000 > now;
    };
    const emit = (): void => {
      const holder = holderOf(observed?.lease);
      const state = isLeading ? leading : following(holder === '' || holder === identity ? undefined : holder);
      if (emitted !== undefined && sameState(emitted, state)) return;
      emitted = state;
      subscriber.next(state);
    };

    /** The record we write: us as holder, renewTime now (client-go `LeaderElectionRecord`). */
    const claim = (current: Lease | undefined, now: number): Lease => {
      const ours = holderOf(current) === identity;
      const spec = current?.spec;
      return {
        ...(current ?? {}),
        metadata: current?.metadata ?? { name, namespace },
        spec: {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: ours ? (spec?.acquireTime ?? microTime(now)) : microTime(now),
          renewTime: microTime(now),
          leaseTransitions: ours ? (spec?.leaseTransitions ?? 0) : current === undefined ? 0 : (spec?.leaseTransitions ?? 0) + 1,
        },
      };
    };
    const written = (sentAt: number) =>
      map((lease: Lease): boolean => {
        observed = { lease, at: sentAt };
        return true;
      });

    const slowPath = (now: number, want: boolean): Observable<boolean> =>
      client.get(namespace, name).pipe(
        switchMap((current) => {
          if (current === undefined) {
            return want ? client.create(claim(undefined, now)).pipe(written(now)) : of(false);
          }
          observe(current, scheduler.now());
          if (!want || heldByOther(now)) return of(false);
          return client.update(claim(current, now)).pipe(written(now));
        }),
      );

    const tryAcquireOrRenew = (now: number, want: boolean): Observable<boolean> => {
      const fast =
        want && isLeading && observed !== undefined && holderOf(observed.lease) === identity && !heldByOther(now)
          ? observed.lease
          : undefined;
      const attempt =
        fast === undefined
          ? slowPath(now, want)
          : client.update(claim(fast, now)).pipe(
              written(now),
              catchError(() => slowPath(now, want)),
            );
      return attempt.pipe(
        timeout({ first: renewDeadlineMs, scheduler }),
        catchError((e: unknown) => {
          if (isLeading) log('warn', 'lease renew failed', errorFields(e));
          else log('debug', 'lease acquire attempt failed', errorFields(e));
          return of(false);
        }),
      );
    };

    const release = (): void => {
      const lease = observed?.lease;
      if (lease === undefined || holderOf(lease) !== identity) return;
      const now = scheduler.now();
      const released: Lease = {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: microTime(now),
          acquireTime: microTime(now),
        },
      };
      // fire and forget: on a 409 (someone wrote since) the Lease simply expires
      // not cancelled on teardown: it must reach the server
      client.update(released).subscribe({
        next: (l) => {
          if (!subscriber.closed) observed = { lease: l, at: now };
        },
        error: () => undefined,
      });
    };

    const stopLeading = (reason: 'renew deadline passed' | 'held by another candidate' | 'should not lead'): void => {
      log(reason === 'should not lead' ? 'info' : 'warn', 'stopped leading', { reason });
      isLeading = false;
      fence?.revoke();
      deadlineSub?.unsubscribe();
      deadlineSub = undefined;
      emit();
    };

    const scheduleNext = (): void => {
      const delay = isLeading ? retryPeriodMs : retryPeriodMs * (1 + random() * JITTER_FACTOR);
      nextSub = scheduler.schedule(run, delay);
    };

    const armDeadline = (at: number): void => {
      deadlineSub?.unsubscribe();
      deadlineSub = scheduler.schedule(() => {
        deadlineSub = undefined;
        if (!isLeading) return;
        stopLeading('renew deadline passed');
        if (inFlight) {
          attemptSub?.unsubscribe();
          inFlight = false;
          scheduleNext();
        }
      }, Math.max(0, at - scheduler.now()));
    };

    function run(): void {
      const now = scheduler.now();
      const want = shouldLead();
      if (!want && isLeading) {
        stopLeading('should not lead');
        release();
      }
      inFlight = true;
      attemptSub = tryAcquireOrRenew(now, want).subscribe((ok) => {
        inFlight = false;
        if (subscriber.closed) return;
        if (ok && now + renewDeadlineMs > scheduler.now()) {
          if (!isLeading) log('info', 'became leader');
          isLeading = true;
          fence?.renewed(now, { leaseDurationMs, renewDeadlineMs });
          armDeadline(now + renewDeadlineMs);
        } else if (isLeading && heldByOther(scheduler.now())) {
          stopLeading('held by another candidate');
        }
        emit();
        scheduleNext();
      });
    }

    nextSub = scheduler.schedule(run);
    return () => {
      nextSub?.unsubscribe();
      deadlineSub?.unsubscribe();
      attemptSub?.unsubscribe();
      fence?.revoke();
      if (isLeading && releaseOnCancel) release();
    };
  });
};

/**
 * Runs `work` while `leader$` says `Leading`, and unsubscribes it (aborting what it does) the
 * moment leadership is lost; starts it afresh on the next `Leading`. When `leader$` completes or
 * errors, leadership is no longer known: the work is stopped and the result completes (or errors).
 *
 * Maps to client-go's `OnStartedLeading(ctx)` with the context cancelled on `OnStoppedLeading`.
 *
 * ```
 * leader$:   F--L--------F----L---
 * work():       ^--a--b--!    ^--a
 * result:    ------a--b-------------a
 * ```
 *
 * @example
 * ```ts
 * import { interval } from 'rxjs';
 * import { leaderElection, whileLeading } from 'kube-rx';
 * declare const config: import('kube-rx').LeaderElectionConfig;
 * whileLeading(leaderElection(config), () => interval(1000)).subscribe(console.log);
 * ```
 * @category controller
 * @since 0.1.0
 */
export const whileLeading = <T>(leader$: Observable<LeaderState>, work: () => Observable<T>): Observable<T> =>
  whileTrue(leader$.pipe(map((s) => s._tag === 'Leading')), work);
