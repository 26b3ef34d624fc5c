import { randomBytes, randomUUID } from 'node:crypto';

import * as E from 'fp-ts/lib/Either.js';

import type { Status } from '../../codec/Status.js';
import { type KubeObject, KubeObjectCodec, type ObjectMeta } from '../../meta/KubeObject.js';
import { failureStatus } from './apiStatus.js';
import { applyMergePatch, canonicalJson } from './mergePatch.js';
import type { ObjectStore } from './ObjectStore.js';
import { apiVersionOf, resourceId, type ServedResource } from './resources.js';

/**
 * The write operations of the embedded API server, with kube-apiserver's rules: defaulting of
 * `uid`, `creationTimestamp`, `generation`, namespace; `AlreadyExists`, `NotFound`, optimistic
 * concurrency `Conflict`; no-op updates that write nothing. Deletion is immediate (finalizers and
 * graceful deletion are not modelled).
 *
 * Maps to `k8s.io/apiserver/pkg/registry/generic/registry.Store` (`Create`, `Update`, `Delete`).
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { DEFAULT_RESOURCES } from 'kube-rx/testing';
 * import { createObjectStore } from './ObjectStore.js';
 * import { createRegistry } from './registry.js';
 * const registry = createRegistry(createObjectStore(100));
 * const cm = DEFAULT_RESOURCES[0]!;
 * registry.create(cm, undefined, { metadata: { name: 'a' } }); // right({ apiVersion: 'v1', kind: 'ConfigMap', ... })
 * ```
 * @category testing
 * @since 0.1.0
 */
export interface Registry {
  /** Creates `obj`; the namespace comes from the request path, else the object, else `default`. */
  create(resource: ServedResource, namespace: string | undefined, obj: KubeObject): E.Either<Status, KubeObject>;
  /** Replaces the object named `name`; a set `metadata.resourceVersion` must be the current one. */
  update(
    resource: ServedResource,
    namespace: string | undefined,
    name: string,
    obj: KubeObject,
  ): E.Either<Status, KubeObject>;
  /** Applies a JSON merge patch to the object named `name`, then updates it. */
  patch(resource: ServedResource, namespace: string | undefined, name: string, patch: unknown): E.Either<Status, KubeObject>;
  /** Deletes the object named `name`; right is its last state stamped with the deletion's resourceVersion. */
  delete(resource: ServedResource, namespace: string | undefined, name: string): E.Either<Status, KubeObject>;
}

/**
 * The storage key of an object: `ns/name` for a namespaced resource, `name` otherwise.
 *
 * Maps to the etcd key suffix (`/registry/<resource>/<ns>/<name>`) and to client-go's
 * `MetaNamespaceKeyFunc`.
 *
 * @category testing
 * @since 0.1.0
 */
export const objectKey = (resource: ServedResource, namespace: string | undefined, name: string): string =>
  resource.namespaced ? `${namespace ?? 'default'}/${name}` : name;

const details = (resource: ServedResource, name: string): NonNullable<Status['details']> => ({
  name,
  group: resource.group,
  kind: resource.plural,
});

/**
 * A `404 NotFound` Status for `name` of `resource`, worded as kube-apiserver words it.
 *
 * Maps to `apierrors.NewNotFound`.
 *
 * @category testing
 * @since 0.1.0
 */
export const notFoundStatus = (resource: ServedResource, name: string): Status =>
  failureStatus(404, `${resourceId(resource)} "${name}" not found`, details(resource, name));

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/** A copy of `o` without `keys`. */
const omit = <T extends object>(o: T, keys: ReadonlyArray<string>): T =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k))) as T;

/** What a spec change is judged on: everything but metadata and status. */
const withoutMeta = (obj: KubeObject): unknown => omit(obj, ['metadata', 'status']);

/** What a no-op update is judged on: everything but resourceVersion and managedFields. */
const comparable = (obj: KubeObject): unknown => ({ ...obj, metadata: omit(obj.metadata, ['resourceVersion', 'managedFields']) });

const timestamp = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

const randomSuffix = (): string =>
  [...randomBytes(5)].map((b) => 'bcdfghjklmnpqrstvwxz2456789'[b % 27] ?? 'x').join('');

/**
 * Creates the {@link Registry} over an {@link ObjectStore}.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { createObjectStore } from './ObjectStore.js';
 * import { createRegistry } from './registry.js';
 * const registry = createRegistry(createObjectStore(1000));
 * ```
 * @category testing
 * @since 0.1.0
 */
export const createRegistry = (store: ObjectStore): Registry => {
  const stamp = (resource: ServedResource, obj: KubeObject, meta: ObjectMeta): KubeObject => ({
    ...obj,
    apiVersion: apiVersionOf(resource),
    kind: resource.kind,
    metadata: meta,
  });

  const put = (
    resource: ServedResource,
    namespace: string | undefined,
    name: string,
    obj: KubeObject,
  ): E.Either<Status, KubeObject> => {
    const ns = resource.namespaced ? (namespace ?? obj.metadata.namespace ?? 'default') : undefined;
    const key = objectKey(resource, ns, name);
    const existing = store.get(resourceId(resource), key);
    if (existing === undefined) return E.left(notFoundStatus(resource, name));
    if (obj.metadata.name !== name) {
      return E.left(
        failureStatus(400, `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`),
      );
    }
    const requested = obj.metadata.resourceVersion;
    if (requested !== undefined && requested !== '' && requested !== existing.metadata.resourceVersion) {
      return E.left(
        failureStatus(
          409,
          `Operation cannot be fulfilled on ${resourceId(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          details(resource, name),
          'Conflict',
        ),
      );
    }
    const restMeta = omit(obj.metadata, ['namespace']);
    const base = stamp(resource, obj, {
      ...restMeta,
      name,
      ...(ns === undefined ? {} : { namespace: ns }),
      ...(existing.metadata.uid === undefined ? {} : { uid: existing.metadata.uid }),
      ...(existing.metadata.creationTimestamp === undefined
        ? {}
        : { creationTimestamp: existing.metadata.creationTimestamp }),
      generation:
        (existing.metadata.generation ?? 1) +
        (canonicalJson(withoutMeta(obj)) === canonicalJson(withoutMeta(existing)) ? 0 : 1),
    });
    if (canonicalJson(comparable(base)) === canonicalJson(comparable(existing))) return E.right(existing);
    const event = store.write(resourceId(resource), key, 'MODIFIED', (rv) => ({
      ...base,
      metadata: { ...base.metadata, resourceVersion: rv },
    }));
    return E.right(event.object);
  };

  return {
    create: (resource, namespace, obj) => {
      const meta = obj.metadata;
      if (resource.namespaced && namespace !== undefined && meta.namespace !== undefined && meta.namespace !== namespace) {
        return E.left(
          failureStatus(400, 'the namespace of the provided object does not match the namespace sent on the request'),
        );
      }
      const name =
        meta.name !== '' ? meta.name : meta.generateName !== undefined ? `${meta.generateName}${randomSuffix()}` : '';
      if (name === '') {
        return E.left(
          failureStatus(422, `${resource.kind} "" is invalid: metadata.name: Required value: name or generateName is required`),
        );
      }
      const ns = resource.namespaced ? (namespace ?? meta.namespace ?? 'default') : undefined;
      const key = objectKey(resource, ns, name);
      if (store.get(resourceId(resource), key) !== undefined) {
        return E.left(
          failureStatus(409, `${resourceId(resource)} "${name}" already exists`, details(resource, name), 'AlreadyExists'),
        );
      }
      const restMeta = omit(meta, ['namespace', 'resourceVersion']);
      const event = store.write(resourceId(resource), key, 'ADDED', (rv) =>
        stamp(resource, obj, {
          ...restMeta,
          name,
          ...(ns === undefined ? {} : { namespace: ns }),
          uid: randomUUID(),
          creationTimestamp: timestamp(),
          generation: 1,
          resourceVersion: rv,
        }),
      );
      return E.right(event.object);
    },
    update: put,
    patch: (resource, namespace, name, patch) => {
      const existing = store.get(resourceId(resource), objectKey(resource, namespace, name));
      if (existing === undefined) return E.left(notFoundStatus(resource, name));
      if (!isObject(patch)) return E.left(failureStatus(400, 'the patch must be a JSON object'));
      const patched = KubeObjectCodec.decode(applyMergePatch(existing, patch));
      if (E.isLeft(patched)) {
        return E.left(failureStatus(422, `${resource.kind} "${name}" is invalid: metadata: Invalid value`));
      }
      return put(resource, namespace, name, patched.right);
    },
    delete: (resource, namespace, name) => {
      const key = objectKey(resource, namespace, name);
      const existing = store.get(resourceId(resource), key);
      if (existing === undefined) return E.left(notFoundStatus(resource, name));
      const event = store.write(resourceId(resource), key, 'DELETED', (rv) => ({
        ...existing,
        metadata: { ...existing.metadata, resourceVersion: rv },
      }));
      return E.right(event.object);
    },
  };
};
