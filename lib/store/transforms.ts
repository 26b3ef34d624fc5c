import type { KubeObject, ObjectMeta } from '../meta/KubeObject.js';

/** `ObjectMeta` as the server sends it: `managedFields` is not part of the typed model. */
type ServerObjectMeta = ObjectMeta & { readonly managedFields?: unknown };

const withoutManagedFields = (meta: ServerObjectMeta): ObjectMeta => {
  const copy: { -readonly [K in keyof ServerObjectMeta]: ServerObjectMeta[K] } = { ...meta };
  delete copy.managedFields;
  return copy;
};

/**
 * Returns `obj` without `metadata.managedFields` (server-side apply bookkeeping, often a third of an
 * object's size and useless to a controller's cache). Returns the same reference when there were
 * none, so it is cheap on objects that are already clean. The input is never mutated.
 *
 * Maps to a client-go `cache.TransformFunc` as commonly set with `SetTransform` (e.g.
 * controller-runtime's `cache.TransformStripManagedFields`).
 *
 * ```
 * in:  { kind, metadata: { name, managedFields: [...] }, spec }
 * out: { kind, metadata: { name }, spec }
 * ```
 *
 * @example
 * ```ts
 * import { stripManagedFields, type KubeObject } from 'kube-rx';
 * const raw = { metadata: { name: 'a', managedFields: [{ manager: 'kubectl' }] } } as KubeObject;
 * 'managedFields' in stripManagedFields(raw).metadata; // false
 * const clean: KubeObject = { metadata: { name: 'b' } };
 * stripManagedFields(clean) === clean;                  // true
 * ```
 * @category store
 * @since 0.1.0
 */
export const stripManagedFields = <T extends KubeObject>(obj: T): T => {
  const meta: ServerObjectMeta = obj.metadata;
  if (!('managedFields' in meta)) return obj;
  return { ...obj, metadata: withoutManagedFields(meta) };
};

/**
 * Reduces an object to its metadata: keeps `apiVersion`, `kind` and `metadata` (without
 * `managedFields`) and drops everything else (`spec`, `status`, `data`, ...). Use it as the
 * transform of an informer that only needs names, labels, owners or resourceVersions, to cache a
 * fraction of the memory.
 *
 * Maps to client-go's metadata-only informers (`metadatainformer`, `metav1.PartialObjectMetadata`).
 *
 * ```
 * in:  { apiVersion, kind, metadata: { name, managedFields }, spec, status }
 * out: { apiVersion, kind, metadata: { name } }
 * ```
 *
 * @example
 * ```ts
 * import { toPartialObjectMetadata, type KubeObject } from 'kube-rx';
 * const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } } as KubeObject;
 * toPartialObjectMetadata(pod); // { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }
 * ```
 * @category store
 * @since 0.1.0
 */
export const toPartialObjectMetadata = (obj: KubeObject): KubeObject => {
  const meta: ServerObjectMeta = obj.metadata;
  return {
    ...(obj.apiVersion === undefined ? {} : { apiVersion: obj.apiVersion }),
    ...(obj.kind === undefined ? {} : { kind: obj.kind }),
    metadata: 'managedFields' in meta ? withoutManagedFields(meta) : meta,
  };
};
