import * as workQueueState from './WorkQueueState.js';

export {
  bucketRateLimiter,
  defaultControllerRateLimiter,
  itemExponentialFailureRateLimiter,
  maxOfRateLimiter,
  type RateLimiter,
} from './rateLimiter.js';
export type { ReconcileEvent } from './ReconcileEvent.js';
export { logReconcileEvents, reconcileEventLog } from './reconcileLogs.js';
export { reconcileMetrics, reconcileResultLabel } from './reconcileMetrics.js';
export { done, isTerminalError, requeue, requeueAfter, type ReconcileResult, TerminalError, terminalError } from './ReconcileResult.js';
export { type ReconcileConfig, type Reconciler, reconcileWith } from './reconcileWith.js';
export { isReconcileTimeout, type ReconcileTimeout, reconcileTimeout, withReconcileTimeout } from './reconcileTimeout.js';
export type { WaitingEntry, WorkQueueOptions, WorkQueueState } from './WorkQueueState.js';
export { eventPriority } from './eventPriority.js';
export { keyOf, type PrioritizedKey, priorityOf } from './PrioritizedKey.js';
export {
  DEFAULT_AGING_MS,
  DEFAULT_PRIORITY,
  LOW_PRIORITY,
  type PriorityQueueOptions,
  type PriorityReadyQueue,
  type ReadyEntry,
  type ReadyFifo,
} from './PriorityReadyQueue.js';
/** The work queue's pure reducers (client-go `workqueue.Typed` and its delaying queue), for use and tests without Rx. */
export { workQueueState };
