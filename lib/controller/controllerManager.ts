import type * as t from 'io-ts';
import {
  asyncScheduler,
  catchError,
  combineLatest,
  defer,
  distinctUntilChanged,
  EMPTY,
  filter,
  finalize,
  fromEvent,
  ignoreElements,
  map,
  mergeMap,
  merge,
  NEVER,
  type Observable,
  of,
  type OperatorFunction,
  type SchedulerLike,
  share,
  skip,
  switchMap,
  take,
  takeUntil,
  tap,
} from 'rxjs';

import type { InformerProblem, InformerStatus } from '../informer/InformerStatus.js';
import type { ResourceEvent } from '../informer/ResourceEvent.js';
import type { ManagerEndpoints, ManagerHealth } from './managerEndpoints.js';
import {
  type ObserveOptions,
  type SharedIndexInformer,
  sharedIndexInformer,
  type SharedIndexInformerConfig,
} from '../informer/sharedIndexInformer.js';
import { terminalFailure } from '../informer/terminalFailure.js';
import { waitForCacheSync } from '../informer/waitForCacheSync.js';
import { type ObjectClient, objectClient } from '../client/objectClient.js';
import { failed } from '../internal/failed.js';
import type { LeaderState } from '../leaderelection/leaderElection.js';
import type { LeaseFence } from '../leaderelection/leaseFence.js';
import { shardOf } from '../leaderelection/sharding.js';
import type { ApiResource } from '../listwatch/ApiResource.js';
import type { TypedResource } from '../listwatch/TypedResource.js';
import { resolveResource } from '../listwatch/discovery.js';
import { discoveryCache } from '../listwatch/discoveryCache.js';
import { codecOf, httpListerWatcher } from '../listwatch/httpListerWatcher.js';
import type { KubeConfigLike } from '../listwatch/kubeRequest.js';
import type { ListerWatcher } from '../listwatch/ListerWatcher.js';
import { httpError, isListerWatcherError } from '../listwatch/ListerWatcherError.js';
import { errorFields } from '../logging/errorFields.js';
import { consoleLogger } from '../logging/consoleLogger.js';
import { firstOccurrenceLogger } from '../logging/firstOccurrenceLogger.js';
import type { Logger } from '../logging/Logger.js';
import type { KubeObject } from '../meta/KubeObject.js';
import type { MetricsProvider } from '../metrics/MetricsProvider.js';
import { holdUntil } from '../operators/holdUntil.js';
import { whileTrue } from '../operators/whileTrue.js';
import { eventPriority } from '../workqueue/eventPriority.js';
import { keyOf, type PrioritizedKey } from '../workqueue/PrioritizedKey.js';
import type { PriorityQueueOptions } from '../workqueue/PriorityReadyQueue.js';
import type { ServedState } from '../listwatch/ServedState.js';
import { selectorServed, waitsForResourceByDefault } from './selectorServed.js';
import type { ReconcileEvent } from '../workqueue/ReconcileEvent.js';
import type { ReconcileResult } from '../workqueue/ReconcileResult.js';
import { type ReconcileConfig, type Reconciler, reconcileWith } from '../workqueue/reconcileWith.js';
import { type EventPredicate, onlyWhen } from './predicates.js';
import { type KeyMapper, mapKeys } from './relations.js';
import type { ClientFactory } from './controllerClient.js';
import { readYourWrites, reconcileContext, type TrackedReconciler, writeTracker, type WriteTrackerConfig, type WriteTrackerEvent } from './writeTracker.js';

/**
 * What a selector watches: a resource (a name resolved through discovery, as kubectl does, or an
 * {@link ApiResource}), optionally narrowed to a namespace and by label and field selectors, with
 * the io-ts codec of its objects and the informer's options.
 *
 * Maps to the Java ancestor's qualified producer of a `Listable & VersionWatchable`, and to
 * controller-runtime's `builder.For/Owns/Watches` source plus `cache.ByObject` options.
 *
 * @category controller
 * @since 0.1.0
 */
export interface SelectorSpec<T> {
  /** A name resolved through discovery, an {@link ApiResource}, or a {@link TypedResource} (which gives `T` and the codec). */
  readonly resource: string | ApiResource | TypedResource<T & KubeObject>;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly codec?: t.Decoder<unknown, T>;
  readonly informer?: SharedIndexInformerConfig<T>;
  /**
   * Wait for the resource to be served ({@link selectorServed}: its CRD established) before
   * listing, stop the informer cleanly (`Stopped`, `reason: 'NotServed'`) when it stops being
   * served (CRD deleted) instead of backing off on 404s, and pause the controllers reading this
   * selector meanwhile; they resume, with a fresh cache sync, when it is served again.
   * Default: {@link waitsForResourceByDefault} (custom resources yes, built-in ones no). With a
   * `listerWatcher` manager config, `served` of the config says whether it is served.
   * @since 0.3.0
   */
  readonly waitForResource?: boolean;
}

/**
 * A declared selector: the token observers and controllers attach to (or its name).
 *
 * Maps to the Java ancestor's selector qualifier annotation.
 *
 * @category controller
 * @since 0.1.0
 */
export interface Selector<T> {
  readonly _tag: 'Selector';
  readonly name: string;
  readonly spec: SelectorSpec<T>;
}

/**
 * Objects of another selector that trigger a controller's keys (owned objects, or any mapping).
 *
 * Maps to controller-runtime's `Owns` / `Watches(source, handler)` and kube-rs's `owns` / `watches`.
 *
 * @category controller
 * @since 0.1.0
 */
export interface Trigger<U> {
  readonly selector: Selector<U> | string;
  readonly keys: KeyMapper<U>;
}

/**
 * A controller: reconcile the keys of `for`'s objects (filtered by `predicates`), of the objects
 * `triggers` map to them, and of any extra key streams in `keys`.
 *
 * Maps to controller-runtime's `builder.ControllerManagedBy(mgr).For(...).Owns(...).Complete(r)`
 * and kube-rs's `Controller::new(...).owns(...).run(reconcile, error_policy, ctx)`.
 *
 * @category controller
 * @since 0.1.0
 */
export interface ControllerSpec<T> {
  readonly name: string;
  readonly for: Selector<T> | string;
  readonly predicates?: ReadonlyArray<EventPredicate<T>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each trigger has its own object type
  readonly triggers?: ReadonlyArray<Trigger<any>>;
  /** Extra key streams; a {@link PrioritizedKey} sets its priority in the priority queue (a string is {@link DEFAULT_PRIORITY}). */
  readonly keys?: ReadonlyArray<Observable<string | PrioritizedKey>>;
  /**
   * Any {@link Reconciler}; its third argument ({@link ReconcileContext}) gives the controller's
   * clients (`client(resource)`: field manager `fieldManager` or `name`, writes recorded for
   * read-your-writes by themselves) and reports other writes (`writes.record()`).
   */
  readonly reconcile: TrackedReconciler;
  /**
   * The field manager of the writes of `context.client(...)` (default: `name`); a call's own
   * `fieldManager` option still wins.
   * @since 0.3.0
   */
  readonly fieldManager?: string;
  /**
   * Read-your-writes ({@link writeTracker}), on by default: a key's next reconcile waits (at most
   * `timeoutMs`, default 10 s) until the informers of `for` and `triggers` have delivered what its
   * recorded writes returned. `{ suppressEchoes: true }` also drops the echoes of those writes (they
   * trigger nothing; only for reconcilers whose outcome already accounts for their writes, see
   * {@link WriteTrackerConfig}); `false` turns both off.
   */
  readonly readYourWrites?: boolean | Pick<WriteTrackerConfig, 'timeoutMs' | 'suppressEchoes'>;
  readonly config?: Omit<ReconcileConfig, 'shutdown$' | 'scheduler' | 'priorityQueue'>;
  /**
   * The work queue hands out keys by priority (controller-runtime's priority queue, on by default
   * there too): keys from the initial list, a relist that found the object unchanged or a resync
   * go in at {@link LOW_PRIORITY}, live changes at {@link DEFAULT_PRIORITY} ({@link eventPriority});
   * a low key ages after `agingMs` (default {@link DEFAULT_AGING_MS}). `false`: client-go's FIFO.
   * Default `{}`.
   * @since 0.3.0
   */
  readonly priorityQueue?: PriorityQueueOptions | false;
  /**
   * The priority of the keys of an informer event, of `for` and of `triggers` (default
   * {@link eventPriority}: initial list and `Sync` low, live changes default). Tune it, say, to put
   * the initial list at the default priority too (controller-runtime #3496).
   * @since 0.3.0
   */
  readonly eventPriority?: (event: ResourceEvent<unknown>) => number;
  /**
   * Sharding (e.g. {@link sharding}'s `owned$`): this replica reconciles only the keys of the
   * shards it holds, with one work queue per shard that runs while the shard is held. Gaining a
   * shard replays the caches for it; losing one stops its work at once (aborting its running
   * reconciles), so no key is reconciled by two replicas at once.
   */
  readonly shards?: {
    readonly owned$: Observable<ReadonlySet<number>>;
    readonly count: number;
    /**
     * Per shard (index = shard), the {@link leaseFence} its election keeps (`sharding`'s
     * `fences`): each shard's reconciles, and the writes of their context clients, check their
     * own lease, as `RunOptions.fence` does for a leader. Default: `RunOptions.fence`, if any.
     * @since 0.3.0
     */
    readonly fences?: ReadonlyArray<Pick<LeaseFence, 'check'>>;
  };
}

/**
 * What a running manager reports: every reconcile event, informer status change and recovered
 * problem, and an observer that failed (it is reported and stopped; the others go on).
 *
 * @category controller
 * @since 0.1.0
 */
export type ManagerEvent =
  | { readonly _tag: 'Reconcile'; readonly controller: string; readonly event: ReconcileEvent }
  | { readonly _tag: 'Status'; readonly selector: string; readonly status: InformerStatus }
  | { readonly _tag: 'Problem'; readonly selector: string; readonly problem: InformerProblem }
  | { readonly _tag: 'ObserverFailed'; readonly observer: string; readonly error: unknown }
  | { readonly _tag: 'ReadYourWrites'; readonly controller: string; readonly event: WriteTrackerEvent };

/**
 * Where a manager's informers get their objects: the API server of a kubeconfig (the default),
 * or any ListerWatcher per selector (tests, other sources). With `metrics`, every informer
 * (named after its selector) and every controller (named after itself; a sharded one's queues
 * `name-shard-N`) reports its metrics there; with `logger`, they and the manager log there.
 *
 * @category controller
 * @since 0.1.0
 */
export type ManagerConfig = (
  | {
      readonly kubeConfig: KubeConfigLike;
      readonly scheduler?: SchedulerLike;
      readonly metrics?: MetricsProvider;
      /** Default: the first occurrence of each distinct warning and error on stderr ({@link firstOccurrenceLogger}). */
      readonly logger?: Logger;
    }
  | {
      readonly listerWatcher: <T extends KubeObject>(selector: Selector<T>) => ListerWatcher<T>;
      /**
       * Whether a selector's resource is served, for selectors that wait for it
       * (`waitForResource`). Default: always served.
       * @since 0.3.0
       */
      readonly served?: <T extends KubeObject>(selector: Selector<T>) => Observable<ServedState>;
      /**
       * Where the controllers' `context.client(resource)` gets its clients (tests, in-process
       * fakes); the controller's field manager is added to each write. Without it,
       * `context.client` throws. (A `kubeConfig` manager makes `objectClient`s of its kubeconfig.)
       * @since 0.3.0
       */
      readonly client?: ClientFactory;
      readonly scheduler?: SchedulerLike;
      readonly metrics?: MetricsProvider;
      /** Default: nothing logged. */
      readonly logger?: Logger;
    }
) & {
  /**
   * Fail `run()` with the `ListerWatcherError` when an informer gets an answer retrying cannot
   * fix ({@link terminalFailure}: 401, 403, 400, or 404 before the first sync, which includes a
   * resource name that does not resolve), instead of retrying it forever. Default `false`.
   * @since 0.3.0
   */
  readonly failFast?: boolean;
  /** How often discovery is polled for selectors that wait for their resource where the CRD cannot be watched (default 10 000 ms). @since 0.3.0 */
  readonly servedPollIntervalMs?: number;
};

/**
 * How a manager stops: on the first of `shutdown$`, `signal` aborting, or (with `handleSignals`)
 * SIGTERM or SIGINT. Controllers then drain gracefully (`drainTimeoutMs` of their config).
 *
 * @category controller
 * @since 0.1.0
 */
export interface RunOptions {
  readonly shutdown$?: Observable<unknown>;
  readonly signal?: AbortSignal;
  readonly handleSignals?: boolean;
  /**
   * Leader election (e.g. {@link leaderElection}): controllers run only while this replica leads
   * and stop (aborting running reconciles) the moment it stops leading; informers and observers
   * run all the time, so a new leader starts with warm caches.
   */
  readonly leader$?: Observable<LeaderState>;
  /**
   * The {@link leaseFence} fed by `leader$`'s election: right before each reconcile starts, the
   * controller checks it on its own clock and, when the lease may have passed to another replica
   * (a paused process resuming before its timers said it stopped leading), does not run the
   * reconciler: the reconcile fails with a {@link LeaseFenced} error (the key is retried, by
   * whichever replica leads). The clients of the reconcile's context (`context.client(resource)`)
   * check it again right before each write they send; give it to object clients of your own
   * (`ClientConfig.fence`) for the same. Default: none.
   * @since 0.3.0
   */
  readonly fence?: Pick<LeaseFence, 'check'>;
  /**
   * HTTP endpoints ({@link managerEndpoints}: `/healthz`, `/readyz`, `/metrics`), listening from the
   * start of the run until it has ended (a manager with nothing to run completes at once and does
   * not listen). Default: none.
   */
  readonly endpoints?: ManagerEndpoints;
}

/**
 * Declarative wiring of informers, observers and controllers. See {@link controllerManager}.
 *
 * @category controller
 * @since 0.1.0
 */
export interface ControllerManager {
  /**
   * Declares a selector (once per name; declaring a name again returns the first token). The
   * object type comes from a {@link TypedResource} or from `codec`; with neither it is
   * `KubeObject` (a type argument alone would be an unchecked cast, so it is refused).
   */
  select<T extends KubeObject>(
    name: string,
    spec: Omit<SelectorSpec<T>, 'resource' | 'codec'> & { readonly resource: TypedResource<T>; readonly codec?: t.Decoder<unknown, T> },
  ): Selector<T>;
  // eslint-disable-next-line @typescript-eslint/unified-signatures -- one signature per source of `T`: a union of the two specs defeats its inference
  select<T extends KubeObject>(name: string, spec: Omit<SelectorSpec<T>, 'codec'> & { readonly codec: t.Decoder<unknown, T> }): Selector<T>;
  select(name: string, spec: SelectorSpec<KubeObject>): Selector<KubeObject>;
  /** The one shared informer of a selector. */
  informer<T extends KubeObject>(selector: Selector<T> | string): SharedIndexInformer<T>;
  /** Attaches an observer: a pipeline over the selector's events, run while the manager runs. */
  observe<T extends KubeObject>(
    selector: Selector<T> | string,
    observer: (events$: Observable<ResourceEvent<T>>) => Observable<unknown>,
    options?: ObserveOptions & { readonly name?: string },
  ): void;
  /** Attaches a controller. */
  controller<T extends KubeObject>(spec: ControllerSpec<T>): void;
  /** Runs everything on subscribe; completes once stopped and drained; unsubscribing stops at once. */
  run(options?: RunOptions): Observable<ManagerEvent>;
}

interface Registered {
  readonly selector: Selector<KubeObject>;
  informer?: SharedIndexInformer<KubeObject>;
}

/** A ListerWatcher whose real one is made on first use (resolving the resource through discovery). */
/** The keys of each event (from `keys`), at the event's priority. */
const atEventPriority =
  <T>(keys: OperatorFunction<ResourceEvent<T>, string>, priorityOf: (e: ResourceEvent<T>) => number): OperatorFunction<ResourceEvent<T>, PrioritizedKey> =>
  (events$) =>
    events$.pipe(
      mergeMap((e) => {
        const priority = priorityOf(e);
        return of(e).pipe(
          keys,
          map((key) => ({ key, priority })),
        );
      }),
    );

const lazyListerWatcher = <T>(make$: Observable<ListerWatcher<T>>): ListerWatcher<T> => {
  let made: ListerWatcher<T> | undefined;
  const get$ = defer(() =>
    made === undefined
      ? make$.pipe(
          tap((lw) => {
            made = lw;
          }),
        )
      : of(made),
  );
  return {
    list: (options, reuse) => get$.pipe(switchMap((lw) => lw.list(options, reuse))),
    watch: (options) => get$.pipe(switchMap((lw) => lw.watch(options))),
  };
};

/** The reconciler, refused (with a `LeaseFenced` error) whenever `fence` says the lease may be gone. */
const fenced = (fence: Pick<LeaseFence, 'check'> | undefined, reconcile: Reconciler): Reconciler =>
  fence === undefined
    ? reconcile
    : (key, signal) => {
        const refused = fence.check(`reconcile ${key}`);
        return refused === undefined ? reconcile(key, signal) : failed<ReconcileResult>(refused);
      };

/**
 * The declarative way to write controllers, the reactive counterpart of the Java ancestor's CDI
 * extension: declare selectors once; attach any number of observers (pipelines over a selector's
 * events) and controllers (reconcile functions with their triggers) to a selector, by token or by
 * name; `run()` starts everything and its subscription is the lifetime of the application. There
 * is one list/watch per selector however many observers and controllers use it.
 *
 * Maps to controller-runtime's `manager.Manager` with `builder`, kube-rs's `Controller` runtime,
 * and microbean-kubernetes-controller-cdi's `KubernetesControllerExtension`.
 *
 * ```
 * select('cms', …) ─► informer ─┬─► observe('cms', pipeline)
 *                               └─► controller({ for: 'cms', triggers: [{ selector: 'secrets', … }] })
 * select('secrets', …) ─► informer ─┘        keys ─► holdUntil(caches synced) ─► reconcileWith
 * ```
 *
 * Algorithm of `run()`:
 * 1. Each observer subscribes to its selector's events (starting the informer); an error in an
 *    observer is reported as `ObserverFailed` and ends that observer only.
 * 2. Each controller merges its keys (own events through its predicates, mapped trigger events,
 *    extra key streams), holds them until every informer it reads has synced, and reconciles them
 *    through {@link reconcileWith}, by default in a priority queue: keys of the initial list and
 *    of resyncs at {@link LOW_PRIORITY}, live changes first ({@link eventPriority}).
 * 3. Informer status changes and problems of every selector in use are reported.
 * 3a. A selector that waits for its resource (`waitForResource`, by default custom resources)
 *    drives its informer with {@link selectorServed}; a controller reading it runs only while
 *    every such informer is served (paused, then resumed with a fresh cache sync, around a CRD
 *    deletion), and the manager keeps those informers running meanwhile.
 * 4. Every informer in use runs for the whole run. With `leader$`, controllers run only while
 *    leading (informers and observers keep running);
 *    a sharded controller (`shards`) runs one work queue per shard this replica holds.
 * 5. On stop (see {@link RunOptions}) observers and reports end at once, controllers stop taking
 *    keys and drain; when they are done the stream completes and every watch has been closed.
 *
 * Observability: `metrics` and `logger` of {@link ManagerConfig} reach every informer (named after
 * its selector; its own `informer` config may override) and controller (named after itself); the
 * manager logs its start, stop and failed observers.
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { controllerManager, ownerKeys, done } from 'kube-rx';
 *
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const mgr = controllerManager({ kubeConfig });
 * const cms = mgr.select('cms', { resource: 'configmaps', namespace: 'default', labelSelector: 'app=demo' });
 * mgr.select('secrets', { resource: 'secrets', namespace: 'default' });
 * mgr.observe(cms, (events$) => events$); // e.g. log them
 * mgr.controller({
 *   name: 'cm-to-secret',
 *   for: cms,
 *   triggers: [{ selector: 'secrets', keys: ownerKeys({ kind: 'ConfigMap', group: '' }) }],
 *   reconcile: async (key) => { console.log('reconcile', key); return done; },
 * });
 * mgr.run({ handleSignals: true }).subscribe((e) => { if (e._tag === 'Reconcile') console.log(e.event._tag); });
 * ```
 * @category controller
 * @since 0.1.0
 */
export const controllerManager = (config: ManagerConfig): ControllerManager => {
  const scheduler = config.scheduler ?? asyncScheduler;
  const { metrics, failFast = false } = config;
  // talking to an API server, failures are never silent: each distinct one is reported once
  const logger = config.logger ?? ('kubeConfig' in config ? firstOccurrenceLogger(consoleLogger({ level: 'warn' })) : undefined);
  const observability = { ...(metrics === undefined ? {} : { metrics }), ...(logger === undefined ? {} : { logger }) };
  // one round of discovery for every selector named by a string (kubectl's discovery cache)
  const discovery = discoveryCache();
  const selectors = new Map<string, Registered>();
  const observers: Array<(stop$: Observable<unknown>) => Observable<ManagerEvent>> = [];
  const controllers: Array<(stop$: Observable<unknown>, fence: Pick<LeaseFence, 'check'> | undefined) => Observable<ManagerEvent>> = [];
  const used = new Set<string>();

  const listerWatcherOf = <T extends KubeObject>(selector: Selector<T>): ListerWatcher<T> => {
    if ('listerWatcher' in config) return config.listerWatcher(selector);
    const { kubeConfig } = config;
    const { spec } = selector;
    const options = {
      ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }),
      ...(spec.labelSelector === undefined ? {} : { labelSelector: spec.labelSelector }),
      ...(spec.fieldSelector === undefined ? {} : { fieldSelector: spec.fieldSelector }),
      codec: codecOf<T>(spec),
    };
    const name = spec.resource;
    const resource$: Observable<ApiResource> =
      typeof name === 'string'
        ? resolveResource(kubeConfig, name, { cache: discovery }).pipe(
            // a name that does not resolve is a NotFound of the list, retried with backoff
            catchError((e: unknown) =>
              failed<ApiResource>(
                isListerWatcherError(e)
                  ? e
                  : httpError('list', name, 404, {
                      reason: 'NotFound',
                      message:
                        typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string'
                          ? e.message
                          : `resource "${name}" not found`,
                    }),
              ),
            ),
          )
        : of<ApiResource>(name);
    return lazyListerWatcher(resource$.pipe(map((resource) => httpListerWatcher<T>({ kubeConfig, resource, ...options }))));
  };

  /** Whether a selector waits for its resource. */
  const waits = (selector: Selector<KubeObject>): boolean => selector.spec.waitForResource ?? waitsForResourceByDefault(selector.spec.resource);

  /** The served$ of a selector that waits for its resource, else undefined. */
  const servedOf = (selector: Selector<KubeObject>): Observable<ServedState> | undefined => {
    if (!waits(selector)) return undefined;
    if ('listerWatcher' in config) return config.served?.(selector);
    return selectorServed(config.kubeConfig, selector.spec.resource, {
      cache: discovery,
      scheduler,
      ...(config.servedPollIntervalMs === undefined ? {} : { pollIntervalMs: config.servedPollIntervalMs }),
    });
  };

  /** One client per resource for a controller (made on first use), its field manager the controller's. */
  const clientsOf = (spec: Pick<ControllerSpec<unknown>, 'name' | 'fieldManager'>): { readonly client?: ClientFactory } => {
    const make: ClientFactory | undefined =
      'listerWatcher' in config ? config.client : (resource) => objectClient(resource, { kubeConfig: config.kubeConfig, fieldManager: spec.fieldManager ?? spec.name });
    if (make === undefined) return {};
    const made = new Map<t.Decoder<unknown, KubeObject>, Map<string, ObjectClient<KubeObject>>>(); // by codec, then resource
    const client = <T extends KubeObject>(resource: TypedResource<T>): ObjectClient<T> => {
      const byResource = made.get(resource.codec) ?? new Map<string, ObjectClient<KubeObject>>();
      made.set(resource.codec, byResource);
      const key = `${resource.group}/${resource.version}/${resource.plural}`;
      const found = byResource.get(key) ?? (make(resource));
      byResource.set(key, found);
      return found as unknown as ObjectClient<T>;
    };
    return { client };
  };

  const registered = (selector: Selector<KubeObject> | string): Registered => {
    const name = typeof selector === 'string' ? selector : selector.name;
    const r = selectors.get(name);
    if (r === undefined) throw new TypeError(`kube-rx: no selector named "${name}" has been declared`);
    return r;
  };

  const informer = <T extends KubeObject>(selector: Selector<T> | string): SharedIndexInformer<T> => {
    const r = registered(selector as Selector<KubeObject> | string);
    if (r.informer === undefined) {
      const spec = r.selector.spec;
      const served$ = servedOf(r.selector);
      r.informer = sharedIndexInformer(listerWatcherOf(r.selector), {
        scheduler,
        name: r.selector.name,
        ...observability,
        ...(served$ === undefined ? {} : { served$ }),
        ...spec.informer,
      });
    }
    used.add(r.selector.name);
    return r.informer as unknown as SharedIndexInformer<T>;
  };

  const reports = (stop$: Observable<unknown>): Observable<ManagerEvent> =>
    merge(
      ...[...used].map((name) => {
        const inf = informer(name);
        return merge(
          inf.status$.pipe(map((status): ManagerEvent => ({ _tag: 'Status', selector: name, status }))),
          inf.problems$.pipe(
            mergeMap((problem) => {
              // a selector waiting for its resource may get 404s until it sees that it is not served
              const terminal =
                failFast && problem._tag === 'ReflectorError' ? terminalFailure(problem.error, inf.hasSynced() || waits(registered(name).selector)) : undefined;
              return terminal === undefined ? of<ManagerEvent>({ _tag: 'Problem', selector: name, problem }) : failed<ManagerEvent>(terminal);
            }),
          ),
        );
      }),
    ).pipe(takeUntil(stop$));

  return {
    select: <T extends KubeObject = KubeObject>(name: string, spec: SelectorSpec<T>): Selector<T> => {
      const existing = selectors.get(name);
      if (existing !== undefined) return existing.selector as unknown as Selector<T>;
      const selector: Selector<T> = { _tag: 'Selector', name, spec };
      selectors.set(name, { selector: selector as unknown as Selector<KubeObject> });
      return selector;
    },
    informer,
    observe: (selector, observer, options = {}) => {
      const inf = informer(selector);
      const name = options.name ?? `observer ${observers.length + 1} of ${typeof selector === 'string' ? selector : selector.name}`;
      observers.push((stop$) =>
        defer(() => observer(inf.observe(options))).pipe(
          ignoreElements(),
          catchError((error: unknown) => of<ManagerEvent>({ _tag: 'ObserverFailed', observer: name, error })),
          takeUntil(stop$),
        ),
      );
    },
    controller: (spec) => {
      const own = informer(spec.for);
      const triggers = (spec.triggers ?? []).map((tr) => ({ informer: informer(tr.selector as Selector<KubeObject> | string), keys: tr.keys }));
      const ryw = spec.readYourWrites ?? true;
      const context = { name: spec.name, ...(spec.fieldManager === undefined ? {} : { fieldManager: spec.fieldManager }), ...clientsOf(spec) };
      const { priorityQueue = {}, eventPriority: priorityOf = eventPriority } = spec;
      /** One work queue over the controller's keys (only those of `shard`, when given). */
      const workQueue = (
        stop$: Observable<unknown>,
        fence: Pick<LeaseFence, 'check'> | undefined,
        shard?: { readonly index: number; readonly count: number },
      ): Observable<ManagerEvent> =>
        defer(() => {
          const name = shard === undefined ? spec.name : `${spec.name}-shard-${shard.index}`;
          // the context clients' writes are checked against the same fence as the reconciles
          const fencedContext = fence === undefined ? context : { ...context, fence };
          // one tracker per work queue: its keys' writes, and the echoes of its own informer feeds
          const tracker = ryw === false ? undefined : writeTracker({ ...(ryw === true ? {} : ryw), scheduler, name, ...(logger === undefined ? {} : { logger }) });
          const feed = <T extends KubeObject>(events$: Observable<ResourceEvent<T>>): Observable<ResourceEvent<T>> =>
            tracker === undefined ? events$ : events$.pipe(tracker.observe<T>());
          const relists = tracker === undefined ? [] : [own, ...triggers.map((tr) => tr.informer)].map((inf, i) => inf.status$.pipe(tracker.observeStatus(String(i)), ignoreElements()));
          return merge(
            merge(
              feed(own.events$).pipe(
                onlyWhen(...(spec.predicates ?? [])),
                map((e): PrioritizedKey => ({ key: e.key, priority: priorityOf(e) })), // ownKeys(), at the event's priority
              ),
              ...triggers.map((tr) => feed(tr.informer.events$).pipe(atEventPriority(mapKeys(tr.keys as KeyMapper<KubeObject>), priorityOf))),
              ...(spec.keys ?? []),
              ...relists,
            ).pipe(
              filter((key) => shard === undefined || shardOf(keyOf(key), shard.count) === shard.index),
              holdUntil(waitForCacheSync(own, ...triggers.map((tr) => tr.informer))),
              reconcileWith(fenced(fence, tracker === undefined ? (key, signal) => spec.reconcile(key, signal, reconcileContext(fencedContext)) : readYourWrites(tracker, spec.reconcile, fencedContext)), {
                name,
                ...observability,
                ...spec.config,
                ...(priorityQueue === false ? {} : { priorityQueue }),
                scheduler,
                shutdown$: stop$,
              }),
              map((event): ManagerEvent => ({ _tag: 'Reconcile', controller: spec.name, event })),
            ),
            tracker === undefined
              ? EMPTY
              : tracker.events$.pipe(
                  map((event): ManagerEvent => ({ _tag: 'ReadYourWrites', controller: spec.name, event })),
                  takeUntil(stop$),
                ),
          );
        });
      const { shards } = spec;
      const sharded = (stop$: Observable<unknown>, fence: Pick<LeaseFence, 'check'> | undefined): Observable<ManagerEvent> =>
        shards === undefined
          ? workQueue(stop$, fence)
          : merge(
              ...Array.from({ length: shards.count }, (_, index) =>
                whileTrue(
                  shards.owned$.pipe(map((owned) => owned.has(index))),
                  () => workQueue(stop$, shards.fences?.[index] ?? fence, { index, count: shards.count }),
                  { stop$ },
                ),
              ),
            );
      // informers that may stop for a resource not served: the controller runs only while all are served
      const waiting = [spec.for, ...(spec.triggers ?? []).map((tr) => tr.selector as Selector<KubeObject> | string)]
        .filter((sel) => waits(registered(sel as Selector<KubeObject> | string).selector))
        .map((sel) => informer(sel as Selector<KubeObject> | string));
      controllers.push((stop$, fence) => {
        if (waiting.length === 0) return sharded(stop$, fence);
        // not shared: each subscriber gets the current state (status$ replays it)
        const served$ = combineLatest(waiting.map((inf) => inf.status$.pipe(map((st) => !(st._tag === 'Stopped' && st.reason === 'NotServed'))))).pipe(
          map((all) => all.every(Boolean)),
          distinctUntilChanged(),
        );
        return merge(
          served$.pipe(
            skip(1),
            tap((on) => logger?.log('info', on ? 'controller resumed' : 'controller paused: a resource it reads is not served', { controller: spec.name })),
            ignoreElements(),
            takeUntil(stop$),
          ),
          whileTrue(served$, () => sharded(stop$, fence), { stop$ }),
        );
      });
    },
    run: (options = {}) =>
      defer(() => {
        const stops: Observable<unknown>[] = [options.shutdown$ ?? NEVER];
        if (options.signal !== undefined) {
          stops.push(options.signal.aborted ? of(true) : fromEvent(options.signal, 'abort'));
        }
        if (options.handleSignals === true) stops.push(fromEvent(process, 'SIGTERM'), fromEvent(process, 'SIGINT'));
        const stop$ = merge(...stops).pipe(
          take(1),
          tap(() => logger?.log('info', 'manager stopping', {})),
          share(),
        );
        if (observers.length + controllers.length === 0) return EMPTY;
        const controllers$ = merge(...controllers.map((start) => start(stop$, options.fence)));
        let leaderState: LeaderState | undefined;
        const leader$ = options.leader$?.pipe(
          tap((s) => {
            leaderState = s;
          }),
        );
        const health: ManagerHealth = {
          informers: () => [...used].map((name) => ({ name, synced: informer(name).hasSynced() })),
          ...(leader$ === undefined ? {} : { leader: () => leaderState }),
        };
        logger?.log('info', 'manager starting', { selectors: used.size, observers: observers.length, controllers: controllers.length });
        // every informer in use runs for the whole run, whatever runs on it (controller-runtime starts
        // its caches on every replica): a new leader, a replica gaining a shard or a controller resumed
        // after its CRD came back reconciles from a warm cache, and idle watches stay watched over
        const warm$ = merge(...[...used].map((name) => informer(name).events$.pipe(ignoreElements(), takeUntil(stop$))));
        const events$ = merge(
          reports(stop$),
          warm$,
          ...observers.map((start) => start(stop$)),
          leader$ === undefined
            ? controllers$
            : whileTrue(leader$.pipe(map((s) => s._tag === 'Leading')), () => controllers$, { stop$ }),
        );
        const served$ = options.endpoints === undefined ? events$ : options.endpoints.serveWhile(health, events$);
        return logger === undefined
          ? served$
          : served$.pipe(
              tap((e) => {
                if (e._tag === 'ObserverFailed') logger.log('error', 'observer failed', { observer: e.observer, ...errorFields(e.error) });
              }),
              finalize(() => {
                logger.log('info', 'manager stopped', {});
              }),
            );
      }),
  };
};
