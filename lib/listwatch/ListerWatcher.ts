import type { Observable } from 'rxjs';

import type { DecodeFailure } from '../codec/DecodeFailure.js';
import type { Status } from '../codec/Status.js';

/**
 * Options of one LIST request (one page).
 *
 * Maps to client-go's `metav1.ListOptions` as the reflector fills it in.
 *
 * @example
 * ```ts
 * import type { ListOptions } from 'kube-rx';
 * const first: ListOptions = { resourceVersion: '0', limit: 500 };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export interface ListOptions {
  /** `'0'`: any version (may come from the watch cache); `''`: a consistent read; else not older than. */
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  /** Page size; absent or 0 means no paging. */
  readonly limit?: number;
  /** The continue token of the previous page. Continue requests carry no resourceVersion. */
  readonly continue?: string;
}

/**
 * Options of one WATCH request.
 *
 * Maps to client-go's `metav1.ListOptions` with `Watch: true`.
 *
 * @example
 * ```ts
 * import type { WatchOptions } from 'kube-rx';
 * const w: WatchOptions = { resourceVersion: '1042', allowWatchBookmarks: true, timeoutSeconds: 412 };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export interface WatchOptions {
  readonly resourceVersion: string;
  readonly allowWatchBookmarks: boolean;
  /** Server-side timeout of the watch; the reflector jitters it between 5 and 10 minutes. */
  readonly timeoutSeconds?: number;
  /** Streaming list: the server first sends the current state as ADDED events, then a bookmark. */
  readonly sendInitialEvents?: boolean;
  readonly resourceVersionMatch?: 'NotOlderThan';
}

/**
 * One page of a LIST, decoded. Items that failed their codec are kept apart in `invalid`, so a
 * bad object is reported and never silently lost or allowed to poison the page.
 *
 * Maps to client-go's `metav1.ListInterface` (a `*List` object).
 *
 * @example
 * ```ts
 * import type { ListPage, KubeObject } from 'kube-rx';
 * const page: ListPage<KubeObject> = { resourceVersion: '10', continue: 'abc', items: [], invalid: [] };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export interface ListPage<T> {
  readonly resourceVersion: string;
  /** Present (and non-empty) when more pages follow. */
  readonly continue?: string;
  readonly remainingItemCount?: number;
  readonly items: ReadonlyArray<T>;
  readonly invalid: ReadonlyArray<DecodeFailure>;
}

/**
 * One event of a WATCH stream, decoded at the boundary.
 *
 * Maps to client-go's `watch.Event` (`Added | Modified | Deleted | Bookmark | Error`), plus
 * `Invalid` for a line or object that did not decode.
 *
 * @example
 * ```ts
 * import type { WatchEvent, KubeObject } from 'kube-rx';
 * const e: WatchEvent<KubeObject> = { _tag: 'Added', object: { metadata: { name: 'a', resourceVersion: '2' } } };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export type WatchEvent<T> =
  | { readonly _tag: 'Added' | 'Modified' | 'Deleted'; readonly object: T }
  | {
      readonly _tag: 'Bookmark';
      readonly resourceVersion: string;
      /** True on the bookmark annotated `k8s.io/initial-events-end: "true"` (end of a streaming list). */
      readonly initialEventsEnd: boolean;
    }
  | { readonly _tag: 'Error'; readonly status: Status }
  | { readonly _tag: 'Invalid'; readonly failure: DecodeFailure };

/**
 * What {@link ListerWatcher.list} may apply to each item as it is decoded: returns the item, or an
 * equal object to keep in its place (the informer's stored copy of the same key and
 * resourceVersion).
 *
 * Maps to nothing in client-go (its relist holds two copies of every object until `Replace`).
 *
 * @example
 * ```ts
 * import type { KubeObject, ListItemReuse } from 'kube-rx';
 * const cached = new Map<string, KubeObject>();
 * const reuse: ListItemReuse<KubeObject> = (o) => {
 *   const old = cached.get(o.metadata.name ?? '');
 *   return old !== undefined && old.metadata.resourceVersion === o.metadata.resourceVersion ? old : o;
 * };
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export type ListItemReuse<T> = (item: T) => T;

/**
 * The port through which the reflector talks to an API server: list one page, open one watch.
 * Both are cold Observables; unsubscribing aborts the request.
 *
 * - `list` emits exactly one {@link ListPage} and completes, or errors with a
 *   {@link ListerWatcherError}.
 * - `watch` emits {@link WatchEvent}s, completes when the server closes the stream cleanly, and
 *   errors with a {@link ListerWatcherError} when the request fails or the connection drops.
 *
 * Maps to client-go's `cache.ListerWatcher` (`Lister` + `Watcher`).
 *
 * @example
 * ```ts
 * import { EMPTY, of } from 'rxjs';
 * import type { ListerWatcher, KubeObject } from 'kube-rx';
 * const empty: ListerWatcher<KubeObject> = {
 *   list: () => of({ resourceVersion: '1', items: [], invalid: [] }),
 *   watch: () => EMPTY,
 * };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export interface ListerWatcher<T> {
  /**
   * One LIST page. `reuse`, when given, may be applied to each item as soon as it is decoded, and
   * the page then carries what it returned: the informer passes one that answers the object its
   * store already holds at the same key and resourceVersion, so that on a relist the fresh copy
   * is garbage at once instead of living (and being promoted by the garbage collector) until its
   * page ends. A ListerWatcher either applies it to every item or ignores it: the informer
   * applies it to the pages of one that ignores it (it sees that `reuse` was never called).
   */
  list(options: ListOptions, reuse?: ListItemReuse<T>): Observable<ListPage<T>>;
  watch(options: WatchOptions): Observable<WatchEvent<T>>;
  /**
   * Optional: the idle limit of the next watch, asked just before it is opened; it overrides the
   * reflector's `watchIdleTimeoutMs`, and `Infinity` opens it with no idle watchdog at all.
   * `undefined` (or no method) keeps the reflector's setting. The scripted
   * `fakeListerWatcher` of `kube-rx/testing` answers `Infinity` once its script is used up, so that an informer
   * over it goes quiet in virtual time instead of re-watching forever.
   * @since 0.3.0
   */
  readonly nextWatchIdleTimeoutMs?: () => number | undefined;
  /**
   * Optional: `true` when this ListerWatcher talks to a server that may serve a streaming list (a
   * WATCH with `sendInitialEvents=true`): the reflector's default `initialList: 'auto'` then tries
   * one, and falls back to paged LISTs if the server refuses. Absent or `false`: `'auto'` lists in
   * pages (a hand-written ListerWatcher need not know about streaming lists). `httpListerWatcher`
   * says `true`; the scripted fakes of `kube-rx/testing` say `false` unless told otherwise. Maps to
   * client-go's `IsWatchListSemanticsUnSupported()` (true on its fake clientsets), inverted.
   * @since 0.3.0
   */
  readonly supportsStreamingList?: boolean;
}

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
 * import { reflectorProtocol } from 'kube-rx/reducers';
 * reflectorProtocol.continuePageOptions({ resourceVersion: '0', limit: 500 }, 'tok'); // { limit: 500, continue: 'tok' }
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const continuePageOptions = (first: ListOptions, continueToken: string): ListOptions => ({
  ...(first.limit === undefined ? {} : { limit: first.limit }),
  continue: continueToken,
});
