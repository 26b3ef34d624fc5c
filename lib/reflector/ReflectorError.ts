import type { Status } from '../codec/Status.js';
import type { ListerWatcherError } from '../listwatch/ListerWatcherError.js';

/**
 * A failure the reflector recovered from, emitted as a value in its event stream (the stream never
 * errors on these). Each variant names the phase it happened in, as kube-rs's `watcher::Error`
 * does.
 *
 * - `ListFailed`: a LIST page request failed (relist after backoff).
 * - `WatchFailed`: the WATCH request failed or the connection dropped (back off, re-watch or relist).
 * - `WatchExpired`: 410 Gone at watch start or as an in-stream ERROR (relist with `resourceVersion=""`).
 * - `WatchStatus`: any other in-stream ERROR event (429 re-watches after backoff; others relist).
 * - `VeryShortWatch`: the watch closed in under a second with no events (relist after backoff).
 * - `WatchIdle`: nothing arrived for longer than the idle limit (torn down, re-watched after backoff).
 * - `StreamingListUnsupported`: under `initialList: 'auto'`, the server refused a streaming list
 *   (`error` is its answer, a 422); reported once, and every list of this reflector from now
 *   on is a paged LIST, made at once (no backoff). Since 0.3.0.
 *
 * Maps to client-go's errors handled in `Reflector.ListAndWatch` / `watchHandler`.
 *
 * @example
 * ```ts
 * import type { ReflectorError } from 'kube-rx';
 * const e: ReflectorError = { _tag: 'VeryShortWatch', resourceVersion: '10' };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export type ReflectorError =
  | { readonly _tag: 'ListFailed'; readonly error: ListerWatcherError }
  | { readonly _tag: 'WatchFailed'; readonly error: ListerWatcherError }
  | { readonly _tag: 'WatchExpired'; readonly resourceVersion: string; readonly status?: Status }
  | { readonly _tag: 'WatchStatus'; readonly resourceVersion: string; readonly status: Status }
  | { readonly _tag: 'VeryShortWatch'; readonly resourceVersion: string }
  | { readonly _tag: 'WatchIdle'; readonly resourceVersion: string; readonly idleMs: number }
  | { readonly _tag: 'StreamingListUnsupported'; readonly error: ListerWatcherError };
