import type { KubeObject } from './KubeObject.js';

/**
 * Computes the store key of an object. Keys must be stable for the life of the object.
 *
 * Maps to client-go's `cache.KeyFunc`.
 *
 * @example
 * ```ts
 * import type { KeyFunc, KubeObject } from 'kube-rx';
 * const byUid: KeyFunc<KubeObject> = (o) => o.metadata.uid ?? o.metadata.name;
 * ```
 * @category store
 * @since 0.1.0
 */
export type KeyFunc<T> = (obj: T) => string;

/**
 * The default key: `namespace/name` for namespaced objects, `name` for cluster-scoped ones.
 *
 * Maps to client-go's `cache.MetaNamespaceKeyFunc`.
 *
 * @example
 * ```ts
 * import { metaNamespaceKeyFunc } from 'kube-rx';
 * metaNamespaceKeyFunc({ metadata: { name: 'a', namespace: 'ns' } }); // 'ns/a'
 * metaNamespaceKeyFunc({ metadata: { name: 'node-1' } });             // 'node-1'
 * ```
 * @category store
 * @since 0.1.0
 */
export const metaNamespaceKeyFunc: KeyFunc<KubeObject> = (obj) => {
  const ns = obj.metadata.namespace;
  return ns === undefined || ns === '' ? obj.metadata.name : `${ns}/${obj.metadata.name}`;
};

/**
 * Splits a key made by {@link metaNamespaceKeyFunc} back into namespace (`''` when cluster-scoped)
 * and name.
 *
 * Maps to client-go's `cache.SplitMetaNamespaceKey`.
 *
 * @example
 * ```ts
 * import { splitMetaNamespaceKey } from 'kube-rx';
 * splitMetaNamespaceKey('ns/a'); // { namespace: 'ns', name: 'a' }
 * ```
 * @category store
 * @since 0.1.0
 */
export const splitMetaNamespaceKey = (key: string): { readonly namespace: string; readonly name: string } => {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
};
