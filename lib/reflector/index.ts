import * as reflectorProtocol from './listThenWatch.js';

export { type BackoffConfig, type BackoffDecision, type BackoffState, initialBackoffState, nextBackoff } from './backoff.js';
export {
  listThenWatch,
  type PhaseOutput,
  type ReflectorConfig,
  type ReflectorState,
  type ReflectorStep,
  type ReflectorTransition,
  type WatchCursor,
  type WatchEnd,
  type WatchInput,
  type WatchStep,
  type WatchVerdict,
} from './listThenWatch.js';
/** The reflector's pure protocol rules (resourceVersion ladder, paging, failure classification, the watch reducer), for use and tests without Rx. */
export { reflectorProtocol };
export type { ReflectorError } from './ReflectorError.js';
export { reflectorErrorFields } from './reflectorErrorFields.js';
export {
  isReflectorDataEvent,
  type ListCause,
  type NextStep,
  type ReflectorDataEvent,
  type ReflectorEvent,
} from './ReflectorEvent.js';
export {
  initialReflectorMetricsState,
  reduceReflectorMetrics,
  reflectorMetrics,
  type ReflectorMetricsState,
  type ReflectorMetricsStep,
  type ReflectorMetricsUpdate,
} from './reflectorMetrics.js';
