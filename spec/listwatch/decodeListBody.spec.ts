import { isLeft, isRight, right } from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';

import { KubeObjectCodec } from '../../lib/meta/KubeObject.js';
import { decodeListBody } from '../../lib/listwatch/decodeListBody.js';
import { decodeListBytes } from '../../lib/listwatch/listBodyDecoder.js';

const WidgetCodec = t.intersection([KubeObjectCodec, t.type({ spec: t.type({ size: t.number }) })]);

const widget = (name: string, rv: string, size: unknown): unknown => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  spec: { size },
});

describe('decodeListBody', () => {
  it('decodes a page with resourceVersion, continue and remainingItemCount', () => {
    const body = {
      kind: 'WidgetList',
      metadata: { resourceVersion: '10', continue: 'tok', remainingItemCount: 3 },
      items: [widget('a', '9', 1), widget('b', '8', 2)],
    };
    expect(decodeListBody(WidgetCodec, body)).toEqual(
      right({
        resourceVersion: '10',
        continue: 'tok',
        remainingItemCount: 3,
        items: [widget('a', '9', 1), widget('b', '8', 2)],
        invalid: [],
      }),
    );
  });

  it('keeps good items and reports bad ones with key, resourceVersion and errors', () => {
    const body = { metadata: { resourceVersion: '10' }, items: [widget('a', '9', 1), widget('b', '8', 'x'), 42] };
    const page = decodeListBody(WidgetCodec, body);
    if (!isRight(page)) throw new Error('expected Right');
    expect(page.right.items).toEqual([widget('a', '9', 1)]);
    expect(page.right.invalid).toHaveLength(2);
    expect(page.right.invalid[0]).toMatchObject({ source: 'list', key: 'ns/b', resourceVersion: '8' });
    expect(page.right.invalid[0]?.errors.join('\n')).toMatch(/size/);
    expect(page.right.invalid[0]?.eventType).toBeUndefined();
    expect(page.right.invalid[1]).toMatchObject({ source: 'list', raw: '42' });
  });

  it('reads items: null as an empty page, a missing resourceVersion as "" and omits an empty continue', () => {
    const page = decodeListBody(WidgetCodec, { metadata: { continue: '' }, items: null });
    expect(page).toEqual(right({ resourceVersion: '', items: [], invalid: [] }));
    if (isRight(page)) expect('continue' in page.right).toBe(false);
  });

  it('refuses a body that is not a list (a Status, a missing items, a non-object)', () => {
    for (const body of [
      { kind: 'Status', metadata: {}, code: 500 },
      { metadata: { resourceVersion: '1' } },
      { items: [] },
      { metadata: { resourceVersion: 7 }, items: [] },
      null,
      'text',
      [],
    ]) {
      const page = decodeListBody(WidgetCodec, body);
      expect(isLeft(page)).toBe(true);
      if (isLeft(page)) {
        expect(page.left).toMatchObject({ _tag: 'DecodeFailure', source: 'list' });
        expect(page.left.errors.length).toBeGreaterThan(0);
      }
    }
    expect(isLeft(decodeListBody(WidgetCodec, { metadata: {}, items: 'x' }))).toBe(true);
  });

  it('reports an item whose codec throws as invalid and keeps the rest', () => {
    const Boom = new t.Type<unknown, unknown, unknown>(
      'Boom',
      t.unknown.is,
      (u) => {
        if (typeof u === 'number') throw new Error('codec exploded');
        return t.success(u);
      },
      (a) => a,
    );
    const page = decodeListBody(Boom, { metadata: {}, items: ['a', 1, 'b'] });
    expect(page).toEqual(
      right({ resourceVersion: '', items: ['a', 'b'], invalid: [expect.objectContaining({ errors: ['codec exploded'] })] }),
    );
  });

  it('property: never throws; every item lands in items or invalid, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.jsonValue(), fc.nat().map((n) => widget(`w${n}`, `${n}`, n)))), (raw) => {
        const page = decodeListBody(WidgetCodec, { metadata: { resourceVersion: '1' }, items: raw });
        if (!isRight(page)) throw new Error('expected Right');
        expect(page.right.items.length + page.right.invalid.length).toBe(raw.length);
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (body) => {
        const page = decodeListBody(WidgetCodec, body);
        expect(isLeft(page) || isRight(page)).toBe(true);
      }),
    );
  });

  describe('decodeListBytes (raw body bytes)', () => {
    const itemArb = fc.oneof(fc.jsonValue(), fc.nat().map((n) => widget(`w${n}`, `${n}`, n)));
    const listArb = fc.array(itemArb, { maxLength: 20 }).map((items) => ({ kind: 'WidgetList', metadata: { resourceVersion: '9' }, items }));

    it('not JSON: Left with the parser error', () => {
      const page = decodeListBytes(WidgetCodec, Buffer.from('{"items": ['));
      expect(isLeft(page) && page.left).toMatchObject({ _tag: 'DecodeFailure', source: 'list', raw: '{"items": [' });
      if (isLeft(page)) expect(page.left.errors[0]).toMatch(/^the body is not JSON: /);
    });

    it('property: arbitrary bytes never throw; the result is a page or a DecodeFailure', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
          const page = decodeListBytes(WidgetCodec, bytes);
          if (isLeft(page)) expect(page.left).toMatchObject({ _tag: 'DecodeFailure', source: 'list' });
          else expect(page.right.items.length + page.right.invalid.length).toBeGreaterThanOrEqual(0);
        }),
        { numRuns: 1000 },
      );
    });

    it('property: a list body, compact or indented, in a Uint8Array view at any offset: every item in items or invalid', () => {
      fc.assert(
        fc.property(listArb, fc.boolean(), fc.nat({ max: 7 }), (list, indent, offset) => {
          const text = JSON.stringify(list, null, indent ? 2 : undefined);
          const padded = Buffer.concat([Buffer.alloc(offset, 0x20), Buffer.from(text)]);
          const view = new Uint8Array(padded.buffer, padded.byteOffset + offset, padded.length - offset);
          const page = decodeListBytes(WidgetCodec, view);
          if (!isRight(page)) throw new Error('expected Right');
          expect(page.right.items.length + page.right.invalid.length).toBe(list.items.length);
          expect(page).toEqual(decodeListBody(WidgetCodec, list));
        }),
      );
    });

    it('property: a list body with one byte changed, or cut short, never throws', () => {
      fc.assert(
        fc.property(listArb, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (list, at, byte, cut) => {
          const bytes = Buffer.from(JSON.stringify(list));
          const i = at % bytes.length;
          const damaged = cut ? bytes.subarray(0, i) : Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i + 1)]);
          const page = decodeListBytes(WidgetCodec, damaged);
          expect(isLeft(page) || isRight(page)).toBe(true);
          if (cut) expect(isLeft(page)).toBe(true);
        }),
        { numRuns: 500 },
      );
    });
  });
});
