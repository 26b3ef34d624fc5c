/**
 * A resource of the Kubernetes API as discovery describes it: where it lives and how it is named.
 * The core group is `''`.
 *
 * Maps to client-go's `schema.GroupVersionResource` plus `metav1.APIResource` (`Namespaced`,
 * `Kind`).
 *
 * @example
 * ```ts
 * import type { ApiResource } from 'kube-rx';
 * const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
 * const deployments: ApiResource = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export interface ApiResource {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/**
 * `plural.group`, as kubectl and the API server's messages name a resource (`configmaps`,
 * `deployments.apps`). Internal: the one spelling of a resource in messages, metrics and keys.
 */
export const resourceName = (resource: Pick<ApiResource, 'group' | 'plural'>): string =>
  resource.group === '' ? resource.plural : `${resource.plural}.${resource.group}`;

/**
 * The URL path of a resource's collection: `/api/v1/configmaps`,
 * `/apis/apps/v1/namespaces/ns/deployments`. A namespaced resource without a namespace is the
 * all-namespaces collection.
 *
 * Maps to client-go's `rest.Request` path building (`AbsPath`, `Namespace`, `Resource`).
 *
 * @example
 * ```ts
 * import { collectionPath } from 'kube-rx/protocol';
 * collectionPath({ group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true }, 'default');
 * // '/api/v1/namespaces/default/configmaps'
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const collectionPath = (resource: ApiResource, namespace?: string): string => {
  const base = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const ns = resource.namespaced && namespace !== undefined && namespace !== '' ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${resource.plural}`;
};
