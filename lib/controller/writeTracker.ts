import {
  asyncScheduler,
  concat,
  defer,
  EMPTY,
  filter,
  ignoreElements,
  type MonoTypeOperatorFunction,
  type Observable,
  type ObservableInput,
  race,
  type SchedulerLike,
  Subject,
  take,
  tap,
  timer,
} from 'rxjs';

import { KubeApiException } from '../client/ClientError.js';
import type { ObjectClient } from '../client/objectClient.js';
import type { InformerStatus } from '../informer/InformerStatus.js';
import type { LeaseFence } from '../leaderelection/leaseFence.js';
import type { ResourceEvent } from '../informer/ResourceEvent.js';
import type { Logger } from '../logging/Logger.js';
import { type KubeObject, KubeObjectCodec } from '../meta/KubeObject.js';
import { type ApiResource, resourceName } from '../listwatch/ApiResource.js';
import type { TypedResource } from '../listwatch/TypedResource.js';
import type { ReconcileResult } from '../workqueue/ReconcileResult.js';
import type { Reconciler } from '../workqueue/reconcileWith.js';
import { type ClientFactory, type ContextClient, controllerClient } from './controllerClient.js';
import {
  createWriteTrackerState,
  expireWait,
  isReady,
  observeDelivery,
  observeRelistDone,
  observeRelistStarted,
  recordWrite,
  type WriteTrackerState,
} from './WriteTrackerState.js';

/**
 * Options of {@link writeTracker} (and of a controller's `readYourWrites`).
 *
 * @example
 * ```ts
 * import type { WriteTrackerConfig } from 'kube-rx';
 * const config: WriteTrackerConfig = { timeoutMs: 5_000, suppressEchoes: true };
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface WriteTrackerConfig {
  /** How long a reconcile waits for its key's own writes to be delivered (default 10 000 ms); then it runs anyway, reported. */
  readonly timeoutMs?: number;
  /**
   * Drop informer events that are only the echo of an own write (default `false`, as
   * controller-runtime: every change triggers). Turn it on only for a reconciler whose outcome
   * already accounts for each of its writes: one that derives state from the objects it writes
   * (a parent's status listing the children it just created) or that writes and returns expecting
   * the change to trigger its next step (add a finalizer, then work) needs the echo.
   */
  readonly suppressEchoes?: boolean;
  /** The timeout's timer (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
  /** The controller's name, in logs (default `'controller'`). */
  readonly name?: string;
  /** Where timeouts and untracked writes are logged (`warn`). Default: nothing logged. */
  readonly logger?: Logger;
}

/**
 * What a write tracker reports:
 * - `WaitTimedOut`: the reconcile of `key` waited `waitedMs` for `writes` own writes to be
 *   delivered and now runs anyway (its cache may be stale);
 * - `WriteNotTracked`: a recorded write's answer had no uid or resourceVersion (a delete's
 *   Status, say), so nothing waits for it.
 *
 * @example
 * ```ts
 * import type { WriteTrackerEvent } from 'kube-rx';
 * const line = (e: WriteTrackerEvent): string => (e._tag === 'WaitTimedOut' ? `${e.key}: stale cache after ${e.waitedMs} ms` : e.reason);
 * ```
 * @category controller
 * @since 0.3.0
 */
export type WriteTrackerEvent =
  | { readonly _tag: 'WaitTimedOut'; readonly key: string; readonly waitedMs: number; readonly writes: number }
  | { readonly _tag: 'WriteNotTracked'; readonly key: string; readonly reason: string };

/**
 * How a reconcile reports its writes: pipe each write's Observable through `record()` (or give
 * the answer to `recordObject`), so that the key's next reconcile waits until the informers have
 * delivered what the write returned, and the echo of the write does not trigger it again.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import type { KubeObject, ReconcileWrites } from 'kube-rx';
 * declare const writes: ReconcileWrites;
 * declare const created: KubeObject;
 * of(created).pipe(writes.record()).subscribe(); // e.g. client.create(secret).pipe(writes.record())
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface ReconcileWrites {
  /** An operator passing the write's answers through unchanged, recording each object (uid + resourceVersion). */
  record<T extends KubeObject>(): MonoTypeOperatorFunction<T>;
  /** Records one object the server returned for a write. */
  recordObject(object: KubeObject): void;
}

/**
 * What a reconcile gets besides its key and signal: `writes`, to report its writes, and
 * `client(resource)`, the controller's {@link ObjectClient} of a resource: its writes carry the
 * controller's field manager (its `fieldManager`, else its `name`; a call's `fieldManager` option
 * still wins) and are recorded in `writes` by themselves (see {@link reconcileContext}).
 *
 * Maps to controller-runtime's `context.Context` values plus the manager's client wrapped by
 * `client.WithFieldOwner` (read-your-writes is a kube-rx addition), and kube-rs's `Api` with
 * `PatchParams::apply(name)`.
 *
 * @example
 * ```ts
 * import { map } from 'rxjs';
 * import { configMaps, done, type ReconcileContext } from 'kube-rx';
 * const reconcile = (key: string, signal: AbortSignal, { client }: ReconcileContext) =>
 *   client(configMaps)
 *     .apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' }, data: { k: 'v' } })
 *     .pipe(map(() => done)); // fieldManager: the controller's name; recorded for read-your-writes
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface ReconcileContext {
  readonly writes: ReconcileWrites;
  /**
   * The controller's client of `resource` (typed by a {@link TypedResource}'s codec); throws an
   * `InvalidRequest` exception (field `client`) when the manager has no client to give (a
   * `listerWatcher` manager without the `client` option).
   * @since 0.3.0
   */
  readonly client: ContextClient;
}

/**
 * A reconciler that may report its writes through its third argument. Every {@link Reconciler}
 * is one (it ignores the context).
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { done, type TrackedReconciler } from 'kube-rx';
 * const reconcile: TrackedReconciler = (key, signal, { writes }) => of(done);
 * ```
 * @category controller
 * @since 0.3.0
 */
export type TrackedReconciler = (
  key: string,
  signal: AbortSignal,
  context: ReconcileContext,
) => ObservableInput<ReconcileResult> | ObservableInput<void> | ObservableInput<ReconcileResult | undefined>;

/**
 * A read-your-writes tracker for one work queue. See {@link writeTracker}.
 *
 * @category controller
 * @since 0.3.0
 */
export interface WriteTracker {
  /**
   * Feeds an informer's events into the tracker (pipe every informer whose objects the
   * reconciles write through it, before mapping to keys); drops echoes of own writes unless
   * `suppressEchoes` is false. `Sync` events are never dropped.
   */
  observe<T extends KubeObject>(): MonoTypeOperatorFunction<ResourceEvent<T>>;
  /** Feeds an informer's status (named `feed`): a relist that started after a write releases it once done. */
  observeStatus(feed: string): MonoTypeOperatorFunction<InformerStatus>;
  /** The write handle of the reconcile of `key`. */
  writes(key: string): ReconcileWrites;
  /** Completes (without a value) once `key` waits for no own write, or after `timeoutMs` (reported). */
  ready(key: string): Observable<never>;
  /** Timeouts and untracked writes (hot). */
  readonly events$: Observable<WriteTrackerEvent>;
  /** The tracker's state, for inspection (read it, do not write it). */
  readonly state: WriteTrackerState;
}

/**
 * Options of {@link reconcileContext}.
 *
 * Maps to what controller-runtime's builder gives a reconciler (the manager's client and the
 * controller's name).
 *
 * @example
 * ```ts
 * import { objectClient, type ReconcileContextConfig } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const config: ReconcileContextConfig = { name: 'my-controller', client: (resource) => objectClient(resource, { kubeConfig }) };
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface ReconcileContextConfig {
  /** The controller's name: the field manager of its writes unless `fieldManager` is given. */
  readonly name: string;
  /** The field manager of the context's clients (default `name`); a call's own option still wins. */
  readonly fieldManager?: string;
  /** Where the clients come from; without it `client()` throws (an `InvalidRequest` naming the `client` option). */
  readonly client?: ClientFactory;
  /** Where writes are recorded (default: nowhere, as {@link untracked}). */
  readonly writes?: ReconcileWrites;
  /**
   * Checked before each write of the context's clients (`ControllerClientOptions.fence`):
   * controllerManager gives the fence of the reconcile's work queue (`RunOptions.fence`, a shard's
   * own), so a replica that may have lost its lease sends nothing.
   */
  readonly fence?: Pick<LeaseFence, 'check'>;
}

/** An {@link ApiResource} with a codec: its own, else `KubeObjectCodec` (the unstructured client's). */
const typedResource = (resource: ApiResource): TypedResource =>
  'codec' in resource ? (resource as TypedResource) : { ...resource, codec: KubeObjectCodec };


/**
 * The context of one reconcile: `writes` (recording each object once however often it is given,
 * so piping `writes.record()` after a context client's write records nothing twice) and
 * `client(resource)`, a {@link controllerClient} over `config.client(resource)` whose writes
 * default to the controller's field manager and are recorded in `writes`. controllerManager makes
 * one per reconcile; call it to run a reconciler by hand (tests).
 *
 * Maps to controller-runtime's manager client wrapped by `client.WithFieldOwner(c, name)` and
 * kube-rs's `Api` with `PatchParams::apply(name)`.
 *
 * ```
 * client(r).apply(o)  ──► config.client(r).apply(o, { fieldManager: name }) ──tap(writes.recordObject)──► o'
 * ```
 *
 * @example
 * ```ts
 * import { configMaps, objectClient, reconcileContext } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const context = reconcileContext({ name: 'my-controller', client: (resource) => objectClient(resource, { kubeConfig }) });
 * context.client(configMaps).apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } });
 * ```
 * @category controller
 * @since 0.3.0
 */
export const reconcileContext = (config: ReconcileContextConfig): ReconcileContext => {
  const { name, fieldManager = name, client: factory, fence } = config;
  const given = config.writes;
  const seen = new WeakSet<KubeObject>();
  const recordObject = (object: KubeObject): void => {
    if (seen.has(object)) return;
    seen.add(object);
    given?.recordObject(object);
  };
  const writes: ReconcileWrites = { record: <T extends KubeObject>() => tap<T>(recordObject), recordObject };
  const client = (resource: ApiResource): ObjectClient<KubeObject> => {
    if (factory === undefined) {
      const message = `controller "${name}": context.client(${resourceName(resource)}) has no client to write with: give the \`client\` option (of a listerWatcher controllerManager's config, or of reconcileContext)`;
      throw new KubeApiException<'client'>({ _tag: 'InvalidRequest', verb: 'client', resource: resourceName(resource), field: 'client', message });
    }
    return controllerClient(factory(typedResource(resource)), { fieldManager, record: recordObject, ...(fence === undefined ? {} : { fence }) });
  };
  return { writes, client: client as ContextClient };
};

/**
 * A context whose `writes` records nothing and that has no client (`client()` throws): what a
 * reconcile called by hand gets by default.
 *
 * @example
 * ```ts
 * import { untracked } from 'kube-rx';
 * untracked.writes.recordObject({ metadata: { name: 'a' } }); // does nothing
 * ```
 * @category controller
 * @since 0.3.0
 */
export const untracked: ReconcileContext = reconcileContext({ name: 'controller' });

/**
 * Read-your-writes and echo suppression for a controller: a reconcile records what its writes
 * returned (object uid and resourceVersion); the next reconcile of the same key waits until the
 * informers have delivered those states (or the object's deletion, or the end of a relist that
 * started after the write), at most `timeoutMs`; and an informer event that is exactly the state
 * an own write returned is dropped (it would only re-run the reconcile that caused it).
 * ResourceVersions are compared by identity only, never ordered.
 *
 * Maps to nothing in client-go or controller-runtime: it closes controller-runtime's stale-cache
 * double create (#3473) that c-r users work around with expectations (ReplicaSet's
 * `ControllerExpectations`, which count creates instead of tracking resourceVersions).
 *
 * The reconcile of `P` creates child `c` (uid u, rv 7); `P` changes again before the child's
 * watch event arrives (timeoutMs 50):
 * ```
 * keys:           P--P-----------------
 * child events:   ---------a(u@7)------      a: the echo, dropped
 * reconciles:     S-ok---(wait)S-ok----      the 2nd reconcile of P starts when u@7 is delivered
 * no delivery:    S-ok---(wait 50 ms)S       WaitTimedOut reported, the reconcile runs anyway
 * ```
 *
 * Algorithm: a {@link WriteTrackerState} (pure reducers) plus a Subject of released keys:
 * `observe()` calls {@link observeDelivery} per event and emits the released keys; `ready(key)`
 * completes at once if {@link isReady}, else at the first release of `key` or at the timeout
 * (then {@link expireWait}, a `WaitTimedOut` event and a `warn` log).
 *
 * Wiring by hand (controllerManager does it for every controller unless `readYourWrites: false`):
 * ```ts
 * import { map, merge, of } from 'rxjs';
 * import { done, readYourWrites, reconcileWith, writeTracker, type SharedIndexInformer, type KubeObject } from 'kube-rx';
 * declare const parents: SharedIndexInformer<KubeObject>;
 * declare const children: SharedIndexInformer<KubeObject>;
 * declare const createChild: (key: string) => import('rxjs').Observable<KubeObject>;
 * const tracker = writeTracker({ timeoutMs: 5_000 });
 * merge(parents.events$.pipe(tracker.observe()), children.events$.pipe(tracker.observe()))
 *   .pipe(
 *     map((e) => e.key), // children would map to their owner's key
 *     reconcileWith(readYourWrites(tracker, (key, signal, { writes }) => createChild(key).pipe(writes.record(), map(() => done)))),
 *   )
 *   .subscribe();
 * ```
 *
 * @example
 * ```ts
 * import { writeTracker } from 'kube-rx';
 * const tracker = writeTracker({ timeoutMs: 10_000 });
 * tracker.writes('default/a').recordObject({ metadata: { name: 'a-child', uid: 'u1', resourceVersion: '7' } });
 * tracker.state.waiting.has('default/a'); // true
 * ```
 * @category controller
 * @since 0.3.0
 */
export const writeTracker = (config: WriteTrackerConfig = {}): WriteTracker => {
  const { timeoutMs = 10_000, suppressEchoes = false, scheduler = asyncScheduler, name = 'controller', logger } = config;
  if (!(timeoutMs >= 0)) throw new TypeError(`timeoutMs must be >= 0, got ${timeoutMs}`);
  const state = createWriteTrackerState();
  const released$ = new Subject<string>();
  const events$ = new Subject<WriteTrackerEvent>();

  const report = (event: WriteTrackerEvent): void => {
    logger?.log(
      'warn',
      event._tag === 'WaitTimedOut' ? 'read-your-writes wait timed out' : 'write not tracked',
      event._tag === 'WaitTimedOut'
        ? { controller: name, key: event.key, waitedMs: event.waitedMs, writes: event.writes }
        : { controller: name, key: event.key, reason: event.reason },
    );
    events$.next(event);
  };

  const releaseAll = (keys: ReadonlyArray<string>): void => {
    for (const key of keys) released$.next(key);
  };

  const writes = (key: string): ReconcileWrites => {
    const recordObject = (object: KubeObject): void => {
      const { uid, resourceVersion } = object.metadata;
      if (uid === undefined || uid === '' || resourceVersion === undefined || resourceVersion === '') {
        report({ _tag: 'WriteNotTracked', key, reason: `the answer for "${object.metadata.name}" has no uid or resourceVersion` });
        return;
      }
      recordWrite(state, key, uid, resourceVersion);
    };
    return { record: <T extends KubeObject>() => tap<T>(recordObject), recordObject };
  };

  return {
    observe:
      <T extends KubeObject>(): MonoTypeOperatorFunction<ResourceEvent<T>> =>
      (source) =>
        source.pipe(
          filter((event) => {
            const { uid, resourceVersion } = event.object.metadata;
            if (uid === undefined || resourceVersion === undefined) return true;
            const { echo, released } = observeDelivery(state, uid, resourceVersion, event._tag === 'Deleted');
            releaseAll(released);
            return !(suppressEchoes && echo && event._tag !== 'Sync');
          }),
        ),
    observeStatus: (feed) =>
      tap((status) => {
        if (status._tag === 'Listing') observeRelistStarted(state, feed);
        else if (status._tag === 'Watching') releaseAll(observeRelistDone(state, feed));
      }),
    writes,
    ready: (key) =>
      defer(() => {
        if (isReady(state, key)) return EMPTY;
        const startedAt = scheduler.now();
        return race(
          released$.pipe(filter((k) => k === key), take(1)),
          timer(timeoutMs, scheduler).pipe(
            tap(() => {
              report({ _tag: 'WaitTimedOut', key, waitedMs: scheduler.now() - startedAt, writes: expireWait(state, key) });
            }),
          ),
        ).pipe(ignoreElements());
      }),
    events$: events$.asObservable(),
    state,
  };
};

/**
 * Makes a {@link Reconciler} of a {@link TrackedReconciler}: each run of a key first waits for
 * `tracker.ready(key)` (its last writes delivered, or the timeout), then calls `reconciler` with
 * the key's context ({@link reconcileContext} of `context` with the key's write handle: its
 * `client` records every write by itself). The wait holds the key (it runs in the key's worker slot, so the key is
 * not reconciled twice at once) and is cancelled with the run.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { done, readYourWrites, reconcileWith, writeTracker } from 'kube-rx';
 * const tracker = writeTracker();
 * const loop = reconcileWith(readYourWrites(tracker, (key, signal, { writes }) => of(done)));
 * ```
 * @category controller
 * @since 0.3.0
 */
export const readYourWrites =
  (tracker: WriteTracker, reconciler: TrackedReconciler, context: Omit<ReconcileContextConfig, 'writes'> = { name: 'controller' }): Reconciler =>
  (key, signal) =>
    defer(() => {
      // the three ObservableInputs of a reconciler's result, as one
      const run = (): ObservableInput<ReconcileResult | undefined> =>
        reconciler(key, signal, reconcileContext({ ...context, writes: tracker.writes(key) })) as ObservableInput<ReconcileResult | undefined>;
      // nothing to wait for (most runs): the reconciler at once, without a concat per run
      return isReady(tracker.state, key) ? run() : concat(tracker.ready(key), defer(run));
    });
