import * as fifoState from './FifoState.js';

export {
  type DeletedFinalStateUnknown,
  type Delta,
  type Deltas,
  type DeltaType,
  isDeletedFinalStateUnknown,
  newestObject,
} from './Delta.js';
export { deltaFifo, type DeltaFifoConfig, type FifoInput, type FifoOutput } from './deltaFifo.js';
export type { FifoOrder, FifoPopped, FifoState } from './FifoState.js';
/** The DeltaFIFO's pure, O(1)-per-event reducers (client-go `DeltaFIFO` methods), for use and tests without Rx. */
export { fifoState };
