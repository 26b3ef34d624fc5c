import type { ApiResource } from '../listwatch/ApiResource.js';

/**
 * The `apiVersion` and `kind` of a resource's objects.
 *
 * @example
 * ```ts
 * import type { TypeMeta } from 'kube-rx';
 * const tm: TypeMeta = { apiVersion: 'apps/v1', kind: 'Deployment' };
 * ```
 * @category client
 * @since 0.3.0
 */
export interface TypeMeta {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * The `apiVersion` (`v1`, `group/version`) and `kind` of the objects of `resource`: what an
 * object to apply must carry, and what the objects of an informer's cache lack (the items of a
 * built-in LIST come without them), so an Event about one, or a status apply, can name its kind
 * without spelling `group/version` by hand.
 *
 * Maps to client-go's `metav1.TypeMeta` from `schema.GroupVersionKind.ToAPIVersionAndKind()` and
 * kube-rs's `TypeMeta::resource::<K>()` (`K::api_version(&())`, `K::kind(&())`).
 *
 * @example
 * ```ts
 * import { configMaps, typeMeta } from 'kube-rx';
 * typeMeta(configMaps); // { apiVersion: 'v1', kind: 'ConfigMap' }
 * declare const cached: { readonly metadata: { readonly name: string; readonly namespace?: string } };
 * const subject = { ...cached, ...typeMeta(configMaps) }; // an Event subject
 * ```
 * @category client
 * @since 0.3.0
 */
export const typeMeta = (resource: ApiResource): TypeMeta => ({
  apiVersion: resource.group === '' ? resource.version : `${resource.group}/${resource.version}`,
  kind: resource.kind,
});
