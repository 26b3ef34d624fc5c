/**
 * kube-rx: client-go's `tools/cache` (ListerWatcher, reflector, DeltaFIFO, store/indexer, shared
 * informer) and a controller runtime, as RxJS observables and operators.
 *
 * This root holds what an application uses. Building blocks for library authors and tests are in
 * `kube-rx/reducers` (the pure state machines inside the operators) and `kube-rx/protocol` (the
 * wire-level pieces under `httpListerWatcher`); test doubles in `kube-rx/testing`.
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
  type PartialObjectMetadata,
  PartialObjectMetadataCodec,
  resourceVersionOf,
  splitMetaNamespaceKey,
} from './meta/index.js';

// the ListerWatcher port and its errors; list/watch over HTTP; discovery
export {
  type ApiResource,
  type ObjectOf,
  type TypedResource,
  DEFAULT_DISCOVERY_TTL_MS,
  type DiscoveryCache,
  discoveryCache,
  httpError,
  httpListerWatcher,
  type HttpListerWatcherConfig,
  type HttpListerWatcherFactory,
  INSECURE_TLS_WARNING,
  type ApiErrorLike,
  isAlreadyExists,
  isConflict,
  isExpired,
  isForbidden,
  isInvalid,
  isNotFound,
  isListerWatcherError,
  isRetriableWatchError,
  isUnauthorized,
  type KubeConfigLike,
  type ListerWatcher,
  type KubeApiError,
  type ListerWatcherError,
  type ListerWatcherVerb,
  type ListItemReuse,
  type ListOptions,
  type ListPage,
  type ResolveResourceConfig,
  type ResolveResourceError,
  resolveResource,
  STREAMING_LIST_SILENT,
  toListerWatcherError,
  transportError,
  type WatchEvent,
  type WatchOptions,
} from './listwatch/index.js';

// the reflector
export {
  type BackoffConfig,
  type InitialListMode,
  isReflectorDataEvent,
  type ListCause,
  listThenWatch,
  type NextStep,
  type ReflectorConfig,
  type ReflectorDataEvent,
  type ReflectorError,
  type ReflectorEvent,
  reflectorErrorFields,
  reflectorMetrics,
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
  informerProblemLog,
  type InformerStatus,
  informerStatusLog,
  logInformer,
  type ObserveOptions,
  type ResourceEvent,
  type SharedIndexInformer,
  sharedIndexInformer,
  type SharedIndexInformerConfig,
  terminalFailure,
  waitForCacheSync,
} from './informer/index.js';

// dynamic watches: informers that wait for their resource to be served (issue 15.6)
export { crdServedState, notServed, sameServedState, servedByDiscovery, type ServedState } from './listwatch/index.js';
export { pollServed, type PollServedOptions } from './informer/index.js';
export {
  CUSTOM_RESOURCE_DEFINITIONS,
  isCustomGroup,
  selectorServed,
  waitsForResourceByDefault,
  whenServed,
  type WhenServedConfig,
} from './controller/index.js';

// generic operators
export {
  coalesceByKey,
  type CoalesceByKeyOptions,
  holdUntil,
  immediateScheduler,
  mergeMapWithLag,
  whileTrue,
  type WhileTrueOptions,
} from './operators/index.js';

// per-key debounce (issue 15)
export { debounceByKey, type DebounceByKeyConfig, type DebounceTiming } from './operators/index.js';

export type { DebounceMetricsProvider } from './metrics/index.js';

// reconcile timeout (issue 15)
export { isReconcileTimeout, type ReconcileTimeout, reconcileTimeout, withReconcileTimeout } from './workqueue/index.js';

// priority work queue (issue 15)
export {
  DEFAULT_AGING_MS,
  DEFAULT_PRIORITY,
  eventPriority,
  keyOf,
  LOW_PRIORITY,
  type PrioritizedKey,
  priorityOf,
  type PriorityQueueOptions,
} from './workqueue/index.js';

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

// the work queue and the reconcile loop
export {
  bucketRateLimiter,
  defaultControllerRateLimiter,
  done,
  isTerminalError,
  itemExponentialFailureRateLimiter,
  logReconcileEvents,
  maxOfRateLimiter,
  type RateLimiter,
  type ReconcileConfig,
  type ReconcileEvent,
  reconcileEventLog,
  type Reconciler,
  reconcileMetrics,
  type ReconcileResult,
  reconcileResultLabel,
  reconcileWith,
  requeue,
  requeueAfter,
  TerminalError,
  terminalError,
} from './workqueue/index.js';

// leader election and sharding on Leases
export {
  assignShards,
  httpLeaseClient,
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
  microTime,
  ownedKeys,
  shardOf,
  sharding,
  type ShardingConfig,
  whileLeading,
  whileOwning,
} from './leaderelection/index.js';
export { fenceValidUntil, isLeaseFenced, type LeaseFence, type LeaseFenceConfig, type LeaseFenced, leaseFence } from './leaderelection/index.js';

// the controller manager, predicates and relations
export {
  allOf,
  annotationsChanged,
  anyOf,
  type ControllerManager,
  controllerManager,
  type ControllerSpec,
  type EventPredicate,
  generationChanged,
  type KeyMapper,
  labelsChanged,
  type ManagerConfig,
  type ManagerEvent,
  mapKeys,
  onlyWhen,
  ownerKeys,
  ownKeys,
  resourceVersionChanged,
  type RunOptions,
  type Selector,
  type SelectorSpec,
  type Trigger,
  type ClientFactory,
  type ContextClient,
  controllerClient,
  type ControllerClientOptions,
  type ReconcileContext,
  reconcileContext,
  type ReconcileContextConfig,
  type ReconcileWrites,
  readYourWrites,
  type TrackedReconciler,
  untracked,
  type WriteTracker,
  writeTracker,
  type WriteTrackerConfig,
  type WriteTrackerEvent,
} from './controller/index.js';

// events (the write side: client-go's record.EventRecorder)
export {
  type CorrelatorOptions,
  type EventPatch,
  type EventRecorder,
  eventRecorder,
  type EventRecorderConfig,
  type EventRecorderProblem,
  clientEventSink,
  type EventSink,
  type EventSinkError,
  type EventSinkVerb,
  type EventSubject,
  type EventType,
  type InvalidEvent,
} from './events/index.js';

// the write side: the object client, typed built-in kinds, owner references, finalizers
export {
  addFinalizerPatch,
  finalizer,
  type FinalizerAction,
  finalizerAction,
  type FinalizerHandlers,
  type HandlerResult,
  removeFinalizerPatch,
  type ApplyObject,
  type ApplyOptions,
  type ClientConfig,
  type ClientError,
  type ClientVerb,
  configMaps,
  cronJobs,
  customResourceDefinitions,
  daemonSets,
  type DeepPartial,
  type DeleteOptions,
  type DeleteResult,
  deployments,
  endpoints,
  events,
  ingresses,
  type InvalidRequest,
  invalidAsTerminal,
  isClientError,
  jobs,
  type JsonPatchOperation,
  KubeApiException,
  leases,
  metadataCodec,
  namespaces,
  nodes,
  type ObjectClient,
  objectClient,
  promiseClient,
  type ObjectRef,
  type Ownable,
  type Owned,
  type OwnerReference,
  type OwnerReferenceError,
  type PatchOptions,
  persistentVolumeClaims,
  persistentVolumes,
  pods,
  type PromiseObjectClient,
  replicaSets,
  secrets,
  serviceAccounts,
  services,
  setControllerReference,
  setOwnerReference,
  type Signal,
  statefulSets,
  type Stored,
  terminalOnInvalid,
  toPromise,
  type TypeMeta,
  typeMeta,
  type UnstructuredObject,
  withPromises,
  type WriteOptions,
} from './client/index.js';

// observability: metrics and logging ports (each concept's observers live in its room)
export {
  type ControllerMetricsProvider,
  type CounterMetric,
  createQueueMetrics,
  type EventDropReason,
  type EventRecorderMetricsProvider,
  type GaugeMetric,
  type HistogramMetric,
  type MetricsProvider,
  noopMetrics,
  type QueueMetrics,
  type ReconcileMetricsProvider,
  type ReconcileResultLabel,
  type ReflectorMetricsProvider,
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
  firstOccurrenceLogger,
  type LogEntry,
  type LogFields,
  type Logger,
  type LogLevel,
  logLevelEnabled,
  logLineIdentity,
  LOG_TEXT_LIMIT,
  writeLog,
} from './logging/index.js';

// custom resources: one io-ts codec gives the type, the runtime check and the CRD
export {
  annotate,
  AnnotatedType,
  constrained,
  crdManifest,
  crdProblem,
  type CrdProblem,
  type CustomObject,
  customResource,
  type CustomResource,
  type CustomResourceDefinition,
  customResourcesIn,
  type CustomResourceDefinitionInput,
  type CustomResourceDefinitionVersion,
  CustomResourceError,
  type CustomResourceVersion,
  type CustomResourceVersionDefinition,
  described,
  Integer,
  IntOrString,
  isCustomResource,
  keywordViolation,
  preserveUnknownFields,
  type PrinterColumn,
  renderCrds,
  type ScaleSubresource,
  type SchemaAnnotation,
  schemaAtPath,
  setOf,
  type StorageVersionOf,
  type StringFormat,
  structuralSchema,
  type StructuralSchema,
  type Subresources,
  validateCustomResource,
  type ValueKeywords,
  type VersionObject,
} from './crd/index.js';
