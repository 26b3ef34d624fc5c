import {
  BehaviorSubject,
  concat,
  defer,
  distinctUntilChanged,
  EMPTY,
  filter,
  finalize,
  from,
  map,
  merge,
  NEVER,
  Observable,
  type OperatorFunction,
  share,
  Subject,
  switchMap,
  tap,
  timer,
} from 'rxjs';

import { deltaFifo, type FifoInput, type FifoOutput } from '../fifo/deltaFifo.js';
import type { ListerWatcher, WatchEvent } from '../listwatch/ListerWatcher.js';
import { isListerWatcherError, type ListerWatcherError, toListerWatcherError } from '../listwatch/ListerWatcherError.js';
import type { ServedState } from '../listwatch/ServedState.js';
import type { Logger } from '../logging/Logger.js';
import { fanOut } from '../internal/fanOut.js';
import { messageOf } from '../internal/messageOf.js';
import { type KeyFunc, metaNamespaceKeyFunc } from '../meta/keyFunc.js';
import type { KubeObject } from '../meta/KubeObject.js';
import { immediateScheduler } from '../operators/immediateScheduler.js';
import { whileTrue } from '../operators/whileTrue.js';
import { listThenWatch, type ReflectorConfig } from '../reflector/listThenWatch.js';
import type { ReflectorError } from '../reflector/ReflectorError.js';
import { createIndexer } from '../store/createIndexer.js';
import type { Indexer, Indexers, IndexerWriter, Store } from '../store/Store.js';
import { logInformer } from './informerLogs.js';
import type { InformerProblem, InformerStatus } from './InformerStatus.js';
import { processDeltas } from './processDeltas.js';
import type { ResourceEvent } from './ResourceEvent.js';
import { terminalFailure } from './terminalFailure.js';

/**
 * Configuration of a {@link sharedIndexInformer}. Everything of {@link ReflectorConfig} (page size,
 * backoff, streaming list, scheduler, ...) applies to its reflector. The informer's default
 * `scheduler` is {@link immediateScheduler} (since 0.3.0): `asyncScheduler`'s clock and timers, its
 * batches after a list run on `setImmediate` rather than a 1 ms `setTimeout`.
 *
 * Maps to client-go's `NewSharedIndexInformerWithOptions` / `SharedIndexInformerOptions`.
 *
 * @category informer
 * @since 0.1.0
 */
export interface SharedIndexInformerConfig<T> extends ReflectorConfig {
  /** Store key of an object (default `namespace/name`). */
  readonly keyFunc?: KeyFunc<T>;
  /** Extra named indexes; the `namespace` index is always there. */
  readonly indexers?: Indexers<T>;
  /** Runs on every object before it is queued and stored (e.g. `stripManagedFields`). */
  readonly transform?: (obj: T) => T;
  /** Resync period of subscribers that do not choose one (client-go `defaultEventHandlerResyncPeriod`); 0 = never. */
  readonly defaultResyncPeriodMs?: number;
  /** Shortest resync period allowed; shorter ones are raised to it (client-go `minimumResyncPeriod`, 1 s). */
  readonly minResyncPeriodMs?: number;
  /** Keep the watch running this long after the last subscriber leaves, so that a returning one resumes without relisting. */
  readonly lingerMs?: number;
  /** `key` (DeltaFIFO, per-key coalescing; default) or `global` (RealFIFO, arrival order). */
  readonly order?: 'key' | 'global';
  /** Where status changes (`debug`/`info`) and problems (`warn`) are logged, by `name` ({@link logInformer}). Default: nothing logged. */
  readonly logger?: Logger;
  /**
   * At most this many objects are stored and emitted in one synchronous run after a (re)list;
   * the rest follow in later runs on `scheduler` (each a `setImmediate` by default), so that
   * syncing 50k objects does not block the event loop for the whole fan-out. `synced$` still turns
   * true only after the last one, and status changes keep their order. Default 1000; `Infinity` =
   * all at once.
   * @since 0.2.0
   */
  readonly batchSize?: number;
  /**
   * Fail instead of retrying forever when the API server answers in a way retrying cannot fix
   * ({@link terminalFailure}: 401, 403, 400, or 404 before the first sync): `events$` and every
   * `observe()` error with that `ListerWatcherError` (after it went out on `problems$`) and the
   * informer stops. Default `false`: retried with backoff, as client-go's reflector does. With
   * `served$`, a 404 is never terminal: whether the resource is served is for `served$` to say.
   * @since 0.3.0
   */
  readonly failFast?: boolean;
  /**
   * Whether the API server serves the resource ({@link whenServed}, {@link pollServed}): the
   * informer lists and watches only while the last definite state is `Served`. Before that, and
   * after a `NotServed` (a CRD deleted), it stays `Stopped` with `reason: 'NotServed'` and the
   * message, its store empty and `synced$` false, instead of backing off on 404s; subscribers stay
   * subscribed and get the new list (`Added`, `initial: true`) when it is served again. `Unknown`
   * changes nothing and is reported on `problems$` (a `ListFailed` of verb `discovery`); when
   * `served$` completes, its last state stays in force. Subscribed while the informer runs. Default: always served.
   *
   * ```
   * served$:  N-----S----------N-----S---
   * status$:  X-----L--Y--W----X-----L--Y--W     X = Stopped{NotServed}, L = Listing, Y = Synced, W = Watching
   * ```
   * @since 0.3.0
   */
  readonly served$?: Observable<ServedState>;
}

/**
 * Options of one subscriber of an informer.
 *
 * Maps to client-go's `AddEventHandlerWithResyncPeriod` / `HandlerOptions`.
 *
 * @category informer
 * @since 0.1.0
 */
export interface ObserveOptions {
  /** This subscriber gets a `Sync` event for every stored object each period; 0 = never. */
  readonly resyncPeriodMs?: number;
}

/**
 * One list/watch of one resource, shared by any number of subscribers, with a local indexed
 * cache. See {@link sharedIndexInformer}.
 *
 * Maps to client-go's `cache.SharedIndexInformer`.
 *
 * @category informer
 * @since 0.1.0
 */
export interface SharedIndexInformer<T> {
  /** {@link observe} with the default options. */
  readonly events$: Observable<ResourceEvent<T>>;
  /**
   * The informer's events for one subscriber: first the current store as `Added` events with
   * `initial: true`, then every live event (no gap, no duplicate); `Sync` events only when this
   * subscriber is due for a resync. Subscribing starts the informer if it is stopped.
   */
  observe(options?: ObserveOptions): Observable<ResourceEvent<T>>;
  /** The read-only cache. Written before each event goes out. Empty while stopped. */
  readonly store: Indexer<T>;
  /** Whether the first list has been delivered; replays the current value; does not start the informer. */
  readonly synced$: Observable<boolean>;
  /** The lifecycle; replays the current status; does not start the informer. */
  readonly status$: Observable<InformerStatus>;
  /** Every failure recovered from and every object that did not decode. Hot; does not start the informer. */
  readonly problems$: Observable<InformerProblem>;
  /** The current value of `synced$`. */
  hasSynced(): boolean;
  /** The resourceVersion the informer is synced to (`''` before the first list). */
  lastSyncResourceVersion(): string;
  /** Adds indexes to the store, indexing what it already holds. */
  addIndexers(indexers: Indexers<T>): void;
}

interface Listener {
  readonly periodMs: number;
  nextResyncAt: number;
  syncing: boolean;
}

const RESYNC: FifoInput<never> = { _tag: 'Resync' };

type StoppedStatus = Extract<InformerStatus, { readonly _tag: 'Stopped' }>;

const STOPPED: StoppedStatus = { _tag: 'Stopped' };

/** A served-check failure as something {@link toListerWatcherError} keeps the message of. */
const errorOf = (e: unknown): unknown =>
  isListerWatcherError(e) || e instanceof Error
    ? e
    : new Error(typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string' ? e.message : messageOf(e));

/** Objects per synchronous run after a list: a few milliseconds of store writes and events. */
const DEFAULT_BATCH_SIZE = 1000;

/**
 * The ListerWatcher the reflector gets: in a LIST page, and in the initial events of a streaming
 * list, an object that the store already holds at the same resourceVersion is replaced by the
 * stored object (same key and resourceVersion: the API server's same object). The fresh copy is
 * dropped as soon as its page is decoded, so a relist keeps one copy of every unchanged object
 * instead of two until its Replace is applied (issue 5: relist peak memory), and subscribers
 * keep the references they already have. A ListerWatcher that applies the `reuse` it is given
 * (an HTTP one) is not followed by a second pass over its pages; one that ignores it is. Nothing
 * changes on the first list (the store is empty) nor for objects without a resourceVersion. Not
 * used with a `transform` (the store holds transformed objects, which the FIFO would transform
 * again).
 */
const reusingStoredObjects = <T extends KubeObject>(
  lw: ListerWatcher<T>,
  store: Store<T>,
  keyFunc: KeyFunc<T>,
): ListerWatcher<T> => {
  const stored = (obj: T): T => {
    const rv = obj.metadata.resourceVersion;
    if (rv === undefined || rv === '') return obj;
    let old: T | undefined;
    try {
      old = store.get(keyFunc(obj));
    } catch {
      return obj; // the FIFO calls keyFunc again and reports the error as it always does
    }
    return old !== undefined && old.metadata.resourceVersion === rv ? old : obj;
  };
  /** Whether the ListerWatcher has applied `reuse` itself (an HTTP one does, to each item as it is decoded). */
  let perItem = false;
  const reuse = (obj: T): T => {
    perItem = true;
    return stored(obj);
  };
  return {
    ...(lw.nextWatchIdleTimeoutMs === undefined ? {} : { nextWatchIdleTimeoutMs: lw.nextWatchIdleTimeoutMs }),
    ...(lw.supportsStreamingList === undefined ? {} : { supportsStreamingList: lw.supportsStreamingList }),
    // each item as it is decoded by a ListerWatcher that applies `reuse`, else each item of the page
    list: (options) =>
      store.size === 0
        ? lw.list(options)
        : lw.list(options, reuse).pipe(map((page) => (perItem || page.items.length === 0 ? page : { ...page, items: page.items.map(stored) }))),
    watch: (options) => {
      if (options.sendInitialEvents !== true) return lw.watch(options);
      let initial = true;
      return lw.watch(options).pipe(
        map((e): WatchEvent<T> => {
          if (e._tag === 'Bookmark' && e.initialEventsEnd) initial = false;
          return initial && e._tag === 'Added' && store.size > 0 ? { _tag: 'Added', object: stored(e.object) } : e;
        }),
      );
    },
  };
};

/**
 * The store-and-notify step: applies each popped entry to the store and emits its events, and
 * routes everything else to the informer's status, problems and synced state.
 */
const handleFifoOutput =
  <T extends KubeObject>(
    store: IndexerWriter<T>,
    /** Returns an error to fail the stream with (a terminal failure under `failFast`), or nothing. */
    onOther: (out: Exclude<FifoOutput<T>, { readonly _tag: 'Deltas' }>) => ListerWatcherError | undefined,
  ): OperatorFunction<FifoOutput<T>, ResourceEvent<T>> =>
  (source) =>
    new Observable<ResourceEvent<T>>((subscriber) => {
      const emit = (e: ResourceEvent<T>): void => {
        subscriber.next(e);
      };
      return source.subscribe({
        next: (out) => {
          if (out._tag === 'Deltas') {
            processDeltas(store, out.key, out.deltas, out.isInInitialList, emit);
            return;
          }
          const failure = onOther(out);
          if (failure !== undefined) subscriber.error(failure);
        },
        error: (e: unknown) => {
          subscriber.error(e);
        },
        complete: () => {
          subscriber.complete();
        },
      });
    });

/**
 * A shared informer: one list-then-watch of a resource feeding a DeltaFIFO and an indexed store,
 * multicast to every subscriber.
 *
 * Maps to client-go's `cache.NewSharedIndexInformer` (`sharedIndexInformer`, `sharedProcessor`,
 * `processorListener`).
 *
 * ```
 * listThenWatch ──► deltaFifo ──► processDeltas(store) ──► share ──┬─► observe(): snapshot ++ live
 *   Resync ticks ─┘  (knownObjects = store)                         └─► observe({ resyncPeriodMs }) …
 * ```
 *
 * Algorithm:
 * 1. Cold until the first subscriber (I1). The first one starts the reflector; events flow
 *    through the FIFO (always ready here, so each event is applied at once) into the store, and
 *    out to every subscriber, the store being written first (S2).
 * 2. A subscriber arriving later gets the store as `Added{initial: true}` events, then the live
 *    stream, with nothing in between (I3).
 * 3. Resync (I4): each subscriber with a period has its own due time; one timer on the
 *    configured scheduler fires at the earliest of them. Then subscribers whose due time has come
 *    become "due" (and their next due time is a period later), and a `Resync` goes into the FIFO,
 *    which queues `Sync` deltas for keys with nothing pending (F4); `Sync` events reach only due
 *    subscribers. Subscribers arriving or leaving never move another's due time.
 * 4. When the last subscriber leaves, after `lingerMs` the watch stops, the store empties and the
 *    status becomes `Stopped`; a subscriber returning within `lingerMs` resumes without relisting.
 * 5. Subscribers are isolated (I5, I6): each one's operators run on its own subscription; an
 *    error thrown in one subscriber's callback is reported by RxJS (`config.onUnhandledError`)
 *    and does not reach the informer or the others. An async subscriber buffers in its own
 *    operators (e.g. `concatMap`) and never holds back the reflector.
 *
 * Recovery: the reflector never fails for good; every failure is retried with backoff and shows
 * in `status$` and `problems$` (with `failFast`, the failures retrying cannot fix end the informer
 * with that error instead: {@link terminalFailure}). Only an error thrown by `keyFunc`, `transform` or an index
 * function fails the stream, and then every subscriber sees that error and the informer resets.
 *
 * @example
 * ```ts
 * import { filter, firstValueFrom } from 'rxjs';
 * import { sharedIndexInformer } from 'kube-rx';
 * import { fakeListerWatcher, listPage, configMap } from 'kube-rx/testing';
 * import { of } from 'rxjs';
 *
 * const lw = fakeListerWatcher({ lists: [of(listPage('1', [configMap('a', '1')]))] });
 * const informer = sharedIndexInformer(lw);
 * const sub = informer.events$.subscribe((e) => console.log(e._tag, e.key));
 * await firstValueFrom(informer.synced$.pipe(filter(Boolean)));
 * informer.store.get('default/a'); // the ConfigMap
 * sub.unsubscribe();
 * ```
 * @category informer
 * @since 0.1.0
 */
export const sharedIndexInformer = <T extends KubeObject>(
  lw: ListerWatcher<T>,
  config: SharedIndexInformerConfig<T> = {},
): SharedIndexInformer<T> => {
  const {
    keyFunc = metaNamespaceKeyFunc,
    indexers = {},
    transform,
    defaultResyncPeriodMs = 0,
    minResyncPeriodMs = 1000,
    lingerMs = 0,
    order = 'key',
    scheduler = immediateScheduler,
    logger,
    batchSize = DEFAULT_BATCH_SIZE,
    failFast = false,
    served$,
    ...reflectorConfig
  } = config;

  const store = createIndexer<T>({ keyFunc, indexers });
  const status = new BehaviorSubject<InformerStatus>(STOPPED);
  const synced = new BehaviorSubject(false);
  const problems = new Subject<InformerProblem>();
  const listeners = new Set<Listener>();
  /** The earliest time a subscriber is due for a resync (`Infinity`: none has a period). */
  const nextResyncAt = new BehaviorSubject(Number.POSITIVE_INFINITY);
  let lastSyncRV = '';
  let lastError: ReflectorError | undefined;
  /** What `status$` says while the list/watch is not running: why it is stopped. */
  let stopped: StoppedStatus = STOPPED;
  if (logger !== undefined) logInformer(logger, reflectorConfig.name ?? 'informer', { status$: status, problems$: problems });

  /**
   * Recomputes the resync deadline from the subscribers' own due times. A subscriber arriving or
   * leaving never moves another's due time, so one that keeps failing and resubscribing cannot
   * postpone the others' resyncs.
   */
  const updateNextResyncAt = (): void => {
    let min = Number.POSITIVE_INFINITY;
    for (const l of listeners) if (l.periodMs > 0 && l.nextResyncAt < min) min = l.nextResyncAt;
    nextResyncAt.next(min);
  };

  /** Marks the subscribers due for a resync at `now` (client-go `shouldResync`); true if any is. */
  const markDueListeners = (now: number): boolean => {
    let any = false;
    for (const l of listeners) {
      l.syncing = l.periodMs > 0 && now >= l.nextResyncAt;
      if (l.syncing) {
        l.nextResyncAt = now + l.periodMs;
        any = true;
      }
    }
    return any;
  };

  const onOther = (out: Exclude<FifoOutput<T>, { readonly _tag: 'Deltas' }>): ListerWatcherError | undefined => {
    switch (out._tag) {
      case 'Synced':
        synced.next(true);
        status.next({ _tag: 'Synced', count: store.size });
        return undefined;
      case 'Listing':
        status.next({
          _tag: 'Listing',
          resourceVersion: out.resourceVersion,
          cause: out.cause,
          ...(out.fallback === undefined ? {} : { fallback: out.fallback }),
        });
        return undefined;
      case 'Watching':
        status.next({ _tag: 'Watching', resourceVersion: out.resourceVersion, synced: synced.value });
        return undefined;
      case 'Error':
        lastError = out.error;
        problems.next({ _tag: 'ReflectorError', error: out.error, next: out.next });
        // with served$, a 404 is the resource going away (or not served yet): served$ decides, not failFast
        return failFast ? terminalFailure(out.error, synced.value || served$ !== undefined) : undefined;
      case 'Backoff':
        status.next({
          _tag: 'BackingOff',
          delayMs: out.delayMs,
          attempt: out.attempt,
          next: out.next,
          ...(lastError === undefined ? {} : { error: lastError }),
        });
        lastError = undefined;
        return undefined;
      case 'Invalid':
        problems.next(out.failure);
        return undefined;
      case 'Bookmark':
        return undefined;
    }
  };

  const pipeline$ = defer(() => {
    // one timer, at the earliest due time; when it fires, the subscribers due by then are marked
    // (by the deadline, not the clock: a timer may fire a little before `now()` reaches it) and
    // the deadline moves on (the switch to the next timer happens while this one emits)
    const resync$ = nextResyncAt.pipe(
      distinctUntilChanged(),
      switchMap((at) =>
        at === Number.POSITIVE_INFINITY
          ? EMPTY
          : timer(Math.max(0, at - scheduler.now()), scheduler).pipe(map(() => Math.max(at, scheduler.now()))),
      ),
      filter((now) => {
        const any = markDueListeners(now);
        updateNextResyncAt();
        return any;
      }),
      map(() => RESYNC as FifoInput<T>),
    );
    const source = transform === undefined ? reusingStoredObjects(lw, store.view, keyFunc) : lw;
    const reflector$ = listThenWatch(source, { ...reflectorConfig, scheduler }).pipe(
      tap((e) => {
        if (e._tag === 'Replace' || e._tag === 'Bookmark' || e._tag === 'Added' || e._tag === 'Modified' || e._tag === 'Deleted') {
          if (e.resourceVersion !== '') lastSyncRV = e.resourceVersion;
        }
      }),
    );
    return merge(reflector$, resync$).pipe(
      deltaFifo<T>({ keyFunc, knownObjects: store.view, order, batchSize, scheduler, ...(transform === undefined ? {} : { transform }) }),
      handleFifoOutput(store, onOther),
      finalize(() => {
        store.replace([]);
        lastSyncRV = '';
        lastError = undefined;
        synced.next(false);
        status.next(stopped);
      }),
    );
  });

  /** The list/watch, run while `served$` last said `Served` (always without `served$`). */
  const gated$ =
    served$ === undefined
      ? pipeline$
      : defer(() => {
          const servedGauge = reflectorConfig.metrics?.newServedMetric?.(reflectorConfig.name ?? 'informer');
          const on$ = served$.pipe(
            tap((s) => {
              if (s._tag !== 'Unknown') servedGauge?.set(s._tag === 'Served' ? 1 : 0);
              if (s._tag === 'Unknown') {
                const resource = reflectorConfig.name ?? 'informer';
                problems.next({ _tag: 'ReflectorError', error: { _tag: 'ListFailed', error: toListerWatcherError(errorOf(s.error), 'discovery', resource) }, next: 'list' });
                return;
              }
              const now = s._tag === 'Served' ? STOPPED : { _tag: 'Stopped' as const, reason: 'NotServed' as const, message: s.message };
              const changed = now.reason !== stopped.reason || now.message !== stopped.message;
              stopped = now;
              // while stopped, say why at once (a Served starts the pipeline at once, which says Listing);
              // while running, the pipeline's finalize says it
              if (changed && s._tag === 'NotServed' && status.value._tag === 'Stopped') status.next(stopped);
            }),
            filter((s) => s._tag !== 'Unknown'),
            map((s) => s._tag === 'Served'),
          );
          // a served$ that completes leaves its last state in force
          return whileTrue(concat(on$, NEVER), () => pipeline$);
        }).pipe(
          finalize(() => {
            stopped = STOPPED;
            if (status.value._tag === 'Stopped' && status.value.reason !== undefined) status.next(STOPPED);
          }),
        );

  const run$ = gated$.pipe(
    share({
      // a Subject that allocates nothing per value: this is every event's path (issue 23)
      connector: () => fanOut<ResourceEvent<T>>(),
      resetOnError: true,
      resetOnComplete: true,
      resetOnRefCountZero: lingerMs > 0 ? () => timer(lingerMs, scheduler) : true,
    }),
  );

  const observe = (options: ObserveOptions = {}): Observable<ResourceEvent<T>> =>
    defer(() => {
      const requested = options.resyncPeriodMs ?? defaultResyncPeriodMs;
      const periodMs = requested > 0 ? Math.max(requested, minResyncPeriodMs) : 0;
      const listener: Listener = { periodMs, nextResyncAt: scheduler.now() + periodMs, syncing: false };
      listeners.add(listener);
      updateNextResyncAt();
      const replay = store.list().map(
        (object): ResourceEvent<T> => ({ _tag: 'Added', key: keyFunc(object), object, initial: true }),
      );
      return concat(
        from(replay),
        run$.pipe(filter((e) => e._tag !== 'Sync' || listener.syncing)),
      ).pipe(
        finalize(() => {
          listeners.delete(listener);
          updateNextResyncAt();
        }),
      );
    });

  return {
    events$: observe(),
    observe,
    store: store.view,
    synced$: synced.pipe(distinctUntilChanged()),
    status$: status.asObservable(),
    problems$: problems.asObservable(),
    hasSynced: () => synced.value,
    lastSyncResourceVersion: () => lastSyncRV,
    addIndexers: (more) => {
      store.addIndexers(more);
    },
  };
};
