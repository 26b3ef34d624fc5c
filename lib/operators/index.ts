import * as coalesceState from './CoalesceState.js';

export { coalesceByKey, type CoalesceByKeyOptions } from './coalesceByKey.js';
export { type CoalesceState } from './CoalesceState.js';
export { coalesceState };
export { debounceByKey, type DebounceByKeyConfig } from './debounceByKey.js';
export type { DebounceTiming } from './DebounceState.js';
export { holdUntil } from './holdUntil.js';
export { immediateScheduler } from './immediateScheduler.js';
export { mergeMapWithLag } from './mergeMapWithLag.js';
export { whileTrue, type WhileTrueOptions } from './whileTrue.js';
