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
  type EndpointsAddress,
  type EndpointsError,
  type ManagerEndpoints,
  managerEndpoints,
  type ManagerEndpointsConfig,
  type ManagerHealth,
  type MetricsSource,
} from './managerEndpoints.js';
export {
  type ClientFactory,
  type ContextClient,
  controllerClient,
  type ControllerClientOptions,
} from './controllerClient.js';
export { type KeyMapper, mapKeys, ownerKeys, ownKeys } from './relations.js';
export {
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
} from './writeTracker.js';
export type { AwaitedWrite, WriteTrackerState } from './WriteTrackerState.js';
export { selectorServed, waitsForResourceByDefault } from './selectorServed.js';
export { CUSTOM_RESOURCE_DEFINITIONS, isCustomGroup, whenServed, type WhenServedConfig } from './whenServed.js';
