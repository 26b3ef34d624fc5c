import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { applyJsonPatch } from '../../../lib/testing/apiServer/jsonPatch.js';

describe('applyJsonPatch (RFC 6902)', () => {
  const doc = { a: { 'b/c': 1, 'd~e': [1, 2, 3] }, f: 'x' };

  it('adds, removes, replaces, moves, copies and tests, with ~0/~1 escapes and "-" for the end of a list', () => {
    expect(
      applyJsonPatch(doc, [
        { op: 'test', path: '/a/b~1c', value: 1 },
        { op: 'add', path: '/a/d~0e/-', value: 4 },
        { op: 'add', path: '/a/d~0e/0', value: 0 },
        { op: 'remove', path: '/a/d~0e/1' },
        { op: 'replace', path: '/f', value: 'y' },
        { op: 'copy', from: '/f', path: '/g' },
        { op: 'move', from: '/a/b~1c', path: '/h' },
      ]),
    ).toEqual(E.right({ a: { 'd~e': [0, 2, 3, 4] }, f: 'y', g: 'y', h: 1 }));
    expect(doc).toEqual({ a: { 'b/c': 1, 'd~e': [1, 2, 3] }, f: 'x' }); // pure
  });

  it('is all or nothing: a failed test or a missing path is 422, a malformed patch 400', () => {
    expect(applyJsonPatch(doc, [{ op: 'replace', path: '/f', value: 'y' }, { op: 'test', path: '/f', value: 'x' }])).toMatchObject(E.left({ code: 422 }));
    expect(applyJsonPatch(doc, [{ op: 'remove', path: '/nope' }])).toMatchObject(E.left({ code: 422 }));
    expect(applyJsonPatch(doc, [{ op: 'replace', path: '/a/nope', value: 1 }])).toMatchObject(E.left({ code: 422 }));
    expect(applyJsonPatch(doc, [{ op: 'add', path: '/a/d~0e/9', value: 1 }])).toMatchObject(E.left({ code: 422 }));
    expect(applyJsonPatch(doc, { op: 'add' })).toMatchObject(E.left({ code: 400 }));
    expect(applyJsonPatch(doc, [{ op: 'add', path: 'no-slash', value: 1 }])).toMatchObject(E.left({ code: 400 }));
    expect(applyJsonPatch(doc, [{ op: 'add', path: '/x' }])).toMatchObject(E.left({ code: 400 }));
    expect(applyJsonPatch(doc, [{ op: 'frobnicate', path: '/x' }])).toMatchObject(E.left({ code: 400 }));
  });

  it('property: add then remove of the same member gives the document back; test of a present value passes', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.jsonValue()), fc.string({ minLength: 1, maxLength: 4 }), fc.jsonValue(), (d, key, value) => {
        fc.pre(!(key in d));
        const path = `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        expect(applyJsonPatch(d, [{ op: 'add', path, value }, { op: 'test', path, value }, { op: 'remove', path }])).toEqual(E.right(d));
      }),
    );
  });
});
