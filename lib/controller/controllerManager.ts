import type * as t from 'io-ts';
import {
  asyncScheduler,
  catchError,
  concat,
  defer,
  distinctUntilChanged,
  EMPTY,
  endWith,
  filter,
  finalize,
  fromEvent,
  ignoreElements,
  map,
  merge,
  NEVER,
  type Observable,
  of,
  type SchedulerLike,
  share,
  Subject,
  switchMap,
  take,
  takeUntil,
  tap,
} from 'rxjs';

import type { InformerProblem, InformerStatus } from '../informer/InformerStatus.js';
import type { ResourceEvent } from '../informer/ResourceEvent.js';
import {
  type ObserveOptions,
  type SharedIndexInformer,
  sharedIndexInformer,
  type SharedIndexInformerConfig,
} from '../informer/sharedIndexInformer.js';
import { waitForCacheSync } from '../informer/waitForCacheSync.js';
import type { ApiResource } from '../listwatch/ApiResource.js';
import type { TypedResource } from '../listwatch/TypedResource.js';
import { resolveResource } from '../listwatch/discovery.js';
import { httpListerWatcher } from '../listwatch/httpListerWatcher.js';
import type { ListerWatcher } from '../listwatch/ListerWatcher.js';
import { httpError, isListerWatcherError } from '../listwatch/ListerWatcherError.js';
import type { KubeConfigLike } from '../listwatch/kubeRequest.js';
import { failed } from '../internal/failed.js';
import { errorFields } from '../logging/errorFields.js';
import type { Logger } from '../logging/Logger.js';
import type { MetricsProvider } from '../metrics/MetricsProvider.js';
import type { KubeObject } from '../meta/KubeObject.js';
import { holdUntil } from '../operators/holdUntil.js';
import type { LeaderState } from './leaderElection.js';
import { type EventPredicate, onlyWhen } from './predicates.js';
import { type ReconcileConfig, type ReconcileEvent, type Reconciler, reconcileWith } from './reconcileWith.js';
import { type KeyMapper, mapKeys, ownKeys } from './relations.js';
import { shardOf } from './sharding.js';

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
  /** A name, an {@link ApiResource}, or a `TypedResource` (built-in kinds, CRD descriptors) whose codec is used unless `codec` is given (since 0.3.0). */
  readonly resource: string | ApiResource | TypedResource<T & KubeObject>;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly codec?: t.Decoder<unknown, T>;
  readonly informer?: SharedIndexInformerConfig<T>;
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
  readonly keys?: ReadonlyArray<Observable<string>>;
  readonly reconcile: Reconciler;
  readonly config?: Omit<ReconcileConfig, 'shutdown$' | 'scheduler'>;
  /**
   * Sharding (e.g. {@link sharding}'s `owned$`): this replica reconciles only the keys of the
   * shards it holds, with one work queue per shard that runs while the shard is held. Gaining a
   * shard replays the caches for it; losing one stops its work at once (aborting its running
   * reconciles), so no key is reconciled by two replicas at once.
   */
  readonly shards?: { readonly owned$: Observable<ReadonlySet<number>>; readonly count: number };
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
  | { readonly _tag: 'ObserverFailed'; readonly observer: string; readonly error: unknown };

/**
 * Where a manager's informers get their objects: the API server of a kubeconfig (the default),
 * or any ListerWatcher per selector (tests, other sources). With `metrics`, every informer
 * (named after its selector) and every controller (named after itself; a sharded one's queues
 * `name-shard-N`) reports its metrics there; with `logger`, they and the manager log there.
 *
 * @category controller
 * @since 0.1.0
 */
export type ManagerConfig =
  | {
      readonly kubeConfig: KubeConfigLike;
      readonly scheduler?: SchedulerLike;
      readonly metrics?: MetricsProvider;
      readonly logger?: Logger;
    }
  | {
      readonly listerWatcher: <T extends KubeObject>(selector: Selector<T>) => ListerWatcher<T>;
      readonly scheduler?: SchedulerLike;
      readonly metrics?: MetricsProvider;
      readonly logger?: Logger;
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
}

/**
 * Declarative wiring of informers, observers and controllers. See {@link controllerManager}.
 *
 * @category controller
 * @since 0.1.0
 */
export interface ControllerManager {
  /** Declares a selector (once per name; declaring a name again returns the first token). */
  select<T extends KubeObject = KubeObject>(name: string, spec: SelectorSpec<T>): Selector<T>;
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
    list: (options) => get$.pipe(switchMap((lw) => lw.list(options))),
    watch: (options) => get$.pipe(switchMap((lw) => lw.watch(options))),
  };
};

/**
 * Runs `work` while `on$` says true (stopping it at once when it turns false), until `stop$`: from
 * then on `on$` is no longer followed, and work that is running is left to finish (it drains on
 * the same `stop$`) before the result completes.
 */
const gated = <T>(on$: Observable<boolean>, stop$: Observable<unknown>, work: () => Observable<T>): Observable<T> =>
  defer(() => {
    let on = false;
    let workDone = false;
    const done$ = new Subject<void>();
    const run = (): Observable<T> => {
      workDone = false;
      return work().pipe(
        tap({
          complete: () => {
            workDone = true;
            done$.next();
          },
        }),
      );
    };
    const gate$ = concat(
      on$.pipe(
        tap((v) => {
          on = v;
        }),
        takeUntil(stop$),
      ),
      defer(() => (on && !workDone ? done$.pipe(take(1), ignoreElements()) : EMPTY)),
    );
    return gate$.pipe(
      distinctUntilChanged(),
      endWith(false),
      switchMap((v) => (v ? run() : EMPTY)),
    );
  });

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
 *    through {@link reconcileWith}.
 * 3. Informer status changes and problems of every selector in use are reported.
 * 4. With `leader$`, controllers run only while leading (informers and observers keep running);
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
  const { metrics, logger } = config;
  const observability = { ...(metrics === undefined ? {} : { metrics }), ...(logger === undefined ? {} : { logger }) };
  const selectors = new Map<string, Registered>();
  const observers: Array<(stop$: Observable<unknown>) => Observable<ManagerEvent>> = [];
  const controllers: Array<(stop$: Observable<unknown>) => Observable<ManagerEvent>> = [];
  const used = new Set<string>();

  const listerWatcherOf = <T extends KubeObject>(selector: Selector<T>): ListerWatcher<T> => {
    if ('listerWatcher' in config) return config.listerWatcher(selector);
    const { kubeConfig } = config;
    const { spec } = selector;
    const options = {
      ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }),
      ...(spec.labelSelector === undefined ? {} : { labelSelector: spec.labelSelector }),
      ...(spec.fieldSelector === undefined ? {} : { fieldSelector: spec.fieldSelector }),
      ...(spec.codec === undefined ? (typeof spec.resource !== 'string' && 'codec' in spec.resource ? { codec: spec.resource.codec } : {}) : { codec: spec.codec }),
    };
    const name = spec.resource;
    const resource$: Observable<ApiResource> =
      typeof name === 'string'
        ? resolveResource(kubeConfig, name).pipe(
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
        : of(name);
    return lazyListerWatcher(resource$.pipe(map((resource) => httpListerWatcher<T>({ kubeConfig, resource, ...options }))));
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
      r.informer = sharedIndexInformer(listerWatcherOf(r.selector), { scheduler, name: r.selector.name, ...observability, ...spec.informer });
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
          inf.problems$.pipe(map((problem): ManagerEvent => ({ _tag: 'Problem', selector: name, problem }))),
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
      /** One work queue over the controller's keys (only those of `shard`, when given). */
      const workQueue = (stop$: Observable<unknown>, shard?: { readonly index: number; readonly count: number }): Observable<ManagerEvent> =>
        merge(
          own.events$.pipe(onlyWhen(...(spec.predicates ?? [])), ownKeys()),
          ...triggers.map((tr) => tr.informer.events$.pipe(mapKeys(tr.keys as KeyMapper<KubeObject>))),
          ...(spec.keys ?? []),
        ).pipe(
          filter((key) => shard === undefined || shardOf(key, shard.count) === shard.index),
          holdUntil(waitForCacheSync(own, ...triggers.map((tr) => tr.informer))),
          reconcileWith(spec.reconcile, {
            name: shard === undefined ? spec.name : `${spec.name}-shard-${shard.index}`,
            ...observability,
            ...spec.config,
            scheduler,
            shutdown$: stop$,
          }),
          map((event): ManagerEvent => ({ _tag: 'Reconcile', controller: spec.name, event })),
        );
      const { shards } = spec;
      controllers.push((stop$) =>
        shards === undefined
          ? workQueue(stop$)
          : merge(
              ...Array.from({ length: shards.count }, (_, index) =>
                gated(
                  shards.owned$.pipe(map((owned) => owned.has(index))),
                  stop$,
                  () => workQueue(stop$, { index, count: shards.count }),
                ),
              ),
            ),
      );
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
        const controllers$ = merge(...controllers.map((start) => start(stop$)));
        const { leader$ } = options;
        logger?.log('info', 'manager starting', { selectors: used.size, observers: observers.length, controllers: controllers.length });
        const events$ = merge(
          reports(stop$),
          ...observers.map((start) => start(stop$)),
          leader$ === undefined
            ? controllers$
            : gated(leader$.pipe(map((s) => s._tag === 'Leading')), stop$, () => controllers$),
        );
        return logger === undefined
          ? events$
          : events$.pipe(
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
