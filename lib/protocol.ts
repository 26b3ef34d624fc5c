/**
 * `kube-rx/protocol`: the wire-level building blocks under {@link kube-rx!httpListerWatcher}, for authors of
 * their own ListerWatcher or client and for tests: request and stream helpers over `node:http(s)`
 * (`kubeGet`, `kubeStream`, status and Retry-After handling), the NDJSON line splitter, the watch
 * line and list body decoders, and the collection path of a resource. An application uses
 * `httpListerWatcher` and `resolveResource` from `kube-rx` instead.
 *
 * @packageDocumentation
 * @module kube-rx/protocol
 */
export { collectionPath } from './listwatch/ApiResource.js';
export { PARTIAL_OBJECT_METADATA_ACCEPT, PARTIAL_OBJECT_METADATA_LIST_ACCEPT } from './listwatch/httpListerWatcher.js';
export { decodeListBody } from './listwatch/decodeListBody.js';
export { decodeWatchLine, decodeWatchLines } from './listwatch/decodeWatchLine.js';
export {
  BODY_TOO_LARGE,
  httpErrorOf,
  isSuccessStatus,
  kubeGet,
  type KubeRequest,
  type KubeResponse,
  kubeStream,
  parseRetryAfter,
  REASON_OF_CODE,
} from './listwatch/kubeRequest.js';
export { decodeListBytes, type ListBodyDecoder, listBodyDecoder, type ListBodyDecoderOptions } from './listwatch/listBodyDecoder.js';
export { DEFAULT_MAX_LINE_BYTES, type LineTooLong, splitLines, type SplitLinesConfig } from './listwatch/splitLines.js';
