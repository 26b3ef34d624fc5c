import * as workQueueState from './WorkQueueState.js';

export {
  allOf,
  annotationsChanged,
  anyOf,
  type EventPredicate,
  generationChanged,
  labelsChanged,
  onlyWhen,
  resourceVersionChanged,
} from './predicates.js';
export {
  bucketRateLimiter,
  defaultControllerRateLimiter,
  itemExponentialFailureRateLimiter,
  maxOfRateLimiter,
  type RateLimiter,
} from './rateLimiter.js';
export { done, requeue, requeueAfter, type ReconcileResult } from './ReconcileResult.js';
export { type ReconcileConfig, type ReconcileEvent, type Reconciler, reconcileWith } from './reconcileWith.js';
export { type KeyMapper, mapKeys, ownerKeys, ownKeys } from './relations.js';
export type { WaitingEntry, WorkQueueState } from './WorkQueueState.js';
/** The work queue's pure reducers (client-go `workqueue.Typed` and its delaying queue), for use and tests without Rx. */
export { workQueueState };
