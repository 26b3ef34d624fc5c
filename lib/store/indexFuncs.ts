import type { KubeObject } from '../meta/KubeObject.js';
import type { IndexFunc } from './Store.js';

/**
 * The name of the namespace index every kube-rx indexer has built in.
 *
 * Maps to client-go's `cache.NamespaceIndex`.
 *
 * @example
 * ```ts
 * import { NamespaceIndex, type Indexer, type KubeObject } from 'kube-rx';
 * const inKubeSystem = (i: Indexer<KubeObject>) => i.byIndex(NamespaceIndex, 'kube-system');
 * ```
 * @category store
 * @since 0.1.0
 */
export const NamespaceIndex = 'namespace';

/**
 * Indexes an object by its namespace. As in client-go, a cluster-scoped object is indexed under
 * the empty namespace `''` (so `byIndex(NamespaceIndex, '')` lists the cluster-scoped objects).
 *
 * Maps to client-go's `cache.MetaNamespaceIndexFunc` (which returns `[]string{meta.GetNamespace()}`).
 *
 * @example
 * ```ts
 * import { metaNamespaceIndexFunc } from 'kube-rx';
 * metaNamespaceIndexFunc({ metadata: { name: 'a', namespace: 'ns' } }); // ['ns']
 * metaNamespaceIndexFunc({ metadata: { name: 'node-1' } });             // ['']
 * ```
 * @category store
 * @since 0.1.0
 */
export const metaNamespaceIndexFunc: IndexFunc<KubeObject> = (obj) => [obj.metadata.namespace ?? ''];

/**
 * Builds an index function that indexes objects by the value of one label; objects without the
 * label are not indexed.
 *
 * Maps to nothing built into client-go (a typical user `cache.IndexFunc`).
 *
 * @example
 * ```ts
 * import { createIndexer, labelIndexFunc } from 'kube-rx';
 * const idx = createIndexer({ indexers: { byApp: labelIndexFunc('app') } });
 * idx.upsert({ metadata: { name: 'a', namespace: 'ns', labels: { app: 'web' } } });
 * idx.byIndex('byApp', 'web').length; // 1
 * ```
 * @category store
 * @since 0.1.0
 */
export const labelIndexFunc =
  (labelKey: string): IndexFunc<KubeObject> =>
  (obj) => {
    const value = obj.metadata.labels?.[labelKey];
    return value === undefined ? [] : [value];
  };
