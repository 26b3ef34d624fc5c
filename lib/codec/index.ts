export { DECODE_FAILURE_RAW_LIMIT, type DecodeFailure } from './DecodeFailure.js';
export { decodeFailure, decodeObject } from './decodeObject.js';
export { type Status, StatusCodec } from './Status.js';
