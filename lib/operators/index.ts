import * as coalesceState from './CoalesceState.js';
import * as debounceState from './DebounceState.js';

export { coalesceByKey, type CoalesceByKeyOptions } from './coalesceByKey.js';
export { type CoalesceState } from './CoalesceState.js';
export { coalesceState };
export { debounceByKey, type DebounceByKeyConfig } from './debounceByKey.js';
export type { DebounceEntry, DebounceState, DebounceTiming, FireOutcome, TriggerOutcome } from './DebounceState.js';
/** The per-key debounce's pure reducers, for use and tests without Rx. */
export { debounceState };
export { holdUntil } from './holdUntil.js';
export { mergeMapWithLag } from './mergeMapWithLag.js';
export { whileTrue } from './whileTrue.js';
