import type { ValueKeywords } from './valueKeywords.js';

/**
 * A node of a CustomResourceDefinition's OpenAPI v3 validation schema, as kube-rx builds it: the
 * subset of `apiextensions.k8s.io/v1` `JSONSchemaProps` that a structural schema may use (no
 * `$ref`, `definitions`, `patternProperties`, `dependencies`, `additionalItems`, `uniqueItems`,
 * `additionalProperties: false`), plus the Kubernetes extensions `x-kubernetes-*`.
 *
 * Maps to apiextensions-apiserver's `JSONSchemaProps` and its `schema.Structural`; kube-rs builds
 * the same value with schemars (`schemars::schema::SchemaObject`), controller-gen with markers.
 * Its value keywords are the {@link ValueKeywords}.
 *
 * @example
 * ```ts
 * import type { StructuralSchema } from 'kube-rx';
 * const size: StructuralSchema = { type: 'integer', minimum: 0 };
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface StructuralSchema extends ValueKeywords {
  readonly type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  readonly description?: string;
  readonly nullable?: boolean;
  readonly enum?: ReadonlyArray<string | number | boolean>;
  readonly properties?: Readonly<Record<string, StructuralSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: StructuralSchema;
  readonly items?: StructuralSchema;
  readonly anyOf?: readonly StructuralSchema[];
  readonly 'x-kubernetes-preserve-unknown-fields'?: true;
  readonly 'x-kubernetes-int-or-string'?: true;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set';
}

/**
 * An additional printer column of a CRD version (what `kubectl get` shows).
 *
 * Maps to apiextensions v1 `CustomResourceColumnDefinition`, controller-gen's
 * `+kubebuilder:printcolumn:name=...,type=...,JSONPath=...` and kube-rs's `#[kube(printcolumn = ...)]`.
 *
 * @example
 * ```ts
 * import type { PrinterColumn } from 'kube-rx';
 * const size: PrinterColumn = { name: 'Size', type: 'integer', jsonPath: '.spec.size' };
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  readonly format?: 'int32' | 'int64' | 'float' | 'double' | 'byte' | 'date' | 'date-time' | 'password' | 'name';
  readonly priority?: number;
}

/**
 * The scale subresource of a CRD version (`/scale`, for `kubectl scale` and autoscalers).
 *
 * Maps to apiextensions v1 `CustomResourceSubresourceScale`, controller-gen's
 * `+kubebuilder:subresource:scale:specpath=...,statuspath=...,selectorpath=...` and kube-rs's
 * `#[kube(scale = ...)]`.
 *
 * @example
 * ```ts
 * import type { ScaleSubresource } from 'kube-rx';
 * const scale: ScaleSubresource = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' };
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface ScaleSubresource {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  readonly labelSelectorPath?: string;
}

/**
 * One version of a CustomResourceDefinition as kube-rx writes it.
 *
 * Maps to apiextensions v1 `CustomResourceDefinitionVersion`.
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinitionVersion } from 'kube-rx';
 * const v: CustomResourceDefinitionVersion = { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } };
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface CustomResourceDefinitionVersion {
  readonly name: string;
  readonly served: boolean;
  readonly storage: boolean;
  readonly deprecated?: boolean;
  readonly deprecationWarning?: string;
  readonly schema: { readonly openAPIV3Schema: StructuralSchema };
  readonly subresources?: { readonly status?: Readonly<Record<string, never>>; readonly scale?: ScaleSubresource };
  readonly additionalPrinterColumns?: readonly PrinterColumn[];
}

/**
 * An `apiextensions.k8s.io/v1` CustomResourceDefinition as kube-rx writes it (what
 * `crdManifest` returns; JSON- and YAML-ready, for `kubectl apply -f -` or a create request).
 *
 * Maps to apiextensions v1 `CustomResourceDefinition` and kube-rs's `CustomResourceExt::crd()`.
 *
 * @example
 * ```ts
 * import type { CustomResourceDefinition } from 'kube-rx';
 * declare const crd: CustomResourceDefinition;
 * crd.spec.names.plural;
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface CustomResourceDefinition {
  readonly apiVersion: 'apiextensions.k8s.io/v1';
  readonly kind: 'CustomResourceDefinition';
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> };
  readonly spec: {
    readonly group: string;
    readonly names: {
      readonly plural: string;
      readonly singular: string;
      readonly kind: string;
      readonly listKind: string;
      readonly shortNames?: readonly string[];
      readonly categories?: readonly string[];
    };
    readonly scope: 'Namespaced' | 'Cluster';
    readonly versions: readonly CustomResourceDefinitionVersion[];
  };
}
