import { isLeft, isRight, right } from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';

import { KubeObjectCodec } from '../../lib/meta/KubeObject.js';
import { decodeListBody } from '../../lib/listwatch/decodeListBody.js';

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
});
