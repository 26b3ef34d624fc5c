import type { WatchEvent } from '../listwatch/ListerWatcher.js';
import { type ListerWatcherError, transportError } from '../listwatch/ListerWatcherError.js';
import { metaNamespaceKeyFunc } from '../meta/keyFunc.js';
import { type KubeObject, resourceVersionOf } from '../meta/KubeObject.js';
import type { ReflectorError } from './ReflectorError.js';
import type { ListCause, ReflectorEvent } from './ReflectorEvent.js';
import { advanceRV, type PhaseOutput, type ReflectorState, transition } from './ReflectorState.js';
import { classifyWatchFailure, isStreamingListRefusal, type WatchEnd } from './reflectorRules.js';

/*
 * The watch reducer: one watch event (or the end of the watch) in, the events to emit and the
 * next cursor out, O(1) per event.
 */

/** What a step that emits nothing emits (shared: the reducer never mutates an `out`). */
const NOTHING: ReadonlyArray<never> = [];

/** A watch event that carries an object: `Added`, `Modified` or `Deleted`. */
type ObjectEvent<T> = Extract<WatchEvent<T>, { readonly object: T }>;

/** An `Added`, `Modified` or `Deleted` watch event (not a bookmark, error, invalid object or a wrapped input). */
export const isObjectEvent = <T>(input: WatchEvent<T> | WatchInput<T>): input is ObjectEvent<T> =>
  input._tag === 'Added' || input._tag === 'Modified' || input._tag === 'Deleted';

/**
 * What the watch phase emits for an object event outside a streaming list's initial phase: the
 * event with its object's resourceVersion (which becomes `lastSyncRV`). One rule for
 * {@link reduceWatch} and the fused lane of `reduceWatchInputs` (listThenWatch.ts). Internal.
 */
export const objectEventOutput = <T extends KubeObject>(event: ObjectEvent<T>): Extract<ReflectorEvent<T>, { readonly object: T }> => ({
  _tag: event._tag,
  object: event.object,
  resourceVersion: resourceVersionOf(event.object),
});

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
 * import type { KubeObject } from 'kube-rx';
 * import type { WatchInput } from 'kube-rx/reducers';
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
 * import { type KubeObject } from 'kube-rx';
 * import { reflectorProtocol, type WatchCursor } from 'kube-rx/reducers';
 * const c: WatchCursor<KubeObject> = { state: reflectorProtocol.initialReflectorState, events: 0 };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export interface WatchCursor<T> {
  readonly state: ReflectorState;
  readonly events: number;
  /**
   * Set during a streaming list's initial phase. `auto` (since 0.3.0): the streaming list was
   * chosen by `initialList: 'auto'`, so a refusal of the request turns streaming off for good.
   */
  readonly initial?: { readonly cause: ListCause; readonly buffered: Buffered<T>; readonly auto?: boolean };
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
 * import { type KubeObject } from 'kube-rx';
 * import { reflectorProtocol, type WatchStep } from 'kube-rx/reducers';
 * const s: WatchStep<KubeObject> = { cursor: { state: reflectorProtocol.initialReflectorState, events: 0 }, out: [] };
 * ```
 * @category reflector
 * @since 0.1.0
 */
export interface WatchStep<T> {
  readonly cursor: WatchCursor<T>;
  readonly out: ReadonlyArray<PhaseOutput<T>>;
}

/**
 * Applies one object event of a streaming list's initial phase to the latest object per key
 * (`metaNamespaceKeyFunc`): deleted keys leave, a key keeps the place it was first added at (one
 * deleted and added again goes to the end). One rule for {@link reduceWatch}'s buffer, turned into
 * the `Replace` at the end bookmark, and the fused lane of `reduceWatchInputs` (listThenWatch.ts),
 * which keeps the map as the events arrive and hands its objects to {@link initialEventsEnd}. Internal.
 */
export const applyInitialEvent = <T extends KubeObject>(objects: Map<string, T>, deleted: boolean, object: T): void => {
  const key = metaNamespaceKeyFunc(object);
  if (deleted) objects.delete(key);
  else objects.set(key, object);
};

/** The latest object per key of what a streaming list buffered, oldest first (see {@link applyInitialEvent}). Internal. */
export const latestPerKey = <T extends KubeObject>(buffered: NonNullable<WatchCursor<T>['initial']>['buffered']): Map<string, T> => {
  const newestFirst: Array<{ readonly deleted: boolean; readonly object: T }> = [];
  for (let b = buffered; b !== undefined; b = b.older) newestFirst.push(b);
  const byKey = new Map<string, T>();
  for (let i = newestFirst.length - 1; i >= 0; i--) {
    const entry = newestFirst[i];
    if (entry !== undefined) applyInitialEvent(byKey, entry.deleted, entry.object);
  }
  return byKey;
};

/**
 * The step for a streaming list's end bookmark (`initialEventsEnd` at `resourceVersion`), given
 * the listed objects (the latest per key): counts the bookmark, emits `Replace` with them and
 * `Watching`, sets `lastSyncRV`, clears `expired` and ends the initial phase. One rule for
 * {@link reduceWatch} (objects from its buffer) and the fused lane of `reduceWatchInputs`
 * (listThenWatch.ts, objects from the map it keeps as they arrive). Internal.
 */
export const initialEventsEnd = <T>(previous: WatchCursor<T>, resourceVersion: string, items: ReadonlyArray<T>): WatchStep<T> => ({
  cursor: { state: { ...advanceRV(previous.state, resourceVersion), expired: false }, events: previous.events + 1 },
  out: [
    { _tag: 'Replace', items, resourceVersion },
    { _tag: 'Watching', resourceVersion },
  ],
});

const endOfWatch = <T>(cursor: WatchCursor<T>, end: WatchEnd): WatchStep<T> => {
  const verdict = classifyWatchFailure(end, cursor.state.lastSyncRV);
  if (cursor.initial !== undefined) {
    if (cursor.initial.auto === true && cursor.events === 0 && end._tag === 'Failed' && isStreamingListRefusal(end.error)) {
      // The server does not serve streaming lists: say so once, and list in pages from now on.
      const state: ReflectorState = { ...cursor.state, streamingListUnsupported: true };
      return {
        cursor: { state, events: cursor.events },
        out: [
          { _tag: 'Error', error: { _tag: 'StreamingListUnsupported', error: end.error }, next: 'list' },
          transition(state, { _tag: 'PagedList', cause: cursor.initial.cause, fallback: 'StreamingListUnsupported' }),
        ],
      };
    }
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
  if (initial === undefined && isObjectEvent(event)) {
    // the watch's own events first, without the cursor the other cases start from (issue 23)
    const out = objectEventOutput(event);
    return { cursor: { state: advanceRV(state, out.resourceVersion), events }, out: [out] };
  }
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
      return initialEventsEnd(previous, event.resourceVersion, [...latestPerKey(initial.buffered).values()]);
    case 'Added':
    case 'Modified':
    case 'Deleted': {
      if (initial !== undefined) {
        const buffered: Buffered<T> = { deleted: event._tag === 'Deleted', object: event.object, older: initial.buffered };
        const next = initial.auto === undefined ? { cause: initial.cause, buffered } : { cause: initial.cause, buffered, auto: initial.auto };
        return { cursor: { state, events, initial: next }, out: NOTHING };
      }
      // unreachable: handled above
      return { cursor, out: NOTHING };
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
 *      per key, deleted keys left out) and `Watching` from its RV (since 0.3.0), sets
 *      `lastSyncRV`, clears `expired`, and ends the initial phase; the same watch then goes on as
 *      a normal watch. Other bookmarks are ignored.
 *    - `Invalid` is emitted at once.
 *    - Under `initialList: 'auto'` (`initial.auto`), a request the server refuses before any event
 *      ({@link kube-rx/reducers!reflectorProtocol.isStreamingListRefusal}: 422) emits
 *      `Error{StreamingListUnsupported, next: 'list'}`, sets `streamingListUnsupported` and goes
 *      to `PagedList` at once.
 *    - Any other end of the watch emits `Error{next: 'list'}` and a transition to `PagedList`, no backoff.
 * 3. In a normal watch:
 *    - `Added` / `Modified` / `Deleted` are emitted with the object's RV, which becomes `lastSyncRV`.
 *    - `Bookmark` moves `lastSyncRV` and is emitted as `Bookmark`.
 *    - `Invalid` is emitted; its RV (when it has one) becomes `lastSyncRV`.
 *    - `Error` (in-stream Status) and the end inputs are decided by {@link classifyWatchFailure}:
 *      either a transition to `Watch` at once, or `Error` then a transition to `Backoff`.
 *
 * @example
 * ```ts
 * import { reflectorProtocol } from 'kube-rx/reducers';
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

