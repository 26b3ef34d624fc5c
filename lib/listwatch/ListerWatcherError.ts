import type { Status } from '../codec/Status.js';

/**
 * The request a {@link ListerWatcherError} belongs to: a LIST page, a WATCH, or a discovery GET
 * (`/api`, `/apis`, `/apis/{group}/{version}`) made while resolving a resource name.
 *
 * Maps to the verbs of client-go's `rest.Request` (`List`, `Watch`) and `discovery.DiscoveryClient`.
 *
 * @example
 * ```ts
 * import type { ListerWatcherVerb } from 'kube-rx';
 * const verb: ListerWatcherVerb = 'discovery';
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export type ListerWatcherVerb = 'list' | 'watch' | 'discovery';

/**
 * Why a LIST, WATCH or discovery request failed, as a tagged value (the error channel of a
 * {@link ListerWatcher}'s Observables carries only these).
 *
 * - `HttpError`: the server answered with a non-2xx status (its `metav1.Status` when it sent one).
 * - `TransportError`: no answer: connection refused or reset, DNS, TLS, a dropped stream.
 *
 * Maps to client-go's `apierrors.StatusError` and the `net` errors the reflector inspects.
 *
 * @example
 * ```ts
 * import { httpError } from 'kube-rx';
 * const e = httpError('watch', 'configmaps', 429, { retryAfterSeconds: 2 });
 * if (e._tag === 'HttpError') e.retryAfterSeconds; // 2
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export type ListerWatcherError = KubeApiError<ListerWatcherVerb>;

/**
 * Why a request to the API server failed, for requests made with verbs `V`: the one error shape
 * of every kube-rx port (`ListerWatcherError` is `KubeApiError<ListerWatcherVerb>`, a Lease
 * client's is `KubeApiError<LeaseVerb>`).
 *
 * Maps to client-go's `apierrors.StatusError` and the `net` errors it inspects.
 *
 * @example
 * ```ts
 * import type { KubeApiError } from 'kube-rx';
 * const e: KubeApiError<'get'> = { _tag: 'TransportError', verb: 'get', resource: 'leases', message: 'refused', code: 'ECONNREFUSED' };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export type KubeApiError<V extends string> =
  | {
      readonly _tag: 'HttpError';
      readonly verb: V;
      readonly resource: string;
      readonly code: number;
      readonly reason?: string;
      readonly message: string;
      readonly status?: Status;
      readonly retryAfterSeconds?: number;
    }
  | {
      readonly _tag: 'TransportError';
      readonly verb: V;
      readonly resource: string;
      readonly message: string;
      /** The system error code when there is one: `ECONNREFUSED`, `ECONNRESET`, ... */
      readonly code?: string;
    };

/**
 * Builds an `HttpError`.
 *
 * @example
 * ```ts
 * import { httpError } from 'kube-rx';
 * httpError('list', 'pods', 410, { reason: 'Expired' }).code; // 410
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const httpError = (
  verb: ListerWatcherVerb,
  resource: string,
  code: number,
  extra: { readonly reason?: string; readonly message?: string; readonly status?: Status; readonly retryAfterSeconds?: number } = {},
): ListerWatcherError => ({
  _tag: 'HttpError',
  verb,
  resource,
  code,
  message: extra.message ?? extra.status?.message ?? `${verb} ${resource}: HTTP ${code}${extra.reason === undefined ? '' : ` ${extra.reason}`}`,
  ...(extra.reason === undefined ? {} : { reason: extra.reason }),
  ...(extra.status === undefined ? {} : { status: extra.status }),
  ...(extra.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: extra.retryAfterSeconds }),
});

/**
 * Builds a `TransportError`.
 *
 * @example
 * ```ts
 * import { transportError } from 'kube-rx';
 * transportError('watch', 'pods', 'socket hang up', 'ECONNRESET').code; // 'ECONNRESET'
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const transportError = (
  verb: ListerWatcherVerb,
  resource: string,
  message: string,
  code?: string,
): ListerWatcherError => ({
  _tag: 'TransportError',
  verb,
  resource,
  message,
  ...(code === undefined ? {} : { code }),
});

/**
 * The `code` of the {@link transportError} that `httpListerWatcher` reports when a streaming-list
 * WATCH (`sendInitialEvents=true`) gets no event at all within its first-event limit: the server
 * ignored the request and watches from now (a server without streaming lists that does not
 * validate the parameters, or a minimal test server). The reflector treats it as a refusal
 * (`StreamingListUnsupported`, remembered) and lists in pages.
 *
 * No client-go equivalent: client-go waits for the initial-events-end bookmark without a limit.
 *
 * @example
 * ```ts
 * import { STREAMING_LIST_SILENT, transportError } from 'kube-rx';
 * transportError('watch', 'pods', 'no event', STREAMING_LIST_SILENT).code; // 'ESTREAMINGLISTSILENT'
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const STREAMING_LIST_SILENT = 'ESTREAMINGLISTSILENT';

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null;

/**
 * Type guard for {@link ListerWatcherError}.
 *
 * @example
 * ```ts
 * import { isListerWatcherError, transportError } from 'kube-rx';
 * isListerWatcherError(transportError('list', 'pods', 'refused')); // true
 * isListerWatcherError(new Error('x'));                              // false
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const isListerWatcherError = (u: unknown): u is ListerWatcherError =>
  isRecord(u) && (u['_tag'] === 'HttpError' || u['_tag'] === 'TransportError') && typeof u['verb'] === 'string';

/**
 * Turns anything a ListerWatcher's Observable errored with into a {@link ListerWatcherError}:
 * tagged errors pass through, anything else (a thrown `Error`, a string) becomes a
 * `TransportError` carrying its message and system error code.
 *
 * @example
 * ```ts
 * import { toListerWatcherError } from 'kube-rx';
 * toListerWatcherError(new Error('boom'), 'watch', 'pods')._tag; // 'TransportError'
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const toListerWatcherError = (u: unknown, verb: ListerWatcherVerb, resource: string): ListerWatcherError => {
  if (isListerWatcherError(u)) return u;
  if (u instanceof Error) {
    const code = (u as Error & { readonly code?: unknown }).code;
    return transportError(verb, resource, u.message, typeof code === 'string' ? code : undefined);
  }
  return transportError(verb, resource, typeof u === 'string' ? u : 'unknown error');
};

/**
 * True for `410 Gone` / reason `Expired` (or `Gone`): the requested resourceVersion or continue
 * token is too old, and only a relist recovers.
 *
 * Maps to client-go's `apierrors.IsResourceExpired` / `IsGone` (`reflector.go` `isExpiredError`).
 *
 * @example
 * ```ts
 * import { httpError, isExpired } from 'kube-rx';
 * isExpired(httpError('watch', 'pods', 410)); // true
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const isExpired = (e: ListerWatcherError): boolean =>
  e._tag === 'HttpError' && (e.code === 410 || e.reason === 'Expired' || e.reason === 'Gone');

/**
 * True for errors after which client-go backs off and re-watches from the last resourceVersion
 * without relisting: connection errors, `429 Too Many Requests`, and 5xx answers.
 *
 * Maps to client-go's `isWatchErrorRetriable` (`reflector.go`).
 *
 * @example
 * ```ts
 * import { httpError, isRetriableWatchError } from 'kube-rx';
 * isRetriableWatchError(httpError('watch', 'pods', 503)); // true
 * isRetriableWatchError(httpError('watch', 'pods', 403)); // false
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const isRetriableWatchError = (e: ListerWatcherError): boolean =>
  e._tag === 'TransportError' || e.code === 429 || e.code >= 500;

/**
 * What the status predicates ({@link isForbidden}, {@link isConflict}, {@link isNotFound}, ...)
 * read: any tagged error value ({@link KubeApiError} of any verb, the object client's
 * `ClientError`) or the `KubeApiException` a Promise helper rejects with. Only an `HttpError`
 * can match; a `TransportError` or another tag never does.
 *
 * @example
 * ```ts
 * import type { ApiErrorLike } from 'kube-rx';
 * const e: ApiErrorLike = { _tag: 'HttpError', code: 409, reason: 'Conflict' };
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export interface ApiErrorLike {
  readonly _tag: string;
  readonly code?: number | string;
  readonly reason?: string;
}

/** An `HttpError` with this status code, or with this reason (a proxy may rewrite the code, not the Status). */
const isStatus = (e: ApiErrorLike, code: number, reason: string): boolean =>
  e._tag === 'HttpError' && (e.code === code || e.reason === reason);

/**
 * True for `409 Conflict` with reason `Conflict` (or no reason): an optimistic-concurrency
 * failure (a replace with a stale `metadata.resourceVersion`, a failed delete precondition) or a
 * server-side apply conflict with another field manager. Re-read and retry (or apply with
 * `force`). `409 AlreadyExists` is {@link isAlreadyExists}, not this.
 *
 * Maps to client-go's `apierrors.IsConflict` (which, unlike this, also matches `AlreadyExists`
 * by code; kube-rx tells them apart by reason).
 *
 * @example
 * ```ts
 * import { isConflict } from 'kube-rx';
 * isConflict({ _tag: 'HttpError', code: 409, reason: 'Conflict' }); // true
 * isConflict({ _tag: 'HttpError', code: 409, reason: 'AlreadyExists' }); // false
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const isConflict = (e: ApiErrorLike): boolean =>
  e._tag === 'HttpError' && (e.reason === 'Conflict' || (e.code === 409 && e.reason === undefined));

/**
 * True for `409 AlreadyExists`: a create of a name that is taken.
 *
 * Maps to client-go's `apierrors.IsAlreadyExists`.
 *
 * @example
 * ```ts
 * import { isAlreadyExists } from 'kube-rx';
 * isAlreadyExists({ _tag: 'HttpError', code: 409, reason: 'AlreadyExists' }); // true
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const isAlreadyExists = (e: ApiErrorLike): boolean => e._tag === 'HttpError' && e.reason === 'AlreadyExists';

/**
 * True for `404 NotFound`: the object (or the resource) does not exist.
 *
 * Maps to client-go's `apierrors.IsNotFound`.
 *
 * @example
 * ```ts
 * import { isNotFound } from 'kube-rx';
 * isNotFound({ _tag: 'HttpError', code: 404 }); // true
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const isNotFound = (e: ApiErrorLike): boolean => isStatus(e, 404, 'NotFound');

/**
 * True for `422 Invalid`: the server's validation refused the object (or a JSON patch `test`
 * failed). Retrying the same write cannot help: the object client's helpers report it as a
 * terminal error.
 *
 * Maps to client-go's `apierrors.IsInvalid`.
 *
 * @example
 * ```ts
 * import { isInvalid } from 'kube-rx';
 * isInvalid({ _tag: 'HttpError', code: 422, reason: 'Invalid' }); // true
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const isInvalid = (e: ApiErrorLike): boolean => isStatus(e, 422, 'Invalid');

/**
 * True for `403 Forbidden`: the credentials are valid but RBAC (or an admission or proxy policy)
 * refuses the request. The message carries the server's explanation (`User "x" cannot watch …`).
 * The reflector retries it with its backoff (800 ms doubling to 30 s), as client-go does: the
 * permission may be granted later, and the retries never exceed one request per backoff.
 *
 * Maps to client-go's `apierrors.IsForbidden`.
 *
 * @example
 * ```ts
 * import { httpError, isForbidden } from 'kube-rx';
 * isForbidden(httpError('watch', 'pods', 403, { reason: 'Forbidden' })); // true
 * ```
 * @category listwatch
 * @since 0.2.0
 */
export const isForbidden = (e: ApiErrorLike): boolean => isStatus(e, 403, 'Forbidden');

/**
 * True for `401 Unauthorized`: the server did not accept the credentials (an expired or wrong
 * token, a client certificate it does not trust). The message never contains the credentials.
 *
 * Maps to client-go's `apierrors.IsUnauthorized`.
 *
 * @example
 * ```ts
 * import { httpError, isUnauthorized } from 'kube-rx';
 * isUnauthorized(httpError('list', 'pods', 401)); // true
 * ```
 * @category listwatch
 * @since 0.2.0
 */
export const isUnauthorized = (e: ApiErrorLike): boolean => isStatus(e, 401, 'Unauthorized');
