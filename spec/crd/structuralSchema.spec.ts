import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';

import { constrained, described, IntOrString, preserveUnknownFields, setOf, structuralSchema, type CrdProblem } from 'kube-rx';

const ok = (codec: t.Mixed): unknown => {
  const r = structuralSchema(codec, '.spec');
  if (isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

const problems = (codec: t.Mixed): readonly CrdProblem[] => {
  const r = structuralSchema(codec, '.spec');
  return isLeft(r) ? r.left : [];
};

describe('structuralSchema: each codec form', () => {
  it.each<readonly [string, t.Mixed, unknown]>([
    ['t.string', t.string, { type: 'string' }],
    ['t.number', t.number, { type: 'number' }],
    ['t.Int', t.Int, { type: 'integer' }],
    ['t.boolean', t.boolean, { type: 'boolean' }],
    ['a string literal', t.literal('a'), { type: 'string', enum: ['a'] }],
    ['an integer literal', t.literal(3), { type: 'integer', enum: [3] }],
    ['a boolean literal', t.literal(true), { type: 'boolean', enum: [true] }],
    ['t.keyof', t.keyof({ a: null, b: null }), { type: 'string', enum: ['a', 'b'] }],
    ['a union of literals', t.union([t.literal('x'), t.literal('y'), t.literal('x')]), { type: 'string', enum: ['x', 'y'] }],
    ['integer and fractional literals', t.union([t.literal(1), t.literal(1.5)]), { type: 'number', enum: [1, 1.5] }],
    ['a literal next to its whole type', t.union([t.literal('x'), t.string]), { type: 'string' }],
    ['t.array', t.array(t.string), { type: 'array', items: { type: 'string' } }],
    ['t.readonlyArray', t.readonlyArray(t.Int), { type: 'array', items: { type: 'integer' } }],
    ['t.record(t.string, X)', t.record(t.string, t.number), { type: 'object', additionalProperties: { type: 'number' } }],
    [
      't.record over finite keys',
      t.record(t.keyof({ a: null, b: null }), t.boolean),
      { type: 'object', properties: { a: { type: 'boolean' }, b: { type: 'boolean' } }, required: ['a', 'b'] },
    ],
    ['t.type', t.type({ a: t.string, b: t.number }), { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a', 'b'] }],
    ['t.type with an undefined-accepting field', t.type({ a: t.union([t.string, t.undefined]) }), { type: 'object', properties: { a: { type: 'string' } } }],
    ['t.partial', t.partial({ a: t.string }), { type: 'object', properties: { a: { type: 'string' } } }],
    ['t.exact', t.exact(t.type({ a: t.string })), { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }],
    ['t.strict', t.strict({ a: t.string }), { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }],
    ['t.readonly', t.readonly(t.type({ a: t.string })), { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }],
    [
      't.intersection of type and partial',
      t.intersection([t.type({ a: t.string }), t.partial({ b: t.number })]),
      { type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['a'] },
    ],
    ['a nullable field', t.union([t.string, t.null]), { type: 'string', nullable: true }],
    ['an integer or string', IntOrString, { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }],
    [
      'a union of constrained strings',
      t.union([constrained(t.string, { maxLength: 3 }), constrained(t.string, { pattern: '^x' })]),
      { type: 'string', anyOf: [{ maxLength: 3 }, { pattern: '^x' }] },
    ],
    [
      'a discriminated union of objects',
      t.union([t.type({ kind: t.literal('A'), a: t.string }), t.type({ kind: t.literal('B'), b: t.number })]),
      {
        type: 'object',
        properties: { kind: { type: 'string', enum: ['A', 'B'] }, a: { type: 'string' }, b: { type: 'number' } },
        anyOf: [
          { required: ['kind', 'a'], properties: { kind: { enum: ['A'] } } },
          { required: ['kind', 'b'], properties: { kind: { enum: ['B'] } } },
        ],
      },
    ],
    [
      'a union of objects one of which needs nothing',
      t.union([t.type({ a: t.string }), t.partial({ b: t.string })]),
      { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } },
    ],
    ['described', described(t.string, 'a name'), { type: 'string', description: 'a name' }],
    [
      'constrained string',
      constrained(t.string, { minLength: 1, maxLength: 5, pattern: '^a', format: 'uuid' }),
      { type: 'string', minLength: 1, maxLength: 5, pattern: '^a', format: 'uuid' },
    ],
    [
      'constrained number',
      constrained(t.number, { minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: false }),
      { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: false },
    ],
    ['constrained integer', constrained(t.Int, { multipleOf: 5 }), { type: 'integer', multipleOf: 5 }],
    ['constrained array', constrained(t.array(t.string), { minItems: 1, maxItems: 2 }), { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2 }],
    ['constrained record', constrained(t.record(t.string, t.string), { maxProperties: 2 }), { type: 'object', additionalProperties: { type: 'string' }, maxProperties: 2 }],
    ['nested annotations merge', described(constrained(t.Int, { minimum: 0 }), 'n'), { type: 'integer', minimum: 0, description: 'n' }],
    ['setOf', setOf(t.string), { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' }],
    ['preserveUnknownFields(t.UnknownRecord)', preserveUnknownFields(t.UnknownRecord), { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }],
    ['preserveUnknownFields(t.unknown)', preserveUnknownFields(t.unknown), { 'x-kubernetes-preserve-unknown-fields': true }],
    ['preserveUnknownFields(t.UnknownArray)', preserveUnknownFields(t.UnknownArray), { type: 'array', items: { 'x-kubernetes-preserve-unknown-fields': true } }],
    [
      'preserveUnknownFields of an object',
      preserveUnknownFields(t.type({ a: t.string })),
      { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], 'x-kubernetes-preserve-unknown-fields': true },
    ],
  ])('%s', (_name, codec, schema) => {
    expect(ok(codec)).toEqual(schema);
  });

  it('a preserved field is optional', () => {
    expect(ok(t.type({ any: preserveUnknownFields(t.unknown), n: t.number }))).toMatchObject({ required: ['n'] });
  });
});

describe('structuralSchema: forms with no structural equivalent are problems naming the JSON path', () => {
  const refinement = t.refinement(t.string, (s) => s.length > 0, 'NonEmpty');
  it.each<readonly [string, t.Mixed, string, CrdProblem['reason'], RegExp]>([
    ['a tuple', t.type({ pair: t.tuple([t.string, t.number]) }), '.spec.pair', 'Unsupported', /tuple/],
    ['an opaque refinement', t.type({ name: refinement }), '.spec.name', 'Unsupported', /constrained/],
    ['t.unknown', t.type({ any: t.unknown }), '.spec.any', 'Unsupported', /preserveUnknownFields/],
    ['t.UnknownRecord', t.type({ any: t.UnknownRecord }), '.spec.any', 'Unsupported', /preserveUnknownFields/],
    ['null alone', t.type({ n: t.null }), '.spec.n', 'Unsupported', /alone/],
    ['a union of different types', t.type({ u: t.union([t.string, t.number]) }), '.spec.u', 'Unsupported', /one type/],
    ['a union of string and object', t.array(t.union([t.string, t.type({ a: t.string })])), '.spec[*]', 'Unsupported', /one type/],
    ['a nullable enum', t.type({ e: t.union([t.keyof({ a: null }), t.null]) }), '.spec.e', 'Unsupported', /enum/],
    ['a union with a record', t.union([t.record(t.string, t.string), t.type({ a: t.string })]), '.spec', 'Unsupported', /plain objects/],
    ['union branches with different field structures', t.union([t.type({ a: t.string }), t.type({ a: t.number })]), '.spec.a', 'Conflict', /different structures/],
    ['an intersection with conflicting fields', t.intersection([t.type({ a: t.string }), t.type({ a: t.number })]), '.spec.a', 'Conflict', /intersection/],
    ['an intersection of scalars', t.intersection([t.string, t.number]) as unknown as t.Mixed, '.spec', 'Unsupported', /plain objects/],
    ['a record with refined keys', t.type({ m: t.record(refinement, t.string) }), '.spec.m', 'Unsupported', /keyed by/],
    ['recursion', t.recursion('R', () => t.type({ a: t.string })), '.spec', 'Unsupported', /recursive/],
    ['a custom t.Type', t.type({ d: new t.Type<Date, string>('DateFromString', (u): u is Date => u instanceof Date, (u, c) => t.failure(u, c), String) }), '.spec.d', 'Unsupported', /custom t\.Type/],
    ['a function', t.type({ f: t.Function }), '.spec.f', 'Unsupported', /no schema equivalent/],
    ['a keyword for another type', t.type({ s: constrained(t.string, { minimum: 1 }) }), '.spec.s (minimum)', 'InvalidKeyword', /number/],
    ['a negative length', t.type({ s: constrained(t.string, { maxLength: -1 }) }), '.spec.s (maxLength)', 'InvalidKeyword', />= 0/],
    ['an exclusive bound without bound', t.type({ n: constrained(t.number, { exclusiveMinimum: true }) }), '.spec.n (exclusiveMinimum)', 'InvalidKeyword', /needs minimum/],
    ['a fractional multipleOf', t.type({ n: constrained(t.number, { multipleOf: 0.1 }) }), '.spec.n (multipleOf)', 'InvalidKeyword', /whole numbers/],
    ['an invalid pattern', t.type({ s: constrained(t.string, { pattern: '(' }) }), '.spec.s (pattern)', 'InvalidKeyword', /regular expression/],
    ['a named group pattern', t.type({ s: constrained(t.string, { pattern: '^(?<x>a)' }) }), '.spec.s (pattern)', 'InvalidKeyword', /RE2/],
    [
      'a union whose branches differ on a field named metadata',
      t.union([t.type({ metadata: t.literal('a') }), t.type({ metadata: t.literal('b') })]),
      '.spec.metadata',
      'Conflict',
      /metadata/,
    ],
    ['a lookahead pattern', t.type({ s: constrained(t.string, { pattern: '^(?=a)' }) }), '.spec.s (pattern)', 'InvalidKeyword', /RE2/],
    ['an unknown format', t.type({ s: constrained(t.string, { format: 'email' as 'uuid' }) }), '.spec.s (format)', 'InvalidKeyword', /unknown format/],
    ['a set of objects', t.type({ l: setOf(t.type({ a: t.string })) }), '.spec.l (x-kubernetes-list-type)', 'InvalidKeyword', /scalars/],
    ['preserveUnknownFields on a scalar', t.type({ s: preserveUnknownFields(t.string) }), '.spec.s', 'InvalidKeyword', /preserveUnknownFields applies/],
  ])('%s', (_name, codec, path, reason, message) => {
    const found = problems(codec);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ _tag: 'CrdProblem', path, reason });
    expect(found[0]?.message).toMatch(message);
  });

  it('reports every problem, not only the first', () => {
    expect(problems(t.type({ a: t.unknown, b: t.tuple([t.string]), c: t.string })).map((p) => p.path)).toEqual(['.spec.a', '.spec.b']);
  });

  it('paths quote keys that are not identifiers', () => {
    expect(problems(t.type({ 'a.b': t.unknown }))[0]?.path).toBe(".spec['a.b']");
  });
});
