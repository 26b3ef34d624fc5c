import fc from 'fast-check';
import * as t from 'io-ts';
import { from, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import { KubeObjectCodec } from '../../lib/meta/KubeObject.js';
import { decodeWatchLine, decodeWatchLines } from '../../lib/listwatch/decodeWatchLine.js';
import type { WatchEvent } from '../../lib/listwatch/ListerWatcher.js';
import { splitLines } from '../../lib/listwatch/splitLines.js';

const WidgetCodec = t.intersection([KubeObjectCodec, t.type({ spec: t.type({ size: t.number }) })]);
type Widget = t.TypeOf<typeof WidgetCodec>;

const line = (type: unknown, object: unknown): string => JSON.stringify({ type, object });
const widget = (name: string, rv: string, size: unknown): unknown => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  spec: { size },
});

const decode = (l: string): WatchEvent<Widget> => decodeWatchLine(WidgetCodec, l);

const failureOf = (e: WatchEvent<unknown>) => {
  if (e._tag !== 'Invalid') throw new Error(`expected Invalid, got ${e._tag}`);
  return e.failure;
};

const tags = ['Added', 'Modified', 'Deleted', 'Bookmark', 'Error', 'Invalid'];

describe('decodeWatchLine', () => {
  it('decodes ADDED, MODIFIED and DELETED with the codec', () => {
    expect(decode(line('ADDED', widget('a', '1', 1)))).toEqual({ _tag: 'Added', object: widget('a', '1', 1) });
    expect(decode(line('MODIFIED', widget('a', '2', 2)))).toEqual({ _tag: 'Modified', object: widget('a', '2', 2) });
    expect(decode(line('DELETED', widget('a', '3', 2)))).toEqual({ _tag: 'Deleted', object: widget('a', '3', 2) });
  });

  it('malformed JSON gives Invalid with the parser error and the line', () => {
    const f = failureOf(decode('{"type":"ADDED","obj'));
    expect(f).toMatchObject({ _tag: 'DecodeFailure', source: 'watch', raw: '{"type":"ADDED","obj' });
    expect(f.errors).toHaveLength(1);
    expect(f.errors[0]).toMatch(/JSON/);
    expect(f.eventType).toBeUndefined();
  });

  it('a codec failure gives Invalid with event type, key, resourceVersion and the codec errors', () => {
    const f = failureOf(decode(line('MODIFIED', widget('a', '42', 'big'))));
    expect(f).toMatchObject({ source: 'watch', eventType: 'MODIFIED', key: 'ns/a', resourceVersion: '42' });
    expect(f.errors.join('\n')).toMatch(/size/);
  });

  it('an envelope that is not an object with a string type gives Invalid', () => {
    for (const l of ['[]', 'null', '42', '"ADDED"', '{}', '{"type":7,"object":{}}']) {
      const f = failureOf(decode(l));
      expect(f.errors[0]).toMatch(/type/);
      expect(f.raw).toBe(l);
    }
  });

  it('an unknown event type gives Invalid with that type', () => {
    const f = failureOf(decode(line('SNAPSHOT', widget('a', '5', 1))));
    expect(f).toMatchObject({ eventType: 'SNAPSHOT', key: 'ns/a', resourceVersion: '5' });
    expect(f.errors[0]).toMatch(/SNAPSHOT/);
  });

  it('decodes a BOOKMARK without initial-events-end', () => {
    expect(decode(line('BOOKMARK', { kind: 'Widget', metadata: { resourceVersion: '100' } }))).toEqual({
      _tag: 'Bookmark',
      resourceVersion: '100',
      initialEventsEnd: false,
    });
    const other = { resourceVersion: '101', annotations: { 'k8s.io/initial-events-end': 'false' } };
    expect(decode(line('BOOKMARK', { metadata: other }))).toEqual({
      _tag: 'Bookmark',
      resourceVersion: '101',
      initialEventsEnd: false,
    });
  });

  it('decodes a BOOKMARK annotated k8s.io/initial-events-end', () => {
    const metadata = { resourceVersion: '200', annotations: { 'k8s.io/initial-events-end': 'true' } };
    expect(decode(line('BOOKMARK', { kind: 'Widget', metadata }))).toEqual({
      _tag: 'Bookmark',
      resourceVersion: '200',
      initialEventsEnd: true,
    });
  });

  it('a BOOKMARK without a resourceVersion gives Invalid', () => {
    expect(failureOf(decode(line('BOOKMARK', { metadata: {} })))).toMatchObject({ eventType: 'BOOKMARK' });
  });

  it('decodes ERROR with a Status', () => {
    const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old' };
    expect(decode(line('ERROR', status))).toEqual({ _tag: 'Error', status });
  });

  it('an ERROR whose object is not a Status gives Invalid with event type ERROR', () => {
    expect(failureOf(decode(line('ERROR', { code: 'x' })))).toMatchObject({ eventType: 'ERROR' });
  });

  it('a codec that throws gives Invalid instead of throwing', () => {
    const Boom = new t.Type<string, string, unknown>(
      'Boom',
      (u): u is string => typeof u === 'string',
      () => {
        throw new Error('codec exploded');
      },
      String,
    );
    const e = decodeWatchLine(Boom, line('ADDED', widget('a', '3', 1)));
    expect(failureOf(e)).toMatchObject({ eventType: 'ADDED', key: 'ns/a', resourceVersion: '3', errors: ['codec exploded'] });
  });

  it('keeps at most 512 characters of a bad input', () => {
    const f = failureOf(decode(`{"type":"ADDED","object":${'['.repeat(2000)}`));
    expect(f.raw).toHaveLength(512);
  });

  describe('property: never throws, always a WatchEvent', () => {
    const isWatchEvent = (e: WatchEvent<Widget>): void => {
      expect(tags).toContain(e._tag);
    };

    it('for arbitrary strings', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'binary' }), (s) => {
          isWatchEvent(decode(s));
        }),
      );
    });

    it('for arbitrary bytes decoded as UTF-8', () => {
      fc.assert(
        fc.property(fc.uint8Array(), (bytes) => {
          isWatchEvent(decode(Buffer.from(bytes).toString('utf8')));
        }),
      );
    });

    it('for arbitrary JSON', () => {
      fc.assert(
        fc.property(fc.json(), (s) => {
          isWatchEvent(decode(s));
        }),
      );
    });

    it('for envelopes with any type and any object', () => {
      const typeArb = fc.oneof(
        fc.constantFrom('ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'),
        fc.jsonValue(),
      );
      const objectArb = fc.oneof(
        fc.jsonValue(),
        fc.record({ metadata: fc.jsonValue(), spec: fc.jsonValue() }),
        fc.record({ kind: fc.constant('Status'), code: fc.jsonValue() }),
        fc.record({
          metadata: fc.record({ name: fc.string(), resourceVersion: fc.jsonValue(), annotations: fc.jsonValue() }),
        }),
      );
      fc.assert(
        fc.property(typeArb, objectArb, (type, object) => {
          const e = decode(line(type, object));
          isWatchEvent(e);
          if (typeof type !== 'string') expect(e._tag).toBe('Invalid');
        }),
      );
    });
  });
});

describe('decodeWatchLines', () => {
  it('maps each line to its event', () => {
    const rx = new TestScheduler((actual, expected) => {
      expect(actual).toEqual(expected);
    });
    const a = line('ADDED', widget('a', '1', 1));
    const k = line('BOOKMARK', { metadata: { resourceVersion: '9' } });
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('  -a-b-k-|', { a, b: 'garbage', k });
      const e1subs = '   ^------!';
      const expected = ' -A-I-K-|';
      expectObservable(e1.pipe(decodeWatchLines(WidgetCodec))).toBe(expected, {
        A: { _tag: 'Added', object: widget('a', '1', 1) },
        I: decode('garbage'),
        K: { _tag: 'Bookmark', resourceVersion: '9', initialEventsEnd: false },
      });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('property: splitLines then decodeWatchLines over arbitrary chunks: one event per line, in order; garbage is Invalid', () => {
    // a line is a real event, arbitrary bytes (no LF), or JSON that is not an event; CRLF or LF ends it
    const lineArb = fc.oneof(
      fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.nat(), fc.integer()).map(([name, rv, size]) => ({
        kind: 'event' as const,
        object: widget(name, String(rv), size),
      })),
      fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ kind: 'bytes' as const, bytes: Buffer.from(bytes.filter((x) => x !== 10)) })),
      fc.constantFrom('\r', 'x\r', '{"type":"ADDED","object":{"metadata":', '😀').map((text) => ({ kind: 'bytes' as const, bytes: Buffer.from(text) })),
      fc.json().map((text) => ({ kind: 'bytes' as const, bytes: Buffer.from(text.replaceAll('\n', ' ')) })),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(lineArb, fc.boolean()), { maxLength: 15 }), fc.array(fc.nat(), { maxLength: 30 }), (items, rawCuts) => {
        const encoded = items.map(([item]) => (item.kind === 'event' ? Buffer.from(line('ADDED', item.object)) : item.bytes));
        const bytes = Buffer.concat(items.flatMap(([, crlf], i) => [encoded[i] ?? Buffer.alloc(0), Buffer.from(crlf ? '\r\n' : '\n')]));
        const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
        const bounds = [0, ...cuts, bytes.length];
        const chunks = bounds.slice(1).map((end, i) => bytes.subarray(bounds[i], end));

        const out: WatchEvent<Widget>[] = [];
        let failed: unknown;
        from(chunks)
          .pipe(splitLines(), decodeWatchLines(WidgetCodec))
          .subscribe({ next: (e) => out.push(e), error: (e: unknown) => (failed = e) });
        expect(failed).toBeUndefined();

        // the model: each line (one trailing CR of the wire line stripped; empty ones skipped)
        // gives exactly the event it decodes to alone
        const texts = encoded.map((buf, i) =>
          (items[i]?.[1] === true || buf.at(-1) !== 13 ? buf : buf.subarray(0, -1)).toString('utf8'),
        );
        expect(out).toEqual(texts.filter((text) => text !== '').map((text) => decode(text)));
        items.forEach(([item], i) => {
          if (item.kind !== 'event') return;
          const at = texts.slice(0, i).filter((text) => text !== '').length;
          expect(out[at]).toEqual(decode(line('ADDED', item.object)));
          expect(out[at]?._tag).toBe('Added');
        });
        for (const e of out) {
          expect(tags).toContain(e._tag);
          if (e._tag === 'Invalid') expect(e.failure).toMatchObject({ _tag: 'DecodeFailure', source: 'watch' });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('after splitLines, turns a stream cut mid-event into an Invalid event', async () => {
    const body = `${line('ADDED', widget('a', '1', 1))}\n${line('DELETED', widget('a', '2', 1)).slice(0, 20)}`;
    const chunks = [Buffer.from(body.slice(0, 7)), Buffer.from(body.slice(7))];
    const events = await new Promise<WatchEvent<Widget>[]>((resolve, reject) => {
      from(chunks)
        .pipe(splitLines(), decodeWatchLines(WidgetCodec), toArray())
        .subscribe({ next: resolve, error: reject });
    });
    expect(events.map((e) => e._tag)).toEqual(['Added', 'Invalid']);
  });
});
