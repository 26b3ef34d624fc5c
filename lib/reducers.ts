/**
 * `kube-rx/reducers`: the pure state machines inside kube-rx's operators, for library authors who
 * build their own operators on them and for tests without Rx (property tests, model checks): the
 * reflector's protocol and state, its backoff, the DeltaFIFO's state, the key coalescer's state,
 * the work queue's state, the informer's delta processing and the reflector metrics reducer. An
 * application uses the operators (`listThenWatch`, `deltaFifo`, `coalesceByKey`, `reconcileWith`,
 * ...) from `kube-rx` instead.
 *
 * @packageDocumentation
 * @module kube-rx/reducers
 */
import * as writeTrackerState from './controller/WriteTrackerState.js';
import * as fifoState from './fifo/FifoState.js';
import * as coalesceState from './operators/CoalesceState.js';
import * as debounceState from './operators/DebounceState.js';
import * as reflectorProtocol from './reflector/reflectorProtocol.js';
import * as workQueueState from './workqueue/WorkQueueState.js';

export type { AwaitedWrite, WriteTrackerState } from './controller/WriteTrackerState.js';
export {
  aggregateEvent,
  aggregateKey,
  type AggregateRecord,
  combinedMessage,
  type CorrelateResult,
  correlateEvent,
  EVENT_AGGREGATE_INTERVAL_MS,
  EVENT_AGGREGATE_MAX_EVENTS,
  EVENT_CACHE_SIZE,
  EVENT_SPAM_BURST,
  EVENT_SPAM_QPS,
  type EventCorrelatorState,
  eventCorrelatorState,
  eventKey,
  type EventLog,
  fullTokenBucket,
  type LruCache,
  lruCache,
  makeEvent,
  metaTime,
  observeEvent,
  observeWritten,
  referenceOf,
  spamFiltered,
  spamKey,
  takeToken,
  type TokenBucket,
} from './events/index.js';
export { processDeltas } from './informer/processDeltas.js';
export { JITTER_FACTOR } from './leaderelection/leaderElection.js';
export { initialOwnedShards, type OwnedShardsInput, type OwnedShardsState, reduceOwnedShards } from './leaderelection/sharding.js';
export { type BackoffDecision, type BackoffState, initialBackoffState, nextBackoff } from './reflector/backoff.js';
export { type WatchCursor, type WatchInput, type WatchStep } from './reflector/reduceWatch.js';
export {
  initialReflectorMetricsState,
  reduceReflectorMetrics,
  type ReflectorMetricsState,
  type ReflectorMetricsStep,
  type ReflectorMetricsUpdate,
} from './reflector/reflectorMetrics.js';
export type { WatchEnd, WatchVerdict } from './reflector/reflectorRules.js';
export type { PhaseOutput, ReflectorState, ReflectorStep, ReflectorTransition } from './reflector/ReflectorState.js';
export type { FifoPopped, FifoState } from './fifo/FifoState.js';
export type { CoalesceState } from './operators/CoalesceState.js';
export type { DebounceEntry, DebounceState, FireOutcome, TriggerOutcome } from './operators/DebounceState.js';
export type { WaitingEntry, WorkQueueOptions, WorkQueueState } from './workqueue/WorkQueueState.js';
export type { PriorityReadyQueue, ReadyEntry, ReadyFifo } from './workqueue/PriorityReadyQueue.js';
/** The DeltaFIFO's pure, O(1)-per-event reducers (client-go `DeltaFIFO` methods), for use and tests without Rx. */
export { fifoState };
/** The key coalescer's pure state (the queue behind {@link kube-rx!coalesceByKey}), for use and tests without Rx. */
export { coalesceState };
/** The reflector's pure protocol rules (resourceVersion ladder, paging, failure classification, the watch reducer), for use and tests without Rx. */
export { reflectorProtocol };
/** The per-key debounce's pure reducers (the state behind {@link kube-rx!debounceByKey}), for use and tests without Rx. */
export { debounceState };
/** The work queue's pure reducers (client-go `workqueue.Typed` and its delaying queue), for use and tests without Rx. */
export { workQueueState };
/** The read-your-writes tracker's pure reducers, for use and tests without Rx. */
export { writeTrackerState };
