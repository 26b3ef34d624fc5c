import type { Observable } from 'rxjs';

import { messageOf } from '../internal/messageOf.js';

import type { Status } from '../codec/Status.js';
import type { KubeApiError } from '../listwatch/ListerWatcherError.js';

/**
 * The operation an object client's error belongs to, as kube-apiserver's authorizer names it
 * (`apply` and the status writes are PATCH / PUT requests but are told apart here).
 *
 * Maps to the verbs of controller-runtime's `client.Client` (`Get`, `Create`, `Update`, `Patch`,
 * `Delete`, `Status().Update/Patch`) and kube-rs's `Api` (`get`, `create`, `replace`, `patch`,
 * `delete`, `patch_status`, `replace_status`).
 *
 * @example
 * ```ts
 * import type { ClientVerb } from 'kube-rx';
 * const verb: ClientVerb = 'apply';
 * ```
 * @category client
 * @since 0.3.0
 */
export type ClientVerb = 'get' | 'create' | 'update' | 'patch' | 'apply' | 'delete' | 'applyStatus' | 'patchStatus' | 'updateStatus';

/**
 * A write the object client refused before sending anything: the object lacks `apiVersion`,
 * `kind` or `metadata.name`, its `apiVersion`/`kind` do not match the resource, a namespaced
 * object has no namespace, or server-side apply has no field manager. `field` names what is wrong.
 *
 * Maps to the client-side validation errors of controller-runtime's client (`apiutil.GVKForObject`,
 * "no field manager") and kube-rs's `Error::BuildRequest`.
 *
 * @example
 * ```ts
 * import type { InvalidRequest } from 'kube-rx';
 * const e: InvalidRequest = { _tag: 'InvalidRequest', verb: 'apply', resource: 'configmaps', field: 'kind', message: 'apply configmaps: the object has no kind' };
 * ```
 * @category client
 * @since 0.3.0
 */
export interface InvalidRequest<V extends string = ClientVerb> {
  readonly _tag: 'InvalidRequest';
  readonly verb: V;
  readonly resource: string;
  /** What is missing or wrong: `apiVersion`, `kind`, `metadata.name`, `metadata.namespace`, `fieldManager`. */
  readonly field: string;
  readonly message: string;
}

/**
 * Why an object client call failed: the server's answer (`HttpError`: 409 Conflict or
 * AlreadyExists, 422 Invalid, 403 Forbidden, 404 NotFound, ... told apart by `isConflict`,
 * `isAlreadyExists`, `isInvalid`, `isForbidden`, `isNotFound`), no answer (`TransportError`), or
 * a request refused before it was sent (`InvalidRequest`). A 2xx body that is not the expected
 * object is an `HttpError` with reason `InvalidBody`.
 *
 * Maps to controller-runtime's `client` errors (`apierrors.StatusError`) and kube-rs's
 * `kube::Error` (`Api(ErrorResponse)`, `HyperError`, `BuildRequest`).
 *
 * @example
 * ```ts
 * import { isConflict, type ClientError } from 'kube-rx';
 * const retry = (e: ClientError): boolean => isConflict(e);
 * ```
 * @category client
 * @since 0.3.0
 */
export type ClientError<V extends string = ClientVerb> = KubeApiError<V> | InvalidRequest<V>;

/**
 * The `Error` a Promise helper of the object client rejects with: a real exception (with a stack)
 * carrying the typed error value (`error`) and its fields, so `catch (e)` code can both log it
 * and test it with `isConflict(e)`, `isNotFound(e)`, ... (the predicates read `_tag`, `code` and
 * `reason`). The Observable API errors with the plain {@link ClientError} value instead.
 *
 * Maps to controller-runtime's `*apierrors.StatusError` (an `error` carrying `metav1.Status`) and
 * kube-rs's `kube::Error::Api`.
 *
 * @example
 * ```ts
 * import { isConflict, KubeApiException } from 'kube-rx';
 * const e = new KubeApiException({ _tag: 'HttpError', verb: 'update', resource: 'configmaps', code: 409, reason: 'Conflict', message: 'stale' });
 * e instanceof Error; // true
 * isConflict(e);      // true
 * ```
 * @category client
 * @since 0.3.0
 */
export class KubeApiException<V extends string = ClientVerb> extends Error {
  override readonly name = 'KubeApiException';
  readonly _tag: ClientError<V>['_tag'];
  readonly verb: V;
  readonly resource: string;
  /** The HTTP status code (`HttpError`) or the system error code (`TransportError`). */
  readonly code?: number | string;
  readonly reason?: string;
  readonly status?: Status;
  readonly retryAfterSeconds?: number;
  /** The field at fault (`InvalidRequest`). */
  readonly field?: string;

  constructor(readonly error: ClientError<V>) {
    super(error.message);
    this._tag = error._tag;
    this.verb = error.verb;
    this.resource = error.resource;
    switch (error._tag) {
      case 'HttpError':
        this.code = error.code;
        if (error.reason !== undefined) this.reason = error.reason;
        if (error.status !== undefined) this.status = error.status;
        if (error.retryAfterSeconds !== undefined) this.retryAfterSeconds = error.retryAfterSeconds;
        break;
      case 'TransportError':
        if (error.code !== undefined) this.code = error.code;
        break;
      case 'InvalidRequest':
        this.field = error.field;
        break;
    }
  }
}

/**
 * Type guard for {@link ClientError}: what an object client's Observable errors with (an
 * `HttpError`, a `TransportError` or an `InvalidRequest` carrying a verb).
 *
 * @example
 * ```ts
 * import { isClientError, isNotFound } from 'kube-rx';
 * const gone = (e: unknown): boolean => isClientError(e) && isNotFound(e);
 * ```
 * @category client
 * @since 0.3.0
 */
export const isClientError = (u: unknown): u is ClientError<string> =>
  typeof u === 'object' &&
  u !== null &&
  '_tag' in u &&
  (u._tag === 'HttpError' || u._tag === 'TransportError' || u._tag === 'InvalidRequest') &&
  'verb' in u &&
  typeof u.verb === 'string';

/** An `Error` as it is; anything else wrapped in one (with the value as its `cause`). */
const asError = (u: unknown): Error => (u instanceof Error ? u : new Error(messageOf(u), { cause: u }));

/**
 * Runs a cold Observable to its last value as a Promise: rejects with a {@link KubeApiException}
 * when it errors with a {@link ClientError} (other errors as `Error`s), and when `signal` aborts,
 * unsubscribes (which aborts the request) and rejects with the signal's reason (an `Error`). An Observable that
 * completes without a value rejects with an `Error`.
 *
 * Maps to the `ctx` of controller-runtime's client calls and to awaiting a kube-rs `Api` future.
 *
 * ```
 * obs:     ----a--b|        ⇒  resolves b
 * obs:     ----#            ⇒  rejects KubeApiException(#)
 * signal:  --x              ⇒  unsubscribed at x, rejects signal.reason
 * ```
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { toPromise } from 'kube-rx';
 * const value = await toPromise(of(1, 2), AbortSignal.timeout(1000)); // 2
 * ```
 * @category client
 * @since 0.3.0
 */
export const toPromise = <A>(source: Observable<A>, signal?: AbortSignal): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(asError(signal.reason));
      return;
    }
    let last: { readonly value: A } | undefined;
    const onAbort = (): void => {
      subscription.unsubscribe();
      reject(asError(signal?.reason));
    };
    const cleanup = (): void => {
      signal?.removeEventListener('abort', onAbort);
    };
    const subscription = source.subscribe({
      next: (value) => {
        last = { value };
      },
      error: (e: unknown) => {
        cleanup();
        reject(isClientError(e) ? new KubeApiException(e) : asError(e));
      },
      complete: () => {
        cleanup();
        if (last === undefined) reject(new Error('the request completed without a value'));
        else resolve(last.value);
      },
    });
    if (!subscription.closed) signal?.addEventListener('abort', onAbort, { once: true });
  });
