import { apiVersionOf, type ServedResource } from './resources.js';

const VERBS: ReadonlyArray<string> = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/**
 * The body of `GET /api`: the core group's versions.
 *
 * Maps to kube-apiserver's `metav1.APIVersions` handler.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { apiVersionsBody } from './discovery.js';
 * apiVersionsBody('127.0.0.1:6443').versions; // ['v1']
 * ```
 * @category testing
 * @since 0.1.0
 */
export const apiVersionsBody = (serverAddress: string): { readonly kind: 'APIVersions'; readonly versions: ReadonlyArray<string>; readonly serverAddressByClientCIDRs: ReadonlyArray<unknown> } => ({
  kind: 'APIVersions',
  versions: ['v1'],
  serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
});

const groupEntry = (group: string, resources: ReadonlyArray<ServedResource>): unknown => {
  const versions = [...new Set(resources.filter((r) => r.group === group).map((r) => r.version))];
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: entries, preferredVersion: entries[0] };
};

/**
 * The body of `GET /apis`: every non-core group served, its versions and preferred version (the
 * first one listed).
 *
 * Maps to kube-apiserver's `metav1.APIGroupList` handler.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { DEFAULT_RESOURCES } from 'kube-rx/testing';
 * import { apiGroupListBody } from './discovery.js';
 * apiGroupListBody(DEFAULT_RESOURCES).groups.length; // 2
 * ```
 * @category testing
 * @since 0.1.0
 */
export const apiGroupListBody = (
  resources: ReadonlyArray<ServedResource>,
): { readonly kind: 'APIGroupList'; readonly apiVersion: 'v1'; readonly groups: ReadonlyArray<unknown> } => ({
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: [...new Set(resources.map((r) => r.group).filter((g) => g !== ''))].map((g) => groupEntry(g, resources)),
});

/**
 * The body of `GET /apis/{group}`, or undefined when the group is not served.
 *
 * Maps to kube-apiserver's `metav1.APIGroup` handler.
 *
 * @category testing
 * @since 0.1.0
 */
export const apiGroupBody = (resources: ReadonlyArray<ServedResource>, group: string): unknown =>
  resources.some((r) => r.group === group && group !== '')
    ? { kind: 'APIGroup', apiVersion: 'v1', ...(groupEntry(group, resources) as object) }
    : undefined;

/**
 * The body of `GET /api/v1` or `GET /apis/{group}/{version}`, or undefined when that group
 * version is not served.
 *
 * Maps to kube-apiserver's `metav1.APIResourceList` handler.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { DEFAULT_RESOURCES } from 'kube-rx/testing';
 * import { apiResourceListBody } from './discovery.js';
 * apiResourceListBody(DEFAULT_RESOURCES, '', 'v1'); // { kind: 'APIResourceList', groupVersion: 'v1', resources: [...] }
 * ```
 * @category testing
 * @since 0.1.0
 */
export const apiResourceListBody = (
  resources: ReadonlyArray<ServedResource>,
  group: string,
  version: string,
): unknown => {
  const served = resources.filter((r) => r.group === group && r.version === version);
  if (served.length === 0) return undefined;
  const groupVersion = apiVersionOf({ group, version, plural: '', kind: '', namespaced: false });
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: served.map((r) => ({
      name: r.plural,
      singularName: r.singularName ?? r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS,
      ...(r.shortNames === undefined ? {} : { shortNames: r.shortNames }),
    })),
  };
};
