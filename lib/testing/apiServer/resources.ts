import type { CustomResource } from '../../crd/customResource.js';
import { type ApiResource, resourceName } from '../../listwatch/ApiResource.js';

/**
 * A resource the embedded API server serves: an {@link ApiResource} plus the discovery names
 * kubectl uses to resolve short forms (`cm`, `configmap`).
 *
 * Maps to `metav1.APIResource` in an `APIResourceList`.
 *
 * @example
 * ```ts
 * import type { ServedResource } from 'kube-rx/testing';
 * const gadgets: ServedResource = {
 *   group: 'example.com', version: 'v1', plural: 'gadgets', kind: 'Gadget', namespaced: true, shortNames: ['gd'],
 * };
 * ```
 * @category testing
 * @since 0.1.0
 */
export interface ServedResource extends ApiResource {
  /** Defaults to the lower-cased kind. */
  readonly singularName?: string;
  readonly shortNames?: ReadonlyArray<string>;
  /**
   * Whether the resource has a `status` subresource (default false): `/status` is served, status
   * writes there do not touch the rest, and writes of the main resource over HTTP keep the stored
   * status whatever they send.
   * @since 0.3.0
   */
  readonly statusSubresource?: boolean;
}

/**
 * The resources an embedded API server serves unless told otherwise: core/v1 `configmaps`,
 * `secrets`, `namespaces` and `events`, `coordination.k8s.io/v1` `leases`, and an example custom
 * resource `widgets.example.com/v1` (kind `Widget`, namespaced, with a `status` subresource).
 *
 * Maps to the built-in resources of kube-apiserver plus one CRD.
 *
 * @example
 * ```ts
 * import { DEFAULT_RESOURCES } from 'kube-rx/testing';
 * DEFAULT_RESOURCES.map((r) => r.plural); // ['configmaps', 'secrets', 'namespaces', 'events', 'leases', 'widgets']
 * ```
 * @category testing
 * @since 0.1.0
 */
export const DEFAULT_RESOURCES: ReadonlyArray<ServedResource> = [
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, shortNames: ['ns'] },
  { group: '', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, shortNames: ['ev'] },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  { group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true, shortNames: ['wd'], statusSubresource: true },
];

/**
 * How the embedded API server serves a custom resource defined with `customResource`: its storage
 * version, singular and short names, and a `status` subresource when the definition has one, as
 * kube-apiserver serves it once its CRD is installed (no schema validation: the controller's
 * codec checks what it reads).
 *
 * Maps to installing a CRD into envtest (`envtest.Environment{CRDs: ...}`).
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { customResource } from 'kube-rx';
 * import { DEFAULT_RESOURCES, servedResource, startApiServer } from 'kube-rx/testing';
 * const Widget = customResource({ group: 'example.com', kind: 'Widget', plural: 'widgets', scope: 'Namespaced', versions: [{ name: 'v1', spec: t.type({ size: t.number }) }] });
 * const server = await startApiServer({ resources: [...DEFAULT_RESOURCES.filter((r) => r.plural !== 'widgets'), servedResource(Widget)] });
 * ```
 * @category testing
 * @since 0.3.0
 */
export const servedResource = (resource: CustomResource): ServedResource => ({
  group: resource.group,
  version: resource.version,
  plural: resource.plural,
  kind: resource.kind,
  namespaced: resource.scope === 'Namespaced',
  singularName: resource.names.singular,
  shortNames: resource.names.shortNames,
  statusSubresource: resource.subresources.status,
});

/**
 * The identity of a resource inside the server: `plural` for the core group, else `plural.group`.
 *
 * @category testing
 * @since 0.1.0
 */
export const resourceId = resourceName;

/**
 * The `apiVersion` of a resource's objects: `v1`, `coordination.k8s.io/v1`.
 *
 * @category testing
 * @since 0.1.0
 */
export const apiVersionOf = (r: ApiResource): string => (r.group === '' ? r.version : `${r.group}/${r.version}`);

/**
 * Finds a served resource by the names kubectl accepts: `plural`, `plural.group`,
 * `plural.version.group`, the singular name, the kind, or a short name (case-insensitive).
 *
 * Maps to kubectl's `RESTMapper.ResourceFor` over discovery.
 *
 * @example
 * ```ts
 * import { DEFAULT_RESOURCES, resolveServedResource } from 'kube-rx/testing';
 * resolveServedResource(DEFAULT_RESOURCES, 'cm')?.plural; // 'configmaps'
 * resolveServedResource(DEFAULT_RESOURCES, 'leases.coordination.k8s.io')?.kind; // 'Lease'
 * ```
 * @category testing
 * @since 0.1.0
 */
export const resolveResource = (
  resources: ReadonlyArray<ServedResource>,
  name: string,
): ServedResource | undefined => {
  const n = name.toLowerCase();
  return resources.find(
    (r) =>
      n === resourceId(r) ||
      n === `${r.plural}.${r.version}.${r.group}` ||
      (r.group === '' && `${r.plural}.${r.version}` === n) ||
      n === r.plural ||
      n === (r.singularName ?? r.kind.toLowerCase()) ||
      n === r.kind.toLowerCase() ||
      (r.shortNames ?? []).includes(n),
  );
};
