export { type ApiResource, collectionPath } from './ApiResource.js';
export type { ObjectOf, TypedResource } from './TypedResource.js';
export { decodeListBody } from './decodeListBody.js';
export { decodeListBytes, type ListBodyDecoder, listBodyDecoder, type ListBodyDecoderOptions } from './listBodyDecoder.js';
export { type ResolveResourceConfig, type ResolveResourceError, resolveResource } from './discovery.js';
export { DEFAULT_DISCOVERY_TTL_MS, type DiscoveryCache, discoveryCache } from './discoveryCache.js';
export {
  httpListerWatcher,
  type HttpListerWatcherConfig,
  type HttpListerWatcherFactory,
  PARTIAL_OBJECT_METADATA_ACCEPT,
  PARTIAL_OBJECT_METADATA_LIST_ACCEPT,
} from './httpListerWatcher.js';
export {
  BODY_TOO_LARGE,
  httpErrorOf,
  isSuccessStatus,
  type KubeConfigLike,
  kubeGet,
  type KubeRequest,
  type KubeResponse,
  kubeStream,
  parseRetryAfter,
} from './kubeRequest.js';
export { decodeWatchLine, decodeWatchLines } from './decodeWatchLine.js';
export type { ListerWatcher, ListItemReuse, ListOptions, ListPage, WatchEvent, WatchOptions } from './ListerWatcher.js';
export {
  type ApiErrorLike,
  httpError,
  isAlreadyExists,
  isConflict,
  isExpired,
  isForbidden,
  isInvalid,
  isNotFound,
  isListerWatcherError,
  isRetriableWatchError,
  isUnauthorized,
  type KubeApiError,
  type ListerWatcherError,
  type ListerWatcherVerb,
  STREAMING_LIST_SILENT,
  toListerWatcherError,
  transportError,
} from './ListerWatcherError.js';
export { INSECURE_TLS_WARNING } from './transportSecurity.js';
export { DEFAULT_MAX_LINE_BYTES, type LineTooLong, splitLines, type SplitLinesConfig } from './splitLines.js';
export { crdServedState, notServed, sameServedState, type ServedState } from './ServedState.js';
export { servedByDiscovery } from './discovery.js';
