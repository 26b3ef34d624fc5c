export { type BackoffConfig, type BackoffDecision, type BackoffState, initialBackoffState, nextBackoff } from './backoff.js';
export { listThenWatch, type ReflectorConfig } from './listThenWatch.js';
export type { ReflectorError } from './ReflectorError.js';
export {
  isReflectorDataEvent,
  type ListCause,
  type NextStep,
  type ReflectorDataEvent,
  type ReflectorEvent,
} from './ReflectorEvent.js';
