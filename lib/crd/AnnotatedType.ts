import * as t from 'io-ts';

import { keywordViolation, type ValueKeywords } from './valueKeywords.js';

/**
 * What a codec says about its CRD schema beyond its structure: a description, value keywords
 * (checked by the codec too), `x-kubernetes-preserve-unknown-fields`, and a list type.
 *
 * Maps to controller-gen's field markers (`+kubebuilder:validation:*`,
 * `+kubebuilder:pruning:PreserveUnknownFields`, `+listType=`) and a Go doc comment; kube-rs's doc
 * comments and `#[schemars(...)]` attributes.
 *
 * @example
 * ```ts
 * import type { SchemaAnnotation } from 'kube-rx';
 * const a: SchemaAnnotation = { description: 'How many replicas', keywords: { minimum: 0 } };
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface SchemaAnnotation {
  readonly description?: string;
  readonly keywords?: ValueKeywords;
  /** Keep fields the schema does not name (`x-kubernetes-preserve-unknown-fields: true`). */
  readonly preserveUnknownFields?: true;
  /** `x-kubernetes-list-type`: `set` (scalar items, no duplicates; the codec checks it too) or `atomic`. */
  readonly listType?: 'atomic' | 'set';
}

/** The first item of `items` that occurs twice (JSON-compared), boxed; `undefined` when none does. */
const firstDuplicate = (items: readonly unknown[]): { readonly item: unknown } | undefined => {
  const seen = new Set<string>();
  for (const item of items) {
    const key = JSON.stringify(item);
    if (seen.has(key)) return { item };
    seen.add(key);
  }
  return undefined;
};

/**
 * An io-ts codec that behaves as the codec it wraps, and also checks the annotation's keywords
 * (and set lists' uniqueness), while carrying the annotation for the CRD schema builder. Its
 * `_tag` is `AnnotatedType`, so the schema builder finds it as it finds io-ts's own classes.
 *
 * Maps to a field with controller-gen markers / a kube-rs field with `#[schemars]` attributes.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { AnnotatedType } from 'kube-rx';
 * const replicas = new AnnotatedType(t.number, { description: 'desired replicas', keywords: { minimum: 0 } });
 * replicas.is(-1); // false
 * ```
 * @category crd
 * @since 0.3.0
 */
export class AnnotatedType<C extends t.Mixed> extends t.Type<t.TypeOf<C>, t.OutputOf<C>> {
  readonly _tag = 'AnnotatedType' as const;

  constructor(
    readonly type: C,
    readonly annotation: SchemaAnnotation,
  ) {
    const violation = (a: unknown): string | undefined => {
      if (annotation.keywords !== undefined) {
        const v = keywordViolation(a, annotation.keywords);
        if (v !== undefined) return v;
      }
      const duplicate = annotation.listType === 'set' && Array.isArray(a) ? firstDuplicate(a) : undefined;
      if (duplicate !== undefined) return `holds ${JSON.stringify(duplicate.item)} twice (a set list)`;
      return undefined;
    };
    super(
      type.name,
      (u): u is t.TypeOf<C> => type.is(u) && violation(u) === undefined,
      (u, c) => {
        const r = type.validate(u, c);
        if (r._tag === 'Left') return r;
        const v = violation(r.right);
        return v === undefined ? r : t.failure(u, c, `${type.name}: ${v}`);
      },
      (a) => type.encode(a) as t.OutputOf<C>,
    );
  }
}

/**
 * Wraps `codec` with a {@link SchemaAnnotation}; annotating an annotated codec merges the two
 * (the outer description and keywords win).
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { annotate } from 'kube-rx';
 * const name = annotate(t.string, { description: 'a DNS label', keywords: { maxLength: 63 } });
 * ```
 * @category crd
 * @since 0.3.0
 */
export const annotate = <C extends t.Mixed>(codec: C, annotation: SchemaAnnotation): AnnotatedType<C> => {
  if (codec instanceof AnnotatedType) {
    const inner = codec as AnnotatedType<t.Mixed>;
    const merged: SchemaAnnotation = {
      ...inner.annotation,
      ...annotation,
      ...(inner.annotation.keywords === undefined && annotation.keywords === undefined
        ? {}
        : { keywords: { ...inner.annotation.keywords, ...annotation.keywords } }),
    };
    return new AnnotatedType(inner.type, merged) as unknown as AnnotatedType<C>;
  }
  return new AnnotatedType(codec, annotation);
};

/**
 * `codec` with a description in its CRD schema (what `kubectl explain` shows); decoding is
 * unchanged.
 *
 * Maps to the Go doc comment controller-gen copies into the schema, and to kube-rs's `///` doc
 * comments (schemars `description`).
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { described } from 'kube-rx';
 * const size = described(t.number, 'How big the widget is.');
 * ```
 * @category crd
 * @since 0.3.0
 */
export const described = <C extends t.Mixed>(codec: C, description: string): AnnotatedType<C> => annotate(codec, { description });

/**
 * `codec` with value validations that the codec checks and the CRD schema states, so the client
 * and kube-apiserver refuse the same values.
 *
 * Maps to controller-gen's `+kubebuilder:validation:Minimum=` etc. and kube-rs's
 * `#[schemars(range(min = 0))]`.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { constrained } from 'kube-rx';
 * const port = constrained(t.Int, { minimum: 1, maximum: 65535 });
 * port.is(0); // false
 * ```
 * @category crd
 * @since 0.3.0
 */
export const constrained = <C extends t.Mixed>(codec: C, keywords: ValueKeywords): AnnotatedType<C> => annotate(codec, { keywords });

/**
 * `codec` marked `x-kubernetes-preserve-unknown-fields: true`: the server keeps fields its schema
 * does not name. Only for what may hold arbitrary fields: `t.UnknownRecord` (any object),
 * `t.unknown` (any JSON value), or an object codec whose extra fields should survive.
 *
 * Maps to controller-gen's `+kubebuilder:pruning:PreserveUnknownFields` and kube-rs's
 * `#[schemars(schema_with = ...)]` with `x-kubernetes-preserve-unknown-fields`.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { preserveUnknownFields } from 'kube-rx';
 * const values = preserveUnknownFields(t.UnknownRecord); // { type: object, x-kubernetes-preserve-unknown-fields: true }
 * ```
 * @category crd
 * @since 0.3.0
 */
export const preserveUnknownFields = <C extends t.Mixed>(codec: C): AnnotatedType<C> => annotate(codec, { preserveUnknownFields: true });

/**
 * An array of scalars with no duplicates: `x-kubernetes-list-type: set` in the schema (the server
 * refuses duplicates) and the same check in the codec.
 *
 * Maps to controller-gen's `+listType=set` and kube-rs's `#[schemars(extend("x-kubernetes-list-type" = "set"))]`.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { setOf } from 'kube-rx';
 * const tags = setOf(t.string);
 * tags.is(['a', 'a']); // false
 * ```
 * @category crd
 * @since 0.3.0
 */
export const setOf = <C extends t.Mixed>(item: C): AnnotatedType<t.ArrayC<C>> => annotate(t.array(item), { listType: 'set' });

/**
 * An integer or a string (`t.union([t.Int, t.string])`), written as
 * `x-kubernetes-int-or-string: true` in the schema.
 *
 * Maps to Kubernetes' `intstr.IntOrString` and kube-rs's `IntOrString`.
 *
 * @example
 * ```ts
 * import { IntOrString } from 'kube-rx';
 * IntOrString.is(8080); // true
 * IntOrString.is('http'); // true
 * ```
 * @category crd
 * @since 0.3.0
 */
export const IntOrString = t.union([t.Int, t.string]);
