import * as E from 'fp-ts/lib/Either.js';

import type { Status } from '../../codec/Status.js';
import type { KubeObject } from '../../meta/KubeObject.js';
import { ApiStatusError } from './apiStatus.js';
import type { ObjectStore } from './ObjectStore.js';
import { objectKey, type Registry } from './registry.js';
import { resourceId, type ServedResource } from './resources.js';

/**
 * The synchronous writes and reads a test makes as another actor (a user, the kubelet,
 * kube-controller-manager), shared by the embedded API server and the fake cluster. A refused
 * write throws an {@link ApiStatusError}.
 *
 * Maps to client-go's `ObjectTracker` (`Add`, `Update`, `Delete`, `Get`, `List`).
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing
 * declare const seeding: import('./seeding.js').Seeding<string>;
 * seeding.create('configmaps', { metadata: { name: 'a' } });
 * ```
 * @category testing
 * @since 0.3.0
 */
export interface Seeding<R> {
  create<T extends KubeObject>(resource: R, obj: T): T;
  update<T extends KubeObject>(resource: R, obj: T, subresource?: 'status'): T;
  patch(resource: R, namespace: string | undefined, name: string, mergePatch: unknown, subresource?: 'status'): KubeObject;
  delete(resource: R, namespace: string | undefined, name: string): KubeObject | undefined;
  get(resource: R, namespace: string | undefined, name: string): KubeObject | undefined;
  list(resource: R, namespace?: string): ReadonlyArray<KubeObject>;
  resourceVersion(): string;
}

/**
 * The {@link Seeding} calls over a store and its registry; `served` names the resource (it throws
 * a `TypeError` for one that is not served).
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing
 * import { createObjectStore } from './ObjectStore.js';
 * import { createRegistry } from './registry.js';
 * import { DEFAULT_RESOURCES, resolveResource } from './resources.js';
 * import { seedingApi } from './seeding.js';
 * const store = createObjectStore(100);
 * const seeding = seedingApi(store, createRegistry(store), (name: string) => resolveResource(DEFAULT_RESOURCES, name)!);
 * ```
 * @category testing
 * @since 0.3.0
 */
export const seedingApi = <R>(store: ObjectStore, registry: Registry, served: (resource: R) => ServedResource): Seeding<R> => {
  const orThrow = <A>(result: E.Either<Status, A>): A => {
    if (E.isLeft(result)) throw new ApiStatusError(result.left);
    return result.right;
  };
  const at = (subresource: 'status' | undefined): { readonly subresource?: 'status' } => (subresource === undefined ? {} : { subresource });
  return {
    create: <T extends KubeObject>(resource: R, obj: T): T => orThrow(registry.create(served(resource), undefined, obj)) as T,
    update: <T extends KubeObject>(resource: R, obj: T, subresource?: 'status'): T =>
      orThrow(registry.update(served(resource), obj.metadata.namespace, obj.metadata.name, obj, at(subresource))) as T,
    patch: (resource, namespace, name, mergePatch, subresource) => orThrow(registry.patch(served(resource), namespace, name, mergePatch, at(subresource))),
    delete: (resource, namespace, name) => {
      const result = registry.delete(served(resource), namespace, name);
      return E.isRight(result) ? result.right.object : undefined;
    },
    get: (resource, namespace, name) => {
      const r = served(resource);
      return store.get(resourceId(r), objectKey(r, namespace, name));
    },
    list: (resource, namespace) => {
      const r = served(resource);
      return store
        .list(resourceId(r))
        .map(([, o]) => o)
        .filter((o) => namespace === undefined || !r.namespaced || o.metadata.namespace === namespace);
    },
    resourceVersion: () => String(store.currentRv()),
  };
};
