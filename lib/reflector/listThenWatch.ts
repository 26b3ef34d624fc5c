import {
  asyncScheduler,
  catchError,
  concat,
  concatMap,
  concatWith,
  defer,
  EMPTY,
  expand,
  from,
  map,
  Observable,
  of,
  type OperatorFunction,
  type SchedulerLike,
  startWith,
  Subscription,
  take,
  throwIfEmpty,
  timer,
} from 'rxjs';

import type { ListerWatcher, ListOptions, ListPage, WatchEvent } from '../listwatch/ListerWatcher.js';
import { type ListerWatcherError, toListerWatcherError, transportError } from '../listwatch/ListerWatcherError.js';
import type { KubeObject } from '../meta/KubeObject.js';
import type { ReflectorMetricsProvider } from '../metrics/ReflectorMetricsProvider.js';
import { type BackoffConfig, nextBackoff } from './backoff.js';
import { idleTimeout } from './idleTimeout.js';
import type { ListCause, ReflectorEvent } from './ReflectorEvent.js';
import { reflectorMetrics } from './reflectorMetrics.js';
import {
  classifyListFailure,
  continuePageOptions,
  firstPageOptions,
  fullListOptions,
  relistCause,
  relistResourceVersion,
  type InitialListMode,
  listModeFor,
  retryAfterMs,
  watchOptionsFor,
  watchTimeoutSeconds,
} from './reflectorRules.js';
import {
  advanceRV,
  initialReflectorState,
  type PhaseOutput,
  type ReflectorState,
  type ReflectorStep,
  type ReflectorTransition,
  transition,
} from './ReflectorState.js';
import { applyInitialEvent, initialEventsEnd, isObjectEvent, latestPerKey, objectEventOutput, reduceWatch, type WatchCursor, type WatchInput, type WatchStep } from './reduceWatch.js';

/*
 * The reflector's Observable runner: a trampoline over the steps of ReflectorState.ts, with a
 * phase (paged list, watch, backoff) per step. Every decision is taken by the pure rules of
 * reflectorRules.ts and reduceWatch.ts; this module only wires requests, timers and teardown.
 */

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

/**
 * Settings of {@link listThenWatch}. Every field is optional; the defaults are client-go's.
 *
 * Maps to client-go's `ReflectorOptions` plus the reflector's fixed constants
 * (`minWatchTimeout = 5 * time.Minute`, `WatchListPageSize`, the backoff manager, `UseWatchList`).
 *
 * ```
 * initialList 'auto'   ──► WATCH ?sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true
 *                          └─ 422 (server without streaming lists) ─► LIST from now on
 * initialList 'list'   ──► LIST ?resourceVersion=0&limit=500 ─► ?limit=500&continue=… ─► …  (pageSize 500)
 * initialList 'stream' ──► WATCH ?sendInitialEvents=true… at every list, LIST only when one fails
 * ```
 *
 * @example
 * ```ts
 * import { asyncScheduler } from 'rxjs';
 * import type { ReflectorConfig } from 'kube-rx';
 * const config: ReflectorConfig = { pageSize: 100, initialList: 'stream', backoff: { jitter: 0 }, scheduler: asyncScheduler };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export interface ReflectorConfig {
  /** LIST page size; `0` turns paging off. Default 500. */
  readonly pageSize?: number;
  /**
   * How to list (see {@link InitialListMode}). `'auto'` (the default since 0.3.0, as client-go's
   * `WatchListClient` since 1.35): a streaming list over WATCH; when the server refuses it (422:
   * kube-apiserver before 1.27, or the `WatchList` gate off) the reflector reports
   * `Error{StreamingListUnsupported}` once and makes paged LISTs from then on; only a ListerWatcher
   * with `supportsStreamingList: true` (`httpListerWatcher`) is asked for streaming lists, any other
   * is listed in pages at once. `'list'`: always a paged LIST.
   * `'stream'`: always a streaming list first, a paged LIST only for a cycle where it failed.
   */
  readonly initialList?: InitialListMode;
  /** The backoff policy shared by every kind of failure. Default: 800 ms doubling to 30 s, jitter 1.0, reset after 2 min. */
  readonly backoff?: BackoffConfig;
  /** Each watch asks the server for a timeout in `[min, 2 * min)` seconds. Default 300. */
  readonly minWatchTimeoutSeconds?: number;
  /** A watch silent for this long is torn down and re-opened. Default: `(timeoutSeconds + 30) * 1000` of that watch. */
  readonly watchIdleTimeoutMs?: number;
  /** Source of randomness for jitter, in `[0, 1)`. Default `Math.random`. */
  readonly random?: () => number;
  /** Scheduler of every timer (backoff, idle watchdog) and of the clock. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** The reflector's name in metrics and logs (client-go `ReflectorOptions.Name`). Default `'reflector'`. */
  readonly name?: string;
  /** Where the reflector's metrics go ({@link reflectorMetrics}). Default: nothing measured. */
  readonly metrics?: ReflectorMetricsProvider;
}

interface Settings {
  readonly pageSize: number;
  readonly initialList: InitialListMode;
  readonly backoff: BackoffConfig;
  readonly minWatchTimeoutSeconds: number;
  readonly watchIdleTimeoutMs: number | undefined;
  readonly random: () => number;
  readonly scheduler: SchedulerLike;
}

const settingsOf = (config: ReflectorConfig): Settings => ({
  pageSize: config.pageSize ?? 500,
  initialList: config.initialList ?? 'auto',
  backoff: config.backoff ?? {},
  minWatchTimeoutSeconds: config.minWatchTimeoutSeconds ?? 300,
  watchIdleTimeoutMs: config.watchIdleTimeoutMs,
  random: config.random ?? Math.random,
  scheduler: config.scheduler ?? asyncScheduler,
});


// ---------------------------------------------------------------------------------------------
// Phases (thin Observable shells over the rules above)
// ---------------------------------------------------------------------------------------------

const invalidEvents = <T>(page: ListPage<T>): ReadonlyArray<PhaseOutput<T>> =>
  page.invalid.map((failure) => ({ _tag: 'Invalid', failure }));

const continueTokenOf = <T>(page: ListPage<T>): string | undefined =>
  page.continue === undefined || page.continue === '' ? undefined : page.continue;

/** A paged LIST: `Listing`, `Invalid`s as pages arrive, then `Replace` and a transition. */
const pagedListPhase = <T extends KubeObject>(
  lw: ListerWatcher<T>,
  settings: Settings,
  state: ReflectorState,
  cause: ListCause,
  fallback?: 'StreamingListUnsupported',
): Observable<PhaseOutput<T>> =>
  defer(() => {
    const listRV = relistResourceVersion(state);
    const first = firstPageOptions(listRV, settings.pageSize, state.paginatedResult);
    const items: T[] = [];
    let onContinuePage = false;

    const fetch = (options: ListOptions): Observable<ListPage<T>> =>
      defer(() => lw.list(options)).pipe(
        take(1),
        throwIfEmpty(() => transportError('list', '', 'LIST completed without a page')),
      );

    const listed = (all: ReadonlyArray<T>, resourceVersion: string, paginated: boolean): ReadonlyArray<PhaseOutput<T>> => {
      const next: ReflectorState = {
        ...state,
        lastSyncRV: resourceVersion,
        expired: false,
        paginatedResult: state.paginatedResult || (listRV === '0' && paginated),
      };
      return [{ _tag: 'Replace', items: all, resourceVersion }, transition(next, { _tag: 'Watch' })];
    };

    const failed = (error: ListerWatcherError): ReadonlyArray<PhaseOutput<T>> => [
      { _tag: 'Error', error: { _tag: 'ListFailed', error }, next: 'list' },
      classifyListFailure(error, listRV, false) === 'RelistConsistent'
        ? transition({ ...state, expired: true }, { _tag: 'PagedList', cause: 'Expired' })
        : transition(state, { _tag: 'Backoff', next: 'list', minDelayMs: retryAfterMs(error) }),
    ];

    const fullList$ = fetch(fullListOptions(first)).pipe(
      concatMap((page) => [...invalidEvents(page), ...listed(page.items, page.resourceVersion, true)]),
      catchError((e: unknown) => from(failed(toListerWatcherError(e, 'list', '')))),
    );

    const pages$ = fetch(first).pipe(
      expand((page) => {
        const token = continueTokenOf(page);
        if (token === undefined) return EMPTY;
        onContinuePage = true;
        return fetch(continuePageOptions(first, token));
      }),
      concatMap((page) => {
        for (const item of page.items) items.push(item);
        return continueTokenOf(page) === undefined
          ? [...invalidEvents(page), ...listed(items, page.resourceVersion, onContinuePage)]
          : invalidEvents(page);
      }),
      catchError((e: unknown) => {
        const error = toListerWatcherError(e, 'list', '');
        return classifyListFailure(error, listRV, onContinuePage) === 'FullList' ? fullList$ : from(failed(error));
      }),
    );

    const listing: PhaseOutput<T> = fallback === undefined ? { _tag: 'Listing', resourceVersion: listRV, cause } : { _tag: 'Listing', resourceVersion: listRV, cause, fallback };
    return concat(of(listing), pages$);
  });

/**
 * A WATCH (or, with `streamingCause`, a streaming list that turns into a watch; `auto` when
 * `initialList: 'auto'` chose it, so that a refusal turns streaming off).
 */
const watchPhase = <T extends KubeObject>(
  lw: ListerWatcher<T>,
  settings: Settings,
  state: ReflectorState,
  streamingCause: ListCause | undefined,
  auto = false,
): Observable<PhaseOutput<T>> =>
  defer(() => {
    const { scheduler } = settings;
    const startedAt = scheduler.now();
    const timeoutSeconds = watchTimeoutSeconds(settings.minWatchTimeoutSeconds, settings.random);
    const idleMs = lw.nextWatchIdleTimeoutMs?.() ?? settings.watchIdleTimeoutMs ?? (timeoutSeconds + 30) * 1000;
    const streaming = streamingCause !== undefined;
    const resourceVersion = streaming && state.expired ? '' : state.lastSyncRV;
    const opening: PhaseOutput<T> = streaming
      ? { _tag: 'Listing', resourceVersion, cause: streamingCause }
      : { _tag: 'Watching', resourceVersion };
    const cursor: WatchCursor<T> = streaming
      ? { state, events: 0, initial: auto ? { cause: streamingCause, buffered: undefined, auto } : { cause: streamingCause, buffered: undefined } }
      : { state, events: 0 };

    const watchOptions = watchOptionsFor(resourceVersion, timeoutSeconds, streaming);
    // the watch's events as they come (reduceWatchInputs wraps the ones reduceWatch needs), then how it ended
    const inputs$: Observable<WatchEvent<T> | WatchInput<T>> = defer(() => lw.watch(watchOptions)).pipe(
      idleTimeout(idleMs, (): WatchEvent<T> | WatchInput<T> => ({ _tag: 'Idle', idleMs }), scheduler),
      concatWith(defer(() => of<WatchInput<T>>({ _tag: 'Closed', durationMs: scheduler.now() - startedAt }))),
      catchError((e: unknown) => of<WatchInput<T>>({ _tag: 'Failed', error: toListerWatcherError(e, 'watch', '') })),
    );

    return inputs$.pipe(reduceWatchInputs(cursor), startWith(opening));
  });

/**
 * `scan(reduceWatch)`, then each step's `out` in order, up to and including the transition, as one
 * operator: the same output as `map(event => ({ _tag: 'Event', event }))` + `scan` +
 * `concatMap(step => step.out)` + `takeWhile(not Next, true)` without an inner subscription per
 * watch event. A reducer that throws errors the stream, as in `scan`. Internal (exported for its
 * property test).
 *
 * The fused lane (issue 23): an `Added`, `Modified` or `Deleted` event (bare or wrapped) does not
 * go through `reduceWatch`.
 * - Outside a streaming list's initial phase it is emitted at once as the one output
 *   `reduceWatch` gives it, without its step, cursor, output array and reflector state; the count
 *   and the newest non-empty resourceVersion it would have put into the cursor are folded in
 *   before the next input that goes through `reduceWatch` (`advanceRV` keeps only the newest
 *   non-empty one, so folding later is the same).
 * - During a streaming list's initial phase it goes into a map of the latest object per key as it
 *   arrives (`applyInitialEvent`), and the end bookmark's step is `initialEventsEnd` with that
 *   map's objects: what `reduceWatch` builds from its buffer in one run at the end bookmark, which
 *   held the event loop for over half a second with 150k objects.
 */
export const reduceWatchInputs =
  <T extends KubeObject>(start: WatchCursor<T>): OperatorFunction<WatchEvent<T> | WatchInput<T>, PhaseOutput<T>> =>
  (source) =>
    new Observable<PhaseOutput<T>>((subscriber) => {
      /** The cursor as of the last input that went through `reduceWatch` (what `start` buffered is in `initialObjects`). */
      let cursor: WatchCursor<T> = start.initial?.buffered === undefined ? start : { ...start, initial: { ...start.initial, buffered: undefined } };
      /** Events taken by the fused lane since `cursor` was last brought up to date, and the newest resourceVersion among them. */
      let laneEvents = 0;
      let laneRV = '';
      /** The streaming list's objects so far, latest per key (its initial phase only). */
      let initialObjects = latestPerKey(start.initial?.buffered);
      const step = (input: WatchEvent<T> | Exclude<WatchInput<T>, { readonly _tag: 'Event' }>): WatchStep<T> => {
        if (cursor.initial !== undefined && input._tag === 'Bookmark' && input.initialEventsEnd) {
          const listed = [...initialObjects.values()];
          initialObjects = new Map();
          return initialEventsEnd(cursor, input.resourceVersion, listed);
        }
        return reduceWatch(cursor, isWatchEnd(input) ? input : { _tag: 'Event', event: input });
      };
      return source.subscribe({
        next: (wrapped) => {
          const input = wrapped._tag === 'Event' ? wrapped.event : wrapped;
          if (isObjectEvent(input)) {
            laneEvents += 1;
            if (cursor.initial !== undefined) {
              try {
                applyInitialEvent(initialObjects, input._tag === 'Deleted', input.object);
              } catch (e: unknown) {
                subscriber.error(e); // as reduceWatch's would (it keys them at the end bookmark)
              }
              return;
            }
            const out = objectEventOutput(input);
            if (out.resourceVersion !== '') laneRV = out.resourceVersion;
            subscriber.next(out);
            return;
          }
          if (laneEvents > 0) {
            cursor = { ...cursor, state: advanceRV(cursor.state, laneRV), events: cursor.events + laneEvents };
            laneEvents = 0;
            laneRV = '';
          }
          let next: WatchStep<T>;
          try {
            next = step(input);
          } catch (e: unknown) {
            subscriber.error(e);
            return;
          }
          cursor = next.cursor;
          for (const out of next.out) {
            if (subscriber.closed) return;
            subscriber.next(out);
            if (out._tag === 'Next') {
              subscriber.complete();
              return;
            }
          }
        },
        error: (e: unknown) => {
          subscriber.error(e);
        },
        complete: () => {
          subscriber.complete();
        },
      });
    });

/** How a watch ended, as opposed to a bare {@link WatchEvent} (the tags differ). */
const isWatchEnd = <T>(input: WatchEvent<T> | WatchInput<T>): input is Exclude<WatchInput<T>, { readonly _tag: 'Event' }> =>
  input._tag === 'Failed' || input._tag === 'Closed' || input._tag === 'Idle';

/** `Backoff`, then a timer, then a transition to `next`. */
const backoffPhase = <T>(
  settings: Settings,
  state: ReflectorState,
  step: Extract<ReflectorStep, { readonly _tag: 'Backoff' }>,
): Observable<PhaseOutput<T>> =>
  defer(() => {
    const decision = nextBackoff(settings.backoff, state.backoff, settings.scheduler.now(), settings.random);
    const delayMs = Math.max(decision.delayMs, step.minDelayMs);
    const after: ReflectorState = { ...state, backoff: decision.state };
    const then: ReflectorStep = step.next === 'watch' ? { _tag: 'Watch' } : { _tag: 'List', cause: relistCause(after) };
    return timer(delayMs, settings.scheduler).pipe(
      map((): PhaseOutput<T> => transition(after, then)),
      startWith<PhaseOutput<T>>({ _tag: 'Backoff', delayMs, attempt: decision.state.attempt, next: step.next }),
    );
  });

const runStep = <T extends KubeObject>(
  lw: ListerWatcher<T>,
  settings: Settings,
  { state, step }: ReflectorTransition,
): Observable<PhaseOutput<T>> => {
  switch (step._tag) {
    case 'List':
      return listModeFor(settings.initialList, state, lw.supportsStreamingList) === 'stream'
        ? watchPhase(lw, settings, state, step.cause, settings.initialList === 'auto')
        : pagedListPhase(lw, settings, state, step.cause);
    case 'PagedList':
      return pagedListPhase(lw, settings, state, step.cause, step.fallback);
    case 'Watch':
      return watchPhase(lw, settings, state, undefined);
    case 'Backoff':
      return backoffPhase(settings, state, step);
  }
};

// ---------------------------------------------------------------------------------------------
// The Observable
// ---------------------------------------------------------------------------------------------

/**
 * Lists, then watches, forever: the reflector as a cold Observable of {@link ReflectorEvent}s.
 * It never completes and never errors; every failure is an `Error` value, and the stream recovers
 * by itself. Unsubscribing aborts the list, watch or timer in flight.
 *
 * Maps to client-go's `Reflector.ListAndWatch` (with `Reflector.list`, `Reflector.watch`,
 * `watchHandler`, `Reflector.watchList` and the reflector's backoff manager), and to kube-rs's
 * `watcher()`.
 *
 * ```
 * paged LIST (initialList 'list', a server that refused streaming, or supportsStreamingList: false):
 * lw.list:        --(p|)                                     p = page RV 100 (1 page)
 * lw.watch #1:          ---a---b---|                         clean close
 * lw.watch #2:                      ------#                  503
 * output:         L-(RW)---A---B---W------(EB)—800ms—W…      L = Listing{'0'}, R = Replace{RV 100},
 *                                                             W = Watching, E = Error, B = Backoff
 *
 * initialList 'auto' (the default) against a server without streaming lists (kube-apiserver 1.20):
 * lw.watch #1:    -#                                         422 Invalid (sendInitialEvents refused)
 * lw.list:          --(p|)
 * output:         L-(EL)-(RW)…                               E = Error{StreamingListUnsupported}, once
 * ```
 *
 * Algorithm (state: `lastSyncRV`, `expired`, `paginatedResult`, `streamingListUnsupported`,
 * backoff; see {@link ReflectorState}):
 * 1. List (`Listing{cause}`):
 *    - paged: LIST at {@link relistResourceVersion} with a limit per {@link firstPageOptions};
 *      follow `continue` tokens ({@link continuePageOptions}); emit each page's `Invalid`s; after
 *      the last page emit one `Replace` with every item and the last page's RV, set `lastSyncRV`,
 *      clear `expired`, go to 2.
 *    - streaming (`initialList: 'auto'`, the default, when the ListerWatcher says
 *      `supportsStreamingList: true` and the server has not refused it before; or `'stream'`): WATCH with
 *      `sendInitialEvents`; buffer objects until the `initial-events-end` bookmark, emit
 *      `Replace` and `Watching`, then go on with that watch as in 2. Under `'auto'`, a 422 answer (or silence, `STREAMING_LIST_SILENT`) emits
 *      `Error{StreamingListUnsupported}` once and every list from then on is paged.
 * 2. Watch: emit `Watching{lastSyncRV}`; WATCH from `lastSyncRV` with bookmarks and a timeout in
 *    `[min, 2·min)` s; emit each event and move `lastSyncRV` (see {@link reduceWatch}).
 * 3. When the watch ends, {@link kube-rx/reducers!reflectorProtocol.classifyWatchFailure} decides: re-watch at once (2), or emit
 *    `Error{next}`, then 4.
 * 4. Backoff: emit `Backoff{delayMs, attempt, next}` ({@link nextBackoff}; at least Retry-After),
 *    wait on the scheduler, then 1 (`cause: 'Expired'` after a 410, else `'Error'`) or 2.
 *
 * The loop runs one phase at a time: each phase is unsubscribed before the next one starts, and the
 * loop is a trampoline, so neither the call stack nor memory grows with the number of cycles.
 *
 * ## Recovery
 *
 * | failure                                   | emitted                         | then                          |
 * |-------------------------------------------|---------------------------------|-------------------------------|
 * | 410 on a continue page                    | nothing                         | one unpaged LIST at once       |
 * | 410 on a LIST at RV ≠ `''`                | `Error{ListFailed, 'list'}`     | LIST at `''` at once           |
 * | other LIST failure                        | `Error{ListFailed, 'list'}`     | backoff (≥ Retry-After), relist |
 * | 410 at watch start / in-stream 410        | `Error{WatchExpired, 'list'}`   | backoff, LIST at `''`          |
 * | network, 429, 5xx at watch start          | `Error{WatchFailed, 'watch'}`   | backoff (≥ Retry-After), re-watch |
 * | 400, 401, 403, 404 at watch start         | `Error{WatchFailed, 'list'}`    | backoff, relist               |
 * | in-stream 429                             | `Error{WatchStatus, 'watch'}`   | backoff (≥ retryAfterSeconds), re-watch |
 * | in-stream 500 and others                  | `Error{WatchStatus, 'list'}`    | backoff, relist from `lastSyncRV` |
 * | clean close < 1 s with no event           | `Error{VeryShortWatch, 'list'}` | backoff, relist               |
 * | clean close otherwise                     | nothing                         | re-watch at once from `lastSyncRV` |
 * | no event for `watchIdleTimeoutMs`         | `Error{WatchIdle, 'watch'}`     | backoff, re-watch             |
 * | streaming list refused (422), `'auto'` | `Error{StreamingListUnsupported, 'list'}` once | paged LIST at once, and for every later list |
 * | streaming list ends before its bookmark   | `Error{…, 'list'}`              | paged LIST at once             |
 *
 * The backoff state is shared by all failures and resets after `resetAfterMs` (2 min) without one.
 *
 * @param lw - where to list and watch.
 * @param config - see {@link ReflectorConfig}.
 *
 * @example
 * ```ts
 * import { NEVER, of } from 'rxjs';
 * import { listThenWatch, type KubeObject, type ListerWatcher } from 'kube-rx';
 * const lw: ListerWatcher<KubeObject> = {
 *   list: () => of({ resourceVersion: '1', items: [{ metadata: { name: 'a' } }], invalid: [] }),
 *   watch: () => NEVER,
 *   supportsStreamingList: false, // list in pages (no streaming list attempt)
 * };
 * const sub = listThenWatch(lw).subscribe((e) => console.log(e._tag)); // Listing, Replace, Watching
 * sub.unsubscribe();
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const listThenWatch = <T extends KubeObject>(
  lw: ListerWatcher<T>,
  config: ReflectorConfig = {},
): Observable<ReflectorEvent<T>> => {
  const settings = settingsOf(config);
  const events$ = new Observable<ReflectorEvent<T>>((subscriber) => {
    let pending: ReflectorTransition | undefined = transition(initialReflectorState, { _tag: 'List', cause: 'Initial' });
    let current: Subscription | undefined;
    let looping = false;

    // Trampoline: a phase that ends synchronously only records its transition; the loop below
    // starts the next phase once the previous one has been unsubscribed.
    const loop = (): void => {
      if (looping) return;
      looping = true;
      while (pending !== undefined && !subscriber.closed) {
        const next: ReflectorTransition = pending;
        pending = undefined;
        current?.unsubscribe();
        let ended = false;
        const phase = new Subscription();
        current = phase;
        phase.add(
          runStep(lw, settings, next).subscribe({
            next: (out) => {
              if (ended) return;
              if (out._tag !== 'Next') {
                subscriber.next(out);
                return;
              }
              ended = true;
              pending = out;
              loop();
            },
            error: (e: unknown) => {
              subscriber.error(e);
            },
            complete: () => {
              if (!ended) subscriber.error(new TypeError('kube-rx: a reflector phase ended without a next step'));
            },
          }),
        );
      }
      looping = false;
    };

    loop();
    return () => {
      pending = undefined;
      current?.unsubscribe();
    };
  });
  const { metrics } = config;
  return metrics === undefined ? events$ : events$.pipe(reflectorMetrics(metrics, config.name ?? 'reflector', settings.scheduler));
};
