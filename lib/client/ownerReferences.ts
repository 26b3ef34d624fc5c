import * as E from 'fp-ts/lib/Either.js';

import type { ApiResource } from '../listwatch/ApiResource.js';
import type { KubeObject } from '../meta/KubeObject.js';

/**
 * One entry of `metadata.ownerReferences`.
 *
 * Maps to `metav1.OwnerReference`.
 *
 * @example
 * ```ts
 * import type { OwnerReference } from 'kube-rx';
 * const ref: OwnerReference = { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: '5e…', controller: true, blockOwnerDeletion: true };
 * ```
 * @category client
 * @since 0.3.0
 */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  readonly controller?: boolean;
  readonly blockOwnerDeletion?: boolean;
}

/**
 * Why an owner reference was refused:
 * - `InvalidOwner`: the owner lacks `apiVersion`, `kind`, `metadata.name` or `metadata.uid`
 *   (`field` says which; an owner read from the server has them all);
 * - `ClusterScopedObject`: a namespaced owner for a cluster-scoped object;
 * - `CrossNamespace`: an owner in another namespace than the object;
 * - `AlreadyOwned`: the object already has another controller (`existing`).
 *
 * Maps to controller-runtime's `controllerutil.AlreadyOwnedError` and the errors of its
 * `validateOwner` ("cluster-scoped resource must not have a namespace-scoped owner",
 * "cross-namespace owner references are disallowed").
 *
 * @example
 * ```ts
 * import type { OwnerReferenceError } from 'kube-rx';
 * const explain = (e: OwnerReferenceError): string => `${e.reason}: ${e.message}`;
 * ```
 * @category client
 * @since 0.3.0
 */
export interface OwnerReferenceError {
  readonly _tag: 'OwnerReferenceError';
  readonly reason: 'InvalidOwner' | 'ClusterScopedObject' | 'CrossNamespace' | 'AlreadyOwned';
  readonly message: string;
  readonly field?: string;
  readonly existing?: OwnerReference;
}

/**
 * What an owner reference is set on: any object with metadata (a stored object or one to apply).
 *
 * @example
 * ```ts
 * import type { Ownable } from 'kube-rx';
 * const child: Ownable = { metadata: { name: 'c', namespace: 'ns' } };
 * ```
 * @category client
 * @since 0.3.0
 */
export interface Ownable {
  readonly metadata: {
    readonly name?: string;
    readonly namespace?: string;
    readonly ownerReferences?: ReadonlyArray<Partial<OwnerReference>>;
  };
}

/**
 * An object after an owner reference was set: its own type, with `ownerReferences` present.
 *
 * @example
 * ```ts
 * import type { Owned } from 'kube-rx';
 * declare const child: Owned<{ metadata: { name: string; namespace: string } }>;
 * child.metadata.ownerReferences.length; // ≥ 1
 * ```
 * @category client
 * @since 0.3.0
 */
export type Owned<O extends Ownable> = O & { readonly metadata: { readonly ownerReferences: ReadonlyArray<Partial<OwnerReference>> } };

const refuse = (reason: OwnerReferenceError['reason'], message: string, extra: Pick<OwnerReferenceError, 'field' | 'existing'> = {}): E.Either<OwnerReferenceError, never> =>
  E.left({ _tag: 'OwnerReferenceError', reason, message, ...extra });

/** The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``). */
const groupOf = (apiVersion: string | undefined): string => {
  const slash = (apiVersion ?? '').indexOf('/');
  return slash < 0 ? '' : (apiVersion ?? '').slice(0, slash);
};

/** Same object: same group (versions may differ), kind and name, as controller-runtime's `referSameObject`. */
const sameObject = (a: Partial<OwnerReference>, b: OwnerReference): boolean =>
  groupOf(a.apiVersion) === groupOf(b.apiVersion) && a.kind === b.kind && a.name === b.name;

const ownerRefOf = (owner: KubeObject, object: Ownable, ownerResource: ApiResource | undefined): E.Either<OwnerReferenceError, OwnerReference> => {
  const fromResource = ownerResource === undefined ? undefined : ownerResource.group === '' ? ownerResource.version : `${ownerResource.group}/${ownerResource.version}`;
  const apiVersion = owner.apiVersion ?? fromResource;
  const kind = owner.kind ?? ownerResource?.kind;
  const { name, uid, namespace: ownerNs } = owner.metadata;
  for (const [field, value] of [['apiVersion', apiVersion], ['kind', kind], ['metadata.name', name], ['metadata.uid', uid]] as const) {
    if (value === undefined || value === '') return refuse('InvalidOwner', `the owner has no ${field} (an object from an informer's cache has none: pass its resource as ownerResource)`, { field });
  }
  const objectNs = object.metadata.namespace ?? '';
  if (ownerNs !== undefined && ownerNs !== '') {
    if (objectNs === '') {
      return refuse('ClusterScopedObject', `cluster-scoped resource must not have a namespace-scoped owner, owner's namespace ${ownerNs}`);
    }
    if (objectNs !== ownerNs) {
      return refuse('CrossNamespace', `cross-namespace owner references are disallowed, owner's namespace ${ownerNs}, obj's namespace ${objectNs}`);
    }
  }
  return E.right({ apiVersion: apiVersion ?? '', kind: kind ?? '', name, uid: uid ?? '' });
};

/** `object` with `ref` in place of an existing reference to the same owner, else appended. */
const upsert = <O extends Ownable>(object: O, ref: OwnerReference): Owned<O> => {
  const refs = object.metadata.ownerReferences ?? [];
  const i = refs.findIndex((r) => sameObject(r, ref));
  const ownerReferences = i < 0 ? [...refs, ref] : refs.map((r, j) => (j === i ? ref : r));
  return { ...object, metadata: { ...object.metadata, ownerReferences } };
};

/**
 * Makes `owner` the controller of `object`: adds (or updates) an owner reference with
 * `controller: true` and `blockOwnerDeletion: true`, so that the garbage collector deletes the
 * object with its owner (foreground deletion waits for it) and `ownerToOwnerKey`-style relations
 * map the object's events to the owner. Pure: returns a new object.
 *
 * The owner's `apiVersion` and `kind` come from the owner, else from `ownerResource`: the items of
 * a built-in LIST (hence the objects in an informer's cache) have none, so pass the owner's
 * resource (`configMaps`, a CRD descriptor) when the owner comes from a cache (controller-runtime
 * finds them in its scheme).
 *
 * Refused (as controller-runtime refuses): an owner without `apiVersion`, `kind`, name or uid; a
 * namespaced owner of a cluster-scoped object; an owner in another namespace; an object that
 * already has a different controller. A cluster-scoped owner may own anything.
 *
 * Maps to controller-runtime's `controllerutil.SetControllerReference` and kube-rs's
 * `Resource::controller_owner_ref`.
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/lib/Either.js';
 * import { setControllerReference } from 'kube-rx';
 * const owner = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'ns', uid: 'u1' } };
 * const child = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w-config', namespace: 'ns' } };
 * const owned = setControllerReference(owner, child);
 * if (isRight(owned)) owned.right.metadata.ownerReferences; // [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'u1', controller: true, blockOwnerDeletion: true }]
 * ```
 * @category client
 * @since 0.3.0
 */
export const setControllerReference = <O extends Ownable>(owner: KubeObject, object: O, ownerResource?: ApiResource): E.Either<OwnerReferenceError, Owned<O>> =>
  E.chain((base: OwnerReference): E.Either<OwnerReferenceError, Owned<O>> => {
    const ref: OwnerReference = { ...base, controller: true, blockOwnerDeletion: true };
    const existing = (object.metadata.ownerReferences ?? []).find((r) => r.controller === true);
    if (existing !== undefined && !sameObject(existing, ref)) {
      const found: OwnerReference = { apiVersion: existing.apiVersion ?? '', kind: existing.kind ?? '', name: existing.name ?? '', uid: existing.uid ?? '', controller: true };
      return refuse('AlreadyOwned', `Object ${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''} is already owned by another ${found.kind} controller ${found.name}`, { existing: found });
    }
    return E.right(upsert(object, ref));
  })(ownerRefOf(owner, object, ownerResource));

/**
 * Adds (or updates) a plain owner reference to `owner` on `object`, without making it the
 * controller (no `controller` nor `blockOwnerDeletion`): the object is garbage-collected when
 * all its owners are gone. Refuses what {@link setControllerReference} refuses, except a second
 * owner. Pure.
 *
 * Maps to controller-runtime's `controllerutil.SetOwnerReference` and kube-rs's
 * `Resource::owner_ref`.
 *
 * @example
 * ```ts
 * import { setOwnerReference } from 'kube-rx';
 * const owner = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', uid: 'u2' } };
 * setOwnerReference(owner, { metadata: { name: 'shared', namespace: 'team' } });
 * ```
 * @category client
 * @since 0.3.0
 */
export const setOwnerReference = <O extends Ownable>(owner: KubeObject, object: O, ownerResource?: ApiResource): E.Either<OwnerReferenceError, Owned<O>> =>
  E.map((ref: OwnerReference) => upsert(object, ref))(ownerRefOf(owner, object, ownerResource));
