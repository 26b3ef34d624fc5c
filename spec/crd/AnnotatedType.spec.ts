import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { describe, expect, it } from 'vitest';

import { annotate, constrained, described, keywordViolation, preserveUnknownFields, setOf } from 'kube-rx';

describe('keywordViolation (the codec side of value keywords)', () => {
  it.each<readonly [unknown, Parameters<typeof keywordViolation>[1], boolean]>([
    ['ab', { minLength: 2 }, true],
    ['a', { minLength: 2 }, false],
    ['😀😀', { maxLength: 2 }, true], // two code points (Go counts runes), four UTF-16 units
    ['😀😀😀', { maxLength: 2 }, false],
    ['xabc', { pattern: 'ab' }, true], // searched, not anchored (Go's MatchString)
    ['xabc', { pattern: '^ab' }, false],
    ['2024-02-29T10:00:00Z', { format: 'date-time' }, true],
    ['2024-02-29T10:00:00.123+02:00', { format: 'date-time' }, true],
    ['2023-02-29T10:00:00Z', { format: 'date-time' }, false],
    ['2024-01-01', { format: 'date-time' }, false],
    ['2024-12-31', { format: 'date' }, true],
    ['2024-13-01', { format: 'date' }, false],
    ['0F8FAD5B-D9CB-469F-A165-70867728950E', { format: 'uuid' }, true],
    ['0f8fad5b-d9cb-469f-a165', { format: 'uuid' }, false],
    ['aGVsbG8=', { format: 'byte' }, true],
    ['aGVsbG8', { format: 'byte' }, false],
    [0, { minimum: 0 }, true],
    [0, { minimum: 0, exclusiveMinimum: true }, false],
    [1, { maximum: 1 }, true],
    [1, { maximum: 1, exclusiveMaximum: true }, false],
    [10, { multipleOf: 5 }, true],
    [11, { multipleOf: 5 }, false],
    [[1, 2], { minItems: 2, maxItems: 2 }, true],
    [[1, 2, 3], { maxItems: 2 }, false],
    [{ a: 1 }, { minProperties: 1, maxProperties: 1 }, true],
    [{}, { minProperties: 1 }, false],
    ['a', { minimum: 5, minItems: 3 }, true], // keywords of other types do not apply
  ])('%j with %j: %s', (value, keywords, ok) => {
    expect(keywordViolation(value, keywords) === undefined).toBe(ok);
  });
});

describe('AnnotatedType', () => {
  it('behaves as the codec it wraps, plus its keywords', () => {
    const port = constrained(t.Int, { minimum: 1, maximum: 65535 });
    expect(port.decode(80)).toEqual({ _tag: 'Right', right: 80 });
    expect(isLeft(port.decode(0))).toBe(true);
    expect(isLeft(port.decode(1.5))).toBe(true);
    expect(port.is(80)).toBe(true);
    expect(port.is(0)).toBe(false);
    expect(PathReporter.report(t.type({ port }).decode({ port: 0 }))[0]).toContain('below the minimum 1');
    expect(port.encode(8 as t.Int)).toBe(8);
  });

  it('described changes no behaviour', () => {
    const name = described(t.string, 'the name');
    expect(name.annotation).toEqual({ description: 'the name' });
    expect(name.is('x')).toBe(true);
    expect(name.is(1)).toBe(false);
    expect(name.name).toBe('string');
  });

  it('annotating twice merges, the outer annotation winning', () => {
    const n = described(constrained(constrained(t.number, { minimum: 0, maximum: 9 }), { maximum: 5 }), 'n');
    expect(n.annotation).toEqual({ keywords: { minimum: 0, maximum: 5 }, description: 'n' });
    expect(n.type).toBe(t.number);
    expect(n.is(6)).toBe(false);
  });

  it('setOf refuses duplicates, JSON-compared', () => {
    const tags = setOf(t.string);
    expect(isRight(tags.decode(['a', 'b']))).toBe(true);
    expect(PathReporter.report(tags.decode(['a', 'b', 'a']))[0]).toContain('holds "a" twice');
  });

  it('preserveUnknownFields keeps the codec as it is', () => {
    const extra = preserveUnknownFields(t.UnknownRecord);
    expect(extra.decode({ a: [1] })).toEqual({ _tag: 'Right', right: { a: [1] } });
    expect(annotate(t.string, {}).annotation).toEqual({});
  });
});
