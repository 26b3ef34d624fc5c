/*
 * The reflector's pure protocol, gathered for `import * as reflectorProtocol` (kube-rx/reducers):
 * the state machine (ReflectorState.ts), the LIST and WATCH rules and failure classification
 * (reflectorRules.ts) and the watch reducer (reduceWatch.ts). Usable and testable without Rx.
 */
export { reduceWatch } from './reduceWatch.js';
export { initialReflectorState } from './ReflectorState.js';
export {
  classifyListFailure,
  classifyWatchFailure,
  continuePageOptions,
  firstPageOptions,
  fullListOptions,
  isStreamingListRefusal,
  listModeFor,
  relistCause,
  relistResourceVersion,
  retryAfterMs,
  watchOptionsFor,
  watchTimeoutSeconds,
} from './reflectorRules.js';
