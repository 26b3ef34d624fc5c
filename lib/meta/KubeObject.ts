import * as t from 'io-ts';

/**
 * io-ts codec for the parts of `ObjectMeta` that the informer machinery reads.
 *
 * Only `name` is required (every stored object has one); everything else is optional and unknown
 * fields pass through untouched, so a codec built on this one keeps the whole object.
 *
 * Maps to client-go's `metav1.Object` accessor (`meta.Accessor`).
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/lib/Either.js';
 * import { ObjectMetaCodec } from 'kube-rx';
 * isRight(ObjectMetaCodec.decode({ name: 'a', namespace: 'default' })); // true
 * ```
 * @category codec
 * @since 0.1.0
 */
export const ObjectMetaCodec = t.intersection([
  t.type({ name: t.string }),
  t.partial({
    namespace: t.string,
    resourceVersion: t.string,
    uid: t.string,
    generation: t.number,
    generateName: t.string,
    creationTimestamp: t.unknown,
    deletionTimestamp: t.unknown,
    labels: t.record(t.string, t.string),
    annotations: t.record(t.string, t.string),
    finalizers: t.array(t.string),
    ownerReferences: t.array(
      t.intersection([
        t.type({ apiVersion: t.string, kind: t.string, name: t.string, uid: t.string }),
        t.partial({ controller: t.boolean, blockOwnerDeletion: t.boolean }),
      ]),
    ),
  }),
]);

/**
 * The metadata every object in a kube-rx store has (a read-only `ObjectMeta`).
 *
 * Maps to client-go's `metav1.ObjectMeta` / `metav1.Object`.
 *
 * @example
 * ```ts
 * import type { ObjectMeta } from 'kube-rx';
 * const meta: ObjectMeta = { name: 'cm-1', namespace: 'default', resourceVersion: '42' };
 * ```
 * @category model
 * @since 0.1.0
 */
export type ObjectMeta = Readonly<t.TypeOf<typeof ObjectMetaCodec>>;

/**
 * io-ts codec for any Kubernetes object: `metadata` with a name, optional `apiVersion` and `kind`
 * (items of a built-in List often lack them). Extra fields are kept as they are.
 *
 * Maps to client-go's `runtime.Object` with `meta.Accessor`.
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/lib/Either.js';
 * import { KubeObjectCodec } from 'kube-rx';
 * isRight(KubeObjectCodec.decode({ metadata: { name: 'x' }, data: { a: '1' } })); // true
 * ```
 * @category codec
 * @since 0.1.0
 */
export const KubeObjectCodec = t.intersection([
  t.type({ metadata: ObjectMetaCodec }),
  t.partial({ apiVersion: t.string, kind: t.string }),
]);

/**
 * A Kubernetes object as kube-rx stores it: read-only, with metadata and a name.
 *
 * Maps to client-go's `runtime.Object` (plus `metav1.Object`).
 *
 * @example
 * ```ts
 * import type { KubeObject } from 'kube-rx';
 * interface ConfigMap extends KubeObject { readonly data?: Readonly<Record<string, string>> }
 * ```
 * @category model
 * @since 0.1.0
 */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: ObjectMeta;
}

/**
 * The resourceVersion of an object, or `''` when it has none. resourceVersions are opaque strings:
 * compare them only for equality, never as numbers.
 *
 * Maps to client-go's `meta.Accessor(obj).GetResourceVersion()`.
 *
 * @example
 * ```ts
 * import { resourceVersionOf } from 'kube-rx';
 * resourceVersionOf({ metadata: { name: 'a', resourceVersion: '7' } }); // '7'
 * ```
 * @category model
 * @since 0.1.0
 */
export const resourceVersionOf = (obj: KubeObject): string => obj.metadata.resourceVersion ?? '';
