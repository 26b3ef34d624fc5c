import { type BackoffState, initialBackoffState } from './backoff.js';
import type { ListCause, NextStep, ReflectorEvent } from './ReflectorEvent.js';

/*
 * The reflector's state machine: what it remembers between requests, the steps it takes and the
 * transitions between them. The rules that choose the next step are in reflectorRules.ts and
 * reduceWatch.ts; listThenWatch.ts runs them.
 */

/**
 * What the reflector remembers between requests.
 *
 * Invariants:
 * - `lastSyncRV` is `''` until the first list succeeds, then always the resourceVersion of the
 *   newest list, object, bookmark or invalid line seen; it never moves to `''` again.
 * - `expired` is true from a 410 until the next successful list (which used `resourceVersion=""`).
 * - `paginatedResult` becomes true once a list at `resourceVersion=0` came back in several pages,
 *   and stays true: that server honours paging even at `0` (its watch cache is probably off).
 * - `streamingListUnsupported` becomes true when the server refused a streaming list under
 *   `initialList: 'auto'`, and stays true: every later list of this reflector is a paged LIST.
 *
 * Maps to the `Reflector` fields `lastSyncResourceVersion`, `isLastSyncResourceVersionUnavailable`,
 * `paginatedResult` and `backoffManager` (`reflector.go`); `streamingListUnsupported` has no
 * client-go field (client-go retries the streaming list at every relist).
 *
 * ```
 * list ok(RV 100) ──► { lastSyncRV: '100', expired: false } ── watch 410 ──► { lastSyncRV: '100', expired: true }
 * ```
 *
 * @example
 * ```ts
 * import type { ReflectorState } from 'kube-rx/reducers';
 * const s: ReflectorState = { lastSyncRV: '100', expired: false, paginatedResult: false, streamingListUnsupported: false, backoff: { attempt: 0 } };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export interface ReflectorState {
  readonly lastSyncRV: string;
  readonly expired: boolean;
  readonly paginatedResult: boolean;
  /** @since 0.3.0 */
  readonly streamingListUnsupported: boolean;
  readonly backoff: BackoffState;
}

/**
 * The state of a reflector that has done nothing yet.
 *
 * Maps to a freshly built client-go `Reflector`.
 *
 * ```
 * initialReflectorState = { lastSyncRV: '', expired: false, paginatedResult: false, streamingListUnsupported: false, backoff: { attempt: 0 } }
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol } from 'kube-rx/reducers';
 * reflectorProtocol.relistResourceVersion(reflectorProtocol.initialReflectorState); // '0'
 * ```
 * @category reflector
 * @since 0.1.0
 */
export const initialReflectorState: ReflectorState = {
  lastSyncRV: '',
  expired: false,
  paginatedResult: false,
  streamingListUnsupported: false,
  backoff: initialBackoffState,
};

/**
 * The next phase of the reflector's loop.
 *
 * - `List`: a list cycle: a streaming list or a paged LIST, as `reflectorProtocol.listModeFor` decides.
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
 * import type { ReflectorStep } from 'kube-rx/reducers';
 * const s: ReflectorStep = { _tag: 'Backoff', next: 'watch', minDelayMs: 2_000 };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export type ReflectorStep =
  | { readonly _tag: 'List'; readonly cause: ListCause }
  | {
      readonly _tag: 'PagedList';
      readonly cause: ListCause;
      /** Set on the paged LIST that replaces a streaming list the server refused (its `Listing` says so). */
      readonly fallback?: 'StreamingListUnsupported';
    }
  | { readonly _tag: 'Watch' }
  | { readonly _tag: 'Backoff'; readonly next: NextStep; readonly minDelayMs: number };

/**
 * The last value of a phase: the state to carry on with and the step to run next. Never emitted by
 * {@link kube-rx!listThenWatch}; it only links one phase to the next.
 *
 * Maps to the `continue` / `return` points of client-go's `ListAndWatch` loop.
 *
 * ```
 * watch phase:  --W--a--b--(E N)        N = { _tag: 'Next', state, step: Backoff }
 * ```
 *
 * @example
 * ```ts
 * import { reflectorProtocol, type ReflectorTransition } from 'kube-rx/reducers';
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
 * import type { KubeObject } from 'kube-rx';
 * import type { PhaseOutput } from 'kube-rx/reducers';
 * const o: PhaseOutput<KubeObject> = { _tag: 'Watching', resourceVersion: '10' };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export type PhaseOutput<T> = ReflectorEvent<T> | ReflectorTransition;

/** A transition to `step` in `state` (what a phase emits last). */
export const transition = (state: ReflectorState, step: ReflectorStep): ReflectorTransition => ({ _tag: 'Next', state, step });


/**
 * `{ ...state, lastSyncRV: resourceVersion }`, built field by field: it runs once per watch event,
 * and V8 copies a spread followed by an override about 20 times slower (issue 5). A field added to
 * {@link ReflectorState} must be added here too (a required one fails to compile until it is).
 */
export const advanceRV = (state: ReflectorState, resourceVersion: string | undefined): ReflectorState =>
  resourceVersion === undefined || resourceVersion === ''
    ? state
    : {
        lastSyncRV: resourceVersion,
        expired: state.expired,
        paginatedResult: state.paginatedResult,
        streamingListUnsupported: state.streamingListUnsupported,
        backoff: state.backoff,
      };

