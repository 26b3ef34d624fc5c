export { informerProblemLog, informerStatusLog, logInformer } from './informerLogs.js';
export type { InformerProblem, InformerStatus } from './InformerStatus.js';
export { processDeltas } from './processDeltas.js';
export type { ResourceEvent } from './ResourceEvent.js';
export {
  type ObserveOptions,
  type SharedIndexInformer,
  sharedIndexInformer,
  type SharedIndexInformerConfig,
} from './sharedIndexInformer.js';
export { terminalFailure } from './terminalFailure.js';
export { waitForCacheSync } from './waitForCacheSync.js';
export { pollServed, type PollServedOptions } from './pollServed.js';
