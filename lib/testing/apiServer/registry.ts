import { randomBytes, randomUUID } from 'node:crypto';

import * as E from 'fp-ts/lib/Either.js';

import type { Status } from '../../codec/Status.js';
import { type KubeObject, KubeObjectCodec, type ObjectMeta } from '../../meta/KubeObject.js';
import { failureStatus } from './apiStatus.js';
import { applyJsonPatch } from './jsonPatch.js';
import { applyMergePatch, jsonEqual, jsonEqualExcept } from './mergePatch.js';
import type { ObjectStore } from './ObjectStore.js';
import { apiVersionOf, resourceId, type ServedResource } from './resources.js';
import { type ApplyScope, fieldPathText, knownListType, type ManagedFieldsEntry, serverSideApply } from './serverSideApply.js';

/**
 * The write operations of the embedded API server, with kube-apiserver's rules: defaulting of
 * `uid`, `creationTimestamp`, `generation`, namespace; `AlreadyExists`, `NotFound`, optimistic
 * concurrency `Conflict`; no-op updates that write nothing; finalizers (a delete sets
 * `deletionTimestamp`, removing the last finalizer deletes); the status subresource; JSON patch;
 * simplified server-side apply; dry runs. Graceful deletion periods are not modelled.
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
  create(resource: ServedResource, namespace: string | undefined, obj: KubeObject, options?: RegistryWriteOptions): E.Either<Status, KubeObject>;
  /** Replaces the object named `name`; a set `metadata.resourceVersion` must be the current one. */
  update(
    resource: ServedResource,
    namespace: string | undefined,
    name: string,
    obj: KubeObject,
    options?: RegistryWriteOptions,
  ): E.Either<Status, KubeObject>;
  /** Applies a JSON merge patch (default) or a JSON patch (RFC 6902) to the object named `name`, then updates it. */
  patch(
    resource: ServedResource,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options?: RegistryWriteOptions & { readonly type?: 'merge' | 'json' },
  ): E.Either<Status, KubeObject>;
  /** Server-side apply of `applied` by `manager` (see `serverSideApply` for the simplified field ownership); creates the object if absent. */
  apply(
    resource: ServedResource,
    namespace: string | undefined,
    name: string,
    applied: unknown,
    options: RegistryWriteOptions & { readonly manager: string; readonly force: boolean },
  ): E.Either<Status, KubeObject>;
  /**
   * Deletes the object named `name`: at once when it has no finalizers (`deleted: true`, the last
   * state stamped with the deletion's resourceVersion), else it gets a `deletionTimestamp` and
   * stays until its last finalizer is removed (`deleted: false`).
   */
  delete(
    resource: ServedResource,
    namespace: string | undefined,
    name: string,
    options?: RegistryDeleteOptions,
  ): E.Either<Status, { readonly object: KubeObject; readonly deleted: boolean }>;
}

/**
 * How a write reaches the registry: `subresource` is `'main'` or `'status'` for a write over HTTP
 * (the main resource keeps the stored status when the resource has a status subresource; the
 * status subresource changes only `status`), absent for a seeding write of the whole object.
 * `dryRun` computes the answer and stores nothing.
 *
 * @category testing
 * @since 0.3.0
 */
export interface RegistryWriteOptions {
  readonly subresource?: 'main' | 'status';
  readonly dryRun?: boolean;
}

/**
 * Options of a delete: `dryRun`, and preconditions on the uid and resourceVersion (a mismatch is
 * `409 Conflict`).
 *
 * @category testing
 * @since 0.3.0
 */
export interface RegistryDeleteOptions {
  readonly dryRun?: boolean;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
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
const omit = <T extends object>(o: T, keys: ReadonlyArray<string>): T => {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!keys.includes(k)) rest[k] = v;
  return rest as T;
};

/** Whether a write changes the spec: everything but metadata and status is equal. */
const sameSpec = (a: KubeObject, b: KubeObject): boolean => jsonEqualExcept(a, b, ['metadata', 'status']);

/** Whether an update is a no-op: everything but resourceVersion and managedFields is equal. */
const sameObject = (a: KubeObject, b: KubeObject): boolean =>
  jsonEqualExcept(a, b, ['metadata']) && jsonEqualExcept(a.metadata, b.metadata, ['resourceVersion', 'managedFields']);

/** An RFC 3339 time in whole seconds, as `metav1.Time` is written. */
const timestampAt = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const randomSuffix = (): string =>
  [...randomBytes(5)].map((b) => 'bcdfghjklmnpqrstvwxz2456789'[b % 27] ?? 'x').join('');

/**
 * Options of {@link createRegistry}.
 *
 * @category testing
 * @since 0.3.0
 */
export interface RegistryOptions {
  /** The clock of `creationTimestamp` and `deletionTimestamp` (default `Date.now`; a fake cluster passes its scheduler's `now`). */
  readonly now?: () => number;
  /**
   * Validation of an object written to the main resource (create, update, patch, apply):
   * a returned message refuses the write with `422 Invalid` (kube-apiserver's validation and
   * validating admission). Default: everything is valid.
   */
  readonly validate?: (resource: ServedResource, obj: KubeObject) => string | undefined;
}

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
export const createRegistry = (store: ObjectStore, registryOptions: RegistryOptions = {}): Registry => {
  const { now = Date.now, validate } = registryOptions;
  const timestamp = (): string => timestampAt(now());
  /** A 422 when `validate` refuses `obj` (status writes are not validated). */
  const invalid = (resource: ServedResource, obj: KubeObject, options: RegistryWriteOptions): Status | undefined => {
    if (validate === undefined || options.subresource === 'status') return undefined;
    const message = validate(resource, obj);
    return message === undefined
      ? undefined
      : failureStatus(422, `${resource.kind} "${obj.metadata.name}" is invalid: ${message}`, details(resource, obj.metadata.name), 'Invalid');
  };
  const stamp = (resource: ServedResource, obj: KubeObject, meta: ObjectMeta): KubeObject => ({
    ...obj,
    apiVersion: apiVersionOf(resource),
    kind: resource.kind,
    metadata: meta,
  });

  /** `obj` with `status` taken from `from` (or without status when `from` has none). */
  const withStatusOf = (obj: KubeObject, from: KubeObject | undefined): KubeObject => {
    const rest = omit(obj, ['status']);
    if (from === undefined || !('status' in from)) return rest;
    const status: unknown = from.status;
    return { ...rest, ...{ status } };
  };

  const conflict = (resource: ServedResource, name: string, message: string): Status =>
    failureStatus(409, `Operation cannot be fulfilled on ${resourceId(resource)} "${name}": ${message}`, details(resource, name), 'Conflict');

  const put = (
    resource: ServedResource,
    namespace: string | undefined,
    name: string,
    obj: KubeObject,
    options: RegistryWriteOptions & { readonly managedFields?: ReadonlyArray<unknown> } = {},
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
      return E.left(conflict(resource, name, 'the object has been modified; please apply your changes to the latest version and try again'));
    }
    const refused = invalid(resource, obj, options);
    if (refused !== undefined) return E.left(refused);
    const written =
      options.subresource === 'status'
        ? withStatusOf(existing, obj)
        : options.subresource === 'main' && resource.statusSubresource === true
          ? withStatusOf(obj, existing)
          : obj;
    const deletionTimestamp: unknown = existing.metadata.deletionTimestamp;
    const finalizers = written.metadata.finalizers ?? [];
    if (deletionTimestamp !== undefined && finalizers.some((f) => !(existing.metadata.finalizers ?? []).includes(f))) {
      return E.left(
        failureStatus(422, `${resource.kind} "${name}" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted`, details(resource, name), 'Invalid'),
      );
    }
    const managedFields: unknown = options.managedFields ?? (existing.metadata as Readonly<Record<string, unknown>>)['managedFields'];
    const restMeta = omit(written.metadata, ['namespace', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds']);
    const meta: ObjectMeta = {
      ...restMeta,
      name,
      ...(ns === undefined ? {} : { namespace: ns }),
      ...(existing.metadata.uid === undefined ? {} : { uid: existing.metadata.uid }),
      ...(existing.metadata.creationTimestamp === undefined
        ? {}
        : { creationTimestamp: existing.metadata.creationTimestamp }),
      ...(deletionTimestamp === undefined ? {} : { deletionTimestamp, deletionGracePeriodSeconds: 0 }),
      generation:
        (existing.metadata.generation ?? 1) +
        (sameSpec(written, existing) ? 0 : 1),
    };
    const base = stamp(resource, written, managedFields === undefined ? meta : { ...meta, ...{ managedFields } });
    const sameFields = jsonEqual(managedFields, (existing.metadata as Readonly<Record<string, unknown>>)['managedFields']);
    if (sameFields && sameObject(base, existing)) return E.right(existing);
    if (options.dryRun === true) return E.right({ ...base, metadata: { ...base.metadata, resourceVersion: existing.metadata.resourceVersion ?? '' } });
    const gone = deletionTimestamp !== undefined && finalizers.length === 0;
    const event = store.write(resourceId(resource), key, gone ? 'DELETED' : 'MODIFIED', (rv) => ({
      ...base,
      metadata: { ...base.metadata, resourceVersion: rv },
    }));
    return E.right(event.object);
  };

  const create = (
    resource: ServedResource,
    namespace: string | undefined,
    obj: KubeObject,
    options: RegistryWriteOptions & { readonly managedFields?: ReadonlyArray<unknown> } = {},
  ): E.Either<Status, KubeObject> => {
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
    const refused = invalid(resource, { ...obj, metadata: { ...meta, name } }, options);
    if (refused !== undefined) return E.left(refused);
    if (store.get(resourceId(resource), key) !== undefined) {
      return E.left(
        failureStatus(409, `${resourceId(resource)} "${name}" already exists`, details(resource, name), 'AlreadyExists'),
      );
    }
    const restMeta = omit(meta, ['namespace', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields']);
    const body = options.subresource === 'main' && resource.statusSubresource === true ? withStatusOf(obj, undefined) : obj;
    const build = (rv: string): KubeObject => {
      const stamped: ObjectMeta = {
        ...restMeta,
        name,
        ...(ns === undefined ? {} : { namespace: ns }),
        uid: randomUUID(),
        creationTimestamp: timestamp(),
        generation: 1,
        resourceVersion: rv,
      };
      return stamp(resource, body, options.managedFields === undefined ? stamped : { ...stamped, ...{ managedFields: options.managedFields } });
    };
    if (options.dryRun === true) return E.right(build(''));
    return E.right(store.write(resourceId(resource), key, 'ADDED', build).object);
  };

  return {
    create,
    update: put,
    patch: (resource, namespace, name, patch, options = {}) => {
      const existing = store.get(resourceId(resource), objectKey(resource, namespace, name));
      if (existing === undefined) return E.left(notFoundStatus(resource, name));
      let result: unknown;
      if (options.type === 'json') {
        const patched = applyJsonPatch(existing, patch);
        if (E.isLeft(patched)) return E.left(failureStatus(patched.left.code, patched.left.message));
        result = patched.right;
      } else {
        if (!isObject(patch)) return E.left(failureStatus(400, 'the patch must be a JSON object'));
        result = applyMergePatch(existing, patch);
      }
      const decoded = KubeObjectCodec.decode(result);
      if (E.isLeft(decoded)) {
        return E.left(failureStatus(422, `${resource.kind} "${name}" is invalid: metadata: Invalid value`));
      }
      // the patched object carries the current resourceVersion unless the patch changed it (a precondition)
      return put(resource, namespace, name, decoded.right, options);
    },
    apply: (resource, namespace, name, applied, options) => {
      const invalid = (message: string): E.Either<Status, never> => E.left(failureStatus(400, message));
      if (!isObject(applied)) return invalid('the applied configuration must be an object');
      if (applied['apiVersion'] !== apiVersionOf(resource) || applied['kind'] !== resource.kind) {
        return invalid(`the applied configuration must have apiVersion "${apiVersionOf(resource)}" and kind "${resource.kind}"`);
      }
      const metadata = applied['metadata'];
      if (!isObject(metadata) || metadata['name'] !== name) return invalid(`the applied configuration must have metadata.name "${name}"`);
      const ns = resource.namespaced ? (namespace ?? 'default') : undefined;
      const existing = store.get(resourceId(resource), objectKey(resource, ns, name));
      if (existing === undefined && options.subresource === 'status') return E.left(notFoundStatus(resource, name));
      const scope: ApplyScope = options.subresource === 'status' ? 'status' : resource.statusSubresource === true ? 'main' : 'all';
      const current = existing as Readonly<Record<string, unknown>> | undefined;
      const result = serverSideApply({
        current,
        managedFields: managedFieldsOf(existing),
        applied,
        manager: options.manager,
        force: options.force,
        scope,
        apiVersion: apiVersionOf(resource),
        listType: knownListType(isBuiltinGroup(resource.group)),
      });
      if (E.isLeft(result)) {
        const { conflicts } = result.left;
        const list = conflicts.map((c) => `conflict with "${c.manager}": ${fieldPathText(c.path)}`);
        return E.left(
          failureStatus(
            409,
            `Apply failed with ${String(conflicts.length)} conflict${conflicts.length === 1 ? '' : 's'}: ${list.join(', ')}`,
            {
              ...details(resource, name),
              causes: conflicts.map((c) => ({ type: 'FieldManagerConflict', message: `conflict with "${c.manager}"`, field: fieldPathText(c.path) })),
            },
            'Conflict',
          ),
        );
      }
      const merged = KubeObjectCodec.decode({
        ...result.right.object,
        metadata: { ...(isObject(result.right.object['metadata']) ? result.right.object['metadata'] : {}), name, ...(ns === undefined ? {} : { namespace: ns }) },
      });
      if (E.isLeft(merged)) return E.left(failureStatus(422, `${resource.kind} "${name}" is invalid: metadata: Invalid value`));
      const write = { subresource: options.subresource ?? 'main', managedFields: result.right.managedFields, ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }) } as const;
      return existing === undefined ? create(resource, ns, merged.right, write) : put(resource, ns, name, merged.right, write);
    },
    delete: (resource, namespace, name, options = {}) => {
      const key = objectKey(resource, namespace, name);
      const existing = store.get(resourceId(resource), key);
      if (existing === undefined) return E.left(notFoundStatus(resource, name));
      const { uid, resourceVersion } = options.preconditions ?? {};
      if (uid !== undefined && uid !== existing.metadata.uid) {
        return E.left(conflict(resource, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid ?? ''}`));
      }
      if (resourceVersion !== undefined && resourceVersion !== existing.metadata.resourceVersion) {
        return E.left(
          conflict(resource, name, `Precondition failed: ResourceVersion in precondition: ${resourceVersion}, ResourceVersion in object meta: ${existing.metadata.resourceVersion ?? ''}`),
        );
      }
      if ((existing.metadata.finalizers ?? []).length > 0) {
        if (existing.metadata.deletionTimestamp !== undefined || options.dryRun === true) return E.right({ object: existing, deleted: false });
        const event = store.write(resourceId(resource), key, 'MODIFIED', (rv) => ({
          ...existing,
          // as kube-apiserver's rest.BeforeDelete: the deletion bumps the generation
          metadata: {
            ...existing.metadata,
            deletionTimestamp: timestamp(),
            deletionGracePeriodSeconds: 0,
            ...(existing.metadata.generation === undefined ? {} : { generation: existing.metadata.generation + 1 }),
            resourceVersion: rv,
          },
        }));
        return E.right({ object: event.object, deleted: false });
      }
      if (options.dryRun === true) return E.right({ object: existing, deleted: true });
      const event = store.write(resourceId(resource), key, 'DELETED', (rv) => ({
        ...existing,
        metadata: { ...existing.metadata, resourceVersion: rv },
      }));
      return E.right({ object: event.object, deleted: true });
    },
  };
};

/** Whether `group` is one of Kubernetes' own API groups (the core group, `apps`, `batch`, `*.k8s.io`), not a custom resource's. */
const isBuiltinGroup = (group: string): boolean => group === '' || !group.includes('.') || group.endsWith('.k8s.io');

/** The `managedFields` of a stored object that the simplified apply understands (its own entries). */
const managedFieldsOf = (obj: KubeObject | undefined): ReadonlyArray<ManagedFieldsEntry> => {
  const raw = obj === undefined ? undefined : (obj.metadata as Readonly<Record<string, unknown>>)['managedFields'];
  if (!Array.isArray(raw)) return [];
  return (raw as ReadonlyArray<unknown>).filter(
    (e): e is ManagedFieldsEntry => isObject(e) && typeof e['manager'] === 'string' && isObject(e['fieldsV1']),
  );
};
