import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import { type KubeObject, KubeObjectCodec, type ObjectMeta } from './KubeObject.js';

/** `apiVersion` of a {@link PartialObjectMetadata}. */
const META_V1 = 'meta.k8s.io/v1';
/** `kind` of a {@link PartialObjectMetadata}. */
const PARTIAL = 'PartialObjectMetadata';

/**
 * An object reduced to its metadata, as the API server sends it to a metadata-only LIST or WATCH
 * (`Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1`): `apiVersion`
 * `meta.k8s.io/v1`, `kind` `PartialObjectMetadata`, and the whole `metadata` (labels,
 * annotations, owners, finalizers, resourceVersion, ...). What the object is of comes from the
 * resource it was listed from, not from the object.
 *
 * Maps to client-go's `metav1.PartialObjectMetadata` and kube-rs's `PartialObjectMeta<K>`.
 *
 * @example
 * ```ts
 * import type { PartialObjectMetadata } from 'kube-rx';
 * const m: PartialObjectMetadata = { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: { name: 'a', resourceVersion: '7' } };
 * ```
 * @category model
 * @since 0.3.0
 */
export interface PartialObjectMetadata extends KubeObject {
  readonly apiVersion: typeof META_V1;
  readonly kind: typeof PARTIAL;
  readonly metadata: ObjectMeta;
}

const isPartialObjectMetadata = (u: KubeObject): u is PartialObjectMetadata => {
  if (u.apiVersion !== META_V1 || u.kind !== PARTIAL) return false;
  for (const key in u) if (key !== 'apiVersion' && key !== 'kind' && key !== 'metadata') return false;
  return true;
};

/**
 * io-ts codec of a {@link PartialObjectMetadata}: checks `metadata` as {@link KubeObjectCodec}
 * does and keeps nothing else. A `PartialObjectMetadata` as the server sends it is returned as it
 * is; any other object (a server or proxy that answered a metadata request with the full object,
 * as the `application/json` fallback of the Accept header allows) is reduced to its metadata, so
 * a metadata-only informer never holds more than metadata.
 *
 * Maps to how client-go's metadata client decodes a response (`metav1.PartialObjectMetadata`,
 * decoding a full object into it when the server did not convert) and to kube-rs's
 * `PartialObjectMeta<K>` deserialisation.
 *
 * ```
 * { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata } ──► the same object
 * { apiVersion: 'v1', kind: 'ConfigMap', metadata, data }                    ──► { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata }
 * { metadata: {} }                                                           ──► Left (no name)
 * ```
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/lib/Either.js';
 * import { PartialObjectMetadataCodec } from 'kube-rx';
 * const r = PartialObjectMetadataCodec.decode({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } });
 * isRight(r) && r.right.kind; // 'PartialObjectMetadata' (data dropped)
 * ```
 * @category codec
 * @since 0.3.0
 */
export const PartialObjectMetadataCodec: t.Decoder<unknown, PartialObjectMetadata> = new t.Type<PartialObjectMetadata, PartialObjectMetadata, unknown>(
  PARTIAL,
  (u): u is PartialObjectMetadata => KubeObjectCodec.is(u) && isPartialObjectMetadata(u),
  (u, c) => {
    const decoded = KubeObjectCodec.validate(u, c);
    if (isLeft(decoded)) return decoded;
    const obj = decoded.right;
    return t.success(isPartialObjectMetadata(obj) ? obj : { apiVersion: META_V1, kind: PARTIAL, metadata: obj.metadata });
  },
  t.identity,
);
