export { type ApiResource, collectionPath } from './ApiResource.js';
export { decodeListBody } from './decodeListBody.js';
export { decodeWatchLine, decodeWatchLines } from './decodeWatchLine.js';
export type { ListerWatcher, ListOptions, ListPage, WatchEvent, WatchOptions } from './ListerWatcher.js';
export {
  httpError,
  isExpired,
  isListerWatcherError,
  isRetriableWatchError,
  type ListerWatcherError,
  toListerWatcherError,
  transportError,
} from './ListerWatcherError.js';
export { type LineTooLong, splitLines, type SplitLinesConfig } from './splitLines.js';
