import * as fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';

import { constrained } from '../../lib/crd/AnnotatedType.js';
import { Integer } from '../../lib/crd/Integer.js';
import { structuralSchema } from '../../lib/crd/structuralSchema.js';

describe('Integer', () => {
  it('is type: integer in the schema, like t.Int, keywords included', () => {
    expect(structuralSchema(t.type({ n: Integer, m: constrained(Integer, { minimum: 0 }) }))).toEqual(
      E.right({ type: 'object', properties: { n: { type: 'integer' }, m: { type: 'integer', minimum: 0 } }, required: ['n', 'm'] }),
    );
  });

  it('accepts exactly the whole numbers, typed as number', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)), (u) => {
        expect(E.isRight(Integer.decode(u))).toBe(typeof u === 'number' && Number.isInteger(u));
        expect(Integer.is(u)).toBe(t.Int.is(u));
      }),
    );
    const n: number = 3; // no brand needed
    expect(Integer.decode(n)).toEqual(E.right(3));
  });
});
