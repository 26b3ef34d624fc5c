import type { Event } from 'kubernetes-types/core/v1.js';

import { lruCache, type LruCache } from './lruCache.js';
import { aggregateKey, eventKey, spamKey } from './eventKeys.js';
import { metaTime } from './makeEvent.js';
import { fullTokenBucket, takeToken, type TokenBucket } from './tokenBucket.js';

/**
 * The limits of an {@link EventCorrelatorState}; every field defaults to client-go's value.
 *
 * Maps to client-go's `record.CorrelatorOptions` (`LRUCacheSize`, `BurstSize`, `QPS`,
 * `MaxEvents`, `MaxIntervalInSeconds`, `MessageFunc`).
 *
 * @example
 * ```ts
 * import type { CorrelatorOptions } from 'kube-rx';
 * const options: CorrelatorOptions = { burst: 5, qps: 1 / 60 };
 * ```
 * @category events
 * @since 0.3.0
 */
export interface CorrelatorOptions {
  /** Entries of each of the three caches (default 4096). */
  readonly lruCacheSize?: number;
  /** Events a source may record at once about one object and type (default 25). */
  readonly burst?: number;
  /** Refill of that budget, in events per second (default 1/300: one every 5 minutes). */
  readonly qps?: number;
  /** Distinct messages of similar events from which on they are combined (default 10). */
  readonly maxEvents?: number;
  /** The sliding window of similar events, ms since the group's last event (default 600 000). */
  readonly maxIntervalMs?: number;
  /** The message of a combined Event (default `(combined from similar events): <message>`). */
  readonly combinedMessage?: (event: Event) => string;
}

/** client-go's `maxLruCacheEntries`. */
export const EVENT_CACHE_SIZE = 4096;
/** client-go's `defaultSpamBurst`. */
export const EVENT_SPAM_BURST = 25;
/** client-go's `defaultSpamQPS`: one event per 300 s. */
export const EVENT_SPAM_QPS = 1 / 300;
/** client-go's `defaultAggregateMaxEvents`. */
export const EVENT_AGGREGATE_MAX_EVENTS = 10;
/** client-go's `defaultAggregateIntervalInSeconds` (600), in ms. */
export const EVENT_AGGREGATE_INTERVAL_MS = 600_000;

/**
 * The default message of a combined Event.
 *
 * Maps to client-go's `EventAggregatorByReasonMessageFunc`.
 *
 * @example
 * ```ts
 * import { combinedMessage } from 'kube-rx/reducers';
 * combinedMessage({ metadata: { name: 'a.1' }, involvedObject: {}, message: 'disk full' }); // '(combined from similar events): disk full'
 * ```
 * @category events
 * @since 0.3.0
 */
export const combinedMessage = (event: Event): string => `(combined from similar events): ${event.message ?? ''}`;

/**
 * What the correlator remembers of a group of similar events: their distinct messages (at most
 * `maxEvents - 1` kept between events) and when the group last saw one (ms).
 *
 * Maps to client-go's `aggregateRecord`.
 *
 * @category events
 * @since 0.3.0
 */
export interface AggregateRecord {
  readonly localKeys: Set<string>;
  readonly lastTimestamp: number;
}

/**
 * What the correlator remembers of the Event it last wrote for a key: how many times it occurred,
 * its first timestamp, its name and the resourceVersion the server returned.
 *
 * Maps to client-go's `eventLog`.
 *
 * @category events
 * @since 0.3.0
 */
export interface EventLog {
  readonly count: number;
  readonly firstTimestamp: string | undefined;
  readonly name: string;
  readonly resourceVersion: string | undefined;
}

/**
 * The mutable state of one event correlator: its options and three LRU caches (spam buckets,
 * aggregation groups, observations), each bounded by `lruCacheSize`. Owned by one
 * {@link kube-rx!eventRecorder} (or a test); the functions of this module update it in place, O(1) per event.
 *
 * Maps to client-go's `EventCorrelator` (`EventSourceObjectSpamFilter`, `EventAggregator`, `eventLogger`).
 *
 * @example
 * ```ts
 * import { eventCorrelatorState } from 'kube-rx/reducers';
 * const state = eventCorrelatorState({ burst: 5 });
 * state.options.burst; // 5
 * ```
 * @category events
 * @since 0.3.0
 */
export interface EventCorrelatorState {
  readonly options: Required<CorrelatorOptions>;
  readonly spam: LruCache<TokenBucket>;
  readonly aggregates: LruCache<AggregateRecord>;
  readonly observations: LruCache<EventLog>;
}

/**
 * A fresh {@link EventCorrelatorState} with client-go's defaults for what `options` leaves out.
 * Throws a `TypeError` for a size, burst or `maxEvents` that is not an integer >= 1, or a
 * negative `qps` or `maxIntervalMs`.
 *
 * Maps to client-go's `NewEventCorrelatorWithOptions`.
 *
 * @example
 * ```ts
 * import { eventCorrelatorState } from 'kube-rx/reducers';
 * eventCorrelatorState().options.lruCacheSize; // 4096
 * ```
 * @category events
 * @since 0.3.0
 */
export const eventCorrelatorState = (options: CorrelatorOptions = {}): EventCorrelatorState => {
  const o: Required<CorrelatorOptions> = {
    lruCacheSize: options.lruCacheSize ?? EVENT_CACHE_SIZE,
    burst: options.burst ?? EVENT_SPAM_BURST,
    qps: options.qps ?? EVENT_SPAM_QPS,
    maxEvents: options.maxEvents ?? EVENT_AGGREGATE_MAX_EVENTS,
    maxIntervalMs: options.maxIntervalMs ?? EVENT_AGGREGATE_INTERVAL_MS,
    combinedMessage: options.combinedMessage ?? combinedMessage,
  };
  for (const [name, value] of [['burst', o.burst], ['maxEvents', o.maxEvents]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be an integer >= 1, got ${value}`);
  }
  if (!(o.qps >= 0)) throw new TypeError(`qps must be >= 0, got ${o.qps}`);
  if (!(o.maxIntervalMs >= 0)) throw new TypeError(`maxIntervalMs must be >= 0, got ${o.maxIntervalMs}`);
  return {
    options: o,
    spam: lruCache(o.lruCacheSize),
    aggregates: lruCache(o.lruCacheSize),
    observations: lruCache(o.lruCacheSize),
  };
};

/**
 * The fields an update of an existing Event sends: a JSON merge patch (the strategic two-way
 * patch client-go computes holds exactly these three fields).
 *
 * Maps to the patch of client-go's `eventLogger.eventObserve`.
 *
 * @example
 * ```ts
 * import type { EventPatch } from 'kube-rx';
 * const patch: EventPatch = { count: 2, lastTimestamp: '2026-01-01T00:00:00Z', message: 'x' };
 * ```
 * @category events
 * @since 0.3.0
 */
export interface EventPatch {
  readonly count: number;
  readonly lastTimestamp: string;
  readonly message: string;
}

/**
 * What to do with a recorded event:
 * - `Skip`: the spam filter refused it (its source has spent the object's budget);
 * - `Create`: a new Event (`key` remembers it, see {@link observeWritten});
 * - `Patch`: raise the count of the Event `event.metadata.name` already written for `key`
 *   (a 404 on the patch falls back to creating `event`).
 *
 * Maps to client-go's `EventCorrelateResult` (`Skip`, `Event`, `Patch`).
 *
 * @example
 * ```ts
 * import type { CorrelateResult } from 'kube-rx/reducers';
 * const describe = (r: CorrelateResult): string => (r._tag === 'Skip' ? 'filtered' : `${r._tag} ${r.event.metadata.name ?? ''}`);
 * ```
 * @category events
 * @since 0.3.0
 */
export type CorrelateResult =
  | { readonly _tag: 'Skip' }
  | { readonly _tag: 'Create'; readonly key: string; readonly event: Event }
  | { readonly _tag: 'Patch'; readonly key: string; readonly event: Event; readonly patch: EventPatch };

/**
 * Aggregation: records `event` in its group of similar events and returns the event to write and
 * its correlation key. Below `maxEvents` distinct messages in the window, the event itself under
 * its {@link eventKey}; from the `maxEvents`-th on, a combined Event (message
 * `(combined from similar events): <message>`, count 1, named as `event`) under the group's
 * {@link aggregateKey}, so that every later similar event raises the count of that one Event.
 *
 * Maps to client-go's `EventAggregator.EventAggregate`.
 *
 * Ten similar events (messages m1..m10) within 10 minutes of each other:
 * ```
 * m1 … m9  ──► nine Events, one per message
 * m10, m11 ──► one Event "(combined from similar events): m10", count 1, then 2
 * 11 min of silence, m12 ──► a new group: its own Event
 * ```
 *
 * Algorithm: take the group's record; if its `lastTimestamp` is more than `maxIntervalMs` before
 * `now` (or there is none), start an empty one; add the message; set `lastTimestamp = now`
 * (sliding window); below `maxEvents` messages return the event, else remove one message (the
 * set never outgrows `maxEvents`) and return the combined Event.
 *
 * @example
 * ```ts
 * import { aggregateEvent, eventCorrelatorState } from 'kube-rx/reducers';
 * const state = eventCorrelatorState({ maxEvents: 2 });
 * const e = (message: string) => ({ metadata: { name: `a.${message}` }, involvedObject: { kind: 'Pod', name: 'a' }, reason: 'R', message });
 * aggregateEvent(state, e('x'), 0).event.message; // 'x'
 * aggregateEvent(state, e('y'), 0).event.message; // '(combined from similar events): y'
 * ```
 * @category events
 * @since 0.3.0
 */
export const aggregateEvent = (state: EventCorrelatorState, event: Event, now: number): { readonly event: Event; readonly key: string } => {
  const { maxEvents, maxIntervalMs } = state.options;
  const group = aggregateKey(event);
  const previous = state.aggregates.get(group);
  const localKeys = previous === undefined || now - previous.lastTimestamp > maxIntervalMs ? new Set<string>() : previous.localKeys;
  localKeys.add(event.message ?? '');
  state.aggregates.set(group, { localKeys, lastTimestamp: now });
  if (localKeys.size < maxEvents) return { event, key: eventKey(event) };
  const any = localKeys.values().next();
  if (any.done !== true) localKeys.delete(any.value);
  const t = metaTime(now);
  const combined: Event = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { ...(event.metadata.name === undefined ? {} : { name: event.metadata.name }), ...(event.metadata.namespace === undefined ? {} : { namespace: event.metadata.namespace }) },
    count: 1,
    firstTimestamp: t,
    involvedObject: event.involvedObject,
    lastTimestamp: t,
    message: state.options.combinedMessage(event),
    ...(event.type === undefined ? {} : { type: event.type }),
    ...(event.reason === undefined ? {} : { reason: event.reason }),
    ...(event.source === undefined ? {} : { source: event.source }),
  };
  return { event: combined, key: group };
};

/**
 * Deduplication: if an Event was already written for `key`, turns `event` into the next
 * occurrence of that Event (its name, resourceVersion and first timestamp, `count + 1`) with the
 * patch that says so; records the observation either way.
 *
 * Maps to client-go's `eventLogger.eventObserve`.
 *
 * ```
 * observe(e, k) ──► Create e (count 1)        observations[k] = { count 1, name e }
 * observe(e, k) ──► Patch e (count 2)         observations[k] = { count 2, name e }
 * ```
 *
 * @example
 * ```ts
 * import { eventCorrelatorState, observeEvent } from 'kube-rx/reducers';
 * const state = eventCorrelatorState();
 * const e = { metadata: { name: 'a.1' }, involvedObject: { name: 'a' }, message: 'x', lastTimestamp: '1970-01-01T00:00:00Z' };
 * observeEvent(state, e, 'k').patch;            // undefined
 * observeEvent(state, e, 'k').patch?.count;     // 2
 * ```
 * @category events
 * @since 0.3.0
 */
export const observeEvent = (state: EventCorrelatorState, event: Event, key: string): { readonly event: Event; readonly patch?: EventPatch } => {
  const last = state.observations.get(key);
  if (last === undefined || last.count <= 0) {
    state.observations.set(key, {
      count: event.count ?? 1,
      firstTimestamp: event.firstTimestamp,
      name: event.metadata.name ?? '',
      resourceVersion: event.metadata.resourceVersion,
    });
    return { event };
  }
  const count = last.count + 1;
  const next: Event = {
    ...event,
    metadata: {
      ...event.metadata,
      name: last.name,
      ...(last.resourceVersion === undefined ? {} : { resourceVersion: last.resourceVersion }),
    },
    ...(last.firstTimestamp === undefined ? {} : { firstTimestamp: last.firstTimestamp }),
    count,
  };
  state.observations.set(key, { ...last, count });
  return { event: next, patch: { count, lastTimestamp: event.lastTimestamp ?? '', message: event.message ?? '' } };
};

/**
 * The spam filter: true when `event` must be dropped because its source has no token left for
 * the object and type ({@link spamKey}): a bucket of `burst` tokens, refilled at `qps`.
 *
 * Maps to client-go's `EventSourceObjectSpamFilter.Filter`.
 *
 * Burst 25, qps 1/300, one event a second about one object:
 * ```
 * t:      0 s … 24 s   25 s … 299 s   300 s   301 s …
 * result: pass (25)    filtered       pass    filtered …
 * ```
 *
 * @example
 * ```ts
 * import { eventCorrelatorState, spamFiltered } from 'kube-rx/reducers';
 * const state = eventCorrelatorState({ burst: 1 });
 * const e = { metadata: { name: 'a.1' }, involvedObject: { name: 'a' } };
 * spamFiltered(state, e, 0); // false
 * spamFiltered(state, e, 0); // true
 * ```
 * @category events
 * @since 0.3.0
 */
export const spamFiltered = (state: EventCorrelatorState, event: Event, now: number): boolean => {
  const { burst, qps } = state.options;
  const key = spamKey(event);
  const { accepted, bucket } = takeToken(state.spam.get(key) ?? fullTokenBucket(burst, now), now, qps, burst);
  state.spam.set(key, bucket);
  return !accepted;
};

/**
 * Correlates one recorded event at time `now` (ms): aggregation ({@link aggregateEvent}), then
 * deduplication ({@link observeEvent}), then the spam filter ({@link spamFiltered}), as client-go
 * does (an event the filter drops still counts as an occurrence).
 *
 * Maps to client-go's `EventCorrelator.EventCorrelate`.
 *
 * ```
 * record e ─► aggregate ─► (event, key) ─► observe ─► (event', patch?) ─► spam filter ─► Skip | Create | Patch
 * ```
 *
 * @example
 * ```ts
 * import { correlateEvent, eventCorrelatorState } from 'kube-rx/reducers';
 * const state = eventCorrelatorState();
 * const e = { metadata: { name: 'a.1' }, involvedObject: { kind: 'Pod', name: 'a' }, reason: 'R', message: 'x', lastTimestamp: '1970-01-01T00:00:00Z' };
 * correlateEvent(state, e, 0)._tag; // 'Create'
 * correlateEvent(state, e, 0)._tag; // 'Patch'
 * ```
 * @category events
 * @since 0.3.0
 */
export const correlateEvent = (state: EventCorrelatorState, event: Event, now: number): CorrelateResult => {
  const aggregated = aggregateEvent(state, event, now);
  const observed = observeEvent(state, aggregated.event, aggregated.key);
  if (spamFiltered(state, observed.event, now)) return { _tag: 'Skip' };
  return observed.patch === undefined
    ? { _tag: 'Create', key: aggregated.key, event: observed.event }
    : { _tag: 'Patch', key: aggregated.key, event: observed.event, patch: observed.patch };
};

/**
 * Remembers what the server returned for a write correlated under `key` (its name, count, first
 * timestamp and resourceVersion), so the next identical event patches that Event.
 *
 * Maps to client-go's `EventCorrelator.UpdateState` (which re-derives the key from the returned
 * Event; kube-rx keeps the key the write was correlated under, which is the same for plain
 * events and the group's key for combined ones).
 *
 * @example
 * ```ts
 * import { eventCorrelatorState, observeWritten } from 'kube-rx/reducers';
 * const state = eventCorrelatorState();
 * observeWritten(state, 'k', { metadata: { name: 'a.1', resourceVersion: '7' }, involvedObject: {}, count: 3 });
 * state.observations.get('k')?.resourceVersion; // '7'
 * ```
 * @category events
 * @since 0.3.0
 */
export const observeWritten = (state: EventCorrelatorState, key: string, written: Event): void => {
  state.observations.set(key, {
    count: written.count ?? 1,
    firstTimestamp: written.firstTimestamp,
    name: written.metadata.name ?? '',
    resourceVersion: written.metadata.resourceVersion,
  });
};
