export {
  aggregateEvent,
  type AggregateRecord,
  combinedMessage,
  type CorrelateResult,
  correlateEvent,
  type CorrelatorOptions,
  EVENT_AGGREGATE_INTERVAL_MS,
  EVENT_AGGREGATE_MAX_EVENTS,
  EVENT_CACHE_SIZE,
  EVENT_SPAM_BURST,
  EVENT_SPAM_QPS,
  type EventCorrelatorState,
  eventCorrelatorState,
  type EventLog,
  type EventPatch,
  observeEvent,
  observeWritten,
  spamFiltered,
} from './EventCorrelator.js';
export { clientEventSink } from './clientEventSink.js';
export { aggregateKey, eventKey, spamKey } from './eventKeys.js';
export { type EventRecorder, eventRecorder, type EventRecorderConfig, type EventRecorderProblem } from './eventRecorder.js';
export type { EventSink, EventSinkError, EventSinkVerb } from './EventSink.js';
export { type LruCache, lruCache } from './lruCache.js';
export { type EventSubject, type EventType, type InvalidEvent, makeEvent, metaTime, referenceOf } from './makeEvent.js';
export { fullTokenBucket, type TokenBucket, takeToken } from './tokenBucket.js';
