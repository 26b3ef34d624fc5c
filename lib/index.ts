/**
 * kube-rx: client-go's `tools/cache` (ListerWatcher, reflector, DeltaFIFO, store/indexer, shared
 * informer) and a controller runtime, as RxJS observables and operators.
 *
 * @packageDocumentation
 * @module kube-rx
 */

// codecs and metadata (the bottom: they import nothing of ours)
export {
  decodeFailure,
  type DecodeFailure,
  DECODE_FAILURE_RAW_LIMIT,
  decodeObject,
  type Status,
  StatusCodec,
} from './codec/index.js';
export {
  type KeyFunc,
  type KubeObject,
  KubeObjectCodec,
  metaNamespaceKeyFunc,
  type ObjectMeta,
  ObjectMetaCodec,
  resourceVersionOf,
  splitMetaNamespaceKey,
} from './meta/index.js';

// the ListerWatcher port and the wire format
export {
  type ApiResource,
  collectionPath,
  decodeListBody,
  decodeWatchLine,
  decodeWatchLines,
  httpError,
  httpErrorOf,
  httpListerWatcher,
  type HttpListerWatcherConfig,
  isExpired,
  isListerWatcherError,
  isRetriableWatchError,
  isSuccessStatus,
  type KubeConfigLike,
  kubeGet,
  type KubeRequest,
  type KubeResponse,
  kubeStream,
  type LineTooLong,
  type ListerWatcher,
  type KubeApiError,
  type ListerWatcherError,
  type ListerWatcherVerb,
  type ListOptions,
  type ListPage,
  parseRetryAfter,
  type ResolveResourceConfig,
  type ResolveResourceError,
  resolveResource,
  splitLines,
  type SplitLinesConfig,
  toListerWatcherError,
  transportError,
  type WatchEvent,
  type WatchOptions,
} from './listwatch/index.js';

// the reflector
export {
  type BackoffConfig,
  type BackoffDecision,
  type BackoffState,
  initialBackoffState,
  isReflectorDataEvent,
  type ListCause,
  listThenWatch,
  nextBackoff,
  type NextStep,
  type PhaseOutput,
  type ReflectorConfig,
  type ReflectorDataEvent,
  type ReflectorError,
  type ReflectorEvent,
  reflectorProtocol,
  type ReflectorState,
  type ReflectorStep,
  type ReflectorTransition,
  type WatchCursor,
  type WatchEnd,
  type WatchInput,
  type WatchStep,
  type WatchVerdict,
} from './reflector/index.js';

// the DeltaFIFO
export {
  type DeletedFinalStateUnknown,
  type Delta,
  deltaFifo,
  type DeltaFifoConfig,
  type Deltas,
  type DeltaType,
  type FifoInput,
  type FifoOrder,
  type FifoOutput,
  type FifoPopped,
  type FifoState,
  fifoState,
  isDeletedFinalStateUnknown,
  newestObject,
} from './fifo/index.js';

// the store
export {
  createIndexer,
  type IndexerConfig,
  type IndexFunc,
  type Indexer,
  type Indexers,
  type IndexerWriter,
  labelIndexFunc,
  metaNamespaceIndexFunc,
  NamespaceIndex,
  type Store,
  stripManagedFields,
  toPartialObjectMetadata,
} from './store/index.js';

// the shared informer
export {
  type InformerProblem,
  type InformerStatus,
  type ObserveOptions,
  processDeltas,
  type ResourceEvent,
  type SharedIndexInformer,
  sharedIndexInformer,
  type SharedIndexInformerConfig,
  waitForCacheSync,
} from './informer/index.js';

// generic operators
export { holdUntil, mergeMapWithLag, whileTrue } from './operators/index.js';

// the controller runtime
export {
  allOf,
  annotationsChanged,
  anyOf,
  assignShards,
  bucketRateLimiter,
  type ControllerManager,
  controllerManager,
  type ControllerSpec,
  defaultControllerRateLimiter,
  done,
  type EventPredicate,
  generationChanged,
  httpLeaseClient,
  itemExponentialFailureRateLimiter,
  JITTER_FACTOR,
  type KeyMapper,
  labelsChanged,
  type LeaderElectionConfig,
  leaderElection,
  type LeaderState,
  type Lease,
  type LeaseClient,
  type LeaseClientError,
  LeaseCodec,
  type LeaseSpec,
  LeaseSpecCodec,
  type LeaseVerb,
  type ManagerConfig,
  type ManagerEvent,
  mapKeys,
  maxOfRateLimiter,
  microTime,
  onlyWhen,
  ownedKeys,
  ownerKeys,
  ownKeys,
  type RateLimiter,
  type ReconcileConfig,
  type ReconcileEvent,
  type Reconciler,
  type ReconcileResult,
  reconcileWith,
  requeue,
  requeueAfter,
  resourceVersionChanged,
  type RunOptions,
  type Selector,
  type SelectorSpec,
  shardOf,
  sharding,
  type ShardingConfig,
  type Trigger,
  type WaitingEntry,
  whileLeading,
  whileOwning,
  type WorkQueueState,
  workQueueState,
} from './controller/index.js';
