import type { Status } from '../codec/Status.js';
import type { ListOptions, WatchOptions } from '../listwatch/ListerWatcher.js';
import { isExpired, isInvalid, isRetriableWatchError, type ListerWatcherError, STREAMING_LIST_SILENT } from '../listwatch/ListerWatcherError.js';
import type { ReflectorError } from './ReflectorError.js';
import type { ListCause, NextStep } from './ReflectorEvent.js';
import type { ReflectorState } from './ReflectorState.js';

/*
 * The reflector's pure protocol rules: the resourceVersion ladder and paging of LIST, the options
 * of WATCH, and how list and watch failures are classified (client-go reflector.go).
 */

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
 * import { reflectorProtocol } from 'kube-rx/reducers';
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
 * import { reflectorProtocol } from 'kube-rx/reducers';
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
 * import { reflectorProtocol } from 'kube-rx/reducers';
 * reflectorProtocol.firstPageOptions('0', 500, false); // { resourceVersion: '0', limit: 500 }
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const firstPageOptions = (resourceVersion: string, pageSize: number, paginatedResult: boolean): ListOptions => {
  const paged = pageSize > 0 && (resourceVersion === '' || resourceVersion === '0' || paginatedResult);
  return { resourceVersion, ...(paged ? { limit: pageSize } : {}) };
};

export { continuePageOptions } from '../listwatch/ListerWatcher.js';

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
 * import { reflectorProtocol } from 'kube-rx/reducers';
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
 * import { httpError } from 'kube-rx';
 * import { reflectorProtocol } from 'kube-rx/reducers';
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

/**
 * How long the server asked us to wait before retrying, in ms: an HTTP error's `Retry-After`
 * header, or its Status's `details.retryAfterSeconds`; 0 when it said nothing.
 *
 * Maps to client-go's `apierrors.SuggestsClientDelay`.
 *
 * @example
 * ```ts
 * import { httpError } from 'kube-rx';
 * import { reflectorProtocol } from 'kube-rx/reducers';
 * reflectorProtocol.retryAfterMs(httpError('watch', 'pods', 429, { retryAfterSeconds: 2 })); // 2000
 * ```
 * @category reflector
 * @since 0.3.0
 */
export const retryAfterMs = (error: ListerWatcherError): number =>
  error._tag === 'HttpError' ? (error.retryAfterSeconds ?? error.status?.details?.retryAfterSeconds ?? 0) * 1000 : 0;

/**
 * How the reflector makes its initial (and every later) list: `'auto'` streams while the server
 * accepts it, `'list'` always makes a paged LIST, `'stream'` always tries a streaming list first.
 *
 * Maps to client-go's `Reflector.UseWatchList` (the `WatchListClient` feature gate, on by default
 * since client-go 1.35) for `'auto'` and `'stream'`, and to the gate off for `'list'`.
 *
 * @example
 * ```ts
 * import type { InitialListMode } from 'kube-rx';
 * const mode: InitialListMode = 'auto';
 * ```
 * @category reflector
 * @since 0.3.0
 */
export type InitialListMode = 'auto' | 'list' | 'stream';

/**
 * Whether the next list cycle is a streaming list (`'stream'`) or a paged LIST (`'list'`).
 *
 * - `initialList: 'list'` or `'stream'` forces that one.
 * - `'auto'` streams only when the ListerWatcher says it talks to a server that may
 *   (`supportsStreamingList: true`, as `httpListerWatcher` does) and this reflector has not seen
 *   the server refuse one (`state.streamingListUnsupported`, set by {@link isStreamingListRefusal}).
 *   A ListerWatcher that does not say (a hand-written one, the scripted fakes of `kube-rx/testing`)
 *   is listed in pages, as client-go lists through clients that do not declare watch-list support.
 *
 * Maps to the `useWatchList` / `fallbackToList` decision of client-go's
 * `Reflector.ListAndWatch`, plus its check of `IsWatchListSemanticsUnSupported` on the
 * ListerWatcher (`watchlist.DoesClientNotSupportWatchListSemantics`). Unlike client-go, which tries
 * the streaming list again on every relist, a refusal is remembered for the life of the reflector.
 *
 * ```
 * ('auto',   unsupported: false, lw: true     ) ──► 'stream'
 * ('auto',   unsupported: true,  lw: true     ) ──► 'list'
 * ('auto',   unsupported: false, lw: undefined) ──► 'list'
 * ('auto',   unsupported: false, lw: false    ) ──► 'list'
 * ('stream', any,                any          ) ──► 'stream'
 * ('list',   any,                any          ) ──► 'list'
 * ```
 *
 * @param mode - the reflector's `initialList` setting.
 * @param state - the reflector state (its `streamingListUnsupported`).
 * @param supportsStreamingList - the ListerWatcher's `supportsStreamingList`.
 *
 * @example
 * ```ts
 * import { reflectorProtocol } from 'kube-rx/reducers';
 * reflectorProtocol.listModeFor('auto', reflectorProtocol.initialReflectorState, true); // 'stream'
 * ```
 * @category reflector
 * @since 0.3.0
 */
export const listModeFor = (
  mode: InitialListMode,
  state: ReflectorState,
  supportsStreamingList: boolean | undefined,
): 'stream' | 'list' => {
  if (mode !== 'auto') return mode;
  return state.streamingListUnsupported || supportsStreamingList !== true ? 'list' : 'stream';
};

/**
 * True when the answer to a streaming-list WATCH (`sendInitialEvents=true`,
 * `resourceVersionMatch=NotOlderThan`) says the server does not serve streaming lists at all: a
 * `422 Invalid` on the request's `ListOptions` (kube-apiserver before 1.27, e.g. 1.20:
 * "resourceVersionMatch is forbidden for watch"; 1.27 and later with the `WatchList` gate off:
 * "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled").
 * So is a server that answers it with silence: no event at all within the ListerWatcher's
 * first-event limit (a `TransportError` with code `STREAMING_LIST_SILENT`, from `httpListerWatcher`),
 * which is what a server that ignores `sendInitialEvents` on a watch from now sends.
 * Anything else (a 400 for a bad selector, a 403, a 410, a 5xx, a dropped connection) is a
 * failure of this attempt only: that cycle lists in pages, the next one streams again.
 *
 * Maps to the errors after which client-go's `Reflector.ListAndWatch` falls back from
 * `watchList` to `list` ("falling back to the standard LIST/WATCH semantics").
 *
 * ```
 * 422 Invalid, silence (STREAMING_LIST_SILENT) ──► true      400, 403, 410, 429, 5xx, network ──► false
 * ```
 *
 * @example
 * ```ts
 * import { httpError } from 'kube-rx';
 * import { reflectorProtocol } from 'kube-rx/reducers';
 * reflectorProtocol.isStreamingListRefusal(httpError('watch', 'configmaps', 422)); // true
 * ```
 * @category reflector
 * @since 0.3.0
 */
export const isStreamingListRefusal = (error: ListerWatcherError): boolean =>
  (error._tag === 'HttpError' && isInvalid(error)) || (error._tag === 'TransportError' && error.code === STREAMING_LIST_SILENT);

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
 * import { reflectorProtocol } from 'kube-rx/reducers';
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
 * import { reflectorProtocol } from 'kube-rx/reducers';
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
 * import type { WatchEnd } from 'kube-rx/reducers';
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
 * import type { WatchVerdict } from 'kube-rx/reducers';
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
 * import { httpError } from 'kube-rx';
 * import { reflectorProtocol } from 'kube-rx/reducers';
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

