export { createIndexer, type IndexerConfig } from './createIndexer.js';
export { labelIndexFunc, metaNamespaceIndexFunc, NamespaceIndex } from './indexFuncs.js';
export type { IndexFunc, Indexer, Indexers, IndexerWriter, Store } from './Store.js';
export { stripManagedFields, toPartialObjectMetadata } from './transforms.js';
