import { type Observable, tap } from 'rxjs';

import type { ClientVerb } from '../client/ClientError.js';
import { behindFence, type DeleteResult, type ObjectClient, promiseClient, type UnstructuredObject } from '../client/objectClient.js';
import type { LeaseFence } from '../leaderelection/leaseFence.js';
import { type ApiResource, resourceName } from '../listwatch/ApiResource.js';
import type { TypedResource } from '../listwatch/TypedResource.js';
import type { KubeObject } from '../meta/KubeObject.js';

/**
 * Where a controller's clients come from: one {@link ObjectClient} per resource (an
 * {@link ApiResource} without a codec comes with `KubeObjectCodec`, so it decodes as
 * {@link UnstructuredObject}). The `client` option of a `listerWatcher` {@link ManagerConfig}
 * (tests, in-process fakes) and of {@link reconcileContext}; the clients it returns need no field
 * manager: the controller's is added to every write.
 *
 * Maps to controller-runtime's `cluster.Options.NewClient` (what `mgr.GetClient()` returns) and
 * kube-rs's `Client` handed to `Api::all_with`.
 *
 * @example
 * ```ts
 * import { objectClient, type ClientFactory } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const client: ClientFactory = (resource) => objectClient(resource, { kubeConfig });
 * ```
 * @category controller
 * @since 0.3.0
 */
export type ClientFactory = <T extends KubeObject>(resource: TypedResource<T>) => ObjectClient<T>;

/**
 * The `client` of a {@link ReconcileContext}: an {@link ObjectClient} for a resource, typed by a
 * {@link TypedResource}'s codec, else {@link UnstructuredObject} (the overloads of `objectClient`).
 *
 * @example
 * ```ts
 * import { configMaps, type ContextClient } from 'kube-rx';
 * declare const client: ContextClient;
 * client(configMaps).apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' }, data: { k: 'v' } });
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface ContextClient {
  <T extends KubeObject>(resource: TypedResource<T>): ObjectClient<T>;
  (resource: ApiResource): ObjectClient<UnstructuredObject>;
}

/**
 * Options of {@link controllerClient}.
 *
 * Maps to controller-runtime's `client.WithFieldOwner` argument.
 *
 * @example
 * ```ts
 * import type { ControllerClientOptions } from 'kube-rx';
 * const o: ControllerClientOptions = { fieldManager: 'my-controller', record: (o) => console.log(o.metadata.resourceVersion) };
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface ControllerClientOptions {
  /** The field manager of every write that names none (controller-runtime's `WithFieldOwner`). */
  readonly fieldManager?: string;
  /** Where every object a successful write returned is recorded (read-your-writes). */
  readonly record?: (object: KubeObject) => void;
  /**
   * Checked right before each write is sent (reads are not fenced): when it refuses, the write
   * fails with a typed `InvalidRequest` on the field `fence` ({@link isLeaseFenced}) and nothing is
   * sent. controllerManager passes the fence of the reconcile's work queue (`RunOptions.fence`, or
   * the shard's), so a controller's context clients are fenced with no option of their own.
   */
  readonly fence?: Pick<LeaseFence, 'check'>;
}

/**
 * Wraps `client` so that every write without a `fieldManager` option gets `fieldManager` (an
 * explicit one still wins), and every object a successful write returns (a delete: its object,
 * when the server sends one) is given to `record`, then passed on unchanged. Reads, and the
 * client's errors, are untouched; the Promise calls go through the same wrapping.
 *
 * Maps to controller-runtime's `client.WithFieldOwner(c, owner)` plus the read-your-writes
 * recording of a kube-rx controller (kube-rs: `PatchParams::apply(name)` on each call).
 *
 * @example
 * ```ts
 * import { configMaps, controllerClient, objectClient } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const client = controllerClient(objectClient(configMaps, { kubeConfig }), { fieldManager: 'my-controller' });
 * client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } }); // fieldManager=my-controller
 * ```
 * @category controller
 * @since 0.3.0
 */
export const controllerClient = <T extends KubeObject>(client: ObjectClient<T>, options: ControllerClientOptions): ObjectClient<T> => {
  const { fieldManager, record, fence } = options;
  const name = resourceName(client.resource);
  const owned = <O extends { readonly fieldManager?: string }>(o: O | undefined): O | undefined =>
    fieldManager === undefined || o?.fieldManager !== undefined ? o : ({ ...o, fieldManager } as O);
  /** A write: fenced, then the object its result carries (if any) recorded. */
  const writeOf =
    <A>(recordedOf: (result: A) => T | undefined) =>
    (verb: ClientVerb, send: () => Observable<A>): Observable<A> => {
      const sent = behindFence(fence, verb, name, send);
      return record === undefined
        ? sent
        : sent.pipe(
            tap((result) => {
              const object = recordedOf(result);
              if (object !== undefined) record(object);
            }),
          );
    };
  const write = writeOf<T>((object) => object);
  const calls: Omit<ObjectClient<T>, 'promise'> = {
    resource: client.resource,
    get: (ref) => client.get(ref),
    create: (obj, o) => write('create', () => client.create(obj, owned(o))),
    replace: (obj, o) => write('update', () => client.replace(obj, owned(o))),
    patch: (ref, patch, o) => write('patch', () => client.patch(ref, patch, owned(o))),
    jsonPatch: (ref, operations, o) => write('patch', () => client.jsonPatch(ref, operations, owned(o))),
    delete: (ref, o) => writeOf<DeleteResult<T>>((result) => result.object)('delete', () => client.delete(ref, o)),
    apply: (obj, o) => write('apply', () => client.apply(obj, owned(o))),
    applyStatus: (obj, o) => write('applyStatus', () => client.applyStatus(obj, owned(o))),
    patchStatus: (ref, patch, o) => write('patchStatus', () => client.patchStatus(ref, patch, owned(o))),
    replaceStatus: (obj, o) => write('updateStatus', () => client.replaceStatus(obj, owned(o))),
  };
  return { ...calls, promise: promiseClient(calls) };
};
