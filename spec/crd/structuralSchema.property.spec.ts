/**
 * Property tests of the schema builder: for random codecs made of the supported forms, the schema
 * exists, and it accepts every value the codec accepts (values from `arbitraryOf`) and the codec
 * accepts every random JSON value the schema accepts, judged by a small validator of structural
 * schemas written here from the OpenAPI rules (the oracle; the kube tier checks the real server).
 */
import fc from 'fast-check';
import { isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';

import { constrained, IntOrString, keywordViolation, setOf, structuralSchema, type StructuralSchema } from 'kube-rx';

import { arbitraryOf } from '../helpers/arbitraryOf.js';

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/** Does `value` satisfy `schema` (unknown fields pruned, as kube-apiserver does before validating)? */
const satisfies = (schema: StructuralSchema, value: unknown): boolean => {
  if (value === null) return schema.nullable === true;
  if (schema['x-kubernetes-preserve-unknown-fields'] === true && schema.type === undefined) return true;
  const typeOk =
    schema.type === undefined ||
    (schema.type === 'string' && typeof value === 'string') ||
    (schema.type === 'number' && typeof value === 'number') ||
    (schema.type === 'integer' && typeof value === 'number' && Number.isInteger(value)) ||
    (schema.type === 'boolean' && typeof value === 'boolean') ||
    (schema.type === 'array' && Array.isArray(value)) ||
    (schema.type === 'object' && isRecord(value));
  if (!typeOk) return false;
  if (schema.enum !== undefined && !schema.enum.includes(value as string)) return false;
  if (keywordViolation(value, schema) !== undefined) return false;
  if (schema.anyOf !== undefined && !schema.anyOf.some((branch) => satisfies(branch, value))) return false;
  if (Array.isArray(value)) {
    if (schema['x-kubernetes-list-type'] === 'set' && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) return false;
    return schema.items === undefined || value.every((v) => satisfies(schema.items ?? {}, v));
  }
  if (isRecord(value)) {
    if ((schema.required ?? []).some((k) => !(k in value))) return false;
    return Object.entries(value).every(([k, v]) => {
      const field = schema.properties?.[k] ?? schema.additionalProperties;
      return field === undefined || satisfies(field, v);
    });
  }
  return true;
};

/** `value` with its `n`-th node (depth first, the root is 0; modulo the node count) replaced by `by`. */
const replaceNth = (value: unknown, n: number, by: unknown): unknown => {
  let left = n;
  const count = (v: unknown): number => 1 + (Array.isArray(v) ? v : isRecord(v) ? Object.values(v) : []).reduce<number>((a, c) => a + count(c), 0);
  left %= count(value);
  const go = (v: unknown): unknown => {
    if (left-- === 0) return by;
    if (Array.isArray(v)) return v.map(go);
    if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, go(c)]));
    return v;
  };
  return go(value);
};

/** Random JSON, and values of the codec with one node replaced by random JSON (mostly refused). */
const candidates = (codec: t.Mixed): fc.Arbitrary<unknown[]> =>
  fc.array(
    fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.tuple(arbitraryOf(codec), fc.nat(), fc.jsonValue({ maxDepth: 1 })).map(([v, n, by]) => replaceNth(v, n, by)),
    ),
    { minLength: 1, maxLength: 10 },
  );

const KEYS = ['a', 'b', 'c', 'd'] as const;

/** Random codecs of the supported forms (no unions of objects: see docs/custom-resources.md on them). */
const codecs = fc.letrec<{ codec: t.Mixed; scalar: t.Mixed; object: t.Mixed }>((tie) => ({
  scalar: fc.oneof(
    fc.constant<t.Mixed>(t.string),
    fc.constant<t.Mixed>(t.number),
    fc.constant<t.Mixed>(t.Int),
    fc.constant<t.Mixed>(t.boolean),
    fc.constant<t.Mixed>(IntOrString),
    fc.constantFrom<t.Mixed>(t.literal('x'), t.literal(2), t.keyof({ p: null, q: null }), t.union([t.literal('m'), t.literal('n')])),
    fc.record({ minLength: fc.integer({ min: 0, max: 3 }), maxLength: fc.integer({ min: 3, max: 8 }) }).map((k): t.Mixed => constrained(t.string, k)),
    fc.record({ minimum: fc.integer({ min: -5, max: 0 }), maximum: fc.integer({ min: 1, max: 9 }), exclusiveMaximum: fc.boolean() }).map((k): t.Mixed => constrained(t.number, k)),
    fc.constantFrom<t.Mixed>(constrained(t.Int, { multipleOf: 3 }), constrained(t.string, { pattern: '^[a-c]+$' }), constrained(t.string, { format: 'date-time' })),
    fc.constantFrom<t.Mixed>(t.union([t.string, t.null]), t.union([t.Int, t.null])),
  ),
  object: fc
    .tuple(fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }), fc.array(tie('codec'), { minLength: 3, maxLength: 3 }), fc.nat(3))
    .map(([keys, members, shape]): t.Mixed => {
      const props = Object.fromEntries(keys.map((k, i) => [k, members[i] ?? t.string]));
      const [first, ...rest] = keys;
      const firstProps = first === undefined ? {} : { [first]: props[first] ?? t.string };
      const restProps = Object.fromEntries(rest.map((k) => [k, props[k] ?? t.string]));
      switch (shape) {
        case 0:
          return t.type(props);
        case 1:
          return t.partial(props);
        case 2:
          return t.exact(t.type(props));
        default:
          return t.intersection([t.type(firstProps), t.partial(restProps)]);
      }
    }),
  codec: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('scalar'),
    tie('object'),
    tie('scalar').map((c): t.Mixed => t.array(c)),
    fc.constantFrom<t.Mixed>(setOf(t.string), setOf(t.Int)),
    tie('codec').map((c): t.Mixed => t.record(t.string, c)),
    tie('codec').map((c): t.Mixed => constrained(t.array(c), { maxItems: 3 })),
  ),
})).codec;

describe('structuralSchema (property)', () => {
  it('every codec of supported forms has a schema, and the schema accepts every value the codec accepts', () => {
    fc.assert(
      fc.property(
        codecs.chain((codec) => fc.tuple(fc.constant(codec), fc.array(arbitraryOf(codec), { minLength: 1, maxLength: 5 }))),
        ([codec, values]) => {
          const schema = structuralSchema(codec);
          expect(isRight(schema)).toBe(true);
          if (!isRight(schema)) return;
          for (const v of values) {
            expect(codec.is(v)).toBe(true);
            expect(satisfies(schema.right, v)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the codec accepts every random or damaged JSON value the schema accepts', () => {
    fc.assert(
      fc.property(codecs.chain((codec) => fc.tuple(fc.constant(codec), candidates(codec))), ([codec, values]) => {
        const schema = structuralSchema(codec);
        if (!isRight(schema)) throw new Error('no schema');
        for (const v of values) if (satisfies(schema.right, v)) expect(isRight(codec.decode(v))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('the codec refuses every random or damaged JSON value the schema refuses (codecs without unions of objects)', () => {
    fc.assert(
      fc.property(codecs.chain((codec) => fc.tuple(fc.constant(codec), candidates(codec))), ([codec, values]) => {
        const schema = structuralSchema(codec);
        if (!isRight(schema)) throw new Error('no schema');
        for (const v of values) if (!satisfies(schema.right, v)) expect(codec.is(v)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
