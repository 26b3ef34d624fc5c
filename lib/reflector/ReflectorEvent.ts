import type { DecodeFailure } from '../codec/DecodeFailure.js';
import type { ReflectorError } from './ReflectorError.js';

/**
 * Why the reflector is listing: the first list, a 410 (so a consistent `resourceVersion=""`
 * read), or recovery from another failure.
 *
 * @category reflector
 * @since 0.1.0
 */
export type ListCause = 'Initial' | 'Expired' | 'Error';

/**
 * What the reflector does next after a failure or a wait.
 *
 * @category reflector
 * @since 0.1.0
 */
export type NextStep = 'list' | 'watch';

/**
 * One event of the reflector's stream ({@link listThenWatch}). Data events feed the DeltaFIFO;
 * lifecycle and error events feed `status$`.
 *
 * Data:
 * - `Replace`: the complete list (all pages, or a streaming list up to its end bookmark).
 * - `Added` / `Modified` / `Deleted`: one watch event.
 * - `Bookmark`: the resourceVersion moved; no object changed.
 * - `Invalid`: a line or object that did not decode (reported, never fatal).
 *
 * Lifecycle:
 * - `Listing`: a list begins (`resourceVersion` is the one asked for).
 * - `Watching`: a watch request is being opened from `resourceVersion`.
 * - `Error`: a recovered failure, with what happens next.
 * - `Backoff`: waiting `delayMs` before `next`.
 *
 * Maps to client-go's `Reflector` calling `store.Replace/Add/Update/Delete` plus its log lines;
 * to kube-rs's `watcher::Event` (`Init`/`InitApply`/`InitDone`/`Apply`/`Delete`).
 *
 * @example
 * ```ts
 * import type { ReflectorEvent, KubeObject } from 'kube-rx';
 * const e: ReflectorEvent<KubeObject> = { _tag: 'Bookmark', resourceVersion: '1200' };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export type ReflectorEvent<T> =
  | { readonly _tag: 'Replace'; readonly items: ReadonlyArray<T>; readonly resourceVersion: string }
  | { readonly _tag: 'Added' | 'Modified' | 'Deleted'; readonly object: T; readonly resourceVersion: string }
  | { readonly _tag: 'Bookmark'; readonly resourceVersion: string }
  | { readonly _tag: 'Invalid'; readonly failure: DecodeFailure }
  | {
      readonly _tag: 'Listing';
      readonly resourceVersion: string;
      readonly cause: ListCause;
      /**
       * On the paged LIST right after the server refused a streaming list (the `Error` before it is
       * `StreamingListUnsupported`): the list falls back (since 0.3.0).
       */
      readonly fallback?: 'StreamingListUnsupported';
    }
  | { readonly _tag: 'Watching'; readonly resourceVersion: string }
  | { readonly _tag: 'Error'; readonly error: ReflectorError; readonly next: NextStep }
  | { readonly _tag: 'Backoff'; readonly delayMs: number; readonly attempt: number; readonly next: NextStep };

/**
 * The data events of a {@link ReflectorEvent} stream: those that change the cache.
 *
 * @category reflector
 * @since 0.1.0
 */
export type ReflectorDataEvent<T> = Extract<ReflectorEvent<T>, { readonly _tag: 'Replace' | 'Added' | 'Modified' | 'Deleted' }>;

/**
 * True for the events that change the cache (`Replace`, `Added`, `Modified`, `Deleted`).
 *
 * @example
 * ```ts
 * import { isReflectorDataEvent } from 'kube-rx';
 * isReflectorDataEvent({ _tag: 'Bookmark', resourceVersion: '1' }); // false
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const isReflectorDataEvent = <T>(e: ReflectorEvent<T>): e is ReflectorDataEvent<T> =>
  e._tag === 'Replace' || e._tag === 'Added' || e._tag === 'Modified' || e._tag === 'Deleted';
