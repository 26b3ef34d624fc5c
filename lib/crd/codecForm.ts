import type * as t from 'io-ts';

import type { SchemaAnnotation } from './AnnotatedType.js';

/**
 * What an io-ts codec is, read from its `_tag` (io-ts's runtime type classes, and kube-rx's
 * `AnnotatedType`): the fields of each class that the CRD schema builder (and the test kit's
 * arbitraries) walk. `Other` is any other codec (`t.tuple`, `t.recursion`, a custom `t.Type`, ...),
 * with its tag when it has one. Internal.
 */
export type CodecForm =
  | { readonly _tag: 'StringType' | 'NumberType' | 'BooleanType' | 'NullType' | 'UndefinedType' | 'VoidType' }
  | { readonly _tag: 'UnknownType' | 'AnyType' | 'AnyDictionaryType' | 'AnyArrayType' }
  | { readonly _tag: 'LiteralType'; readonly value: string | number | boolean }
  | { readonly _tag: 'KeyofType'; readonly keys: Readonly<Record<string, unknown>> }
  | { readonly _tag: 'RefinementType'; readonly name: string; readonly type: t.Mixed }
  | { readonly _tag: 'ArrayType' | 'ReadonlyArrayType' | 'ExactType' | 'ReadonlyType'; readonly type: t.Mixed }
  | { readonly _tag: 'InterfaceType' | 'StrictType' | 'PartialType'; readonly props: t.Props }
  | { readonly _tag: 'IntersectionType' | 'UnionType'; readonly types: readonly t.Mixed[] }
  | { readonly _tag: 'DictionaryType'; readonly domain: t.Mixed; readonly codomain: t.Mixed }
  | { readonly _tag: 'AnnotatedType'; readonly type: t.Mixed; readonly annotation: SchemaAnnotation }
  | { readonly _tag: 'Other'; readonly tag: string | undefined; readonly name: string };

const KNOWN: ReadonlySet<string> = new Set([
  'StringType',
  'NumberType',
  'BooleanType',
  'NullType',
  'UndefinedType',
  'VoidType',
  'UnknownType',
  'AnyType',
  'AnyDictionaryType',
  'AnyArrayType',
  'LiteralType',
  'KeyofType',
  'RefinementType',
  'ArrayType',
  'ReadonlyArrayType',
  'ExactType',
  'ReadonlyType',
  'InterfaceType',
  'StrictType',
  'PartialType',
  'IntersectionType',
  'UnionType',
  'DictionaryType',
  'AnnotatedType',
]);

/**
 * The {@link CodecForm} of a codec. io-ts's classes carry a `_tag` naming the class and the
 * fields above, so the view is read off the codec (no `instanceof`, which would fail across two
 * copies of io-ts). Internal.
 */
export const codecForm = (codec: t.Mixed): CodecForm => {
  const tag: unknown = (codec as { readonly _tag?: unknown })._tag;
  if (typeof tag === 'string' && KNOWN.has(tag)) return codec as unknown as CodecForm;
  return { _tag: 'Other', tag: typeof tag === 'string' ? tag : undefined, name: codec.name };
};

/** `t.Int` (or another copy of io-ts's `Int` brand). Internal. */
export const isIntCodec = (codec: t.Mixed): boolean => {
  const form = codecForm(codec);
  return form._tag === 'RefinementType' && form.name === 'Int' && codecForm(form.type)._tag === 'NumberType';
};
