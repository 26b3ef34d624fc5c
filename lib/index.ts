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
  type ObjectOf,
  type TypedResource,
  BODY_TOO_LARGE,
  collectionPath,
  decodeListBody,
  decodeListBytes,
  decodeWatchLine,
  decodeWatchLines,
  DEFAULT_MAX_LINE_BYTES,
  httpError,
  httpErrorOf,
  httpListerWatcher,
  type HttpListerWatcherConfig,
  INSECURE_TLS_WARNING,
  isExpired,
  isForbidden,
  isListerWatcherError,
  isRetriableWatchError,
  isUnauthorized,
  isSuccessStatus,
  type KubeConfigLike,
  kubeGet,
  type KubeRequest,
  type KubeResponse,
  kubeStream,
  type LineTooLong,
  type ListBodyDecoder,
  listBodyDecoder,
  type ListBodyDecoderOptions,
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
export {
  coalesceByKey,
  type CoalesceByKeyOptions,
  type CoalesceState,
  coalesceState,
  holdUntil,
  mergeMapWithLag,
  whileTrue,
} from './operators/index.js';

// per-key debounce (issue 15)
export {
  debounceByKey,
  type DebounceByKeyConfig,
  type DebounceEntry,
  type DebounceState,
  debounceState,
  type DebounceTiming,
  type FireOutcome,
  type TriggerOutcome,
} from './operators/index.js';

export type { DebounceMetricsProvider } from './metrics/index.js';

// reconcile timeout (issue 15)
export { isReconcileTimeout, type ReconcileTimeout, reconcileTimeout, withReconcileTimeout } from './controller/index.js';

// manager endpoints: /healthz, /readyz, /metrics (issue 15)
export {
  type EndpointsAddress,
  type EndpointsError,
  type ManagerEndpoints,
  managerEndpoints,
  type ManagerEndpointsConfig,
  type ManagerHealth,
  type MetricsSource,
} from './controller/index.js';

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

// observability: metrics and logging
export {
  type ControllerMetricsProvider,
  type CounterMetric,
  createQueueMetrics,
  type GaugeMetric,
  type HistogramMetric,
  initialReflectorMetricsState,
  type MetricsProvider,
  noopMetrics,
  type QueueMetrics,
  reconcileMetrics,
  type ReconcileMetricsProvider,
  reconcileResultLabel,
  type ReconcileResultLabel,
  reduceReflectorMetrics,
  reflectorMetrics,
  type ReflectorMetricsProvider,
  type ReflectorMetricsState,
  type ReflectorMetricsStep,
  type ReflectorMetricsUpdate,
  type SettableGaugeMetric,
  UNFINISHED_WORK_UPDATE_PERIOD_MS,
  type WorkQueueMetricsProvider,
} from './metrics/index.js';
export {
  apiErrorFields,
  consoleLogger,
  type ConsoleLoggerOptions,
  decodeFailureFields,
  errorFields,
  informerProblemLog,
  informerStatusLog,
  type LogEntry,
  type LogFields,
  type Logger,
  type LogLevel,
  logInformer,
  logLevelEnabled,
  logReconcileEvents,
  LOG_TEXT_LIMIT,
  reconcileEventLog,
  reflectorErrorFields,
  writeLog,
} from './logging/index.js';
