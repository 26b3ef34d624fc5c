import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { canonicalJson, jsonEqual, jsonEqualExcept } from '../../../lib/testing/apiServer/mergePatch.js';

/** The definition canonicalJson must agree with: JSON.stringify of a copy whose object keys are sorted. */
const sortedCopy = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortedCopy)
    : typeof v === 'object' && v !== null
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sortedCopy((v as Record<string, unknown>)[k])]),
        )
      : v;

// JSON values with non-numeric keys (an object's integer-like keys are ordered by the engine, not by the text)
const key = fc.string({ maxLength: 4 }).map((s) => `k${s}`);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string({ maxLength: 6 }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A copy of `v` with every object's keys in reverse order and an undefined member added. */
const shuffled = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(shuffled)
    : typeof v === 'object' && v !== null
      ? { ...Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, shuffled(x)])), kUndefined: undefined }
      : v;

describe('canonicalJson and jsonEqual', () => {
  it('canonicalJson is JSON.stringify of the key-sorted value, whatever the key order', () => {
    fc.assert(
      fc.property(json, (v) => {
        const expected = JSON.stringify(sortedCopy(v));
        expect(canonicalJson(v)).toBe(expected);
        expect(canonicalJson(shuffled(v))).toBe(expected);
      }),
    );
  });

  it('jsonEqual agrees with comparing canonicalJson texts', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(jsonEqual(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
        expect(jsonEqual(a, shuffled(a))).toBe(true);
        expect(jsonEqual(shuffled(a), a)).toBe(true);
      }),
    );
  });

  it('jsonEqualExcept is jsonEqual of the objects without the ignored members', () => {
    const object = fc.dictionary(key, json, { maxKeys: 4 });
    const without = (o: Record<string, unknown>, ignored: ReadonlyArray<string>): Record<string, unknown> =>
      Object.fromEntries(Object.entries(o).filter(([k]) => !ignored.includes(k)));
    fc.assert(
      fc.property(object, object, fc.array(key, { maxLength: 3 }), (a, b, ignored) => {
        expect(jsonEqualExcept(a, b, ignored)).toBe(jsonEqual(without(a, ignored), without(b, ignored)));
        // the same object with its ignored members changed is equal
        expect(jsonEqualExcept(a, { ...a, ...Object.fromEntries(ignored.map((k) => [k, 'changed'])) }, ignored)).toBe(true);
      }),
    );
    expect(jsonEqualExcept({ a: 1, status: 'x' }, { a: 1, status: 'y' }, ['status'])).toBe(true);
    expect(jsonEqualExcept({ a: 1 }, { a: 2, status: 'y' }, ['status'])).toBe(false);
  });

  it('undefined members are absent; undefined array items are null', () => {
    expect(canonicalJson({ b: [undefined, 1], a: undefined })).toBe('{"b":[null,1]}');
    expect(jsonEqual({ a: undefined, b: 1 }, { b: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: 1, b: 2 }, { a: 1 })).toBe(false);
  });
});
