import fc from 'fast-check';
import { from, type Observable, take } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';

import { type LineTooLong, splitLines } from '../../lib/listwatch/splitLines.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Runs a synchronous source through the operator and collects what comes out. */
const collect = (source: Observable<Uint8Array>, maxLineBytes?: number): { lines: string[]; error?: unknown } => {
  const lines: string[] = [];
  let error: unknown;
  let done = false;
  source.pipe(splitLines(maxLineBytes === undefined ? {} : { maxLineBytes })).subscribe({
    next: (l) => lines.push(l),
    error: (e: unknown) => {
      error = e;
      done = true;
    },
    complete: () => {
      done = true;
    },
  });
  expect(done).toBe(true);
  return error === undefined ? { lines } : { lines, error };
};

/** `bytes` cut at the given offsets (taken modulo its length + 1; duplicates and order do not matter). */
const chunksOf = (bytes: Uint8Array, rawCuts: ReadonlyArray<number>): Uint8Array[] => {
  const cuts = [...new Set(rawCuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  const bounds = [0, ...cuts, bytes.length];
  const chunks: Uint8Array[] = [];
  for (let i = 1; i < bounds.length; i++) chunks.push(bytes.subarray(bounds[i - 1], bounds[i]));
  return chunks;
};

describe('splitLines', () => {
  let rx: TestScheduler;
  beforeEach(() => {
    rx = new TestScheduler((actual, expected) => {
      expect(actual).toEqual(expected);
    });
  });

  it('emits every line of one chunk holding many lines', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('  -a----|', { a: b('x\ny\nz\n') });
      const e1subs = '   ^-----!';
      const expected = ' -(xyz)|';
      expectObservable(e1.pipe(splitLines())).toBe(expected, { x: 'x', y: 'y', z: 'z' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('joins a line split across chunks', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('  -a-b-c-|', { a: b('{"x":1}\n{"y"'), b: b(':2}\n{"z'), c: b('":3}\n') });
      const e1subs = '   ^------!';
      const expected = ' -x-y-z-|';
      expectObservable(e1.pipe(splitLines())).toBe(expected, { x: '{"x":1}', y: '{"y":2}', z: '{"z":3}' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('keeps a multi-byte character split across chunks intact', () => {
    const bytes = b('é😀中\n');
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('  -a-b-c-|', { a: bytes.subarray(0, 1), b: bytes.subarray(1, 4), c: bytes.subarray(4) });
      const e1subs = '   ^------!';
      const expected = ' -----x-|';
      expectObservable(e1.pipe(splitLines())).toBe(expected, { x: 'é😀中' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('strips CR of CRLF line ends and skips empty lines', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('  -a---b-|', { a: b('a\r\n\r\n\nb\r'), b: b('\n') });
      const e1subs = '   ^------!';
      const expected = ' -x---y-|';
      expectObservable(e1.pipe(splitLines())).toBe(expected, { x: 'a', y: 'b' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('emits the partial last line on completion (the decoder reports it)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('  -a-b-|', { a: b('{"x":1}\n{"ty'), b: b('pe":') });
      const e1subs = '   ^----!';
      const expected = ' -x---(y|)';
      expectObservable(e1.pipe(splitLines())).toBe(expected, { x: '{"x":1}', y: '{"type":' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors with LineTooLong as soon as the pending bytes exceed the limit', () => {
    const tooLong: LineTooLong = { _tag: 'LineTooLong', limit: 4, length: 6 };
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('  -a-b-c-|', { a: b('ok\nabc'), b: b('def'), c: b('\n') });
      const e1subs = '   ^--!';
      const expected = ' -x-#';
      expectObservable(e1.pipe(splitLines({ maxLineBytes: 4 }))).toBe(expected, { x: 'ok' }, tooLong);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('errors with LineTooLong for a complete line over the limit inside one chunk', () => {
    const tooLong: LineTooLong = { _tag: 'LineTooLong', limit: 4, length: 5 };
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('  -a-|', { a: b('ok\n12345\nnext\n') });
      const e1subs = '   ^!';
      const expected = ' -(x#)';
      expectObservable(e1.pipe(splitLines({ maxLineBytes: 4 }))).toBe(expected, { x: 'ok' }, tooLong);
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('accepts a line of exactly maxLineBytes', () => {
    expect(collect(from([b('1234\n'), b('12'), b('34\n')]), 4).lines).toEqual(['1234', '1234']);
  });

  it('passes source errors through (without the partial line)', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('  -a-#', { a: b('x\ny') }, 'boom');
      const e1subs = '   ^--!';
      const expected = ' -x-#';
      expectObservable(e1.pipe(splitLines())).toBe(expected, { x: 'x' }, 'boom');
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('stops emitting and unsubscribes when the consumer leaves mid-chunk', () => {
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const e1 = cold('  -a-|', { a: b('x\ny\nz\n') });
      const e1subs = '   ^!';
      const expected = ' -(xy|)';
      expectObservable(e1.pipe(splitLines(), take(2))).toBe(expected, { x: 'x', y: 'y' });
      expectSubscriptions(e1.subscriptions).toBe(e1subs);
    });
  });

  it('is linear in a line longer than many chunks', () => {
    const chunk = b('x'.repeat(1024));
    const n = 20_000; // a 20 MiB line in 1 KiB chunks
    const chunks = [...Array.from({ length: n }, () => chunk), b('\n')];
    const started = performance.now();
    const { lines } = collect(from(chunks), 32 * 1024 * 1024); // over the 16 MiB default
    expect(lines).toHaveLength(1);
    expect(lines[0]).toHaveLength(1024 * n);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('accepts plain Uint8Array views with a byte offset', () => {
    const u8 = new Uint8Array(b('..a\nb\n..'));
    expect(collect(from([u8.subarray(2, 5), u8.subarray(5, 6)])).lines).toEqual(['a', 'b']);
  });

  describe('property: fuzzed chunkings', () => {
    const lineArb = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom('a', '{', '"', ':', '\r', 'é', '中', '😀', '👩‍👩‍👧', '\u2028', '\0') }),
    );
    const noNewline = lineArb.map((s) => s.replaceAll('\n', ''));
    const normalised = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);

    it('emits exactly the input lines for any chunking at any byte offset, and never throws', () => {
      fc.assert(
        fc.property(
          fc.array(noNewline, { maxLength: 20 }),
          fc.boolean(),
          fc.array(fc.nat(), { maxLength: 30 }),
          fc.boolean(),
          (lines, trailingNewline, rawCuts, plainU8) => {
            const text = lines.join('\n') + (trailingNewline ? '\n' : '');
            const bytes = plainU8 ? new Uint8Array(b(text)) : b(text);
            const expected = lines.map(normalised).filter((l) => l !== '');
            const { lines: out, error } = collect(from(chunksOf(bytes, rawCuts)));
            expect(error).toBeUndefined();
            expect(out).toEqual(expected);
          },
        ),
        { numRuns: 500 },
      );
    });

    /**
     * Arbitrary bytes, biased towards the hard cases: newlines, CR, CRLF, multi-byte UTF-8, and
     * invalid or truncated UTF-8 sequences. Cut anywhere, these split CRLF pairs and characters.
     */
    const bytesArb = fc
      .array(
        fc.oneof(
          fc.uint8Array({ maxLength: 12 }),
          fc.constantFrom('\n', '\r', '\r\n', '\n\n', 'é', '中', '😀', '\u2028', '{"a":1}').map(b),
          fc.constantFrom([0xff], [0xc3], [0xf0, 0x9f], [0x80, 0x80], [0xe4, 0xb8]).map((x) => Buffer.from(x)),
        ),
        { maxLength: 40 },
      )
      .map((pieces) => Buffer.concat(pieces));

    /** The model: split the whole input at each LF, drop one trailing CR, decode, skip empty lines. */
    const segmentsOf = (bytes: Buffer): Buffer[] => {
      const out: Buffer[] = [];
      let start = 0;
      for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10, start)) {
        out.push(bytes.subarray(start, nl));
        start = nl + 1;
      }
      out.push(bytes.subarray(start));
      return out;
    };
    const textOf = (segment: Buffer): string =>
      segment.toString('utf8', 0, segment.at(-1) === 13 ? segment.length - 1 : segment.length);

    it('arbitrary bytes in arbitrary chunks: every line exactly once, unmerged, decoded as the whole line decodes', () => {
      fc.assert(
        fc.property(bytesArb, fc.array(fc.nat(), { maxLength: 40 }), (bytes, cuts) => {
          const expected = segmentsOf(bytes)
            .map(textOf)
            .filter((l) => l !== '');
          const { lines, error } = collect(from(chunksOf(bytes, cuts)));
          expect(error).toBeUndefined();
          expect(lines).toEqual(expected);
        }),
        { numRuns: 1000 },
      );
    });

    it('with a line limit: lines up to the first over-long one, then LineTooLong; never a throw, never a partial line', () => {
      fc.assert(
        fc.property(bytesArb, fc.array(fc.nat(), { maxLength: 40 }), fc.nat({ max: 24 }), (bytes, cuts, limit) => {
          const segments = segmentsOf(bytes);
          const firstTooLong = segments.findIndex((s) => s.length > limit);
          const kept = firstTooLong < 0 ? segments : segments.slice(0, firstTooLong);
          const expected = kept.map(textOf).filter((l) => l !== '');
          const { lines, error } = collect(from(chunksOf(bytes, cuts)), limit);
          expect(lines).toEqual(expected);
          if (firstTooLong < 0) {
            expect(error).toBeUndefined();
          } else {
            expect(error).toMatchObject({ _tag: 'LineTooLong', limit });
            const { length } = error as LineTooLong;
            expect(length).toBeGreaterThan(limit);
            expect(length).toBeLessThanOrEqual(segments[firstTooLong]?.length ?? 0);
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
});
