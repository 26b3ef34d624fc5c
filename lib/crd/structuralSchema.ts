import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';

import type { SchemaAnnotation } from './AnnotatedType.js';
import { codecForm, isIntCodec } from './codecForm.js';
import { crdProblem, type CrdProblem } from './CrdProblem.js';
import type { StructuralSchema } from './CustomResourceDefinition.js';
import { STRING_FORMATS, type ValueKeywords } from './valueKeywords.js';

/** A schema plus whether its codec accepts `undefined` (an absent field: not `required`). */
interface Node {
  readonly schema: StructuralSchema;
  readonly optional: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The problems found so far: the walk is pure to its callers, this array is its private log. */
type Log = CrdProblem[];

const NOTHING: Node = { schema: {}, optional: false };

const tagOf = (codec: t.Mixed): string => codecForm(codec)._tag;

const unsupported = (log: Log, path: string, message: string): Node => {
  log.push(crdProblem('Unsupported', path || '.', message));
  return NOTHING;
};

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;
const child = (path: string, key: string): string => (IDENTIFIER.test(key) ? `${path}.${key}` : `${path}['${key}']`);

/** JSON with sorted keys: equal schemas give equal strings. */
const canonical = (u: unknown): string =>
  JSON.stringify(u, (_key, value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );

const SCALARS: ReadonlySet<string | undefined> = new Set(['string', 'number', 'integer', 'boolean']);

/** The keys of a schema that are not value validations (may not appear under anyOf/allOf/oneOf/not). */
const STRUCTURE_KEYS: ReadonlySet<string> = new Set([
  'type',
  'description',
  'nullable',
  'properties',
  'additionalProperties',
  'items',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
]);

const valueValidations = (s: StructuralSchema): StructuralSchema => Object.fromEntries(Object.entries(s).filter(([k]) => !STRUCTURE_KEYS.has(k)));

const structure = (s: StructuralSchema): StructuralSchema => Object.fromEntries(Object.entries(s).filter(([k]) => STRUCTURE_KEYS.has(k)));

const isEmpty = (o: object): boolean => Object.keys(o).length === 0;

/** A schema whose only value validation is an `enum` (a literal, a keyof, a union of literals). */
const isEnumOnly = (s: StructuralSchema): boolean => s.enum !== undefined && Object.keys(valueValidations(s)).length === 1;

const isNullCodec = (c: t.Mixed): boolean => tagOf(c) === 'NullType';
const isUndefinedCodec = (c: t.Mixed): boolean => tagOf(c) === 'UndefinedType' || tagOf(c) === 'VoidType';

const literalSchema = (values: ReadonlyArray<string | number | boolean>): StructuralSchema => {
  const kinds = new Set(values.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v)));
  if (kinds.has('number')) kinds.delete('integer');
  const [type] = [...kinds];
  return { type: type as 'string', enum: [...new Set(values)] };
};

const objectNode = (log: Log, props: t.Props, path: string, partial: boolean): Node => {
  const properties: Record<string, StructuralSchema> = {};
  const required: string[] = [];
  for (const [key, codec] of Object.entries(props)) {
    const node = walk(log, codec, child(path, key));
    properties[key] = node.schema;
    if (!partial && !node.optional) required.push(key);
  }
  return {
    schema: { type: 'object', ...(isEmpty(properties) ? {} : { properties }), ...(required.length === 0 ? {} : { required }) },
    optional: false,
  };
};

/** The keys of a finite record domain (`t.keyof`, a literal, a union of literals), or `undefined`. */
const finiteKeys = (domain: t.Mixed): string[] | undefined => {
  const form = codecForm(domain);
  if (form._tag === 'KeyofType') return Object.keys(form.keys);
  if (form._tag === 'LiteralType') return [String(form.value)];
  if (form._tag !== 'UnionType') return undefined;
  const keys = form.types.map((m) => {
    const f = codecForm(m);
    return f._tag === 'LiteralType' ? String(f.value) : undefined;
  });
  return keys.every((k) => k !== undefined) ? keys : undefined;
};

/** `t.record(domain, codomain)`: string keys give `additionalProperties`; a finite domain gives properties. */
const recordNode = (log: Log, domain: t.Mixed, codomain: t.Mixed, path: string): Node => {
  if (tagOf(domain) === 'StringType') {
    const value = walk(log, codomain, `${path}.*`);
    return { schema: { type: 'object', additionalProperties: value.schema }, optional: false };
  }
  const keys = finiteKeys(domain);
  if (keys === undefined) return unsupported(log, path, `a record keyed by ${domain.name}: only t.string or a finite set of keys can be a schema`);
  return objectNode(log, Object.fromEntries(keys.map((k) => [k, codomain])), path, false);
};

/** `x-kubernetes-preserve-unknown-fields`: any object, any value, any array, or an object that keeps extra fields. */
const preservedNode = (log: Log, codec: t.Mixed, path: string): Node => {
  const tag = tagOf(codec);
  if (tag === 'AnyDictionaryType') return { schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, optional: false };
  if (tag === 'UnknownType' || tag === 'AnyType') return { schema: { 'x-kubernetes-preserve-unknown-fields': true }, optional: true };
  if (tag === 'AnyArrayType') return { schema: { type: 'array', items: { 'x-kubernetes-preserve-unknown-fields': true } }, optional: false };
  const node = walk(log, codec, path);
  if (node.schema.type !== 'object' || node.schema.additionalProperties !== undefined || node.schema.anyOf !== undefined) {
    log.push(crdProblem('InvalidKeyword', path || '.', `preserveUnknownFields applies to t.UnknownRecord, t.unknown, t.UnknownArray or an object codec, not ${codec.name}`));
    return node;
  }
  return { ...node, schema: { ...node.schema, 'x-kubernetes-preserve-unknown-fields': true } };
};

const STRING_KEYWORDS = ['minLength', 'maxLength', 'pattern', 'format'] as const;
const NUMBER_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'] as const;
const ARRAY_KEYWORDS = ['minItems', 'maxItems'] as const;
const OBJECT_KEYWORDS = ['minProperties', 'maxProperties'] as const;
const COUNTS = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'] as const;

/**
 * Go's RE2 has no lookaround and no backreferences, and older Go no `(?<name>...)` groups:
 * JavaScript-only syntax would make the server refuse the CRD.
 */
const RE2_UNSUPPORTED = /\(\?<?[=!]|\\[1-9]|\\k<|\(\?<[A-Za-z]/;

/** Problems of `keywords` on a node of type `type`. */
const keywordProblems = (keywords: ValueKeywords, type: StructuralSchema['type'], path: string): CrdProblem[] => {
  const problems: CrdProblem[] = [];
  const bad = (keyword: string, message: string): void => {
    problems.push(crdProblem('InvalidKeyword', `${path || '.'} (${keyword})`, message));
  };
  const groups: ReadonlyArray<readonly [readonly (keyof ValueKeywords)[], boolean, string]> = [
    [STRING_KEYWORDS, type === 'string', 'a string'],
    [NUMBER_KEYWORDS, type === 'number' || type === 'integer', 'a number'],
    [ARRAY_KEYWORDS, type === 'array', 'an array'],
    [OBJECT_KEYWORDS, type === 'object', 'an object'],
  ];
  for (const [names, applies, what] of groups) {
    for (const name of names) {
      if (keywords[name] !== undefined && !applies) bad(name, `applies to ${what}, but this field is ${type ?? 'untyped'}`);
    }
  }
  for (const name of COUNTS) {
    const n = keywords[name];
    if (n !== undefined && !(Number.isInteger(n) && n >= 0)) bad(name, `must be a whole number >= 0, got ${n}`);
  }
  if (keywords.exclusiveMinimum !== undefined && keywords.minimum === undefined) bad('exclusiveMinimum', 'needs minimum');
  if (keywords.exclusiveMaximum !== undefined && keywords.maximum === undefined) bad('exclusiveMaximum', 'needs maximum');
  if (keywords.multipleOf !== undefined && !(Number.isInteger(keywords.multipleOf) && keywords.multipleOf > 0)) {
    bad('multipleOf', `kube-rx takes whole numbers > 0 only (Go and JavaScript round fractions differently), got ${keywords.multipleOf}`);
  }
  if (keywords.format !== undefined && !STRING_FORMATS.includes(keywords.format)) {
    bad('format', `unknown format "${keywords.format}" (known: ${STRING_FORMATS.join(', ')})`);
  }
  if (keywords.pattern !== undefined) {
    try {
      new RegExp(keywords.pattern, 'u');
      if (RE2_UNSUPPORTED.test(keywords.pattern)) bad('pattern', 'lookaround, backreferences and (?<name>) groups are not in Go regular expressions (RE2)');
    } catch (e) {
      bad('pattern', `not a valid regular expression: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
};

const annotatedNode = (log: Log, inner: t.Mixed, a: SchemaAnnotation, path: string): Node => {
  const node = a.preserveUnknownFields === true ? preservedNode(log, inner, path) : walk(log, inner, path);
  const schema: Mutable<StructuralSchema> = { ...node.schema };
  if (a.keywords !== undefined) {
    const problems = keywordProblems(a.keywords, schema.type, path);
    log.push(...problems);
    if (problems.length === 0) Object.assign(schema, a.keywords);
  }
  if (a.listType !== undefined) {
    if (schema.type !== 'array') {
      log.push(crdProblem('InvalidKeyword', `${path || '.'} (x-kubernetes-list-type)`, `applies to an array, not ${inner.name}`));
    } else if (a.listType === 'set' && !SCALARS.has(schema.items?.type)) {
      log.push(crdProblem('InvalidKeyword', `${path || '.'} (x-kubernetes-list-type)`, 'a set holds scalars (strings, numbers, booleans) only'));
    } else {
      schema['x-kubernetes-list-type'] = a.listType;
    }
  }
  if (a.description !== undefined) schema.description = a.description;
  return { schema, optional: node.optional };
};

/** Merges the object schemas of an intersection into one object. */
const intersectionNode = (log: Log, types: readonly t.Mixed[], path: string): Node => {
  const nodes = types.map((m) => walk(log, m, path));
  const schemas = nodes.map((n) => n.schema);
  const first = schemas[0] ?? {};
  if (schemas.every((s) => canonical(s) === canonical(first))) return { schema: first, optional: nodes.every((n) => n.optional) };
  const notMergeable = schemas.find((s) => s.type !== 'object' || s.additionalProperties !== undefined || s.anyOf !== undefined);
  if (notMergeable !== undefined) {
    return unsupported(log, path, `an intersection of ${types.map((m) => m.name).join(' & ')}: only plain objects (t.type, t.partial, t.exact, t.strict) merge into one schema`);
  }
  const properties: Record<string, StructuralSchema> = {};
  const required: string[] = [];
  const merged: Mutable<StructuralSchema> = { type: 'object' };
  for (const s of schemas) {
    for (const [key, p] of Object.entries(s.properties ?? {})) {
      const seen = properties[key];
      if (seen !== undefined && canonical(seen) !== canonical(p)) {
        log.push(crdProblem('Conflict', child(path, key), 'two parts of an intersection give this field different schemas'));
      }
      properties[key] = seen ?? p;
    }
    for (const r of s.required ?? []) if (!required.includes(r)) required.push(r);
    const rest = Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'type' && k !== 'properties' && k !== 'required'));
    Object.assign(merged, { ...rest, ...merged });
  }
  return {
    schema: { ...merged, ...(isEmpty(properties) ? {} : { properties }), ...(required.length === 0 ? {} : { required }) },
    optional: nodes.every((n) => n.optional),
  };
};

/** A union of objects: one object with every branch's fields; anyOf branches carry what differs (required fields, value validations). */
const objectUnion = (log: Log, schemas: readonly StructuralSchema[], names: string, path: string): StructuralSchema => {
  if (schemas.some((s) => s.additionalProperties !== undefined || s.anyOf !== undefined || s['x-kubernetes-preserve-unknown-fields'] === true)) {
    unsupported(log, path, `a union of ${names}: only unions of plain objects (no records, no preserved fields, no nested unions) have a structural schema`);
    return {};
  }
  const keys = [...new Set(schemas.flatMap((s) => Object.keys(s.properties ?? {})))];
  const properties: Record<string, StructuralSchema> = {};
  for (const key of keys) {
    const present = schemas.flatMap((s) => (s.properties?.[key] === undefined ? [] : [s.properties[key]]));
    const [first] = present;
    if (first === undefined) continue;
    if (present.every((p) => canonical(p) === canonical(first))) {
      properties[key] = first;
    } else if (present.every((p) => canonical(structure(p)) === canonical(structure(first)) && SCALARS.has(p.type))) {
      const enums = present.every(isEnumOnly);
      properties[key] = enums ? { ...structure(first), enum: [...new Set(present.flatMap((p) => p.enum ?? []))] } : structure(first);
    } else {
      log.push(crdProblem('Conflict', child(path, key), `the branches of the union ${names} give this field different structures; the server has one schema per field`));
    }
  }
  if (schemas.some((s) => s.properties?.['metadata'] !== undefined && canonical(s.properties['metadata']) !== canonical(properties['metadata']))) {
    log.push(crdProblem('Conflict', child(path, 'metadata'), 'a field named metadata may not differ between union branches (Kubernetes forbids metadata under anyOf)'));
  }
  const branches = schemas.map((s): StructuralSchema => {
    const differing = Object.entries(s.properties ?? {}).flatMap(([key, p]) =>
      canonical(p) === canonical(properties[key]) || isEmpty(valueValidations(p)) ? [] : [[key, valueValidations(p)] as const],
    );
    return {
      ...(s.required === undefined || s.required.length === 0 ? {} : { required: s.required }),
      ...(differing.length === 0 ? {} : { properties: Object.fromEntries(differing) }),
    };
  });
  return {
    type: 'object',
    ...(isEmpty(properties) ? {} : { properties }),
    ...(branches.some(isEmpty) ? {} : { anyOf: branches }),
  };
};

const unionNode = (log: Log, codec: t.Mixed, members: readonly t.Mixed[], path: string): Node => {
  const nullable = members.some(isNullCodec);
  const rest = members.filter((m) => !isNullCodec(m) && !isUndefinedCodec(m));
  let optional = members.some(isUndefinedCodec);
  const withNull = (schema: StructuralSchema): Node => {
    if (nullable && (schema.enum !== undefined || schema.anyOf !== undefined)) {
      // kube-apiserver checks enum and anyOf on null too (1.20 refuses null outside the enum)
      return unsupported(log, path, `${codec.name}: null next to an enum or a union has no schema the server agrees with (it refuses null there); use t.union([X, t.undefined]) for an absent value`);
    }
    return { schema: nullable ? { ...schema, nullable: true } : schema, optional };
  };
  const only = rest.length === 1 ? rest[0] : undefined;
  if (only !== undefined) {
    const node = walk(log, only, path);
    optional ||= node.optional;
    return withNull(node.schema);
  }
  if (rest.length === 0) return unsupported(log, path, `${codec.name} holds only null/undefined`);
  const names = rest.map((m) => m.name).join(' | ');
  if (rest.length === 2 && rest.some(isIntCodec) && rest.some((m) => tagOf(m) === 'StringType')) {
    return withNull({ 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] });
  }
  const nodes = rest.map((m) => walk(log, m, path));
  optional ||= nodes.some((n) => n.optional);
  const schemas = nodes.map((n) => n.schema);
  let types = new Set(schemas.map((s) => s.type));
  if (types.has('number') && types.has('integer') && schemas.every((s) => s.type !== 'integer' || isEmpty(valueValidations(s)) || s.enum !== undefined)) {
    // integer literals next to numbers: all are numbers
    types = new Set(['number']);
  }
  const [type] = [...types];
  if (types.size !== 1 || type === undefined) {
    return unsupported(log, path, `a union of ${names}: a field has one type on the server (only integer | string has x-kubernetes-int-or-string)`);
  }
  if (SCALARS.has(type)) {
    if (schemas.some((s) => isEmpty(valueValidations(s)))) return withNull({ type });
    if (schemas.every(isEnumOnly)) {
      return withNull({ type, enum: [...new Set(schemas.flatMap((s) => s.enum ?? []))] });
    }
    return withNull({ type, anyOf: schemas.map(valueValidations) });
  }
  if (type === 'object') return withNull(objectUnion(log, schemas, names, path));
  const [first] = schemas;
  if (first !== undefined && schemas.every((s) => canonical(s) === canonical(first))) return withNull(first);
  return unsupported(log, path, `a union of ${names}: arrays of different items have no structural schema`);
};

/** The walk over io-ts's runtime type classes. */
const walk = (log: Log, codec: t.Mixed, path: string): Node => {
  const form = codecForm(codec);
  switch (form._tag) {
    case 'StringType':
      return { schema: { type: 'string' }, optional: false };
    case 'NumberType':
      return { schema: { type: 'number' }, optional: false };
    case 'BooleanType':
      return { schema: { type: 'boolean' }, optional: false };
    case 'LiteralType':
      return { schema: literalSchema([form.value]), optional: false };
    case 'KeyofType':
      return { schema: { type: 'string', enum: Object.keys(form.keys) }, optional: false };
    case 'RefinementType':
      if (isIntCodec(codec)) return { schema: { type: 'integer' }, optional: false };
      return unsupported(log, path, `the refinement ${codec.name} has no schema equivalent: express it with constrained(codec, { minimum, pattern, ... }) so that the server checks it too`);
    case 'ArrayType':
    case 'ReadonlyArrayType':
      return { schema: { type: 'array', items: walk(log, form.type, `${path}[*]`).schema }, optional: false };
    case 'InterfaceType':
    case 'StrictType':
      return objectNode(log, form.props, path, false);
    case 'PartialType':
      return objectNode(log, form.props, path, true);
    case 'ExactType':
    case 'ReadonlyType':
      return walk(log, form.type, path);
    case 'IntersectionType':
      return intersectionNode(log, form.types, path);
    case 'UnionType':
      return unionNode(log, codec, form.types, path);
    case 'DictionaryType':
      return recordNode(log, form.domain, form.codomain, path);
    case 'AnnotatedType':
      return annotatedNode(log, form.type, form.annotation, path);
    case 'AnyDictionaryType':
    case 'UnknownType':
    case 'AnyType':
    case 'AnyArrayType':
      return unsupported(log, path, `${codec.name} accepts anything: wrap it in preserveUnknownFields(...) to keep unknown fields on the server`);
    case 'NullType':
    case 'UndefinedType':
    case 'VoidType':
      return unsupported(log, path, `${codec.name} alone has no schema (use it in a union: t.union([X, t.null]) is nullable, t.union([X, t.undefined]) optional)`);
    case 'Other':
      if (form.tag === 'TupleType') return unsupported(log, path, `the tuple ${codec.name} has no structural schema (arrays have one item schema)`);
      if (form.tag === 'RecursiveType') return unsupported(log, path, `the recursive type ${codec.name} has no structural schema (no $ref in CRDs)`);
      return unsupported(log, path, `${codec.name} (${form.tag ?? 'a custom t.Type'}) has no schema equivalent`);
  }
};

/**
 * The structural OpenAPI v3 schema of an io-ts codec, or every place where the codec has no
 * structural equivalent (each a {@link CrdProblem} naming the JSON path). What each codec form
 * becomes:
 *
 * - `t.string`, `t.number`, `t.boolean` → `type`; `t.Int` → `integer`.
 * - `t.literal`, `t.keyof`, unions of literals → `enum`.
 * - `t.array`, `t.readonlyArray` → `items`; `t.record(t.string, X)` → `additionalProperties`.
 * - `t.type` (required unless the field accepts `undefined`), `t.partial`, `t.exact`, `t.strict`,
 *   `t.readonly`, and `t.intersection`s of them → one object.
 * - `t.union([X, t.null])` → `nullable: true`; `t.union([X, t.undefined])` → not required;
 *   `t.union([t.Int, t.string])` → `x-kubernetes-int-or-string`.
 * - unions of scalars of one type → that type with the members' value validations under `anyOf`;
 *   unions of plain objects → one object with every field, the branches' `required` and differing
 *   value validations under `anyOf`.
 * - {@link AnnotatedType} (`described`, `constrained`, `preserveUnknownFields`, `setOf`) → its
 *   description and keywords.
 * - Anything else (tuples, recursion, functions, opaque refinements, `t.unknown` unless preserved,
 *   unions of different types) is a problem.
 *
 * Maps to kube-rs's `schemars::schema_for!` plus its structural-schema rewrites
 * (`kube::core::schema::StructuralSchemaRewriter`), and to controller-gen's schema generation.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { structuralSchema } from 'kube-rx';
 * structuralSchema(t.type({ size: t.Int, note: t.union([t.string, t.undefined]) }));
 * // right({ type: 'object', properties: { size: { type: 'integer' }, note: { type: 'string' } }, required: ['size'] })
 * ```
 * @category crd
 * @since 0.3.0
 */
export const structuralSchema = (codec: t.Mixed, path = ''): Either<readonly CrdProblem[], StructuralSchema> => {
  const log: Log = [];
  const node = walk(log, codec, path);
  return log.length === 0 ? right(node.schema) : left(log);
};
