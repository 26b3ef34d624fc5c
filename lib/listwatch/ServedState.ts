import type { ApiResource } from './ApiResource.js';

/**
 * Whether the API server serves a resource now: `Served`, `NotServed` (with why, e.g. its CRD is
 * absent, not yet `Established`, being deleted, or does not serve that version), or `Unknown`
 * when the check itself failed (the server was unreachable; what was known before still holds).
 *
 * Maps to what controller-runtime's `source.Kind` waits for when it retries `GetInformer` on a
 * `NoKindMatchError` (a CRD not installed yet), and to the CRD `Established` condition
 * (`kubectl wait --for condition=established`); kube-rs has `conditions::is_crd_established`.
 *
 * @example
 * ```ts
 * import type { ServedState } from 'kube-rx';
 * const line = (s: ServedState) => (s._tag === 'NotServed' ? `waiting: ${s.message}` : s._tag);
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export type ServedState =
  | { readonly _tag: 'Served' }
  | { readonly _tag: 'NotServed'; readonly message: string }
  | { readonly _tag: 'Unknown'; readonly error: unknown };

/** The `Served` value. */
export const SERVED: ServedState = { _tag: 'Served' };

/**
 * A `NotServed` value.
 *
 * @example
 * ```ts
 * import { notServed } from 'kube-rx';
 * notServed('customresourcedefinitions "widgets.example.com" not found'); // { _tag: 'NotServed', message: … }
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const notServed = (message: string): ServedState => ({ _tag: 'NotServed', message });

/**
 * Two states say the same thing (`Unknown`s are never equal: each is a new failure to report).
 *
 * @example
 * ```ts
 * import { sameServedState, notServed } from 'kube-rx';
 * sameServedState(notServed('a'), notServed('a')); // true
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const sameServedState = (a: ServedState, b: ServedState): boolean =>
  a._tag === b._tag && (a._tag === 'Served' || (a._tag === 'NotServed' && b._tag === 'NotServed' && a.message === b.message));

/** The name of a resource's CRD: `plural.group`. */
export const crdNameOf = (resource: Pick<ApiResource, 'plural' | 'group'>): string => `${resource.plural}.${resource.group}`;

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * Whether a CustomResourceDefinition object (as the API server sends it, or `undefined` when
 * absent) serves `resource`: it exists and is not being deleted, its condition `Established` is
 * `True`, and `resource.version` is one of its versions with `served: true`.
 *
 * Maps to apiextensions-apiserver's `apiextensionshelpers.IsCRDConditionTrue(crd, Established)`
 * and its serving of `spec.versions[].served`; kube-rs `conditions::is_crd_established`.
 *
 * Algorithm: absent → NotServed "not found"; `deletionTimestamp` set → NotServed "being
 * deleted"; no `Established=True` condition → NotServed "not established"; version not served →
 * NotServed; else Served.
 *
 * @example
 * ```ts
 * import { crdServedState } from 'kube-rx';
 * const widgets = { group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };
 * crdServedState(undefined, widgets); // { _tag: 'NotServed', message: 'customresourcedefinition "widgets.example.com" not found' }
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const crdServedState = (crd: unknown, resource: ApiResource): ServedState => {
  const name = crdNameOf(resource);
  if (!isRecord(crd)) return notServed(`customresourcedefinition "${name}" not found`);
  const metadata = isRecord(crd['metadata']) ? crd['metadata'] : {};
  if (metadata['deletionTimestamp'] !== undefined) return notServed(`customresourcedefinition "${name}" is being deleted`);
  const status = isRecord(crd['status']) ? crd['status'] : {};
  const conditions: ReadonlyArray<unknown> = Array.isArray(status['conditions']) ? (status['conditions'] as ReadonlyArray<unknown>) : [];
  if (!conditions.some((c) => isRecord(c) && c['type'] === 'Established' && c['status'] === 'True')) {
    return notServed(`customresourcedefinition "${name}" is not established`);
  }
  const spec = isRecord(crd['spec']) ? crd['spec'] : {};
  const versions: ReadonlyArray<unknown> = Array.isArray(spec['versions']) ? (spec['versions'] as ReadonlyArray<unknown>) : [];
  if (!versions.some((v) => isRecord(v) && v['name'] === resource.version && v['served'] === true)) {
    return notServed(`customresourcedefinition "${name}" does not serve version ${resource.version}`);
  }
  return SERVED;
};
