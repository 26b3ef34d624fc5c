import { type MonoTypeOperatorFunction, tap } from 'rxjs';

import { type ObjectClient, promiseClient, type UnstructuredObject } from '../client/objectClient.js';
import type { ApiResource } from '../listwatch/ApiResource.js';
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
  const { fieldManager, record } = options;
  const owned = <O extends { readonly fieldManager?: string }>(o: O | undefined): O | undefined =>
    fieldManager === undefined || o?.fieldManager !== undefined ? o : ({ ...o, fieldManager } as O);
  const recorded: MonoTypeOperatorFunction<T> = record === undefined ? (source) => source : tap<T>(record);
  const calls: Omit<ObjectClient<T>, 'promise'> = {
    resource: client.resource,
    get: (ref) => client.get(ref),
    create: (obj, o) => client.create(obj, owned(o)).pipe(recorded),
    replace: (obj, o) => client.replace(obj, owned(o)).pipe(recorded),
    patch: (ref, patch, o) => client.patch(ref, patch, owned(o)).pipe(recorded),
    jsonPatch: (ref, operations, o) => client.jsonPatch(ref, operations, owned(o)).pipe(recorded),
    delete: (ref, o) =>
      client.delete(ref, o).pipe(
        tap((result) => {
          if (result.object !== undefined) record?.(result.object);
        }),
      ),
    apply: (obj, o) => client.apply(obj, owned(o)).pipe(recorded),
    applyStatus: (obj, o) => client.applyStatus(obj, owned(o)).pipe(recorded),
    patchStatus: (ref, patch, o) => client.patchStatus(ref, patch, owned(o)).pipe(recorded),
    replaceStatus: (obj, o) => client.replaceStatus(obj, owned(o)).pipe(recorded),
  };
  return { ...calls, promise: promiseClient(calls) };
};
