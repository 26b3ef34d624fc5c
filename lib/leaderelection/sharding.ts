import {
  asyncScheduler,
  catchError,
  defer,
  distinctUntilChanged,
  EMPTY,
  endWith,
  exhaustMap,
  filter,
  ignoreElements,
  map,
  merge,
  type Observable,
  type OperatorFunction,
  scan,
  type SchedulerLike,
  startWith,
  switchMap,
  tap,
  timer,
  withLatestFrom,
} from 'rxjs';

import { whileTrue } from '../operators/whileTrue.js';
import { leaderElection, type LeaderElectionConfig } from './leaderElection.js';
import { type Lease, type LeaseClient, microTime } from './leaseClient.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a, 32 bits, over the UTF-8 bytes of `s`. */
const fnv1a32 = (s: string): number => {
  let h = FNV_OFFSET;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  }
  return h >>> 0;
};

/**
 * The shard of a key: FNV-1a (32 bit, over the key's UTF-8 bytes) modulo `shardCount`. Stable
 * across processes and versions, so every replica maps a key to the same shard.
 *
 * Maps to nothing in client-go; timebertt/kubernetes-controller-sharding hashes keys the same way.
 *
 * ```
 * shardOf('default/a', 8) → 0..7, the same everywhere, forever
 * ```
 *
 * @example
 * ```ts
 * import { shardOf } from 'kube-rx';
 * shardOf('default/my-config', 8); // a number in 0..7
 * ```
 * @category controller
 * @since 0.1.0
 */
export const shardOf = (key: string, shardCount: number): number => fnv1a32(key) % shardCount;

/**
 * Assigns shards to members, evenly and stably: rendezvous hashing with bounded load. For each
 * shard in turn, members are ranked by `fnv1a32(shard + '/' + member)` and the best-ranked one
 * with fewer than `ceil(shardCount / members)` shards gets it. The result depends only on the set
 * of members, so replicas that see the same members agree, and a member that leaves mostly
 * moves only its own shards.
 *
 * ```
 * assignShards(['a', 'b', 'c'], 8) → each member gets 2 or 3 shards
 * ```
 *
 * @example
 * ```ts
 * import { assignShards } from 'kube-rx';
 * assignShards(['a', 'b'], 4).size; // 4 (every shard has an owner)
 * ```
 * @category controller
 * @since 0.1.0
 */
export const assignShards = (members: Iterable<string>, shardCount: number): ReadonlyMap<number, string> => {
  const sorted = [...new Set(members)].sort();
  const out = new Map<number, string>();
  if (sorted.length === 0) return out;
  const cap = Math.ceil(shardCount / sorted.length);
  const load = new Map<string, number>();
  for (let shard = 0; shard < shardCount; shard++) {
    const ranked = sorted
      .map((m) => ({ m, score: fnv1a32(`${shard}/${m}`) }))
      .sort((x, y) => y.score - x.score || (x.m < y.m ? -1 : 1));
    const owner = ranked.find(({ m }) => (load.get(m) ?? 0) < cap)?.m;
    if (owner !== undefined) {
      out.set(shard, owner);
      load.set(owner, (load.get(owner) ?? 0) + 1);
    }
  }
  return out;
};

/**
 * Configuration of {@link sharding}.
 *
 * @example
 * ```ts
 * import type { ShardingConfig } from 'kube-rx';
 * declare const client: import('kube-rx').LeaseClient;
 * const config: ShardingConfig = { client, namespace: 'kube-system', name: 'my-controller', identity: 'pod-a', shardCount: 8 };
 * ```
 * @category controller
 * @since 0.1.0
 */
export interface ShardingConfig
  extends Pick<
    LeaderElectionConfig,
    'client' | 'namespace' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs' | 'scheduler' | 'releaseOnCancel' | 'random' | 'logger'
  > {
  /** Prefix of the Leases: shard `i` is `${name}-shard-${i}`, membership is `${name}-members`. */
  readonly name: string;
  /**
   * This replica's identity: unique, and a valid annotation name (≤ 63 characters of
   * `[A-Za-z0-9_.-]`). The lease timings are {@link leaderElection}'s; `leaseDurationMs` is also
   * how long a member's heartbeat stays valid, `retryPeriodMs` also the heartbeat period.
   */
  readonly identity: string;
  readonly shardCount: number;
}

const MEMBER_PREFIX = 'members.kube-rx.io/';

const NO_SHARDS: ReadonlySet<number> = new Set<number>();

/**
 * The identities of the live replicas, from heartbeats in the annotations of one membership Lease
 * (each replica writes `members.kube-rx.io/<identity>: <now>` every retry period, conditional on
 * the resourceVersion; a 409 is retried at the next period). A member is live while its heartbeat
 * changed less than `leaseDurationMs` ago on our clock; heartbeats unchanged for twice that are
 * removed from the Lease. Always includes ourselves.
 */
const members = (
  client: LeaseClient,
  namespace: string,
  name: string,
  identity: string,
  leaseDurationMs: number,
  retryPeriodMs: number,
  scheduler: SchedulerLike,
): Observable<ReadonlySet<string>> =>
  defer(() => {
    /** identity → last heartbeat value seen and when (our clock). */
    const seen = new Map<string, { readonly value: string; readonly at: number }>();
    const selfKey = `${MEMBER_PREFIX}${identity}`;
    const observe = (lease: Lease, at: number): void => {
      const present = new Set<string>();
      for (const [key, value] of Object.entries(lease.metadata.annotations ?? {})) {
        if (!key.startsWith(MEMBER_PREFIX)) continue;
        const id = key.slice(MEMBER_PREFIX.length);
        present.add(id);
        if (seen.get(id)?.value !== value) seen.set(id, { value, at });
      }
      for (const id of [...seen.keys()]) if (!present.has(id)) seen.delete(id);
    };
    const heartbeat = (now: number): Observable<unknown> =>
      client.get(namespace, name).pipe(
        switchMap((current) => {
          if (current === undefined) {
            return client.create({ metadata: { name, namespace, annotations: { [selfKey]: microTime(now) } }, spec: {} });
          }
          observe(current, scheduler.now());
          const annotations = Object.fromEntries(
            Object.entries(current.metadata.annotations ?? {}).filter(([key]) => {
              if (!key.startsWith(MEMBER_PREFIX)) return true;
              const s = seen.get(key.slice(MEMBER_PREFIX.length));
              return s === undefined || s.at + 2 * leaseDurationMs > now;
            }),
          );
          return client.update({ ...current, metadata: { ...current.metadata, annotations: { ...annotations, [selfKey]: microTime(now) } } });
        }),
        catchError(() => EMPTY),
      );
    const live = (now: number): ReadonlySet<string> =>
      new Set([identity, ...[...seen].filter(([, s]) => s.at + leaseDurationMs > now).map(([id]) => id)]);
    return timer(0, retryPeriodMs, scheduler).pipe(
      exhaustMap(() => {
        const now = scheduler.now();
        return heartbeat(now).pipe(ignoreElements(), endWith(undefined), map(() => live(scheduler.now())));
      }),
      distinctUntilChanged((a, b) => a.size === b.size && [...a].every((m) => b.has(m))),
    );
  });

/**
 * Splits `shardCount` shards among the live replicas and emits the set of shards this replica
 * holds, whenever it changes. Each shard is a Lease (`${name}-shard-${i}`) won by
 * {@link leaderElection}, so a shard has at most one holder at a time; membership (heartbeats on
 * the `${name}-members` Lease) decides which shards a replica *tries* to hold, so that they spread
 * evenly ({@link assignShards}): a replica acquires only shards assigned to it and hands over (stops,
 * then releases) shards assigned to another live replica.
 *
 * Maps to nothing in client-go (one `LeaderElector` per shard Lease); the design follows
 * timebertt/kubernetes-controller-sharding (shard Leases, consistent hashing over live members).
 *
 * ```
 * replica a:  {}--{0,3,5}------------{0,3,5,1,6}     (b died: its shards move to a and c)
 * replica b:  {}--{1,4,6}----X
 * replica c:  {}--{2,7}--------------{2,7,4}
 * ```
 *
 * ## Algorithm
 * 1. Every retry period, write our heartbeat on the membership Lease and compute the live
 *    members (heartbeat changed less than leaseDuration ago, on our clock) and the assignment.
 * 2. For every shard run {@link leaderElection} with `shouldLead = assigned to us`: an assigned
 *    shard is acquired once free or expired; a shard assigned elsewhere is not acquired and, if
 *    held, handed over (`Following` first, then the Lease is released for the new owner).
 * 3. Emit the set of shards whose election is `Leading` (`{}` first).
 *
 * ## Guarantees
 * No shard is held by two replicas at once, with {@link leaderElection}'s clock assumptions
 * (clock rates agree; `leaseDuration - renewDeadline` covers stopping the work): a replica drops a
 * shard from its set no later than `renewDeadline` after its last successful renew, and nobody
 * else acquires it before `leaseDuration` after observing that renew. Views of membership may
 * differ for a moment; then a shard may stay unheld until they agree (a retry period or so), never
 * doubly held. When a replica dies, its heartbeat and its shard Leases expire about together and
 * its shards are acquired by their new owners within `leaseDuration + 2·retryPeriod·(1 + 1.2·random)`
 * of its last renew (observe, then wait out the expiry, each on a jittered attempt).
 *
 * ## Recovery
 * Never errors; request failures are retried every retry period. Throws a `TypeError` for an
 * invalid timing configuration (as {@link leaderElection}) or a `shardCount` that is not a
 * positive integer.
 *
 * @example
 * ```ts
 * import { httpLeaseClient, ownedKeys, sharding } from 'kube-rx';
 * import { share } from 'rxjs';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * declare const keys$: import('rxjs').Observable<string>;
 * const owned$ = sharding({
 *   client: httpLeaseClient(kubeConfig), namespace: 'kube-system', name: 'my-controller', identity: 'pod-a', shardCount: 8,
 * }).pipe(share());
 * keys$.pipe(ownedKeys(owned$, 8)).subscribe((key) => console.log('mine:', key));
 * ```
 * @category controller
 * @since 0.1.0
 */
export const sharding = (config: ShardingConfig): Observable<ReadonlySet<number>> => {
  const {
    client,
    namespace,
    name,
    identity,
    shardCount,
    leaseDurationMs = 15_000,
    renewDeadlineMs = 10_000,
    retryPeriodMs = 2_000,
    scheduler = asyncScheduler,
    releaseOnCancel = true,
    random = Math.random,
    logger,
  } = config;
  if (!Number.isInteger(shardCount) || shardCount < 1) {
    throw new TypeError(`sharding: shardCount must be a positive integer (got ${shardCount})`);
  }
  const electionFor = (shard: number, shouldLead: () => boolean) =>
    leaderElection({
      client,
      namespace,
      name: `${name}-shard-${shard}`,
      identity,
      leaseDurationMs,
      renewDeadlineMs,
      retryPeriodMs,
      scheduler,
      releaseOnCancel,
      random,
      shouldLead,
      ...(logger === undefined ? {} : { logger }),
    });
  // validate the timing now, not at subscription
  electionFor(0, () => false);

  return defer(() => {
    let assignment: ReadonlyMap<number, string> = new Map();
    const membership$ = members(client, namespace, `${name}-members`, identity, leaseDurationMs, retryPeriodMs, scheduler).pipe(
      tap((live) => {
        assignment = assignShards(live, shardCount);
      }),
      ignoreElements(),
    );
    const elections$ = merge(
      ...Array.from({ length: shardCount }, (_, shard) =>
        electionFor(shard, () => assignment.get(shard) === identity).pipe(map((s) => ({ shard, held: s._tag === 'Leading' }))),
      ),
    ).pipe(
      scan((held: ReadonlySet<number>, { shard, held: isHeld }) => {
        if (held.has(shard) === isHeld) return held;
        const next = new Set(held);
        if (isHeld) next.add(shard);
        else next.delete(shard);
        return next;
      }, NO_SHARDS),
    );
    return merge(membership$, elections$).pipe(startWith(NO_SHARDS), distinctUntilChanged());
  });
};

/**
 * Keeps the keys whose shard ({@link shardOf}) this replica holds, according to the latest set of
 * `owned$` (keys arriving before `owned$` emits are dropped). Pair it with a resync when a shard
 * is gained: keys dropped while the shard belonged to another replica are not replayed.
 *
 * ```
 * owned$:   {0}----------{0,1}----
 * keys:     --k0--k1--k0------k1--     (shardOf(kN) = N)
 * result:   --k0------k0------k1--
 * ```
 *
 * @example
 * ```ts
 * import { ownedKeys } from 'kube-rx';
 * import { of } from 'rxjs';
 * of('default/a', 'default/b').pipe(ownedKeys(of(new Set([0, 1, 2, 3])), 4)).subscribe(console.log); // both
 * ```
 * @category controller
 * @since 0.1.0
 */
export const ownedKeys =
  (owned$: Observable<ReadonlySet<number>>, shardCount: number): OperatorFunction<string, string> =>
  (keys$) =>
    keys$.pipe(
      withLatestFrom(owned$),
      filter(([key, owned]) => owned.has(shardOf(key, shardCount))),
      map(([key]) => key),
    );

/**
 * Runs `work` while `owned$` contains `shard`, and unsubscribes it (aborting in-flight reconciles)
 * the moment the shard is lost or handed over; starts it afresh when the shard comes back. Stops
 * when `owned$` completes or errors.
 *
 * ```
 * owned$:   {}--{2}-------{}---{2}--
 * work():       ^--a--b--!     ^--a
 * result:   ------a--b-----------a
 * ```
 *
 * @example
 * ```ts
 * import { whileOwning } from 'kube-rx';
 * declare const owned$: import('rxjs').Observable<ReadonlySet<number>>;
 * declare const reconcileShard: (shard: number) => import('rxjs').Observable<unknown>;
 * whileOwning(owned$, 3, () => reconcileShard(3)).subscribe();
 * ```
 * @category controller
 * @since 0.1.0
 */
export const whileOwning = <T>(owned$: Observable<ReadonlySet<number>>, shard: number, work: () => Observable<T>): Observable<T> =>
  whileTrue(owned$.pipe(map((owned) => owned.has(shard))), work);
