export { type KeyFunc, metaNamespaceKeyFunc, splitMetaNamespaceKey } from './keyFunc.js';
export { type PartialObjectMetadata, PartialObjectMetadataCodec } from './PartialObjectMetadata.js';
export { type KubeObject, KubeObjectCodec, type ObjectMeta, ObjectMetaCodec, resourceVersionOf } from './KubeObject.js';
