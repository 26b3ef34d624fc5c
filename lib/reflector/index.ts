import * as reflectorProtocol from './reflectorProtocol.js';

export { type BackoffConfig, type BackoffDecision, type BackoffState, initialBackoffState, nextBackoff } from './backoff.js';
export { listThenWatch, type ReflectorConfig } from './listThenWatch.js';
export { type WatchCursor, type WatchInput, type WatchStep } from './reduceWatch.js';
export type { InitialListMode, WatchEnd, WatchVerdict } from './reflectorRules.js';
export type { PhaseOutput, ReflectorState, ReflectorStep, ReflectorTransition } from './ReflectorState.js';
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
