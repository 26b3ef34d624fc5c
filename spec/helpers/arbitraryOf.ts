/**
 * `arbitraryOf(codec)`: a fast-check arbitrary of JSON values that `codec` accepts, built by
 * walking io-ts's runtime type classes and kube-rx's `AnnotatedType` (the forms the CRD schema
 * builder supports). Generated values go through JSON unchanged (no `-0`, no `undefined` in
 * arrays), so a value sent to kube-apiserver comes back equal; strings are never empty (see
 * `stringArb`).
 */
import fc from 'fast-check';
import type * as t from 'io-ts';

import type { SchemaAnnotation, ValueKeywords } from 'kube-rx';

import { codecForm, isIntCodec } from '../../lib/crd/codecForm.js';

type Arb = fc.Arbitrary<unknown>;


/** No `-0`: JSON has one zero. */
const noNegativeZero = (n: number): number => (Object.is(n, -0) ? 0 : n);

const numberArb = (integer: boolean, k: ValueKeywords): Arb => {
  if (integer || k.multipleOf !== undefined) {
    const step = k.multipleOf ?? 1;
    const lo = k.minimum === undefined ? -1_000_000 : Math.ceil((k.minimum + (k.exclusiveMinimum === true ? 1e-9 : 0)) / step);
    const hi = k.maximum === undefined ? 1_000_000 : Math.floor((k.maximum - (k.exclusiveMaximum === true ? 1e-9 : 0)) / step);
    const [min, max] = k.minimum === undefined && k.maximum === undefined ? [lo, hi] : [k.minimum === undefined ? hi - 1_000_000 : lo, k.maximum === undefined ? lo + 1_000_000 : hi];
    return fc.integer({ min, max }).map((n) => noNegativeZero(n * step));
  }
  return fc
    .double({
      noNaN: true,
      noDefaultInfinity: true,
      ...(k.minimum === undefined ? { min: -1e12 } : { min: k.minimum, minExcluded: k.exclusiveMinimum === true }),
      ...(k.maximum === undefined ? { max: 1e12 } : { max: k.maximum, maxExcluded: k.exclusiveMaximum === true }),
    })
    .map(noNegativeZero);
};

const stringArb = (k: ValueKeywords): Arb => {
  if (k.format === 'date-time') return fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
  if (k.format === 'date') return fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
  if (k.format === 'uuid') return fc.uuid();
  if (k.format === 'byte') return fc.base64String({ minLength: 4 });
  // never empty: kube-apiserver 1.20 refuses '' inside arrays, maps and int-or-string fields
  // (spec/kube/crd.kube.spec.ts pins that quirk)
  const lengths = { minLength: Math.max(1, k.minLength ?? 1), maxLength: k.maxLength ?? 24 };
  if (k.pattern !== undefined) {
    const re = new RegExp(k.pattern, 'u');
    return fc.stringMatching(re).filter((s) => Array.from(s).length >= lengths.minLength && Array.from(s).length <= lengths.maxLength);
  }
  return fc.string({ ...lengths, unit: 'grapheme' });
};

const propsArb = (props: t.Props, required: boolean): Arb => {
  const model = Object.fromEntries(Object.entries(props).map(([key, codec]) => [key, arbitraryOf(codec)]));
  return fc.record(model, required ? {} : { requiredKeys: [] });
};

const annotatedArb = (codec: t.Mixed, inner: t.Mixed, annotation: SchemaAnnotation): Arb => {
  const k = annotation.keywords ?? {};
  const form = codecForm(inner);
  let arb: Arb;
  if (annotation.preserveUnknownFields === true && form._tag === 'AnyDictionaryType') {
    arb = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
  } else if (form._tag === 'StringType') {
    arb = stringArb(k);
  } else if (form._tag === 'NumberType' || isIntCodec(inner)) {
    arb = numberArb(isIntCodec(inner), k);
  } else if (form._tag === 'ArrayType' || form._tag === 'ReadonlyArrayType') {
    const item = arbitraryOf(form.type);
    const lengths = { ...(k.minItems === undefined ? {} : { minLength: k.minItems }), maxLength: k.maxItems ?? 5 };
    arb = annotation.listType === 'set' ? fc.uniqueArray(item, { selector: (v) => JSON.stringify(v), ...lengths }) : fc.array(item, lengths);
  } else if (form._tag === 'DictionaryType') {
    arb = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), arbitraryOf(form.codomain), {
      ...(k.minProperties === undefined ? {} : { minKeys: k.minProperties }),
      maxKeys: k.maxProperties ?? 4,
    });
  } else {
    arb = arbitraryOf(inner);
  }
  return arb.filter((v) => codec.is(v));
};

/** An arbitrary of JSON values `codec` accepts (the forms kube-rx's CRD schema builder supports). */
export const arbitraryOf = (codec: t.Mixed): Arb => {
  const form = codecForm(codec);
  switch (form._tag) {
    case 'StringType':
      return stringArb({});
    case 'NumberType':
      return numberArb(false, {});
    case 'BooleanType':
      return fc.boolean();
    case 'NullType':
      return fc.constant(null);
    case 'UndefinedType':
    case 'VoidType':
      return fc.constant(undefined);
    case 'LiteralType':
      return fc.constant(form.value);
    case 'KeyofType':
      return fc.constantFrom(...Object.keys(form.keys));
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return fc.array(arbitraryOf(form.type), { maxLength: 5 });
    case 'InterfaceType':
    case 'StrictType':
      return propsArb(form.props, true);
    case 'PartialType':
      return propsArb(form.props, false);
    case 'ExactType':
    case 'ReadonlyType':
      return arbitraryOf(form.type);
    case 'IntersectionType':
      return fc.tuple(...form.types.map(arbitraryOf)).map((parts) => Object.assign({}, ...parts.map((p) => p as object)) as unknown);
    case 'UnionType':
      return fc.oneof(...form.types.map(arbitraryOf));
    case 'DictionaryType':
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), arbitraryOf(form.codomain), { maxKeys: 4 });
    case 'AnnotatedType':
      return annotatedArb(codec, form.type, form.annotation);
    case 'RefinementType':
      if (isIntCodec(codec)) return numberArb(true, {});
      throw new Error(`arbitraryOf: no arbitrary for the refinement ${codec.name}`);
    default:
      throw new Error(`arbitraryOf: no arbitrary for ${codec.name} (${form._tag})`);
  }
};
