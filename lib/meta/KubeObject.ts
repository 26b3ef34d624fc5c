import * as t from 'io-ts';

// ---------------------------------------------------------------------------------------------
// Fast path (issue 5): a hand-written check with exactly the io-ts codec's accept/reject rules.
// Every accepted value decodes to itself (no io-ts combinator below transforms anything), so an
// accepted value is returned as it is; a rejected one goes through the io-ts codec, which builds
// the very same errors as before. spec/meta/KubeObject.property.spec.ts checks the equivalence.
// ---------------------------------------------------------------------------------------------

/** io-ts `UnknownRecord.is`. */
const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  u !== null && typeof u === 'object' && !Array.isArray(u);

const isOptionalString = (u: unknown): boolean => u === undefined || typeof u === 'string';

const isOptionalBoolean = (u: unknown): boolean => u === undefined || typeof u === 'boolean';

/** `t.record(t.string, t.string)`: every own enumerable key holds a string (as io-ts's `Object.keys` loop). */
const isStringRecord = (u: unknown): boolean => {
  if (!isRecord(u)) return false;
  for (const key in u) if (Object.hasOwn(u, key) && typeof u[key] !== 'string') return false;
  return true;
};

/** `t.array(t.string)`: holes count as `undefined`, hence refused, as io-ts's index loop does. */
const isStringArray = (u: unknown): boolean => {
  if (!Array.isArray(u)) return false;
  for (let i = 0; i < u.length; i++) if (typeof u[i] !== 'string') return false;
  return true;
};

const isOwnerReference = (u: unknown): boolean =>
  isRecord(u) &&
  typeof u['apiVersion'] === 'string' &&
  typeof u['kind'] === 'string' &&
  typeof u['name'] === 'string' &&
  typeof u['uid'] === 'string' &&
  isOptionalBoolean(u['controller']) &&
  isOptionalBoolean(u['blockOwnerDeletion']);

const isOwnerReferences = (u: unknown): boolean => {
  if (!Array.isArray(u)) return false;
  for (let i = 0; i < u.length; i++) if (!isOwnerReference(u[i])) return false;
  return true;
};

/** Properties are read with `[]` (inherited ones count), as io-ts reads them. */
const isObjectMeta = (u: unknown): u is ObjectMeta => {
  if (!isRecord(u) || typeof u['name'] !== 'string') return false;
  const { labels, annotations, finalizers, ownerReferences, generation } = u;
  return (
    isOptionalString(u['namespace']) &&
    isOptionalString(u['resourceVersion']) &&
    isOptionalString(u['uid']) &&
    (generation === undefined || typeof generation === 'number') &&
    isOptionalString(u['generateName']) &&
    (labels === undefined || isStringRecord(labels)) &&
    (annotations === undefined || isStringRecord(annotations)) &&
    (finalizers === undefined || isStringArray(finalizers)) &&
    (ownerReferences === undefined || isOwnerReferences(ownerReferences))
  );
};

const isKubeObject = (u: unknown): u is KubeObject =>
  isRecord(u) && isObjectMeta(u['metadata']) && isOptionalString(u['apiVersion']) && isOptionalString(u['kind']);

/**
 * The same intersection codec (name, `types`, `is`, `encode`, errors) whose `validate` first tries
 * `guard`: accepted values are returned unchanged without building io-ts contexts; anything else is
 * validated by the io-ts codec itself. (`is` stays io-ts's own: on sparse arrays it disagrees with
 * io-ts's `validate`, which the guard follows.)
 */
const withFastPath = <CS extends [t.Mixed, t.Mixed, ...t.Mixed[]], A>(
  codec: t.IntersectionType<CS, A>,
  guard: (u: unknown) => u is A,
): t.IntersectionType<CS, A> =>
  new t.IntersectionType<CS, A>(
    codec.name,
    codec.is,
    (u, c) => (guard(u) ? t.success(u) : codec.validate(u, c)),
    codec.encode,
    codec.types,
  );

/**
 * The plain io-ts definition of {@link ObjectMetaCodec}, without the fast path: what builds the
 * errors of a refused object, and the oracle the fast path is property-tested against. Internal
 * (not exported from the package).
 * @internal
 */
export const ObjectMetaIoTs = t.intersection([
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
 * io-ts codec for the parts of `ObjectMeta` that the informer machinery reads.
 *
 * Only `name` is required (every stored object has one); everything else is optional and unknown
 * fields pass through untouched, so a codec built on this one keeps the whole object.
 *
 * Decoding an accepted value returns that value itself: a hand-written check with exactly the
 * io-ts rules runs first (over ten times faster on a Pod), and only a value it refuses goes
 * through io-ts, for the same errors.
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
export const ObjectMetaCodec: typeof ObjectMetaIoTs = withFastPath(ObjectMetaIoTs, isObjectMeta);

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
export type ObjectMeta = Readonly<t.TypeOf<typeof ObjectMetaIoTs>>;

/** The io-ts definition of {@link KubeObjectCodec}. */
const KubeObjectIoTs = t.intersection([
  t.type({ metadata: ObjectMetaCodec }),
  t.partial({ apiVersion: t.string, kind: t.string }),
]);

/**
 * io-ts codec for any Kubernetes object: `metadata` with a name, optional `apiVersion` and `kind`
 * (items of a built-in List often lack them). Extra fields are kept as they are.
 *
 * Like {@link ObjectMetaCodec} it has a fast path: an accepted object is returned as it is,
 * without io-ts walking it; a refused one gets io-ts's errors. Codecs built on it (with
 * `t.intersection`) take the fast path for this part too.
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
export const KubeObjectCodec: typeof KubeObjectIoTs = withFastPath(KubeObjectIoTs, isKubeObject);

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
