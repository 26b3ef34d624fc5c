import * as workQueueState from './WorkQueueState.js';

export {
  type ControllerManager,
  controllerManager,
  type ControllerSpec,
  type ManagerConfig,
  type ManagerEvent,
  type RunOptions,
  type Selector,
  type SelectorSpec,
  type Trigger,
} from './controllerManager.js';
export { JITTER_FACTOR, type LeaderElectionConfig, leaderElection, type LeaderState, whileLeading } from './leaderElection.js';
export {
  httpLeaseClient,
  type Lease,
  type LeaseClient,
  type LeaseClientError,
  LeaseCodec,
  type LeaseSpec,
  LeaseSpecCodec,
  type LeaseVerb,
  microTime,
} from './leaseClient.js';
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
export { isTerminalError, TerminalError, terminalError } from './ReconcileResult.js';
export { type ReconcileConfig, type ReconcileEvent, type Reconciler, reconcileWith } from './reconcileWith.js';
export { type KeyMapper, mapKeys, ownerKeys, ownKeys } from './relations.js';
export { assignShards, ownedKeys, shardOf, sharding, type ShardingConfig, whileOwning } from './sharding.js';
export type { WaitingEntry, WorkQueueState } from './WorkQueueState.js';
/** The work queue's pure reducers (client-go `workqueue.Typed` and its delaying queue), for use and tests without Rx. */
export { workQueueState };
