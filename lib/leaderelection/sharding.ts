import {
  asyncScheduler,
  catchError,
  concat,
  defer,
  distinctUntilChanged,
  EMPTY,
  endWith,
  exhaustMap,
  filter,
  ignoreElements,
  map,
  merge,
  mergeMap,
  Observable,
  of,
  type OperatorFunction,
  scan,
  Subscription,
  type SchedulerLike,
  switchMap,
  timer,
} from 'rxjs';

import { whileTrue } from '../operators/whileTrue.js';
import { JITTER_FACTOR, leaderElection, type LeaderElectionConfig } from './leaderElection.js';
import type { LeaseFence } from './leaseFence.js';
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
  /**
   * One {@link leaseFence} per shard (index = shard), each kept current by that shard's election:
   * give them to the controller (`shards.fences`) so that each shard's reconciles check their own
   * lease. Default: none.
   * @since 0.3.0
   */
  readonly fences?: ReadonlyArray<LeaseFence>;
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
 * replica a:  ----{0,3,5}------------{0,3,5,1,6}     (b died: its shards move to a and c)
 * replica b:  ----{1,4,6}----X
 * replica c:  ----{2,7}--------------{2,7,4}
 * ```
 *
 * ## Algorithm
 * 1. Every retry period, write our heartbeat on the membership Lease and compute the live
 *    members (heartbeat changed less than leaseDuration ago, on our clock) and the assignment.
 * 2. For every shard run {@link leaderElection} with `shouldLead = assigned to us`: an assigned
 *    shard is acquired once free or expired; a shard assigned elsewhere is not acquired and, if
 *    held, handed over (`Following` first, then the Lease is released for the new owner).
 * 3. Emit the set of shards whose election is `Leading`, from the moment it is known
 *    ({@link reduceOwnedShards}): after the first membership round, once every shard assigned to
 *    us is held or one jittered retry period has passed. Before that nothing is emitted, so
 *    consumers ({@link ownedKeys}) wait rather than act on an empty guess.
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
    fences,
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
      ...(fences?.[shard] === undefined ? {} : { fence: fences[shard] }),
    });
  // validate the timing now, not at subscription
  electionFor(0, () => false);

  return defer(() => {
    let assignment: ReadonlyMap<number, string> = new Map();
    const mine = (): ReadonlySet<number> =>
      new Set([...assignment].filter(([, member]) => member === identity).map(([shard]) => shard));
    // every membership round says which shards are ours; the first also starts the settle timer
    const membership$ = members(client, namespace, `${name}-members`, identity, leaseDurationMs, retryPeriodMs, scheduler).pipe(
      mergeMap((live, round): Observable<OwnedShardsInput> => {
        assignment = assignShards(live, shardCount);
        const assigned: OwnedShardsInput = { _tag: 'Assigned', mine: mine() };
        return round === 0
          ? concat(of(assigned), timer(retryPeriodMs * (1 + JITTER_FACTOR), scheduler).pipe(map((): OwnedShardsInput => SETTLED)))
          : of(assigned);
      }),
    );
    const elections$ = merge(
      ...Array.from({ length: shardCount }, (_, shard) =>
        electionFor(shard, () => assignment.get(shard) === identity).pipe(
          map((s): OwnedShardsInput => ({ _tag: 'Election', shard, held: s._tag === 'Leading' })),
        ),
      ),
    );
    return merge(membership$, elections$).pipe(
      scan(reduceOwnedShards, initialOwnedShards),
      filter((s) => s.known),
      map((s) => s.held),
      distinctUntilChanged(),
    );
  });
};

/**
 * What {@link reduceOwnedShards} reads: a membership round (`Assigned`, with the shards assigned
 * to this replica), an election's verdict for one shard, or `Settled` (one jittered retry period
 * after the first round: every election has since made an attempt knowing the assignment).
 *
 * @category controller
 * @since 0.3.0
 */
export type OwnedShardsInput =
  | { readonly _tag: 'Assigned'; readonly mine: ReadonlySet<number> }
  | { readonly _tag: 'Election'; readonly shard: number; readonly held: boolean }
  | { readonly _tag: 'Settled' };

/**
 * The state behind {@link sharding}: the shards held, and whether the set is known yet.
 *
 * @category controller
 * @since 0.3.0
 */
export interface OwnedShardsState {
  readonly held: ReadonlySet<number>;
  /** Whether the first membership round is done. */
  readonly assigned: boolean;
  /** The assignment of the latest round (ours only). */
  readonly mine: ReadonlySet<number>;
  /** Whether `held` is the answer, not a guess: once assigned, every assigned shard held or settled. Stays true. */
  readonly known: boolean;
}

const SETTLED: OwnedShardsInput = { _tag: 'Settled' };

/**
 * The initial {@link OwnedShardsState}: nothing held, nothing known.
 *
 * @category controller
 * @since 0.3.0
 */
export const initialOwnedShards: OwnedShardsState = { held: NO_SHARDS, assigned: false, mine: NO_SHARDS, known: false };

/**
 * The pure reducer of {@link sharding}'s output: tracks the shards whose election is `Leading`,
 * and decides when that set becomes known: after the first membership round, once every shard
 * assigned to this replica is held, or one jittered retry period later (`Settled`), whichever
 * comes first. Until then {@link sharding} emits nothing, so {@link ownedKeys} holds its keys
 * rather than dropping keys of shards about to be won.
 *
 * @example
 * ```ts
 * import { initialOwnedShards, reduceOwnedShards } from 'kube-rx/reducers';
 * const s1 = reduceOwnedShards(initialOwnedShards, { _tag: 'Assigned', mine: new Set([1]) });
 * const s2 = reduceOwnedShards(s1, { _tag: 'Election', shard: 1, held: true });
 * s2.known; // true: every assigned shard is held
 * ```
 * @category controller
 * @since 0.3.0
 */
export const reduceOwnedShards = (state: OwnedShardsState, input: OwnedShardsInput): OwnedShardsState => {
  let { held, assigned, mine } = state;
  let settled = false;
  switch (input._tag) {
    case 'Assigned':
      assigned = true;
      mine = input.mine;
      break;
    case 'Settled':
      settled = true;
      break;
    case 'Election':
      if (held.has(input.shard) !== input.held) {
        const next = new Set(held);
        if (input.held) next.add(input.shard);
        else next.delete(input.shard);
        held = next;
      }
      break;
  }
  const known = state.known || (assigned && (settled || [...mine].every((shard) => held.has(shard))));
  return { held, assigned, mine, known };
};

/**
 * Keeps the keys whose shard ({@link shardOf}) this replica holds, according to the latest set of
 * `owned$`. Keys that arrive before `owned$` first emits are held (each once, in order of first
 * arrival) and delivered, if owned, when it does: {@link sharding} emits its first set only once
 * the shards are known, so the keys of an informer's initial list are not lost while the shards
 * are still being won. Later keys of shards held elsewhere are dropped: pair it with a resync when
 * a shard is gained (as {@link controllerManager}'s `shards` does).
 *
 * ```
 * owned$:   ----{0}------{0,1}----
 * keys:     --k0k1--k1--k0------k1--     (shardOf(kN) = N)
 * result:   ----k0------k0------k1--
 * ```
 *
 * Completes when `keys$` completes (after the held keys are delivered, once `owned$` has emitted,
 * or at once when `owned$` completed without emitting); errors of either input end it.
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
    new Observable<string>((subscriber) => {
      let owned: ReadonlySet<number> = NO_SHARDS;
      /** Keys seen before the first owned set; `undefined` once it came (or can no longer come). */
      let held: Set<string> | undefined = new Set();
      let keysDone = false;
      const release = (): void => {
        const keys = held;
        held = undefined;
        for (const key of keys ?? []) if (owned.has(shardOf(key, shardCount))) subscriber.next(key);
        if (keysDone) subscriber.complete();
      };
      const subscription = new Subscription();
      subscription.add(owned$.subscribe({
        next: (set) => {
          owned = set;
          if (held !== undefined) release();
        },
        error: (e: unknown) => { subscriber.error(e); },
        complete: () => {
          if (held !== undefined) release();
        },
      }));
      subscription.add(
        keys$.subscribe({
          next: (key) => {
            if (held !== undefined) held.add(key);
            else if (owned.has(shardOf(key, shardCount))) subscriber.next(key);
          },
          error: (e: unknown) => { subscriber.error(e); },
          complete: () => {
            keysDone = true;
            if (held === undefined) subscriber.complete();
          },
        }),
      );
      return subscription;
    });

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
