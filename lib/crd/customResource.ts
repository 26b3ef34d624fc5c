import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import type { TypedResource } from '../listwatch/TypedResource.js';
import { type KubeObject, KubeObjectCodec } from '../meta/KubeObject.js';
import { crdProblem, type CrdProblem, CustomResourceError } from './CrdProblem.js';
import type { PrinterColumn, ScaleSubresource, StructuralSchema } from './CustomResourceDefinition.js';
import { schemaAtPath } from './schemaAtPath.js';
import { structuralSchema } from './structuralSchema.js';

/**
 * The subresources of a custom-resource version: `status` (on by default when the version has a
 * status codec) and `scale`.
 *
 * Maps to apiextensions v1 `CustomResourceSubresources`, controller-gen's
 * `+kubebuilder:subresource:status` / `:scale`, and kube-rs's `#[kube(status = ..., scale = ...)]`.
 *
 * @example
 * ```ts
 * import type { Subresources } from 'kube-rx';
 * const s: Subresources = { scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } };
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface Subresources {
  readonly status?: boolean;
  readonly scale?: ScaleSubresource;
}

/**
 * One version of a custom resource, as the user defines it: its name, the io-ts codecs of `spec`
 * and `status`, whether it is the storage version and served, printer columns, subresources.
 *
 * Maps to one kube-rs `#[derive(CustomResource)] #[kube(version = "v1", ...)]` struct (merged with
 * `merge_crds`), and to one kubebuilder API version package (`+kubebuilder:storageversion`,
 * `+kubebuilder:deprecatedversion`, `+kubebuilder:printcolumn`).
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import type { CustomResourceVersionDefinition } from 'kube-rx';
 * const v1: CustomResourceVersionDefinition = { name: 'v1', spec: t.type({ size: t.Int }), storage: true };
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface CustomResourceVersionDefinition {
  /** The version name, a DNS-1035 label: `v1`, `v1beta1`. */
  readonly name: string;
  readonly spec: t.Mixed;
  readonly status?: t.Mixed;
  /** The version objects are stored in (exactly one; a lone version is the storage version). */
  readonly storage?: boolean;
  /** Default `true`. */
  readonly served?: boolean;
  /** `true`, or the warning text the server sends to clients of this version. */
  readonly deprecated?: boolean | string;
  readonly printerColumns?: readonly PrinterColumn[];
  /** Overrides the definition's `subresources` for this version. */
  readonly subresources?: Subresources;
}

/**
 * A custom resource as the user defines it: names, scope and versions.
 *
 * Maps to kube-rs's `#[kube(group, kind, plural, singular, shortname, category, namespaced)]` and
 * controller-gen's `+kubebuilder:resource:path=...,singular=...,shortName=...,categories=...,scope=...`.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import type { CustomResourceDefinitionInput } from 'kube-rx';
 * const def: CustomResourceDefinitionInput = {
 *   group: 'example.com', kind: 'Widget', plural: 'widgets', scope: 'Namespaced',
 *   versions: [{ name: 'v1', spec: t.type({ size: t.Int }) }],
 * };
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface CustomResourceDefinitionInput<V extends readonly CustomResourceVersionDefinition[] = readonly CustomResourceVersionDefinition[]> {
  /** The API group, a DNS subdomain with at least one dot: `example.com`. */
  readonly group: string;
  /** UpperCamelCase: `Widget`. */
  readonly kind: string;
  /** Lowercase: `widgets`. */
  readonly plural: string;
  /** Default: the kind in lowercase. */
  readonly singular?: string;
  /** Default: the kind + `List`. */
  readonly listKind?: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
  readonly versions: V;
  /** For every version (a version's own `subresources` replace these). */
  readonly subresources?: Subresources;
}

/**
 * The object type of a custom resource: a {@link KubeObject} with `spec` (and `status` when the
 * version has one).
 *
 * Maps to the Rust struct kube-rs's `#[derive(CustomResource)]` generates (`Widget` around
 * `WidgetSpec`), and kubebuilder's root type.
 *
 * @example
 * ```ts
 * import type { CustomObject } from 'kube-rx';
 * type Widget = CustomObject<{ size: number }, { phase?: string }>;
 * ```
 * @category crd
 * @since 0.3.0
 */
export type CustomObject<Spec, Status = never> = KubeObject & { readonly spec: Spec } & ([Status] extends [never] ? unknown : { readonly status?: Status });

/**
 * The object type of a version definition.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import type { VersionObject } from 'kube-rx';
 * type W = VersionObject<{ name: 'v1'; spec: t.TypeC<{ size: t.NumberC }> }>; // CustomObject<{ size: number }>
 * ```
 * @category crd
 * @since 0.3.0
 */
export type VersionObject<V> = V extends { readonly spec: infer S extends t.Mixed }
  ? CustomObject<t.TypeOf<S>, V extends { readonly status: infer St extends t.Mixed } ? t.TypeOf<St> : never>
  : never;

/**
 * The storage version among version definitions: the only one, or the one with `storage: true`.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import type { StorageVersionOf } from 'kube-rx';
 * type S = StorageVersionOf<readonly [{ name: 'v1'; spec: t.StringC }]>; // { name: 'v1'; spec: t.StringC }
 * ```
 * @category crd
 * @since 0.3.0
 */
export type StorageVersionOf<V extends readonly unknown[]> = V extends readonly [infer Only] ? Only : Extract<V[number], { readonly storage: true }>;

/**
 * One served version of a custom resource: a {@link TypedResource} (so informers, the object
 * client, apply and relations take it and are typed by it) whose codec decodes the whole object
 * (metadata, `spec`, `status`) of that version, with its CRD schema and settings.
 *
 * Maps to one `#[derive(CustomResource)]` type of kube-rs (`Api<Widget>`'s `Widget`).
 *
 * @example
 * ```ts
 * import type { CustomResourceVersion, CustomObject } from 'kube-rx';
 * declare const v1beta1: CustomResourceVersion<CustomObject<{ size: number }>>;
 * v1beta1.version; // 'v1beta1'
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface CustomResourceVersion<T extends KubeObject = KubeObject> extends TypedResource<T> {
  /** Decodes (and `is` checks) one whole object of this version. */
  readonly codec: t.Decoder<unknown, T> & { readonly is: t.Is<T> };
  readonly served: boolean;
  readonly storage: boolean;
  readonly deprecated: boolean;
  readonly deprecationWarning?: string;
  /** The whole object's structural schema (`openAPIV3Schema`). */
  readonly schema: StructuralSchema;
  readonly printerColumns: readonly PrinterColumn[];
  readonly subresources: { readonly status: boolean; readonly scale?: ScaleSubresource };
}

/**
 * A custom resource: the {@link CustomResourceVersion} of its storage version (a
 * `TypedResource`, typed by the storage version's codecs) plus its names, scope, every version
 * and `atVersion(name)` for the others.
 *
 * Maps to kube-rs's `#[derive(CustomResource)]` type with `CustomResourceExt` (`crd()`,
 * `crd_name()`, `api_resource()`) and to a kubebuilder API type.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { customResource, type ObjectOf } from 'kube-rx';
 * const Widget = customResource({
 *   group: 'example.com', kind: 'Widget', plural: 'widgets', scope: 'Namespaced',
 *   versions: [{ name: 'v1', spec: t.type({ size: t.Int }) }],
 * });
 * type Widget = ObjectOf<typeof Widget>; // KubeObject & { spec: { size: t.Int } }
 * Widget.crdName; // 'widgets.example.com'
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface CustomResource<T extends KubeObject = KubeObject, V extends readonly CustomResourceVersionDefinition[] = readonly CustomResourceVersionDefinition[]>
  extends CustomResourceVersion<T> {
  /** `plural.group`: the CRD's name. */
  readonly crdName: string;
  readonly scope: 'Namespaced' | 'Cluster';
  readonly names: {
    readonly plural: string;
    readonly singular: string;
    readonly kind: string;
    readonly listKind: string;
    readonly shortNames: readonly string[];
    readonly categories: readonly string[];
  };
  /** Every version, in the definition's order. */
  readonly versions: readonly CustomResourceVersion[];
  /** The resource at another version (typed by that version's codecs). */
  atVersion<N extends V[number]['name']>(name: N): CustomResourceVersion<VersionObject<Extract<V[number], { readonly name: N }>>>;
}

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

const nameProblems = (def: CustomResourceDefinitionInput): CrdProblem[] => {
  const problems: CrdProblem[] = [];
  const bad = (path: string, message: string): void => {
    problems.push(crdProblem('InvalidName', path, message));
  };
  const label = (path: string, value: string): void => {
    if (!DNS1035.test(value) || value.length > 63) {
      bad(path, `"${value}" must be a lowercase DNS-1035 label (a-z, 0-9, '-', starting with a letter, at most 63 characters)`);
    }
  };
  if (!DNS1123_SUBDOMAIN.test(def.group) || !def.group.includes('.') || def.group.length > 253) {
    bad('group', `"${def.group}" must be a lowercase DNS subdomain with at least one dot (example.com)`);
  }
  if (!KIND.test(def.kind)) bad('kind', `"${def.kind}" must be UpperCamelCase letters and digits (Widget)`);
  label('plural', def.plural);
  const singular = def.singular ?? def.kind.toLowerCase();
  label('singular', singular);
  if (def.singular !== undefined && def.singular !== def.kind.toLowerCase()) {
    bad('singular', `"${def.singular}" does not match the kind ${def.kind} (the singular is the kind in lowercase: "${def.kind.toLowerCase()}")`);
  }
  if (def.plural === singular) bad('plural', `"${def.plural}" is the singular of kind ${def.kind}: the plural must differ (e.g. "${singular}s")`);
  const listKind = def.listKind ?? `${def.kind}List`;
  if (!KIND.test(listKind) || listKind === def.kind) bad('listKind', `"${listKind}" must be UpperCamelCase and differ from the kind`);
  def.shortNames?.forEach((s, i) => {
    label(`shortNames[${i}]`, s);
  });
  def.categories?.forEach((c, i) => {
    label(`categories[${i}]`, c);
  });
  const scope: string = def.scope;
  if (scope !== 'Namespaced' && scope !== 'Cluster') bad('scope', `"${scope}" must be Namespaced or Cluster`);
  return problems;
};

const ROOT_DESCRIPTIONS = {
  apiVersion: 'APIVersion defines the versioned schema of this representation of an object.',
  kind: 'Kind is a string value representing the REST resource this object represents.',
} as const;

/** Object metadata as a path checker sees it (the CRD itself may only say `type: object`). */
const METADATA_FOR_PATHS: StructuralSchema = {
  type: 'object',
  properties: {
    ...Object.fromEntries(
      ['name', 'namespace', 'generateName', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'selfLink'].map((k) => [k, { type: 'string' as const }]),
    ),
    generation: { type: 'integer' },
    deletionGracePeriodSeconds: { type: 'integer' },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', items: { type: 'string' } },
  },
};

const COLUMN_TYPES: ReadonlySet<string> = new Set(['string', 'integer', 'number', 'boolean', 'date']);
const COLUMN_ACCEPTS: Readonly<Record<PrinterColumn['type'], readonly (StructuralSchema['type'] | undefined)[]>> = {
  string: ['string', 'object', 'array', 'integer', 'number', 'boolean', undefined],
  integer: ['integer', undefined],
  number: ['number', 'integer', undefined],
  boolean: ['boolean', undefined],
  date: ['string', undefined],
};

interface BuiltVersion {
  readonly definition: CustomResourceVersionDefinition;
  readonly resource: CustomResourceVersion;
}

const buildVersion = (def: CustomResourceDefinitionInput, v: CustomResourceVersionDefinition, storage: boolean, problems: CrdProblem[]): BuiltVersion => {
  const at = `versions[${v.name}]`;
  const spec = structuralSchema(v.spec, '.spec');
  const status = v.status === undefined ? undefined : structuralSchema(v.status, '.status');
  for (const r of [spec, status]) if (r?._tag === 'Left') problems.push(...r.left.map((p) => ({ ...p, path: `${at} ${p.path}` })));
  const specSchema = spec._tag === 'Right' ? spec.right : {};
  const schema: StructuralSchema = {
    type: 'object',
    properties: {
      apiVersion: { type: 'string', description: ROOT_DESCRIPTIONS.apiVersion },
      kind: { type: 'string', description: ROOT_DESCRIPTIONS.kind },
      metadata: { type: 'object' },
      spec: specSchema,
      ...(status?._tag === 'Right' ? { status: status.right } : {}),
    },
    ...(v.spec.is(undefined) ? {} : { required: ['spec'] }),
  };
  const forPaths: StructuralSchema = { ...schema, properties: { ...schema.properties, metadata: METADATA_FOR_PATHS } };

  const printerColumns = v.printerColumns ?? [];
  const columnNames = new Set<string>();
  printerColumns.forEach((c, i) => {
    const where = `${at}.printerColumns[${i}]`;
    const bad = (message: string): void => {
      problems.push(crdProblem('PrinterColumn', where, message));
    };
    if (c.name === '') bad('the name is empty');
    if (columnNames.has(c.name)) bad(`a second column named "${c.name}"`);
    columnNames.add(c.name);
    if (!COLUMN_TYPES.has(c.type)) bad(`type "${c.type}" must be string, integer, number, boolean or date`);
    if (c.priority !== undefined && !(Number.isInteger(c.priority) && c.priority >= 0)) bad(`priority ${c.priority} must be a whole number >= 0`);
    const leaf = schemaAtPath(forPaths, c.jsonPath);
    if (leaf._tag === 'Left') bad(`jsonPath ${c.jsonPath}: ${leaf.left}`);
    else if (COLUMN_TYPES.has(c.type) && !COLUMN_ACCEPTS[c.type].includes(leaf.right.type)) {
      bad(`jsonPath ${c.jsonPath} is ${leaf.right.type ?? 'untyped'}, not ${c.type}`);
    }
  });

  const sub = v.subresources ?? def.subresources ?? {};
  const statusSub = sub.status ?? v.status !== undefined;
  if (statusSub && v.status === undefined) problems.push(crdProblem('Unsupported', `${at}.subresources.status`, 'a status subresource needs a status codec'));
  if (sub.scale !== undefined) {
    const scaleAt = `${at}.subresources.scale`;
    const check = (key: keyof ScaleSubresource, prefixes: readonly string[], type: StructuralSchema['type']): void => {
      const path = sub.scale?.[key];
      if (path === undefined) return;
      if (!prefixes.some((p) => path.startsWith(p))) {
        problems.push(crdProblem('ScalePath', `${scaleAt}.${key}`, `${path} must be under ${prefixes.join(' or ')}`));
        return;
      }
      const leaf = schemaAtPath(forPaths, path);
      if (leaf._tag === 'Left') problems.push(crdProblem('ScalePath', `${scaleAt}.${key}`, `${path}: ${leaf.left}`));
      else if (leaf.right.type !== undefined && leaf.right.type !== type) {
        problems.push(crdProblem('ScalePath', `${scaleAt}.${key}`, `${path} is ${leaf.right.type}, not ${type ?? ''}`));
      }
    };
    check('specReplicasPath', ['.spec.'], 'integer');
    check('statusReplicasPath', ['.status.'], 'integer');
    check('labelSelectorPath', ['.spec.', '.status.'], 'string');
  }

  const whole: t.Mixed =
    v.status === undefined
      ? t.intersection([KubeObjectCodec, t.type({ spec: v.spec })])
      : t.intersection([KubeObjectCodec, t.type({ spec: v.spec }), t.partial({ status: v.status })]);
  const codec = whole as t.Type<KubeObject>;
  const deprecated = v.deprecated ?? false;
  return {
    definition: v,
    resource: {
      group: def.group,
      version: v.name,
      plural: def.plural,
      kind: def.kind,
      namespaced: def.scope === 'Namespaced',
      codec,
      served: v.served ?? true,
      storage,
      deprecated: deprecated !== false,
      ...(typeof deprecated === 'string' ? { deprecationWarning: deprecated } : {}),
      schema,
      printerColumns,
      subresources: { status: statusSub, ...(sub.scale === undefined ? {} : { scale: sub.scale }) },
    },
  };
};

/**
 * Checks a custom-resource definition and builds its descriptor, or returns every problem (names,
 * versions, schema forms with no structural equivalent, printer-column and scale paths not in the
 * codec), each naming its place. Nothing is sent anywhere.
 *
 * Maps to what kube-rs's `#[derive(CustomResource)]` checks at compile time and kube-apiserver
 * checks when the CRD is created.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { validateCustomResource } from 'kube-rx';
 * const r = validateCustomResource({
 *   group: 'example.com', kind: 'Widget', plural: 'Widgets', scope: 'Namespaced',
 *   versions: [{ name: 'v1', spec: t.type({ size: t.Int }) }],
 * });
 * if (r._tag === 'Left') r.left[0]?.path; // 'plural'
 * ```
 * @category crd
 * @since 0.3.0
 */
export const validateCustomResource = <const V extends readonly CustomResourceVersionDefinition[]>(
  def: CustomResourceDefinitionInput<V>,
): Either<readonly CrdProblem[], CustomResource<VersionObject<StorageVersionOf<V>>, V>> => {
  const problems = nameProblems(def);
  const versions: readonly CustomResourceVersionDefinition[] = def.versions;
  if (versions.length === 0) problems.push(crdProblem('StorageVersion', 'versions', 'there is no version'));
  const storageNames = versions.length === 1 && versions[0]?.storage !== false ? [versions[0]?.name] : versions.filter((v) => v.storage === true).map((v) => v.name);
  if (versions.length > 0 && storageNames.length === 0) problems.push(crdProblem('StorageVersion', 'versions', 'no version is marked storage: true'));
  if (storageNames.length > 1) problems.push(crdProblem('StorageVersion', 'versions', `${storageNames.join(' and ')} are both marked storage: true (exactly one is stored)`));
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (seen.has(v.name)) problems.push(crdProblem('DuplicateVersion', `versions[${i}]`, `a second version named ${v.name}`));
    seen.add(v.name);
    if (!DNS1035.test(v.name)) problems.push(crdProblem('InvalidName', `versions[${i}].name`, `"${v.name}" must be a lowercase DNS-1035 label (v1, v1beta1)`));
  });
  if (versions.length > 0 && versions.every((v) => v.served === false)) problems.push(crdProblem('StorageVersion', 'versions', 'no version is served'));
  const built = versions.map((v) => buildVersion(def, v, storageNames.length === 1 && storageNames[0] === v.name, problems));
  const stored = built.find((b) => b.resource.storage);
  if (problems.length > 0 || stored === undefined) return left(problems);
  const all = built.map((b) => b.resource);
  const byName = new Map(all.map((r) => [r.version, r]));
  const resource = {
    ...stored.resource,
    crdName: `${def.plural}.${def.group}`,
    scope: def.scope,
    names: {
      plural: def.plural,
      singular: def.singular ?? def.kind.toLowerCase(),
      kind: def.kind,
      listKind: def.listKind ?? `${def.kind}List`,
      shortNames: def.shortNames ?? [],
      categories: def.categories ?? [],
    },
    versions: all,
    atVersion: (name: string) => {
      const found = byName.get(name);
      if (found === undefined) {
        const known = all.map((r) => r.version).join(', ');
        throw new CustomResourceError(`${def.plural}.${def.group}`, [crdProblem('InvalidName', `atVersion(${name})`, `no version ${name} (versions: ${known})`)]);
      }
      return found;
    },
  };
  return right(resource as unknown as CustomResource<VersionObject<StorageVersionOf<V>>, V>);
};

/**
 * Defines a custom resource once: from the io-ts codecs of each version's `spec` and `status`
 * come the object type, its runtime check (the descriptor's `codec`) and its CRD (`crdManifest`).
 * The descriptor is a {@link TypedResource} of the storage version. Throws a
 * {@link CustomResourceError} listing every problem (see {@link validateCustomResource}), so a
 * module with a bad definition fails when it loads.
 *
 * Maps to kube-rs's `#[derive(CustomResource)]` and kubebuilder's API types with controller-gen
 * markers.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { constrained, customResource, described } from 'kube-rx';
 * export const Widget = customResource({
 *   group: 'example.com', kind: 'Widget', plural: 'widgets', shortNames: ['wd'], scope: 'Namespaced',
 *   versions: [{
 *     name: 'v1',
 *     spec: t.exact(t.type({ size: described(constrained(t.Int, { minimum: 0 }), 'How big.') })),
 *     status: t.exact(t.partial({ phase: t.keyof({ Pending: null, Ready: null }) })),
 *     printerColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
 *   }],
 * });
 * ```
 * @category crd
 * @since 0.3.0
 */
export const customResource = <const V extends readonly CustomResourceVersionDefinition[]>(
  def: CustomResourceDefinitionInput<V>,
): CustomResource<VersionObject<StorageVersionOf<V>>, V> => {
  const r = validateCustomResource(def);
  if (r._tag === 'Left') throw new CustomResourceError(`${def.plural}.${def.group}`, r.left);
  return r.right;
};
