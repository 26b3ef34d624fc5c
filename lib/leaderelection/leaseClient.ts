import { messageOf } from '../internal/messageOf.js';
import { isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { catchError, filter, mergeMap, Observable, of } from 'rxjs';

import {
  httpErrorOf,
  isSuccessStatus,
  kubeGet,
  type KubeConfigLike,
  type KubeRequest,
  type KubeResponse,
} from '../listwatch/kubeRequest.js';
import { isListerWatcherError, type KubeApiError, type ListerWatcherError } from '../listwatch/ListerWatcherError.js';
import { ObjectMetaCodec } from '../meta/KubeObject.js';

/**
 * io-ts codec for `coordination.k8s.io/v1` `LeaseSpec`. Every field is optional, as in the API;
 * times are `MicroTime` strings (RFC 3339 with microseconds, see {@link microTime}).
 *
 * Maps to client-go's `coordinationv1.LeaseSpec` (as `resourcelock.LeaseLock` reads and writes it).
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/lib/Either.js';
 * import { LeaseSpecCodec } from 'kube-rx';
 * isRight(LeaseSpecCodec.decode({ holderIdentity: 'a', leaseDurationSeconds: 15 })); // true
 * ```
 * @category controller
 * @since 0.1.0
 */
export const LeaseSpecCodec = t.partial({
  holderIdentity: t.string,
  leaseDurationSeconds: t.number,
  acquireTime: t.string,
  renewTime: t.string,
  leaseTransitions: t.number,
});

/**
 * The spec of a Lease (read-only).
 *
 * Maps to client-go's `coordinationv1.LeaseSpec` / `resourcelock.LeaderElectionRecord`.
 *
 * @example
 * ```ts
 * import type { LeaseSpec } from 'kube-rx';
 * const spec: LeaseSpec = { holderIdentity: 'pod-a', leaseDurationSeconds: 15, leaseTransitions: 0 };
 * ```
 * @category controller
 * @since 0.1.0
 */
export type LeaseSpec = Readonly<t.TypeOf<typeof LeaseSpecCodec>>;

/**
 * io-ts codec for a `coordination.k8s.io/v1` `Lease`: metadata (with a name) and an optional spec.
 * Unknown fields pass through.
 *
 * Maps to client-go's `coordinationv1.Lease`.
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/lib/Either.js';
 * import { LeaseCodec } from 'kube-rx';
 * isRight(LeaseCodec.decode({ metadata: { name: 'my-controller' }, spec: { holderIdentity: 'a' } })); // true
 * ```
 * @category controller
 * @since 0.1.0
 */
export const LeaseCodec = t.intersection([
  t.type({ metadata: ObjectMetaCodec }),
  t.partial({ apiVersion: t.string, kind: t.string, spec: LeaseSpecCodec }),
]);

/**
 * A `coordination.k8s.io/v1` Lease (read-only). `metadata.resourceVersion` is what an update is
 * conditional on.
 *
 * Maps to client-go's `coordinationv1.Lease`.
 *
 * @example
 * ```ts
 * import type { Lease } from 'kube-rx';
 * const lease: Lease = { metadata: { name: 'my-controller', namespace: 'kube-system' }, spec: { holderIdentity: 'pod-a' } };
 * ```
 * @category controller
 * @since 0.1.0
 */
export type Lease = Readonly<t.TypeOf<typeof LeaseCodec>>;

/**
 * The operation a {@link LeaseClientError} belongs to.
 *
 * @example
 * ```ts
 * import type { LeaseVerb } from 'kube-rx';
 * const verb: LeaseVerb = 'update';
 * ```
 * @category controller
 * @since 0.1.0
 */
export type LeaseVerb = 'get' | 'create' | 'update';

/**
 * Why a Lease request failed, as a tagged value (the error channel of a {@link LeaseClient}'s
 * Observables carries only these). The same shape as a `ListerWatcherError`, with a Lease verb:
 *
 * - `HttpError`: a non-2xx answer; `409` (reason `Conflict`) on an update with a stale
 *   resourceVersion, `409` (reason `AlreadyExists`) on a create that lost a race.
 * - `TransportError`: no answer (connection refused or reset, TLS, timeout).
 *
 * Maps to client-go's `apierrors.StatusError` (`apierrors.IsConflict`).
 *
 * @example
 * ```ts
 * import type { LeaseClientError } from 'kube-rx';
 * const e: LeaseClientError = {
 *   _tag: 'HttpError', verb: 'update', resource: 'leases.coordination.k8s.io', code: 409, reason: 'Conflict', message: 'stale',
 * };
 * ```
 * @category controller
 * @since 0.1.0
 */
export type LeaseClientError = KubeApiError<LeaseVerb>;

/**
 * The port leader election and sharding use to read and write Leases: a get (undefined when the
 * Lease does not exist), a create, and an update that is conditional on
 * `metadata.resourceVersion` (optimistic concurrency: a stale one errors with an `HttpError` 409).
 * Observables are cold: each subscription makes one request; unsubscribing aborts it.
 *
 * Maps to client-go's `resourcelock.LeaseLock` (`Get`, `Create`, `Update`) over
 * `CoordinationV1().Leases(ns)`.
 *
 * ```
 * get(ns, n):     ----(L|)      or ----(u|) when not found (404)
 * update(stale):  ----#         # = HttpError 409 Conflict
 * ```
 *
 * @example
 * ```ts
 * import { httpLeaseClient, type LeaseClient } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const client: LeaseClient = httpLeaseClient(kubeConfig);
 * client.get('kube-system', 'my-controller').subscribe((lease) => console.log(lease?.spec?.holderIdentity));
 * ```
 * @category controller
 * @since 0.1.0
 */
export interface LeaseClient {
  /** The Lease, or `undefined` when it does not exist. */
  get(namespace: string, name: string): Observable<Lease | undefined>;
  /** Creates the Lease (`metadata.namespace` and `metadata.name` say where); 409 AlreadyExists if it does. */
  create(lease: Lease): Observable<Lease>;
  /** Replaces the Lease; 409 Conflict when `metadata.resourceVersion` is stale. */
  update(lease: Lease): Observable<Lease>;
}

/**
 * Formats a time (milliseconds since the epoch) as a Kubernetes `MicroTime`: RFC 3339 in UTC with
 * six fractional digits, e.g. `2024-05-01T12:00:00.123000Z`.
 *
 * Maps to apimachinery's `metav1.MicroTime` (`RFC3339Micro`).
 *
 * @example
 * ```ts
 * import { microTime } from 'kube-rx';
 * microTime(0); // '1970-01-01T00:00:00.000000Z'
 * ```
 * @category controller
 * @since 0.1.0
 */
export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

const LEASE_RESOURCE = 'leases.coordination.k8s.io';

const leasePath = (namespace: string, name?: string): string =>
  `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases${
    name === undefined ? '' : `/${encodeURIComponent(name)}`
  }`;

const retag = (e: ListerWatcherError, verb: LeaseVerb): LeaseClientError => ({ ...e, verb });

const invalidBody = (verb: LeaseVerb, response: KubeResponse, where: string, why: string): LeaseClientError => ({
  _tag: 'HttpError',
  verb,
  resource: LEASE_RESOURCE,
  code: response.statusCode,
  reason: 'InvalidBody',
  message: `${verb} ${LEASE_RESOURCE} ${where}: ${why}`,
});

/** An Observable that errors with a tagged value (errors are values, never `Error` instances). */
const failWith = <T>(e: unknown): Observable<T> =>
  new Observable<T>((subscriber) => {
    subscriber.error(e);
  });

/** Decodes a 2xx body into a Lease, or fails with an `HttpError` (reason `InvalidBody`). */
const decodeLease = (verb: LeaseVerb, response: KubeResponse, where: string): Observable<Lease> => {
  let json: unknown;
  try {
    json = JSON.parse(response.body.toString('utf8'));
  } catch (e: unknown) {
    const why = `the response body is not JSON: ${messageOf(e)}`;
    return failWith(invalidBody(verb, response, where, why));
  }
  const decoded = LeaseCodec.decode(json);
  if (isRight(decoded)) return of(decoded.right);
  const why = `the response is not a Lease: ${PathReporter.report(decoded).join('; ')}`;
  return failWith(invalidBody(verb, response, where, why));
};

const withKind = (lease: Lease): Lease => ({ ...lease, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' });

/**
 * A {@link LeaseClient} over HTTP: GET, POST and PUT of
 * `/apis/coordination.k8s.io/v1/namespaces/{ns}/leases[/{name}]` with the kubeConfig's server, TLS
 * and credentials (through the library's one request helper, `kubeGet`). Bodies are decoded with
 * {@link LeaseCodec}; errors are {@link LeaseClientError}s; nothing is retried here (the election
 * loop retries every retry period).
 *
 * Maps to client-go's `resourcelock.LeaseLock` with a `CoordinationV1` clientset.
 *
 * ```
 * get:     ----(L|)     200 → the Lease; 404 → (undefined|)
 * update:  ----#        409 Conflict (stale resourceVersion), 403, 5xx → HttpError; refused → TransportError
 * unsubscribe: --!      the request is aborted
 * ```
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { httpLeaseClient, leaderElection } from 'kube-rx';
 * const kc = new KubeConfig();
 * kc.loadFromDefault();
 * leaderElection({ client: httpLeaseClient(kc), namespace: 'default', name: 'my-controller', identity: 'pod-a' })
 *   .subscribe((s) => console.log(s._tag));
 * ```
 * @category controller
 * @since 0.1.0
 */
export const httpLeaseClient = (
  kubeConfig: KubeConfigLike,
  options: { readonly userAgent?: string; readonly idleTimeoutMs?: number } = {},
): LeaseClient => {
  const send = (verb: LeaseVerb, namespace: string, name: string, body?: Lease): Observable<Lease | undefined> => {
    const where = `"${name}" in namespace "${namespace}"`;
    const request: KubeRequest = {
      kubeConfig,
      verb: 'list', // errors are re-tagged with the Lease verb before they leave this module
      operation: verb,
      resource: LEASE_RESOURCE,
      namespace,
      path: leasePath(namespace, verb === 'create' ? undefined : name),
      method: verb === 'get' ? 'GET' : verb === 'create' ? 'POST' : 'PUT',
      ...(body === undefined ? {} : { body: withKind(body) }),
      ...(options.userAgent === undefined ? {} : { userAgent: options.userAgent }),
      ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    };
    return kubeGet(request).pipe(
      catchError((e: unknown) => failWith<KubeResponse>(isListerWatcherError(e) ? retag(e, verb) : e)),
      mergeMap((response): Observable<Lease | undefined> => {
        if (verb === 'get' && response.statusCode === 404) return of(undefined);
        if (!isSuccessStatus(response.statusCode)) return failWith(retag(httpErrorOf(request, response), verb));
        return decodeLease(verb, response, where);
      }),
    );
  };
  const nonEmpty = (o: Observable<Lease | undefined>): Observable<Lease> =>
    o.pipe(filter((l): l is Lease => l !== undefined));
  return {
    get: (namespace, name) => send('get', namespace, name),
    create: (lease) => nonEmpty(send('create', lease.metadata.namespace ?? 'default', lease.metadata.name, lease)),
    update: (lease) => nonEmpty(send('update', lease.metadata.namespace ?? 'default', lease.metadata.name, lease)),
  };
};
