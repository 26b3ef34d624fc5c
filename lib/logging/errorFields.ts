import type { DecodeFailure } from '../codec/DecodeFailure.js';
import type { Status } from '../codec/Status.js';
import { isListerWatcherError, type KubeApiError } from '../listwatch/ListerWatcherError.js';
import type { LogFields } from './Logger.js';

/**
 * The longest text value kube-rx puts in a log field (an error message, a decode error); longer
 * ones are cut and end with `…`.
 *
 * Maps to nothing in client-go (klog writes whole messages).
 *
 * @example
 * ```ts
 * import { LOG_TEXT_LIMIT } from 'kube-rx';
 * LOG_TEXT_LIMIT; // 300
 * ```
 * @category logging
 * @since 0.2.0
 */
export const LOG_TEXT_LIMIT = 300;

const bounded = (text: string): string => (text.length <= LOG_TEXT_LIMIT ? text : `${text.slice(0, LOG_TEXT_LIMIT - 1)}…`);

const firstLine = (text: string): string => {
  const end = text.indexOf('\n');
  return end < 0 ? text : text.slice(0, end);
};

/**
 * The log fields of a {@link KubeApiError}: its kind, verb, resource, code, reason and message.
 * Such an error is built from the response only (never from the request), so none of these holds
 * a credential.
 *
 * Maps to the key/value pairs client-go logs with an `apierrors.StatusError`.
 *
 * @example
 * ```ts
 * import { apiErrorFields, httpError } from 'kube-rx';
 * apiErrorFields(httpError('watch', 'pods', 403, { reason: 'Forbidden' }));
 * // { errorType: 'HttpError', verb: 'watch', resource: 'pods', code: 403, reason: 'Forbidden', error: 'watch pods: HTTP 403 Forbidden' }
 * ```
 * @category logging
 * @since 0.2.0
 */
export const apiErrorFields = (e: KubeApiError<string>): LogFields => ({
  errorType: e._tag,
  verb: e.verb,
  resource: e.resource,
  ...(e.code === undefined ? {} : { code: e.code }),
  ...(e._tag === 'HttpError' && e.reason !== undefined ? { reason: e.reason } : {}),
  error: bounded(e.message),
});

/**
 * The log fields of a Kubernetes `Status`: its code, reason and message (bounded at
 * {@link LOG_TEXT_LIMIT}). Used by the observers that log errors carrying a Status.
 *
 * Maps to the key/value pairs client-go logs with a `metav1.Status`.
 *
 * @example
 * ```ts
 * import { statusFields } from './errorFields.js';
 * statusFields({ kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd' }); // { code: 500, reason: 'InternalError', error: 'etcd' }
 * ```
 * @category logging
 * @since 0.3.0
 */
export const statusFields = (status: Status): LogFields => ({
  ...(status.code === undefined ? {} : { code: status.code }),
  ...(status.reason === undefined ? {} : { reason: status.reason }),
  ...(status.message === undefined ? {} : { error: bounded(status.message) }),
});

/**
 * The log fields of a {@link DecodeFailure}: where it came from, the object's key and
 * resourceVersion when known, and its first decode error (bounded). Never the raw input.
 *
 * Maps to the arguments of client-go's "unable to decode an event from the watch stream" log.
 *
 * @example
 * ```ts
 * import { decodeFailureFields } from 'kube-rx';
 * decodeFailureFields({ _tag: 'DecodeFailure', source: 'watch', key: 'ns/a', errors: ['bad size'], raw: '{…}' });
 * // { source: 'watch', key: 'ns/a', errors: 1, error: 'bad size' }
 * ```
 * @category logging
 * @since 0.2.0
 */
export const decodeFailureFields = (f: DecodeFailure): LogFields => ({
  source: f.source,
  ...(f.eventType === undefined ? {} : { eventType: f.eventType }),
  ...(f.key === undefined ? {} : { key: f.key }),
  ...(f.resourceVersion === undefined ? {} : { resourceVersion: f.resourceVersion }),
  errors: f.errors.length,
  ...(f.errors[0] === undefined ? {} : { error: bounded(f.errors[0]) }),
});

/**
 * The log fields of anything thrown or returned as an error (a reconciler's failure, say): a
 * {@link KubeApiError} gives {@link apiErrorFields}; an `Error` its name and the first line of its
 * message (client-node's `ApiException` puts the response body and headers on later lines); a
 * string its first line; a tagged error value with a `message` (a `ReconcileTimeout`) its tag and
 * the first line of its message; anything else only its type. Texts are cut at {@link LOG_TEXT_LIMIT}.
 *
 * Maps to the `err` that controller-runtime logs with "Reconciler error".
 *
 * @example
 * ```ts
 * import { errorFields } from 'kube-rx';
 * errorFields(new TypeError('bad input\nmore detail')); // { errorType: 'TypeError', error: 'bad input' }
 * ```
 * @category logging
 * @since 0.2.0
 */
export const errorFields = (error: unknown): LogFields => {
  if (isListerWatcherError(error)) return apiErrorFields(error);
  if (error instanceof Error) return { errorType: error.name, error: bounded(firstLine(error.message)) };
  if (typeof error === 'string') return { errorType: 'string', error: bounded(firstLine(error)) };
  // a tagged error value with a message (a ReconcileTimeout, say)
  if (typeof error === 'object' && error !== null && '_tag' in error && typeof error._tag === 'string' && 'message' in error && typeof error.message === 'string') {
    return { errorType: error._tag, error: bounded(firstLine(error.message)) };
  }
  return { errorType: error === null ? 'null' : typeof error };
};
