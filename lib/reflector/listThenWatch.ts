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

import type { Status } from '../codec/Status.js';
import type { ListerWatcher, ListOptions, ListPage, WatchEvent, WatchOptions } from '../listwatch/ListerWatcher.js';
import {
  isExpired,
  isRetriableWatchError,
  type ListerWatcherError,
  toListerWatcherError,
  transportError,
} from '../listwatch/ListerWatcherError.js';
import { type KubeObject, resourceVersionOf } from '../meta/KubeObject.js';
import { metaNamespaceKeyFunc } from '../meta/keyFunc.js';
import { reflectorMetrics } from '../metrics/reflectorMetrics.js';
import type { ReflectorMetricsProvider } from '../metrics/ReflectorMetricsProvider.js';
import { type BackoffConfig, type BackoffState, initialBackoffState, nextBackoff } from './backoff.js';
import { idleTimeout } from './idleTimeout.js';
import type { ReflectorError } from './ReflectorError.js';
import type { ListCause, NextStep, ReflectorEvent } from './ReflectorEvent.js';

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
 * pageSize 500 ──► LIST ?resourceVersion=0&limit=500 ─► ?limit=500&continue=… ─► …
 * initialList 'stream' ──► WATCH ?sendInitialEvents=true&resourceVersionMatch=NotOlderThan
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
  /** `'list'` (paged LIST, the default) or `'stream'` (a streaming list over WATCH, falling back to LIST). */
  readonly initialList?: 'list' | 'stream';
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
  readonly initialList: 'list' | 'stream';
  readonly backoff: BackoffConfig;
  readonly minWatchTimeoutSeconds: number;
  readonly watchIdleTimeoutMs: number | undefined;
  readonly random: () => number;
  readonly scheduler: SchedulerLike;
}

const settingsOf = (config: ReflectorConfig): Settings => ({
  pageSize: config.pageSize ?? 500,
  initialList: config.initialList ?? 'list',
  backoff: config.backoff ?? {},
  minWatchTimeoutSeconds: config.minWatchTimeoutSeconds ?? 300,
  watchIdleTimeoutMs: config.watchIdleTimeoutMs,
  random: config.random ?? Math.random,
  scheduler: config.scheduler ?? asyncScheduler,
});

// ---------------------------------------------------------------------------------------------
// State machine: state, steps, transitions
// ---------------------------------------------------------------------------------------------

/**
 * What the reflector remembers between requests.
 *
 * Invariants:
 * - `lastSyncRV` is `''` until the first list succeeds, then always the resourceVersion of the
 *   newest list, object, bookmark or invalid line seen; it never moves to `''` again.
 * - `expired` is true from a 410 until the next successful list (which used `resourceVersion=""`).
 * - `paginatedResult` becomes true once a list at `resourceVersion=0` came back in several pages,
 *   and stays true: that server honours paging even at `0` (its watch cache is probably off).
 *
 * Maps to the `Reflector` fields `lastSyncResourceVersion`, `isLastSyncResourceVersionUnavailable`,
 * `paginatedResult` and `backoffManager` (`reflector.go`).
 *
 * ```
 * list ok(RV 100) ──► { lastSyncRV: '100', expired: false } ── watch 410 ──► { lastSyncRV: '100', expired: true }
 * ```
 *
 * @example
 * ```ts
 * import type { ReflectorState } from 'kube-rx';
 * const s: ReflectorState = { lastSyncRV: '100', expired: false, paginatedResult: false, backoff: { attempt: 0 } };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export interface ReflectorState {
  readonly lastSyncRV: string;
  readonly expired: boolean;
  readonly paginatedResult: boolean;
  readonly backoff: BackoffState;
}

/**
 * The state of a reflector that has done nothing yet.
 *
 * Maps to a freshly built client-go `Reflector`.
 *
 * ```
 * initialReflectorState = { lastSyncRV: '', expired: false, paginatedResult: false, backoff: { attempt: 0 } }
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol } from 'kube-rx';
 * reflectorProtocol.relistResourceVersion(reflectorProtocol.initialReflectorState); // '0'
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const initialReflectorState: ReflectorState = {
  lastSyncRV: '',
  expired: false,
  paginatedResult: false,
  backoff: initialBackoffState,
};

/**
 * The next phase of the reflector's loop.
 *
 * - `List`: a list cycle: a streaming list when `initialList: 'stream'`, else a paged LIST.
 * - `PagedList`: a paged LIST (also the fallback of a refused streaming list).
 * - `Watch`: a WATCH from `lastSyncRV`.
 * - `Backoff`: wait (at least `minDelayMs`), then `next`.
 *
 * Maps to the control flow of client-go's `Reflector.ListAndWatch` / `watchWithResync` loop.
 *
 * ```
 * List ──► Watch ──► Watch ──► Backoff ──► List ──► Watch …
 * ```
 *
 * @example
 * ```ts
 * import type { ReflectorStep } from 'kube-rx';
 * const s: ReflectorStep = { _tag: 'Backoff', next: 'watch', minDelayMs: 2_000 };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export type ReflectorStep =
  | { readonly _tag: 'List'; readonly cause: ListCause }
  | { readonly _tag: 'PagedList'; readonly cause: ListCause }
  | { readonly _tag: 'Watch' }
  | { readonly _tag: 'Backoff'; readonly next: NextStep; readonly minDelayMs: number };

/**
 * The last value of a phase: the state to carry on with and the step to run next. Never emitted by
 * {@link listThenWatch}; it only links one phase to the next.
 *
 * Maps to the `continue` / `return` points of client-go's `ListAndWatch` loop.
 *
 * ```
 * watch phase:  --W--a--b--(E N)        N = { _tag: 'Next', state, step: Backoff }
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol, type ReflectorTransition } from 'kube-rx';
 * const t: ReflectorTransition = { _tag: 'Next', state: reflectorProtocol.initialReflectorState, step: { _tag: 'Watch' } };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export interface ReflectorTransition {
  readonly _tag: 'Next';
  readonly state: ReflectorState;
  readonly step: ReflectorStep;
}

/**
 * What one phase of the loop emits: events for the subscriber, then one {@link ReflectorTransition}.
 *
 * Maps to nothing in client-go (its phases are function calls).
 *
 * ```
 * --event--event--next|
 * ```
 *
 * @example
 * ```ts
 * import type { PhaseOutput, KubeObject } from 'kube-rx';
 * const o: PhaseOutput<KubeObject> = { _tag: 'Watching', resourceVersion: '10' };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export type PhaseOutput<T> = ReflectorEvent<T> | ReflectorTransition;

const transition = (state: ReflectorState, step: ReflectorStep): ReflectorTransition => ({ _tag: 'Next', state, step });

/**
 * `{ ...state, lastSyncRV: resourceVersion }`, built field by field: it runs once per watch event,
 * and V8 copies a spread followed by an override about 20 times slower (issue 5). A field added to
 * {@link ReflectorState} must be added here too (a required one fails to compile until it is).
 */
const advanceRV = (state: ReflectorState, resourceVersion: string | undefined): ReflectorState =>
  resourceVersion === undefined || resourceVersion === ''
    ? state
    : {
        lastSyncRV: resourceVersion,
        expired: state.expired,
        paginatedResult: state.paginatedResult,
        backoff: state.backoff,
      };

// ---------------------------------------------------------------------------------------------
// Pure protocol rules: LIST
// ---------------------------------------------------------------------------------------------

/**
 * The resourceVersion to LIST at: `''` (a consistent read from etcd) after a 410, otherwise the
 * last synced RV, or `'0'` (anything, possibly from the watch cache) before the first list.
 *
 * Maps to client-go's `Reflector.relistResourceVersion`.
 *
 * ```
 * { lastSyncRV: '',    expired: false } ──► '0'
 * { lastSyncRV: '100', expired: false } ──► '100'
 * { lastSyncRV: '100', expired: true  } ──► ''
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol } from 'kube-rx';
 * reflectorProtocol.relistResourceVersion({ ...reflectorProtocol.initialReflectorState, lastSyncRV: '7', expired: true }); // ''
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const relistResourceVersion = (state: ReflectorState): string =>
  state.expired ? '' : state.lastSyncRV === '' ? '0' : state.lastSyncRV;

/**
 * Why a relist after a backoff happens: `'Expired'` while the last RV is known to be gone (410),
 * else `'Error'`.
 *
 * Maps to the log lines of client-go's `Reflector.ListAndWatch` around `relistResourceVersion`.
 *
 * ```
 * { expired: true } ──► 'Expired'      { expired: false } ──► 'Error'
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol } from 'kube-rx';
 * reflectorProtocol.relistCause(reflectorProtocol.initialReflectorState); // 'Error'
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const relistCause = (state: ReflectorState): ListCause => (state.expired ? 'Expired' : 'Error');

/**
 * Options of the first LIST page. A `limit` is sent when the list may be served from etcd and so
 * can be paged: at `''` or `'0'`, or when this server already paged a list at `'0'`; a list at a
 * specific RV is served whole from the watch cache.
 *
 * Maps to the `pager.PageSize` switch in client-go's `Reflector.list`.
 *
 * ```
 * ('0',   500, false) ──► { resourceVersion: '0',   limit: 500 }
 * ('',    500, false) ──► { resourceVersion: '',    limit: 500 }
 * ('100', 500, false) ──► { resourceVersion: '100' }
 * ('100', 500, true ) ──► { resourceVersion: '100', limit: 500 }
 * (any,   0,   any  ) ──► { resourceVersion: any }
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol } from 'kube-rx';
 * reflectorProtocol.firstPageOptions('0', 500, false); // { resourceVersion: '0', limit: 500 }
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const firstPageOptions = (resourceVersion: string, pageSize: number, paginatedResult: boolean): ListOptions => {
  const paged = pageSize > 0 && (resourceVersion === '' || resourceVersion === '0' || paginatedResult);
  return { resourceVersion, ...(paged ? { limit: pageSize } : {}) };
};

/**
 * Options of a continue page: the first page's `limit` and the token, and no resourceVersion (the
 * token pins the snapshot).
 *
 * Maps to the loop of client-go's `pager.ListPager.list` (`options.ResourceVersion = ""`).
 *
 * ```
 * ({ resourceVersion: '0', limit: 500 }, 'tok') ──► { limit: 500, continue: 'tok' }
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol } from 'kube-rx';
 * reflectorProtocol.continuePageOptions({ resourceVersion: '0', limit: 500 }, 'tok'); // { limit: 500, continue: 'tok' }
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const continuePageOptions = (first: ListOptions, continueToken: string): ListOptions => ({
  ...(first.limit === undefined ? {} : { limit: first.limit }),
  continue: continueToken,
});

/**
 * Options of the one full (unpaged) list made when a continue token expires: the first page's
 * resourceVersion, no limit, no token.
 *
 * Maps to the `FullListIfExpired` branch of client-go's `pager.ListPager.list`.
 *
 * ```
 * ({ resourceVersion: '0', limit: 500 }) ──► { resourceVersion: '0' }
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol } from 'kube-rx';
 * reflectorProtocol.fullListOptions({ resourceVersion: '0', limit: 500 }); // { resourceVersion: '0' }
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const fullListOptions = (first: ListOptions): ListOptions => ({
  ...(first.resourceVersion === undefined ? {} : { resourceVersion: first.resourceVersion }),
  ...(first.resourceVersionMatch === undefined ? {} : { resourceVersionMatch: first.resourceVersionMatch }),
});

/**
 * What to do after a LIST request failed.
 *
 * - `FullList`: a continue token expired: make one unpaged list at the original RV, at once.
 * - `RelistConsistent`: the RV listed at is gone (410): relist at once at `''`.
 * - `Backoff`: anything else: back off, then relist.
 *
 * Maps to client-go's `pager.ListPager` (`FullListIfExpired`) and the `isExpiredError` branch of
 * `Reflector.list`.
 *
 * ```
 * 410 on a continue page          ──► FullList
 * 410 on a list at RV ≠ ''        ──► RelistConsistent
 * 410 at '' ; 403 ; 500 ; network ──► Backoff
 * ```
 *
 * @param error - the failure.
 * @param listResourceVersion - the RV of the first page's request.
 * @param onContinuePage - true when the failed request carried a continue token.
 *
 * @example
 * ```ts
 * import { reflectorProtocol, httpError } from 'kube-rx';
 * reflectorProtocol.classifyListFailure(httpError('list', 'pods', 410), '0', false); // 'RelistConsistent'
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const classifyListFailure = (
  error: ListerWatcherError,
  listResourceVersion: string,
  onContinuePage: boolean,
): 'FullList' | 'RelistConsistent' | 'Backoff' =>
  !isExpired(error) ? 'Backoff' : onContinuePage ? 'FullList' : listResourceVersion !== '' ? 'RelistConsistent' : 'Backoff';

const retryAfterMs = (error: ListerWatcherError): number =>
  error._tag === 'HttpError' ? (error.retryAfterSeconds ?? error.status?.details?.retryAfterSeconds ?? 0) * 1000 : 0;

// ---------------------------------------------------------------------------------------------
// Pure protocol rules: WATCH
// ---------------------------------------------------------------------------------------------

/**
 * The server-side timeout of one watch: `floor(min * (1 + random()))` seconds, i.e. in
 * `[min, 2 * min)`, so that many reflectors do not reconnect in step.
 *
 * Maps to `timeoutSeconds := int64(r.minWatchTimeout.Seconds() * (rand.Float64() + 1.0))` in
 * client-go's `Reflector.watch`.
 *
 * ```
 * (300, () => 0)   ──► 300
 * (300, () => 0.5) ──► 450
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol } from 'kube-rx';
 * reflectorProtocol.watchTimeoutSeconds(300, () => 0.5); // 450
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const watchTimeoutSeconds = (minWatchTimeoutSeconds: number, random: () => number): number =>
  Math.floor(minWatchTimeoutSeconds * (1 + random()));

/**
 * Options of a WATCH request: bookmarks on, the jittered timeout, and for a streaming list
 * `sendInitialEvents` with `resourceVersionMatch=NotOlderThan`.
 *
 * Maps to the `metav1.ListOptions` built in client-go's `Reflector.watch` and `Reflector.watchList`.
 *
 * ```
 * ('100', 300, false) ──► { resourceVersion: '100', allowWatchBookmarks: true, timeoutSeconds: 300 }
 * ('',    300, true ) ──► { …, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' }
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol } from 'kube-rx';
 * reflectorProtocol.watchOptionsFor('100', 300, false).allowWatchBookmarks; // true
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const watchOptionsFor = (resourceVersion: string, timeoutSeconds: number, streaming: boolean): WatchOptions => ({
  resourceVersion,
  allowWatchBookmarks: true,
  timeoutSeconds,
  ...(streaming ? { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' as const } : {}),
});

/**
 * How a watch ended.
 *
 * - `Failed`: the request failed or the connection dropped.
 * - `Status`: an in-stream `ERROR` event.
 * - `Closed`: the server closed the stream cleanly after `durationMs`, having sent `events` events.
 * - `Idle`: nothing arrived for `idleMs`.
 *
 * Maps to the return paths of client-go's `watchHandler`.
 *
 * ```
 * --a--#   Failed      --a--e   Status      --a--|   Closed      --a-------(idle)   Idle
 * ```
 *
 * @example
 * ```ts
 * import type { WatchEnd } from 'kube-rx';
 * const e: WatchEnd = { _tag: 'Closed', durationMs: 20, events: 0 };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export type WatchEnd =
  | { readonly _tag: 'Failed'; readonly error: ListerWatcherError }
  | { readonly _tag: 'Status'; readonly status: Status }
  | { readonly _tag: 'Closed'; readonly durationMs: number; readonly events: number }
  | { readonly _tag: 'Idle'; readonly idleMs: number };

/**
 * The decision after a watch ended: re-watch at once, or report `error`, remember a 410 in
 * `expired`, and back off (at least `minDelayMs`) before `next`.
 *
 * Maps to the error handling of client-go's `Reflector.ListAndWatch` after `watchHandler` returns.
 *
 * ```
 * Closed (long) ──► Rewatch        Failed 503 ──► Recover { next: 'watch' }
 * ```
 *
 * @example
 * ```ts
 * import type { WatchVerdict } from 'kube-rx';
 * const v: WatchVerdict = { _tag: 'Rewatch' };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export type WatchVerdict =
  | { readonly _tag: 'Rewatch' }
  | {
      readonly _tag: 'Recover';
      readonly error: ReflectorError;
      readonly next: NextStep;
      readonly expired: boolean;
      readonly minDelayMs: number;
    };

const recover = (error: ReflectorError, next: NextStep, expired = false, minDelayMs = 0): WatchVerdict => ({
  _tag: 'Recover',
  error,
  next,
  expired,
  minDelayMs,
});

const isExpiredStatus = (status: Status): boolean =>
  status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone';

/**
 * Decides what follows the end of a watch (a normal watch; a streaming list's initial phase
 * always falls back to LIST instead).
 *
 * Maps to client-go's `Reflector.ListAndWatch` error handling: `isExpiredError`,
 * `isWatchErrorRetriable` / `apierrors.IsTooManyRequests`, `errorStopRequested`, and the
 * "very short watch" check of `watchHandler`.
 *
 * ```
 * Failed 410 / Status 410            ──► WatchExpired,   relist at '' (expired)
 * Failed network / 429 / 5xx         ──► WatchFailed,    re-watch      (429: ≥ Retry-After)
 * Failed 400 / 401 / 403 / 404 …     ──► WatchFailed,    relist
 * Status 429                         ──► WatchStatus,    re-watch      (≥ details.retryAfterSeconds)
 * Status 500 …                       ──► WatchStatus,    relist
 * Closed < 1000 ms with no event     ──► VeryShortWatch, relist
 * Closed otherwise                   ──► Rewatch at once, no backoff
 * Idle                               ──► WatchIdle,      re-watch
 * ```
 *
 * @param end - how the watch ended.
 * @param resourceVersion - the reflector's last synced RV when it ended.
 *
 * @example
 * ```ts
 * import { reflectorProtocol, httpError } from 'kube-rx';
 * reflectorProtocol.classifyWatchFailure({ _tag: 'Failed', error: httpError('watch', 'pods', 503) }, '10'); // Recover, next 'watch'
 * reflectorProtocol.classifyWatchFailure({ _tag: 'Closed', durationMs: 60_000, events: 3 }, '10');        // { _tag: 'Rewatch' }
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const classifyWatchFailure = (end: WatchEnd, resourceVersion: string): WatchVerdict => {
  switch (end._tag) {
    case 'Failed': {
      const { error } = end;
      if (isExpired(error)) {
        const status = error._tag === 'HttpError' ? error.status : undefined;
        return recover({ _tag: 'WatchExpired', resourceVersion, ...(status === undefined ? {} : { status }) }, 'list', true);
      }
      if (isRetriableWatchError(error)) return recover({ _tag: 'WatchFailed', error }, 'watch', false, retryAfterMs(error));
      return recover({ _tag: 'WatchFailed', error }, 'list');
    }
    case 'Status': {
      const { status } = end;
      if (isExpiredStatus(status)) return recover({ _tag: 'WatchExpired', resourceVersion, status }, 'list', true);
      if (status.code === 429) {
        const delay = (status.details?.retryAfterSeconds ?? 0) * 1000;
        return recover({ _tag: 'WatchStatus', resourceVersion, status }, 'watch', false, delay);
      }
      return recover({ _tag: 'WatchStatus', resourceVersion, status }, 'list');
    }
    case 'Closed':
      return end.durationMs < 1000 && end.events === 0
        ? recover({ _tag: 'VeryShortWatch', resourceVersion }, 'list')
        : { _tag: 'Rewatch' };
    case 'Idle':
      return recover({ _tag: 'WatchIdle', resourceVersion, idleMs: end.idleMs }, 'watch');
  }
};

// ---------------------------------------------------------------------------------------------
// Pure protocol rules: the watch reducer
// ---------------------------------------------------------------------------------------------

/** What a step that emits nothing emits (shared: the reducer never mutates an `out`). */
const NOTHING: ReadonlyArray<never> = [];

/** Objects received during a streaming list, newest first (a cons list: O(1) per event). */
type Buffered<T> = { readonly deleted: boolean; readonly object: T; readonly older: Buffered<T> } | undefined;

/**
 * One input of {@link reduceWatch}: a watch event, or how the watch ended.
 *
 * Maps to what client-go's `watchHandler` receives from `w.ResultChan()` and its timers.
 *
 * ```
 * --Event--Event--(Closed | Failed | Idle)
 * ```
 *
 * @example
 * ```ts
 * import type { WatchInput, KubeObject } from 'kube-rx';
 * const i: WatchInput<KubeObject> = { _tag: 'Closed', durationMs: 30_000 };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export type WatchInput<T> =
  | { readonly _tag: 'Event'; readonly event: WatchEvent<T> }
  | { readonly _tag: 'Failed'; readonly error: ListerWatcherError }
  | { readonly _tag: 'Closed'; readonly durationMs: number }
  | { readonly _tag: 'Idle'; readonly idleMs: number };

/**
 * The state of one running watch: the reflector state, how many events arrived, and, while a
 * streaming list has not reached its end bookmark, the objects received so far.
 *
 * Maps to the locals of client-go's `watchHandler` (`eventCount`, the temporary store of
 * `Reflector.watchList`).
 *
 * ```
 * { events: 0, initial: {…} } ──Added──► { events: 1, initial: {…+1} } ──end bookmark──► { events: 2 }
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol, type WatchCursor, type KubeObject } from 'kube-rx';
 * const c: WatchCursor<KubeObject> = { state: reflectorProtocol.initialReflectorState, events: 0 };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export interface WatchCursor<T> {
  readonly state: ReflectorState;
  readonly events: number;
  readonly initial?: { readonly cause: ListCause; readonly buffered: Buffered<T> };
}

/**
 * The result of one {@link reduceWatch} step: the new cursor and what to emit (ending with a
 * {@link ReflectorTransition} when the watch is over).
 *
 * Maps to one iteration of client-go's `watchHandler` loop.
 *
 * ```
 * (cursor, Event a) ──► { cursor', out: [Added a] }
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol, type WatchStep, type KubeObject } from 'kube-rx';
 * const s: WatchStep<KubeObject> = { cursor: { state: reflectorProtocol.initialReflectorState, events: 0 }, out: [] };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export interface WatchStep<T> {
  readonly cursor: WatchCursor<T>;
  readonly out: ReadonlyArray<PhaseOutput<T>>;
}

const materialize = <T extends KubeObject>(buffered: Buffered<T>): ReadonlyArray<T> => {
  const newestFirst: Array<{ readonly deleted: boolean; readonly object: T }> = [];
  for (let b = buffered; b !== undefined; b = b.older) newestFirst.push(b);
  const byKey = new Map<string, T>();
  for (let i = newestFirst.length - 1; i >= 0; i--) {
    const entry = newestFirst[i];
    if (entry === undefined) continue;
    const key = metaNamespaceKeyFunc(entry.object);
    if (entry.deleted) byKey.delete(key);
    else byKey.set(key, entry.object);
  }
  return [...byKey.values()];
};

const endOfWatch = <T>(cursor: WatchCursor<T>, end: WatchEnd): WatchStep<T> => {
  const verdict = classifyWatchFailure(end, cursor.state.lastSyncRV);
  if (cursor.initial !== undefined) {
    // A streaming list that did not reach its end bookmark: fall back to a paged LIST at once.
    const error: ReflectorError =
      verdict._tag === 'Recover'
        ? verdict.error
        : { _tag: 'WatchFailed', error: transportError('watch', '', 'watch closed before the initial-events-end bookmark') };
    const expired = verdict._tag === 'Recover' && verdict.expired;
    const state: ReflectorState = expired ? { ...cursor.state, expired: true } : cursor.state;
    return {
      cursor: { state, events: cursor.events },
      out: [
        { _tag: 'Error', error, next: 'list' },
        transition(state, { _tag: 'PagedList', cause: expired ? 'Expired' : cursor.initial.cause }),
      ],
    };
  }
  if (verdict._tag === 'Rewatch') return { cursor, out: [transition(cursor.state, { _tag: 'Watch' })] };
  const state: ReflectorState = verdict.expired ? { ...cursor.state, expired: true } : cursor.state;
  return {
    cursor: { ...cursor, state },
    out: [
      { _tag: 'Error', error: verdict.error, next: verdict.next },
      transition(state, { _tag: 'Backoff', next: verdict.next, minDelayMs: verdict.minDelayMs }),
    ],
  };
};

const onWatchEvent = <T extends KubeObject>(previous: WatchCursor<T>, event: WatchEvent<T>): WatchStep<T> => {
  const { initial, state } = previous;
  const events = previous.events + 1;
  // Built field by field rather than spread: this runs once per watch event (issue 5).
  const cursor: WatchCursor<T> = initial === undefined ? { state, events } : { state, events, initial };
  switch (event._tag) {
    case 'Error':
      return endOfWatch(cursor, { _tag: 'Status', status: event.status });
    case 'Invalid':
      return {
        cursor: initial === undefined ? { ...cursor, state: advanceRV(state, event.failure.resourceVersion) } : cursor,
        out: [{ _tag: 'Invalid', failure: event.failure }],
      };
    case 'Bookmark':
      if (initial === undefined) {
        return { cursor: { ...cursor, state: advanceRV(state, event.resourceVersion) }, out: [{ _tag: 'Bookmark', resourceVersion: event.resourceVersion }] };
      }
      if (!event.initialEventsEnd) return { cursor, out: [] };
      return {
        cursor: { state: { ...advanceRV(state, event.resourceVersion), expired: false }, events: cursor.events },
        out: [{ _tag: 'Replace', items: materialize(initial.buffered), resourceVersion: event.resourceVersion }],
      };
    case 'Added':
    case 'Modified':
    case 'Deleted': {
      if (initial !== undefined) {
        const buffered: Buffered<T> = { deleted: event._tag === 'Deleted', object: event.object, older: initial.buffered };
        return { cursor: { state, events, initial: { cause: initial.cause, buffered } }, out: NOTHING };
      }
      const resourceVersion = resourceVersionOf(event.object);
      return {
        cursor: { state: advanceRV(state, resourceVersion), events },
        out: [{ _tag: event._tag, object: event.object, resourceVersion }],
      };
    }
  }
};

/**
 * One step of a running watch, as a pure reducer: applies a watch event (or the end of the watch)
 * to the cursor and says what to emit.
 *
 * Maps to client-go's `watchHandler` (and, for a streaming list, `Reflector.watchList`).
 *
 * ```
 * input:   --a-----k------e
 * out:     --A-----K------(E N)      A = Added, K = Bookmark, E = Error, N = Next(Backoff)
 * ```
 *
 * Algorithm:
 * 1. Count the event (every kind counts, bookmarks included).
 * 2. During a streaming list's initial phase (`cursor.initial` set):
 *    - `Added` / `Modified` / `Deleted` are buffered, not emitted.
 *    - A bookmark with `initialEventsEnd` emits `Replace` with the buffered objects (the latest
 *      per key, deleted keys left out), sets `lastSyncRV`, clears `expired`, and ends the initial
 *      phase; the same watch then goes on as a normal watch. Other bookmarks are ignored.
 *    - `Invalid` is emitted at once.
 *    - Any end of the watch emits `Error{next: 'list'}` and a transition to `PagedList`, no backoff.
 * 3. In a normal watch:
 *    - `Added` / `Modified` / `Deleted` are emitted with the object's RV, which becomes `lastSyncRV`.
 *    - `Bookmark` moves `lastSyncRV` and is emitted as `Bookmark`.
 *    - `Invalid` is emitted; its RV (when it has one) becomes `lastSyncRV`.
 *    - `Error` (in-stream Status) and the end inputs are decided by {@link classifyWatchFailure}:
 *      either a transition to `Watch` at once, or `Error` then a transition to `Backoff`.
 *
 * @example
 * ```ts
 * import { reflectorProtocol } from 'kube-rx';
 * const cursor = { state: { ...reflectorProtocol.initialReflectorState, lastSyncRV: '10' }, events: 0 };
 * reflectorProtocol.reduceWatch(cursor, { _tag: 'Event', event: { _tag: 'Bookmark', resourceVersion: '20', initialEventsEnd: false } })
 *   .cursor.state.lastSyncRV; // '20'
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const reduceWatch = <T extends KubeObject>(cursor: WatchCursor<T>, input: WatchInput<T>): WatchStep<T> => {
  switch (input._tag) {
    case 'Event':
      return onWatchEvent(cursor, input.event);
    case 'Failed':
      return endOfWatch(cursor, { _tag: 'Failed', error: input.error });
    case 'Closed':
      return endOfWatch(cursor, { _tag: 'Closed', durationMs: input.durationMs, events: cursor.events });
    case 'Idle':
      return endOfWatch(cursor, { _tag: 'Idle', idleMs: input.idleMs });
  }
};

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

    return concat(of<PhaseOutput<T>>({ _tag: 'Listing', resourceVersion: listRV, cause }), pages$);
  });

/** A WATCH (or, with `streamingCause`, a streaming list that turns into a watch). */
const watchPhase = <T extends KubeObject>(
  lw: ListerWatcher<T>,
  settings: Settings,
  state: ReflectorState,
  streamingCause: ListCause | undefined,
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
      ? { state, events: 0, initial: { cause: streamingCause, buffered: undefined } }
      : { state, events: 0 };

    const watchOptions = watchOptionsFor(resourceVersion, timeoutSeconds, streaming);
    const inputs$: Observable<WatchInput<T>> = defer(() => lw.watch(watchOptions)).pipe(
      map((event): WatchInput<T> => ({ _tag: 'Event', event })),
      idleTimeout(idleMs, (): WatchInput<T> => ({ _tag: 'Idle', idleMs }), scheduler),
      concatWith(defer(() => of<WatchInput<T>>({ _tag: 'Closed', durationMs: scheduler.now() - startedAt }))),
      catchError((e: unknown) => of<WatchInput<T>>({ _tag: 'Failed', error: toListerWatcherError(e, 'watch', '') })),
    );

    return inputs$.pipe(reduceWatchInputs(cursor), startWith(opening));
  });

/**
 * `scan(reduceWatch)`, then each step's `out` in order, up to and including the transition, as one
 * operator: the same output as `scan` + `concatMap(step => step.out)` + `takeWhile(not Next, true)`
 * without an inner subscription per watch event. A reducer that throws errors the stream, as in
 * `scan`.
 */
const reduceWatchInputs =
  <T extends KubeObject>(start: WatchCursor<T>): OperatorFunction<WatchInput<T>, PhaseOutput<T>> =>
  (source) =>
    new Observable<PhaseOutput<T>>((subscriber) => {
      let cursor = start;
      return source.subscribe({
        next: (input) => {
          let step: WatchStep<T>;
          try {
            step = reduceWatch(cursor, input);
          } catch (e: unknown) {
            subscriber.error(e);
            return;
          }
          cursor = step.cursor;
          for (const out of step.out) {
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
      return settings.initialList === 'stream'
        ? watchPhase(lw, settings, state, step.cause)
        : pagedListPhase(lw, settings, state, step.cause);
    case 'PagedList':
      return pagedListPhase(lw, settings, state, step.cause);
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
 * lw.list:        --(p|)                                     p = page RV 100 (1 page)
 * lw.watch #1:          ---a---b---|                         clean close
 * lw.watch #2:                      ------#                  503
 * output:         L-(RW)---A---B---W------(EB)—800ms—W…      L = Listing{'0'}, R = Replace{RV 100},
 *                                                             W = Watching, E = Error, B = Backoff
 * ```
 *
 * Algorithm (state: `lastSyncRV`, `expired`, `paginatedResult`, backoff; see {@link ReflectorState}):
 * 1. List (`Listing{cause}`):
 *    - paged: LIST at {@link relistResourceVersion} with a limit per {@link firstPageOptions};
 *      follow `continue` tokens ({@link continuePageOptions}); emit each page's `Invalid`s; after
 *      the last page emit one `Replace` with every item and the last page's RV, set `lastSyncRV`,
 *      clear `expired`, go to 2.
 *    - streaming (`initialList: 'stream'`): WATCH with `sendInitialEvents`; buffer objects until
 *      the `initial-events-end` bookmark, emit `Replace`, then go on with that watch as in 2.
 * 2. Watch: emit `Watching{lastSyncRV}`; WATCH from `lastSyncRV` with bookmarks and a timeout in
 *    `[min, 2·min)` s; emit each event and move `lastSyncRV` (see {@link reduceWatch}).
 * 3. When the watch ends, {@link classifyWatchFailure} decides: re-watch at once (2), or emit
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
