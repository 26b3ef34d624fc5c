import { isRight } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { catchError, defer, mergeMap, type Observable, of } from 'rxjs';

import { type Status, StatusCodec } from '../codec/Status.js';
import type { LeaseFence } from '../leaderelection/leaseFence.js';
import { failed } from '../internal/failed.js';
import { messageOf } from '../internal/messageOf.js';
import { type ApiResource, collectionPath, resourceName } from '../listwatch/ApiResource.js';
import { httpErrorOf, isSuccessStatus, type KubeConfigLike, kubeGet, type KubeRequest, type KubeResponse } from '../listwatch/kubeRequest.js';
import { isListerWatcherError } from '../listwatch/ListerWatcherError.js';
import type { TypedResource } from '../listwatch/TypedResource.js';
import { type KubeObject, KubeObjectCodec } from '../meta/KubeObject.js';
import { type ClientError, type ClientVerb, type InvalidRequest, toPromise } from './ClientError.js';

/**
 * Configuration of {@link objectClient}: the cluster (the same `KubeConfig` the informers use, so
 * the same server, TLS and credentials), the default namespace and the field manager.
 *
 * Maps to controller-runtime's `client.Options` plus `client.FieldOwner`, and kube-rs's
 * `Api::namespaced(client, ns)`.
 *
 * @example
 * ```ts
 * import type { ClientConfig } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const config: ClientConfig = { kubeConfig, namespace: 'default', fieldManager: 'widget-controller' };
 * ```
 * @category client
 * @since 0.3.0
 */
export interface ClientConfig {
  readonly kubeConfig: KubeConfigLike;
  /** The namespace of calls whose object or reference names none (namespaced resources only). */
  readonly namespace?: string;
  /**
   * The field manager of every write (the controller's name): required by server-side apply
   * (a call's `fieldManager` option overrides it), recorded in `managedFields` for the others.
   */
  readonly fieldManager?: string;
  /** `User-Agent` header (default `kube-rx`). */
  readonly userAgent?: string;
  /** Largest accepted response body in bytes (default 16 MiB). */
  readonly maxBodyBytes?: number;
  /**
   * A call that receives no bytes for this long fails with a `TransportError` `ETIMEDOUT` (and its
   * request is aborted). Default: none (the connection's own timeouts).
   * @since 0.3.0
   */
  readonly idleTimeoutMs?: number;
  /**
   * A {@link LeaseFence} checked right before each write is sent (not before reads): when it
   * says the lease may have passed to another replica, the write is refused with an
   * `InvalidRequest` whose `field` is `fence` ({@link isLeaseFenced}) and nothing is sent.
   * Default: none.
   * @since 0.3.0
   */
  readonly fence?: Pick<LeaseFence, 'check'>;
}

/**
 * Which object a call is about: its name and, for a namespaced resource, its namespace (else the
 * client's `namespace`). An object's `metadata` is one.
 *
 * Maps to controller-runtime's `client.ObjectKey` (`types.NamespacedName`).
 *
 * @example
 * ```ts
 * import type { ObjectRef } from 'kube-rx';
 * const ref: ObjectRef = { name: 'settings', namespace: 'default' };
 * ```
 * @category client
 * @since 0.3.0
 */
export interface ObjectRef {
  readonly name: string;
  readonly namespace?: string;
}

/**
 * Options of a create, replace or patch.
 *
 * Maps to controller-runtime's `client.CreateOptions` / `UpdateOptions` / `PatchOptions`
 * (`DryRun`, `FieldOwner`) and kube-rs's `PostParams` / `PatchParams`.
 *
 * @example
 * ```ts
 * import type { WriteOptions } from 'kube-rx';
 * const preview: WriteOptions = { dryRun: true };
 * ```
 * @category client
 * @since 0.3.0
 */
export interface WriteOptions {
  /** Validate and run admission but persist nothing (`dryRun=All`); the answer is what would be stored. */
  readonly dryRun?: boolean;
  /** The field manager of this write (default: the client's). */
  readonly fieldManager?: string;
}

/**
 * Options of a merge patch: `merge` (RFC 7386, any resource; the default) or `strategic`
 * (built-in kinds only: lists merge by their patch merge key).
 *
 * Maps to controller-runtime's `client.MergeFrom` / `client.StrategicMergeFrom` and kube-rs's
 * `Patch::Merge` / `Patch::Strategic`.
 *
 * @example
 * ```ts
 * import type { PatchOptions } from 'kube-rx';
 * const o: PatchOptions = { type: 'strategic' };
 * ```
 * @category client
 * @since 0.3.0
 */
export interface PatchOptions extends WriteOptions {
  readonly type?: 'merge' | 'strategic';
}

/**
 * One operation of a JSON patch (RFC 6902). A `test` that fails makes the server refuse the whole
 * patch (422 Invalid on kube-apiserver), which is how a patch is made conditional.
 *
 * Maps to controller-runtime's `client.RawPatch(types.JSONPatchType, ...)` and kube-rs's
 * `Patch::Json(json_patch::Patch)`.
 *
 * @example
 * ```ts
 * import type { JsonPatchOperation } from 'kube-rx';
 * const ops: ReadonlyArray<JsonPatchOperation> = [
 *   { op: 'test', path: '/metadata/resourceVersion', value: '42' },
 *   { op: 'add', path: '/metadata/finalizers/-', value: 'example.com/cleanup' },
 * ];
 * ```
 * @category client
 * @since 0.3.0
 */
export type JsonPatchOperation =
  | { readonly op: 'add' | 'replace' | 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'move' | 'copy'; readonly from: string; readonly path: string };

/**
 * Options of a server-side apply.
 *
 * Maps to controller-runtime's `client.Apply` with `client.FieldOwner` and `client.ForceOwnership`,
 * and kube-rs's `PatchParams::apply(manager).force()`.
 *
 * @example
 * ```ts
 * import type { ApplyOptions } from 'kube-rx';
 * const o: ApplyOptions = { fieldManager: 'widget-controller', force: true };
 * ```
 * @category client
 * @since 0.3.0
 */
export interface ApplyOptions {
  /** The field manager (default: the client's; one of them is required). */
  readonly fieldManager?: string;
  /** Take ownership of fields another manager owns instead of failing with 409 Conflict. Default false. */
  readonly force?: boolean;
  readonly dryRun?: boolean;
}

/**
 * Options of a delete.
 *
 * Maps to controller-runtime's `client.DeleteOptions` (`Preconditions`, `PropagationPolicy`,
 * `GracePeriodSeconds`, `DryRun`) and kube-rs's `DeleteParams`.
 *
 * @example
 * ```ts
 * import type { DeleteOptions } from 'kube-rx';
 * const o: DeleteOptions = { preconditions: { uid: 'd5f…' }, propagationPolicy: 'Foreground' };
 * ```
 * @category client
 * @since 0.3.0
 */
export interface DeleteOptions {
  /** The delete happens only if the object still has this uid and/or resourceVersion (else 409 Conflict). */
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  /** What happens to dependents: `Background` (the server's default for most kinds), `Foreground`, `Orphan`. */
  readonly propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  readonly gracePeriodSeconds?: number;
  readonly dryRun?: boolean;
}

/**
 * What a delete did: `Deleted` (gone; `object` is its last state when the server sends it, else
 * `status` is the server's Status), or `Pending` (finalizers hold it: it now has a
 * `deletionTimestamp` and goes when the last finalizer is removed).
 *
 * Maps to kube-rs's `Either<K, Status>` answer of `Api::delete`.
 *
 * @example
 * ```ts
 * import type { DeleteResult, KubeObject } from 'kube-rx';
 * const gone = (r: DeleteResult<KubeObject>): boolean => r._tag === 'Deleted';
 * ```
 * @category client
 * @since 0.3.0
 */
export type DeleteResult<T> =
  | { readonly _tag: 'Deleted'; readonly object?: T; readonly status?: Status }
  | { readonly _tag: 'Pending'; readonly object: T };

/** Makes every property optional, all the way down (arrays of partial elements). */
export type DeepPartial<T> = T extends ReadonlyArray<infer E>
  ? ReadonlyArray<DeepPartial<E>>
  : T extends object
    ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/**
 * What server-side apply takes: the fields the manager has an opinion about, with the object's
 * identity (`apiVersion`, `kind`, `metadata.name`, and `metadata.namespace` unless the client's
 * default namespace applies). Every other field may be left out.
 *
 * Maps to client-go's apply configurations (`applyconfigurations/core/v1.ConfigMap(name, ns)`) and
 * the partial objects kube-rs's `Patch::Apply` takes.
 *
 * @example
 * ```ts
 * import type { ApplyObject, KubeObject } from 'kube-rx';
 * const cm: ApplyObject<KubeObject & { data?: Record<string, string> }> = {
 *   apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'on' },
 * };
 * ```
 * @category client
 * @since 0.3.0
 */
export type ApplyObject<T extends KubeObject> = DeepPartial<Omit<T, 'apiVersion' | 'kind' | 'metadata'>> & {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: DeepPartial<T['metadata']> & { readonly name: string; readonly namespace?: string };
};

/**
 * The object client's calls as Promises: the same calls as {@link ObjectClient}, each taking a
 * `signal` that aborts the request; failures reject with a `KubeApiException` (an `Error` with a
 * stack, the typed error value and its fields).
 *
 * Maps to controller-runtime's `client.Client` (methods taking `ctx`) and kube-rs's `Api` futures.
 *
 * @example
 * ```ts
 * import { isNotFound, KubeApiException, type PromiseObjectClient, type KubeObject } from 'kube-rx';
 * declare const client: PromiseObjectClient<KubeObject>;
 * const found = await client.get({ name: 'a' }, { signal: AbortSignal.timeout(5000) }).catch((e: unknown) => {
 *   if (e instanceof KubeApiException && isNotFound(e)) return undefined;
 *   throw e;
 * });
 * ```
 * @category client
 * @since 0.3.0
 */
export interface PromiseObjectClient<T extends KubeObject> {
  get(ref: ObjectRef, options?: Signal): Promise<T>;
  create(obj: T, options?: WriteOptions & Signal): Promise<T>;
  replace(obj: T, options?: WriteOptions & Signal): Promise<T>;
  patch(ref: ObjectRef, patch: unknown, options?: PatchOptions & Signal): Promise<T>;
  jsonPatch(ref: ObjectRef, operations: ReadonlyArray<JsonPatchOperation>, options?: WriteOptions & Signal): Promise<T>;
  delete(ref: ObjectRef, options?: DeleteOptions & Signal): Promise<DeleteResult<T>>;
  apply(obj: ApplyObject<T>, options?: ApplyOptions & Signal): Promise<T>;
  applyStatus(obj: ApplyObject<T>, options?: ApplyOptions & Signal): Promise<T>;
  patchStatus(ref: ObjectRef, patch: unknown, options?: PatchOptions & Signal): Promise<T>;
  replaceStatus(obj: T, options?: WriteOptions & Signal): Promise<T>;
}

/**
 * The `signal` option of a Promise call: aborting it aborts the request.
 *
 * @example
 * ```ts
 * import type { Signal } from 'kube-rx';
 * const o: Signal = { signal: AbortSignal.timeout(10_000) };
 * ```
 * @category client
 * @since 0.3.0
 */
export interface Signal {
  readonly signal?: AbortSignal;
}

/**
 * Reads and writes objects of one resource: get, create, replace (optimistic concurrency), merge,
 * strategic and JSON patches, delete (preconditions, propagation), server-side apply, and the
 * status subresource. Every call is a cold Observable: nothing is sent before subscription, one
 * request per subscription, and unsubscribing aborts the request; it emits the server's answer
 * (decoded with the resource's codec) and completes, or errors with a {@link ClientError}.
 * `promise` has the same calls as Promises.
 *
 * Maps to controller-runtime's `client.Client` + `client.SubResourceClient` ("status") and
 * kube-rs's `Api<K>`.
 *
 * ```
 * apply(o):      ----(o'|)        o' = the object as stored (the same resourceVersion if nothing changed)
 * replace(old):  ----#            # = HttpError 409 Conflict (isConflict)
 * unsubscribe:   --!              the request is aborted
 * ```
 *
 * @example
 * ```ts
 * import { configMaps, objectClient } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const client = objectClient(configMaps, { kubeConfig, namespace: 'default', fieldManager: 'my-controller' });
 * client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'on' } })
 *   .subscribe((cm) => console.log(cm.metadata.resourceVersion));
 * ```
 * @category client
 * @since 0.3.0
 */
export interface ObjectClient<T extends KubeObject> {
  /** The resource this client reads and writes. */
  readonly resource: ApiResource;
  /** GET the object (404 → `isNotFound`). */
  get(ref: ObjectRef): Observable<T>;
  /** POST a new object (`metadata.name` or `generateName`; 409 AlreadyExists → `isAlreadyExists`). */
  create(obj: T, options?: WriteOptions): Observable<T>;
  /** PUT the whole object; with `metadata.resourceVersion` set, a stale one is 409 Conflict (`isConflict`). Status is ignored by resources with a status subresource. */
  replace(obj: T, options?: WriteOptions): Observable<T>;
  /** PATCH with a JSON merge patch (default) or a strategic merge patch. */
  patch(ref: ObjectRef, patch: unknown, options?: PatchOptions): Observable<T>;
  /** PATCH with a JSON patch (RFC 6902); a failed `test` is refused by the server (422 on kube-apiserver). */
  jsonPatch(ref: ObjectRef, operations: ReadonlyArray<JsonPatchOperation>, options?: WriteOptions): Observable<T>;
  /** DELETE, with preconditions and a propagation policy. */
  delete(ref: ObjectRef, options?: DeleteOptions): Observable<DeleteResult<T>>;
  /** Server-side apply: PATCH `application/apply-patch+yaml` with a JSON body, `fieldManager`, `force` only when asked. */
  apply(obj: ApplyObject<T>, options?: ApplyOptions): Observable<T>;
  /** Server-side apply of the status subresource; sends only identity and `status`. */
  applyStatus(obj: ApplyObject<T>, options?: ApplyOptions): Observable<T>;
  /** Merge (or strategic) patch of the status subresource. */
  patchStatus(ref: ObjectRef, patch: unknown, options?: PatchOptions): Observable<T>;
  /** PUT of the status subresource (a stale `metadata.resourceVersion` is 409 Conflict). */
  replaceStatus(obj: T, options?: WriteOptions): Observable<T>;
  /** The same calls as Promises. */
  readonly promise: PromiseObjectClient<T>;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

const CONTENT_TYPES = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

const apiVersionOfResource = (r: ApiResource): string => (r.group === '' ? r.version : `${r.group}/${r.version}`);

/** `configmaps`, `deployments.apps`: how errors name a resource. */

const isStatusBody = (json: unknown): json is Status => isRight(StatusCodec.decode(json));

/** One call: which verb, where, what to send. */
interface Call {
  readonly verb: ClientVerb;
  readonly ref: ObjectRef | undefined;
  /** The namespace of a call on the collection (a create): the object's. */
  readonly namespace?: string | undefined;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly subresource?: 'status';
  readonly body?: unknown;
  readonly contentType?: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
}

/**
 * Any object of a resource that has no codec: metadata as {@link KubeObject} has it, every other
 * field `unknown`, so an untyped client can write any field and reads need a check.
 *
 * Maps to controller-runtime's `unstructured.Unstructured` and kube-rs's `DynamicObject`.
 *
 * @example
 * ```ts
 * import type { UnstructuredObject } from 'kube-rx';
 * const o: UnstructuredObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 } };
 * ```
 * @category client
 * @since 0.3.0
 */
export type UnstructuredObject = KubeObject & Readonly<Record<string, unknown>>;

/** A request refused before anything was sent: the typed `InvalidRequest` error, as an Observable's error. */
const invalidRequest = <A>(verb: ClientVerb, resource: string, field: string, message: string): Observable<A> =>
  failed<A>({ _tag: 'InvalidRequest', verb, resource, field, message } satisfies InvalidRequest);

/**
 * `write()`, subscribed only if `fence` (when given) lets `verb` on `resource` go ahead at the
 * moment of subscription; else a typed `InvalidRequest` on the field `fence` ({@link isLeaseFenced})
 * and nothing is sent. Internal: the one fence check of every write (objectClient's, and the
 * controller-scoped clients' of a fenced controller).
 */
export const behindFence = <A>(fence: Pick<LeaseFence, 'check'> | undefined, verb: ClientVerb, resource: string, write: () => Observable<A>): Observable<A> =>
  fence === undefined
    ? write()
    : defer(() => {
        const refused = fence.check(`${verb} ${resource}`);
        return refused === undefined ? write() : invalidRequest<A>(verb, resource, 'fence', refused.message);
      });

/**
 * A client for the objects of `resource`: typed by its codec when it is a {@link TypedResource}
 * (a built-in kind of `kube-rx`, or a custom resource's descriptor), else {@link UnstructuredObject}.
 * See {@link ObjectClient} for the calls.
 *
 * Request details: `dryRun` sends `dryRun=All`; `fieldManager` is sent on every write that has
 * one; apply sends `force=true` only when `force` is set. Before any request, an object without
 * `apiVersion`, `kind` or `metadata.name` (create: or `generateName`), one whose
 * `apiVersion`/`kind` are not the resource's, a namespaced call with no namespace, and an apply
 * without a field manager are refused with an `InvalidRequest` error.
 *
 * Maps to controller-runtime's `client.New(config, client.Options{})` and kube-rs's
 * `Api::namespaced` / `Api::all`.
 *
 * @example
 * ```ts
 * import { objectClient, secrets } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const client = objectClient(secrets, { kubeConfig, namespace: 'default', fieldManager: 'copier' });
 * const secret = await client.promise.get({ name: 'token' });
 * ```
 * @category client
 * @since 0.3.0
 */
export function objectClient<T extends KubeObject>(resource: TypedResource<T>, config: ClientConfig): ObjectClient<T>;
export function objectClient(resource: ApiResource, config: ClientConfig): ObjectClient<UnstructuredObject>;
export function objectClient<T extends KubeObject>(resource: TypedResource<T> | ApiResource, config: ClientConfig): ObjectClient<T> {
  const codec = ('codec' in resource ? resource.codec : KubeObjectCodec) as t.Decoder<unknown, T>;
  const name = resourceName(resource);
  const apiVersion = apiVersionOfResource(resource);

  const refuse = <A>(verb: ClientVerb, field: string, message: string): Observable<A> => invalidRequest<A>(verb, name, field, `${verb} ${name}: ${message}`);

  const namespaceOf = (given: string | undefined): string | undefined =>
    resource.namespaced ? (given !== undefined && given !== '' ? given : config.namespace) : undefined;

  const invalidBody = (verb: ClientVerb, response: KubeResponse, why: string): ClientError => ({
    _tag: 'HttpError',
    verb,
    resource: name,
    code: response.statusCode,
    reason: 'InvalidBody',
    message: `${verb} ${name}: ${why}`,
  });

  const parse = (verb: ClientVerb, response: KubeResponse): { readonly ok: true; readonly json: unknown } | { readonly ok: false; readonly error: ClientError } => {
    try {
      return { ok: true, json: JSON.parse(response.body.toString('utf8')) as unknown };
    } catch (e: unknown) {
      return { ok: false, error: invalidBody(verb, response, `the response body is not JSON: ${messageOf(e)}`) };
    }
  };

  const decode = (verb: ClientVerb, response: KubeResponse, json: unknown): Observable<T> => {
    const decoded = codec.decode(json);
    return isRight(decoded)
      ? of(decoded.right)
      : failed(invalidBody(verb, response, `the response is not a ${resource.kind}: ${PathReporter.report(decoded).join('; ')}`));
  };

  /** Sends one call and emits the 2xx response (a non-2xx is an `HttpError`, re-tagged with the verb). */
  const send = (call: Call): Observable<KubeResponse> => {
    const namespace = namespaceOf(call.ref?.namespace ?? call.namespace);
    if (resource.namespaced && namespace === undefined) {
      return refuse(call.verb, 'metadata.namespace', `a namespaced ${resource.kind} needs a namespace (the object's, the reference's or the client's)`);
    }
    const objectPath = call.ref === undefined ? '' : `/${encodeURIComponent(call.ref.name)}`;
    const request: KubeRequest = {
      kubeConfig: config.kubeConfig,
      verb: 'list', // errors are re-tagged with the client verb before they leave this module
      operation: call.verb,
      resource: name,
      ...(namespace === undefined ? {} : { namespace }),
      path: `${collectionPath(resource, namespace)}${objectPath}${call.subresource === undefined ? '' : `/${call.subresource}`}`,
      method: call.method,
      maxBodyBytes: config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      ...(call.query === undefined ? {} : { query: call.query }),
      ...(call.body === undefined ? {} : { body: call.body }),
      ...(call.contentType === undefined ? {} : { contentType: call.contentType }),
      ...(config.userAgent === undefined ? {} : { userAgent: config.userAgent }),
      ...(config.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: config.idleTimeoutMs }),
    };
    const sent$ = call.verb === 'get' ? kubeGet(request) : behindFence(config.fence, call.verb, name, () => kubeGet(request));
    return sent$.pipe(
      catchError((e: unknown) => failed<KubeResponse>(isListerWatcherError(e) ? { ...e, verb: call.verb } : e)),
      mergeMap((response) =>
        isSuccessStatus(response.statusCode) ? of(response) : failed<KubeResponse>({ ...httpErrorOf(request, response), verb: call.verb }),
      ),
    );
  };

  const sendForObject = (call: Call): Observable<T> =>
    send(call).pipe(
      mergeMap((response) => {
        const parsed = parse(call.verb, response);
        return parsed.ok ? decode(call.verb, response, parsed.json) : failed<T>(parsed.error);
      }),
    );

  const writeQuery = (options: WriteOptions | ApplyOptions | undefined, extra: Readonly<Record<string, string | undefined>> = {}) => ({
    dryRun: options?.dryRun === true ? 'All' : undefined,
    fieldManager: options?.fieldManager ?? config.fieldManager,
    ...extra,
  });

  /** The identity checks of an object sent whole; undefined when it passes. */
  const checkObject = (verb: ClientVerb, obj: { readonly apiVersion?: string; readonly kind?: string; readonly metadata?: { readonly name?: string; readonly generateName?: string } }): Observable<never> | undefined => {
    if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') return refuse(verb, 'apiVersion', `the object has no apiVersion (expected "${apiVersion}")`);
    if (typeof obj.kind !== 'string' || obj.kind === '') return refuse(verb, 'kind', `the object has no kind (expected "${resource.kind}")`);
    if (obj.apiVersion !== apiVersion || obj.kind !== resource.kind) {
      return refuse(verb, obj.apiVersion !== apiVersion ? 'apiVersion' : 'kind', `the object is a ${obj.apiVersion}/${obj.kind}, not a ${apiVersion}/${resource.kind}`);
    }
    const named = typeof obj.metadata?.name === 'string' && obj.metadata.name !== '';
    const generated = verb === 'create' && typeof obj.metadata?.generateName === 'string' && obj.metadata.generateName !== '';
    if (!named && !generated) return refuse(verb, 'metadata.name', verb === 'create' ? 'the object has neither metadata.name nor metadata.generateName' : 'the object has no metadata.name');
    return undefined;
  };

  const applyCall = (verb: 'apply' | 'applyStatus', obj: ApplyObject<T>, options: ApplyOptions | undefined): Observable<T> => {
    const invalid = checkObject(verb, obj);
    if (invalid !== undefined) return invalid;
    const fieldManager = options?.fieldManager ?? config.fieldManager;
    if (fieldManager === undefined || fieldManager === '') {
      return refuse(verb, 'fieldManager', 'server-side apply needs a field manager (the fieldManager option or the client config)');
    }
    const { name: objName, namespace } = obj.metadata;
    const body =
      verb === 'apply'
        ? obj
        : {
            apiVersion: obj.apiVersion,
            kind: obj.kind,
            metadata: { name: objName, ...(namespace === undefined ? {} : { namespace }) },
            ...('status' in obj ? { status: obj.status } : {}),
          };
    return sendForObject({
      verb,
      ref: obj.metadata,
      method: 'PATCH',
      ...(verb === 'applyStatus' ? { subresource: 'status' as const } : {}),
      body,
      contentType: CONTENT_TYPES.apply,
      query: writeQuery(options, { fieldManager, force: options?.force === true ? 'true' : undefined }),
    });
  };

  const replaceCall = (verb: 'update' | 'updateStatus', obj: T, options: WriteOptions | undefined): Observable<T> =>
    checkObject(verb, obj) ??
    sendForObject({ verb, ref: obj.metadata, method: 'PUT', ...(verb === 'updateStatus' ? { subresource: 'status' as const } : {}), body: obj, query: writeQuery(options) });

  const patchCall = (verb: 'patch' | 'patchStatus', ref: ObjectRef, patch: unknown, options: PatchOptions | undefined): Observable<T> =>
    sendForObject({
      verb,
      ref,
      method: 'PATCH',
      ...(verb === 'patchStatus' ? { subresource: 'status' as const } : {}),
      body: patch,
      contentType: CONTENT_TYPES[options?.type ?? 'merge'],
      query: writeQuery(options),
    });

  const client: Omit<ObjectClient<T>, 'promise'> = {
    resource,
    get: (ref) => sendForObject({ verb: 'get', ref, method: 'GET' }),
    create: (obj, options) =>
      checkObject('create', obj) ??
      sendForObject({ verb: 'create', ref: undefined, namespace: obj.metadata.namespace, method: 'POST', body: obj, query: writeQuery(options) }),
    replace: (obj, options) => replaceCall('update', obj, options),
    patch: (ref, patch, options) => patchCall('patch', ref, patch, options),
    jsonPatch: (ref, operations, options) =>
      sendForObject({ verb: 'patch', ref, method: 'PATCH', body: operations, contentType: CONTENT_TYPES.json, query: writeQuery(options) }),
    delete: (ref, options) =>
      send({
        verb: 'delete',
        ref,
        method: 'DELETE',
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          ...(options?.preconditions === undefined ? {} : { preconditions: options.preconditions }),
          ...(options?.propagationPolicy === undefined ? {} : { propagationPolicy: options.propagationPolicy }),
          ...(options?.gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds: options.gracePeriodSeconds }),
        },
        query: { dryRun: options?.dryRun === true ? 'All' : undefined },
      }).pipe(
        mergeMap((response): Observable<DeleteResult<T>> => {
          const parsed = parse('delete', response);
          if (!parsed.ok) return failed(parsed.error);
          if (isStatusBody(parsed.json)) return of({ _tag: 'Deleted', status: parsed.json });
          return decode('delete', response, parsed.json).pipe(
            mergeMap((object): Observable<DeleteResult<T>> =>
              of(
                object.metadata.deletionTimestamp !== undefined && (object.metadata.finalizers?.length ?? 0) > 0
                  ? { _tag: 'Pending', object }
                  : { _tag: 'Deleted', object },
              ),
            ),
          );
        }),
      ),
    apply: (obj, options) => applyCall('apply', obj, options),
    applyStatus: (obj, options) => applyCall('applyStatus', obj, options),
    patchStatus: (ref, patch, options) => patchCall('patchStatus', ref, patch, options),
    replaceStatus: (obj, options) => replaceCall('updateStatus', obj, options),
  };
  return withPromises(client);
}

/**
 * Completes an object client with its `promise` calls: each runs the Observable call with
 * `toPromise` (the `signal` option aborts it). For other implementations of {@link ObjectClient}
 * (a fake cluster's, a recording wrapper).
 *
 * Maps to nothing in controller-runtime (Go calls block); kube-rs's `Api` methods are futures.
 *
 * @example
 * ```ts
 * import { withPromises, type ObjectClient, type KubeObject } from 'kube-rx';
 * declare const calls: Omit<ObjectClient<KubeObject>, 'promise'>;
 * const client: ObjectClient<KubeObject> = withPromises(calls);
 * ```
 * @category client
 * @since 0.3.0
 */
export const withPromises = <T extends KubeObject>(client: Omit<ObjectClient<T>, 'promise'>): ObjectClient<T> => ({ ...client, promise: promiseClient(client) });

/**
 * The Promise calls of an {@link ObjectClient}'s Observable calls (each run to its last value by
 * `toPromise`, aborted by its `signal`): what `objectClient` and wrappers of a client give as
 * `promise`.
 *
 * Maps to kube-rs's `Api` futures over the same requests.
 *
 * @example
 * ```ts
 * import { promiseClient, type KubeObject, type ObjectClient } from 'kube-rx';
 * declare const client: ObjectClient<KubeObject>;
 * await promiseClient(client).get({ name: 'a', namespace: 'default' });
 * ```
 * @category client
 * @since 0.3.0
 */
export const promiseClient = <T extends KubeObject>(client: Omit<ObjectClient<T>, 'promise'>): PromiseObjectClient<T> => ({
  get: (ref, options) => toPromise(client.get(ref), options?.signal),
  create: (obj, options) => toPromise(client.create(obj, options), options?.signal),
  replace: (obj, options) => toPromise(client.replace(obj, options), options?.signal),
  patch: (ref, patch, options) => toPromise(client.patch(ref, patch, options), options?.signal),
  jsonPatch: (ref, operations, options) => toPromise(client.jsonPatch(ref, operations, options), options?.signal),
  delete: (ref, options) => toPromise(client.delete(ref, options), options?.signal),
  apply: (obj, options) => toPromise(client.apply(obj, options), options?.signal),
  applyStatus: (obj, options) => toPromise(client.applyStatus(obj, options), options?.signal),
  patchStatus: (ref, patch, options) => toPromise(client.patchStatus(ref, patch, options), options?.signal),
  replaceStatus: (obj, options) => toPromise(client.replaceStatus(obj, options), options?.signal),
});
