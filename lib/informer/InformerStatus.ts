import type { DecodeFailure } from '../codec/DecodeFailure.js';
import type { ReflectorError } from '../reflector/ReflectorError.js';
import type { ListCause, NextStep } from '../reflector/ReflectorEvent.js';

/**
 * Where an informer is in its lifecycle, as a typed value (`status$` replays the current one).
 *
 * - `Stopped`: no subscriber (or lingering ended); the store is empty. With `reason: 'NotServed'`
 *   (since 0.3.0), subscribers are there but the API server does not serve the resource (its CRD
 *   is absent or was deleted; `message` says why): the informer waits for it to be served again
 *   (`served$` of `SharedIndexInformerConfig`) instead of backing off on 404s.
 * - `Listing`: a list is running; `cause` tells a first list from a relist after 410 or an error.
 *   Under `initialList: 'auto'`, the one `Listing` that follows the server's refusal of a
 *   streaming list carries `fallback: 'StreamingListUnsupported'` (client-go logs the fallback
 *   once); every later list is paged without saying so again.
 * - `Synced`: the first complete list has been delivered to every subscriber.
 * - `Watching`: a watch is open (or opening) from `resourceVersion`.
 * - `BackingOff`: waiting `delayMs` after `error` before the `next` step.
 *
 * Maps to client-go's reflector log lines and `HasSynced`/`IsStopped`; kube-rs has no equivalent.
 *
 * ```
 * status$:  Stopped─Listing─Synced─Watching──BackingOff─Watching──BackingOff─Listing(Expired)─…
 * 'auto' on a server without streaming lists:
 * status$:  Stopped─Listing─Listing{fallback}─Synced─Watching─…
 * served$:  N───────S──────────────N──────────S───
 * status$:  Stopped(NotServed)─Listing─Synced─Watching─Stopped(NotServed)─Listing─Synced─…
 * ```
 *
 * @example
 * ```ts
 * import type { InformerStatus } from 'kube-rx';
 * const ready = (s: InformerStatus) => s._tag === 'Watching' && s.synced;
 * ```
 * @category informer
 * @since 0.1.0
 */
export type InformerStatus =
  | { readonly _tag: 'Stopped'; readonly reason?: 'NotServed'; readonly message?: string }
  | {
      readonly _tag: 'Listing';
      readonly resourceVersion: string;
      readonly cause: ListCause;
      /** Set once: this paged list replaces a streaming list the server refused. */
      readonly fallback?: 'StreamingListUnsupported';
    }
  | { readonly _tag: 'Synced'; readonly count: number }
  | { readonly _tag: 'Watching'; readonly resourceVersion: string; readonly synced: boolean }
  | {
      readonly _tag: 'BackingOff';
      readonly delayMs: number;
      readonly attempt: number;
      readonly next: NextStep;
      readonly error?: ReflectorError;
    };

/**
 * A problem an informer recovered from: a reflector failure (with what it does next) or an object
 * or line that did not decode. Nothing here stops the informer; everything here is reported.
 *
 * Maps to client-go's `WatchErrorHandler` calls (`SetWatchErrorHandler`), plus decode failures
 * that client-go only logs.
 *
 * @example
 * ```ts
 * import type { InformerProblem } from 'kube-rx';
 * const line = (p: InformerProblem) => (p._tag === 'DecodeFailure' ? `bad object ${p.key ?? '?'}` : p.error._tag);
 * ```
 * @category informer
 * @since 0.1.0
 */
export type InformerProblem =
  | { readonly _tag: 'ReflectorError'; readonly error: ReflectorError; readonly next: NextStep }
  | DecodeFailure;
