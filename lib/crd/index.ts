export { annotate, AnnotatedType, constrained, described, IntOrString, preserveUnknownFields, type SchemaAnnotation, setOf } from './AnnotatedType.js';
export { crdProblem, type CrdProblem, CustomResourceError } from './CrdProblem.js';
export { crdManifest } from './crdManifest.js';
export { Integer } from './Integer.js';
export {
  type CustomObject,
  customResource,
  type CustomResource,
  type CustomResourceDefinitionInput,
  type CustomResourceVersion,
  type CustomResourceVersionDefinition,
  type StorageVersionOf,
  type Subresources,
  validateCustomResource,
  type VersionObject,
} from './customResource.js';
export type {
  CustomResourceDefinition,
  CustomResourceDefinitionVersion,
  PrinterColumn,
  ScaleSubresource,
  StructuralSchema,
} from './CustomResourceDefinition.js';
export { customResourcesIn, isCustomResource, renderCrds } from './renderCrds.js';
export { schemaAtPath } from './schemaAtPath.js';
export { structuralSchema } from './structuralSchema.js';
export { keywordViolation, type StringFormat, type ValueKeywords } from './valueKeywords.js';
