// The streaming LIST decoder against its oracle: JSON.parse of the whole body, then decodeListBody.
import { type Either, isLeft, isRight, left } from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';

import type { DecodeFailure } from '../../lib/codec/DecodeFailure.js';
import { decodeListBody } from '../../lib/listwatch/decodeListBody.js';
import type { ListPage } from '../../lib/listwatch/ListerWatcher.js';
import { listBodyDecoder } from '../../lib/listwatch/listBodyDecoder.js';
import { KubeObjectCodec } from '../../lib/meta/KubeObject.js';

const WidgetCodec = t.intersection([KubeObjectCodec, t.type({ spec: t.type({ size: t.number }) })]);
type Widget = t.TypeOf<typeof WidgetCodec>;

/** What the streaming decoder must equal: the whole body as one string, parsed, then decoded. */
const oracle = (bytes: Uint8Array): Either<unknown, ListPage<Widget>> => {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (e: unknown) {
    return left(e);
  }
  return decodeListBody(WidgetCodec, json);
};

/** `bytes` cut at `cuts` (positions, any order, duplicates allowed) and fed chunk by chunk. */
const streamed = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Either<DecodeFailure, ListPage<Widget>> => {
  const decoder = listBodyDecoder(WidgetCodec);
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...at, bytes.length]) {
    expect(decoder.write(bytes.subarray(from, to))).toBe(true);
    from = to;
  }
  return decoder.end();
};

const expectSame = (bytes: Uint8Array, cuts: ReadonlyArray<number>): void => {
  const want = oracle(bytes);
  const got = streamed(bytes, cuts);
  expect(isLeft(got)).toBe(isLeft(want));
  if (isLeft(got)) expect(got.left).toMatchObject({ _tag: 'DecodeFailure', source: 'list' });
  else expect(got).toEqual(want);
};

const widget = fc
  .record({ name: fc.string({ maxLength: 8 }), rv: fc.nat({ max: 999 }), size: fc.oneof(fc.nat(), fc.string({ maxLength: 3 })) })
  .map(({ name, rv, size }) => ({ metadata: { name, namespace: 'n"s\\', resourceVersion: String(rv) }, spec: { size } }));
const item = fc.oneof(widget, widget, fc.jsonValue({ maxDepth: 3 }));
/** Envelope fields around `items`, in any order, `items` possibly repeated, null or no array. */
const field = fc.oneof(
  fc.array(item, { maxLength: 6 }).map((items) => ['items', items] as const),
  fc.constant(['items', null] as const),
  fc.constant(['metadata', { resourceVersion: '42', continue: 'c,"]}' }] as const),
  fc.constant(['kind', 'items'] as const),
  fc.tuple(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })),
);
const spaces = fc.constantFrom('', ' ', '\n', '\t', ' \r\n ');
/** A body written by hand, so keys repeat and whitespace sits anywhere JSON allows it. */
const body = fc.tuple(fc.array(fc.tuple(field, spaces, spaces), { maxLength: 5 }), spaces).map(([fields, outer]) => {
  const members = fields.map(([[key, value], s1, s2]) => `${s1}${JSON.stringify(key)}${s2}:${s1}${JSON.stringify(value, null, s2 === '' ? undefined : 1)}${s2}`);
  return Buffer.from(`${outer}{${members.join(',')}}${outer}`);
});
const cuts = fc.array(fc.nat(), { maxLength: 12 });
/** Chunk size of the oversized property: smaller than how far its longest item exceeds the limit. */
const STEP = 7;

describe('listBodyDecoder', () => {
  it('decodes items as they complete, across chunk boundaries inside strings, escapes and keys', () => {
    const decoder = listBodyDecoder(WidgetCodec);
    const text =
      '{"kind":"WidgetList","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"name":"a\\"b"},"spec":{"size":1}},{"metadata":{"name":"c"},"spec":{"size":"x"}}]}';
    for (const piece of text.match(/.{1,3}/gs) ?? []) decoder.write(Buffer.from(piece));
    const page = decoder.end();
    if (!isRight(page)) throw new Error('expected Right');
    expect(page.right.resourceVersion).toBe('7');
    expect(page.right.items.map((w) => w.metadata.name)).toEqual(['a"b']);
    expect(page.right.invalid).toHaveLength(1);
    expect(page).toEqual(oracle(Buffer.from(text)));
  });

  it('a repeated items key wins, as with JSON.parse; an escaped items key is still read', () => {
    const w = JSON.stringify({ metadata: { name: 'w' }, spec: { size: 1 } });
    expectSame(Buffer.from(`{"items":[${w},${w}],"metadata":{},"items":[${w}]}`), [5, 17]);
    expectSame(Buffer.from(`{"items":[${w}],"items":null}`), []);
    expectSame(Buffer.from(`{"metadata":{},"\\u0069tems":[${w}]}`), [12]);
  });

  it('refuses, as JSON.parse does, an empty element, a trailing comma, a missing comma and garbage after the body', () => {
    for (const text of ['{"items":[,1]}', '{"items":[1,]}', '{"items":[1 2]}', '{"items":[1,,2]}', '{"items":[]} x', '{"items":[1}', '{"items":[']) {
      const page = streamed(Buffer.from(text), [3, 11]);
      expect(isLeft(page)).toBe(true);
      expect(isLeft(oracle(Buffer.from(text)))).toBe(true);
    }
  });

  it('property: any body, cut into any chunks, decodes exactly as JSON.parse then decodeListBody', () => {
    fc.assert(
      fc.property(body, cuts, (bytes, at) => {
        expectSame(bytes, at);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: items whose strings hold runs of backslashes and quotes, cut anywhere (empty chunks too), decode as one chunk does', () => {
    // the scanner finds a string's end with Buffer.indexOf and counts the backslashes before it:
    // runs of them that cross a chunk boundary, or end just before one, must not change the items
    const tricky = fc.string({ unit: fc.constantFrom('\\', '"', '}', ']', ',', '{', 'a', 'é', '\n'), maxLength: 12 });
    const items = fc.array(
      fc.record({ name: tricky, note: tricky, size: fc.nat() }).map(({ name, note, size }) => ({ metadata: { name, annotations: { [note]: note } }, spec: { size } })),
      { maxLength: 5 },
    );
    fc.assert(
      fc.property(items, fc.array(fc.nat(), { maxLength: 16 }), (list, at) => {
        const bytes = Buffer.from(JSON.stringify({ kind: 'WidgetList', metadata: { resourceVersion: '9' }, items: list }));
        const decoder = listBodyDecoder(WidgetCodec);
        let from = 0;
        // duplicates kept: a cut twice at one place feeds an empty chunk
        for (const to of [...at.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
          expect(decoder.write(bytes.subarray(from, to))).toBe(true);
          from = to;
        }
        const whole = listBodyDecoder(WidgetCodec);
        whole.write(bytes);
        expect(decoder.end()).toEqual(whole.end());
        expect(streamed(bytes, at)).toEqual(oracle(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: the continue token is known once the items array begins, whatever the cuts, and agrees with the decoded page', () => {
    const token = fc.option(fc.string({ unit: fc.constantFrom('a', 'Z', '=', '"', '\\', '{', ']', ','), maxLength: 20 }), { nil: undefined });
    fc.assert(
      fc.property(token, fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (cont, at, itemsFirst) => {
        const metadata = { resourceVersion: '9', ...(cont === undefined ? {} : { continue: cont }) };
        const items = [{ metadata: { name: 'a' }, spec: { size: 1 } }, { metadata: { name: 'b' }, spec: { size: 2 } }];
        const bytes = Buffer.from(JSON.stringify(itemsFirst ? { kind: 'WidgetList', items, metadata } : { kind: 'WidgetList', metadata, items }));
        const itemsAt = bytes.indexOf('"items":[') + '"items":['.length;
        const decoder = listBodyDecoder(WidgetCodec);
        let from = 0;
        for (const to of [...at.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
          decoder.write(bytes.subarray(from, to));
          from = to;
          // before the array opens nothing is known; after it, the token of a metadata written first
          const expected = to < itemsAt || itemsFirst || cont === '' ? undefined : cont;
          expect(decoder.continueToken()).toBe(expected);
          expect(decoder.itemsBegun()).toBe(to >= itemsAt);
        }
        const page = decoder.end();
        expect(isRight(page)).toBe(true);
        if (!itemsFirst && cont !== undefined && cont !== '' && isRight(page)) expect(page.right.continue).toBe(cont);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: where a compact item holds what looks like the start of the next one (nested objects with the same first key, items of other shapes), the page is still exactly the oracle\'s', () => {
    // the fast path cuts an item at the first `},{"metadata":` after it and keeps the cut only when
    // it parses: a nested array of such objects, or a next item of another shape, must fall back
    const tricky = fc.string({ unit: fc.constantFrom('\\', '"', '}', ']', ',', '{', ':', 'a', 'é'), maxLength: 8 });
    const nested = fc.record({ name: tricky, size: fc.nat({ max: 9 }) }).map(({ name, size }) => ({ metadata: { name, resourceVersion: '1' }, spec: { size } }));
    const withTemplates = fc
      .record({ name: tricky, templates: fc.array(nested, { maxLength: 3 }), note: tricky })
      .map(({ name, templates, note }) => ({ metadata: { name, annotations: { [note]: '},{"metadata":' } }, spec: { size: templates.length, templates } }));
    const otherShape = fc.record({ kind: tricky, name: tricky }).map(({ kind, name }) => ({ kind, metadata: { name }, spec: { size: 1 } }));
    const items = fc.array(fc.oneof(nested, withTemplates, withTemplates, otherShape, fc.jsonValue({ maxDepth: 2 })), { maxLength: 6 });
    fc.assert(
      fc.property(items, fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (list, at, trailing) => {
        const bytes = Buffer.from(JSON.stringify({ metadata: { resourceVersion: '3' }, items: list, ...(trailing ? { after: [{}, { metadata: {} }] } : {}) }));
        expectSame(bytes, at);
      }),
      { numRuns: 2000 },
    );
  });

  it('an item cut at a nested look-alike is not taken: the whole item is decoded, once', () => {
    const first = { metadata: { name: 'a', resourceVersion: '1' }, spec: { size: 2, templates: [{ metadata: { name: 't1' } }, { metadata: { name: 't2' } }] } };
    const second = { metadata: { name: 'b', resourceVersion: '2' }, spec: { size: 0 } };
    const bytes = Buffer.from(JSON.stringify({ metadata: { resourceVersion: '5' }, items: [second, first, second] }));
    const page = streamed(bytes, []);
    expect(isRight(page) && page.right.items.map((w) => w.metadata.name)).toEqual(['b', 'a', 'b']);
    expect(isRight(page) && page.right.items[1]).toEqual(first);
  });

  it('an empty chunk between a backslash and the byte it escapes changes nothing', () => {
    const decoder = listBodyDecoder(WidgetCodec);
    for (const piece of ['{"metadata":{},"items":[{"metadata":{"name":"a\\', '', '"b"},"spec":{"size":1}}]}']) decoder.write(Buffer.from(piece));
    const page = decoder.end();
    expect(isRight(page) && page.right.items.map((w) => w.metadata.name)).toEqual(['a"b']);
  });

  it('property: a body with one byte changed, inserted or removed agrees with JSON.parse on whether it is a list', () => {
    fc.assert(
      fc.property(body, fc.nat(), fc.constantFrom(...Buffer.from('{}[],:"\\ x1')), fc.integer({ min: 0, max: 2 }), cuts, (bytes, pos, byte, how, at) => {
        const i = pos % (bytes.length + 1);
        const b = Buffer.from([byte]);
        const damaged =
          how === 0
            ? Buffer.concat([bytes.subarray(0, i), b, bytes.subarray(i + 1)])
            : how === 1
              ? Buffer.concat([bytes.subarray(0, i), b, bytes.subarray(i)])
              : Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
        expectSame(damaged, at);
      }),
      { numRuns: 3000 },
    );
  });

  it('property: arbitrary bytes in arbitrary chunks never throw and agree with JSON.parse', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), cuts, (bytes, at) => {
        expectSame(bytes, at);
      }),
      { numRuns: 1000 },
    );
  });

  it('reuse: applied to each item that passed the codec as soon as its bytes are complete, and the page holds what it returned', () => {
    const seen: string[] = [];
    const kept = new Map<string, Widget>();
    const decoder = listBodyDecoder(WidgetCodec, {
      reuse: (w) => {
        seen.push(w.metadata.name);
        const marked = { ...w, metadata: { ...w.metadata, annotations: { reused: 'yes' } } };
        kept.set(w.metadata.name, marked);
        return marked;
      },
    });
    const a = JSON.stringify({ metadata: { name: 'a' }, spec: { size: 1 } });
    const bad = JSON.stringify({ metadata: { name: 'bad' }, spec: { size: 'x' } });
    const b = JSON.stringify({ metadata: { name: 'b' }, spec: { size: 2 } });
    const c = JSON.stringify({ metadata: { name: 'c' }, spec: { size: 3 } });
    const bytes = Buffer.from(`{"metadata":{"resourceVersion":"3"},"items":[${a},${bad},${b},${c}]}`);
    const toB = bytes.indexOf('"b"');
    const toC = bytes.indexOf('"c"');
    expect(decoder.write(bytes.subarray(0, toB))).toBe(true);
    // a is done (and the invalid item never reaches reuse); b is not complete yet
    expect(seen).toEqual(['a']);
    expect(decoder.write(bytes.subarray(toB, toC))).toBe(true);
    expect(seen).toEqual(['a', 'b']);
    expect(decoder.write(bytes.subarray(toC))).toBe(true);
    const page = decoder.end();
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(isRight(page)).toBe(true);
    if (isRight(page)) {
      expect(page.right.items).toHaveLength(3);
      page.right.items.forEach((w) => {
        expect(w).toBe(kept.get(w.metadata.name));
      });
      expect(page.right.invalid).toHaveLength(1);
    }
  });

  it('reuse: an error it throws is thrown by write', () => {
    const boom = new Error('boom');
    const decoder = listBodyDecoder(WidgetCodec, {
      reuse: () => {
        throw boom;
      },
    });
    expect(() => decoder.write(Buffer.from('{"items":[{"metadata":{"name":"a"},"spec":{"size":1}}]}'))).toThrow(boom);
  });

  it('property: maxItemBytes, whatever the cuts: items within the limit decode as the oracle; one still open at a chunk end past the limit stops the decoder', () => {
    const sized = fc.array(fc.nat({ max: 300 }), { minLength: 1, maxLength: 6 }).map((sizes) =>
      sizes.map((size, k) => ({ metadata: { name: `w${k}`, annotations: { a: 'x'.repeat(size) } }, spec: { size } })),
    );
    fc.assert(
      fc.property(sized, fc.array(fc.nat(), { maxLength: 10 }), fc.integer({ min: 60, max: 400 }), (list, at, limit) => {
        const bytes = Buffer.from(JSON.stringify({ metadata: { resourceVersion: '1' }, items: list }));
        const longest = Math.max(...list.map((w) => Buffer.byteLength(JSON.stringify(w))));
        const decoder = listBodyDecoder(WidgetCodec, { maxItemBytes: limit });
        if (longest <= limit) {
          let from = 0;
          for (const to of [...at.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
            expect(decoder.write(bytes.subarray(from, to))).toBe(true);
            from = to;
          }
          expect(decoder.end()).toEqual(oracle(bytes));
        } else if (longest > limit + STEP) {
          // a chunk ends inside that item once more than `limit` of its bytes have come
          const step = STEP;
          let accepted = true;
          for (let from = 0; from < bytes.length && accepted; from += step) accepted = decoder.write(bytes.subarray(from, from + step));
          expect(accepted).toBe(false);
          expect(decoder.oversized()).toBeGreaterThan(limit);
          // and in one chunk that ends inside that item, just before its closing brace
          const texts = list.map((w) => JSON.stringify(w));
          const k = texts.findIndex((x) => Buffer.byteLength(x) === longest);
          const end = Buffer.byteLength(`{"metadata":{"resourceVersion":"1"},"items":[${texts.slice(0, k + 1).join(',')}`) - 1;
          const atOnce = listBodyDecoder(WidgetCodec, { maxItemBytes: limit });
          const before = texts.slice(0, k).every((x) => Buffer.byteLength(x) <= limit);
          if (before) {
            expect(atOnce.write(bytes.subarray(0, end))).toBe(false);
            expect(atOnce.oversized()).toBe(longest - 1);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('maxItemBytes: an item larger than the limit stops the decoder, which reports the size it reached', () => {
    const big = JSON.stringify({ metadata: { name: 'big', annotations: { a: 'x'.repeat(200) } }, spec: { size: 1 } });
    const small = JSON.stringify({ metadata: { name: 's' }, spec: { size: 1 } });
    const decoder = listBodyDecoder(WidgetCodec, { maxItemBytes: 100 });
    expect(decoder.write(Buffer.from(`{"metadata":{},"items":[${small},`))).toBe(true);
    expect(decoder.oversized()).toBeUndefined();
    expect(decoder.write(Buffer.from(big.slice(0, 60)))).toBe(true);
    expect(decoder.write(Buffer.from(big.slice(60)))).toBe(false);
    expect(decoder.oversized()).toBe(big.length);
    expect(decoder.write(Buffer.from(']}'))).toBe(false);
    // the item over the limit in one chunk (its end not yet come) stops the decoder at once
    const atOnce = listBodyDecoder(WidgetCodec, { maxItemBytes: 100 });
    expect(atOnce.write(Buffer.from(`{"metadata":{},"items":[${small},`))).toBe(true);
    expect(atOnce.write(Buffer.from(big.slice(0, -1)))).toBe(false);
    expect(atOnce.oversized()).toBe(big.length - 1);
    // the same items within the limit are read
    const within = listBodyDecoder(WidgetCodec, { maxItemBytes: big.length });
    within.write(Buffer.from(`{"metadata":{},"items":[${small},${big}]}`));
    expect(isRight(within.end()) && within.oversized()).toBe(undefined);
  });
});
