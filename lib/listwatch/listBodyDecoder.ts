import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';

import type { DecodeFailure } from '../codec/DecodeFailure.js';
import { decodeFailure } from '../codec/decodeObject.js';
import { asBuffer } from '../internal/asBuffer.js';
import { messageOf } from '../internal/messageOf.js';
import { decodeListBody, decodeListItem } from './decodeListBody.js';
import type { ListPage } from './ListerWatcher.js';

/**
 * An incremental decoder of one LIST response body, fed chunk by chunk as the bytes arrive.
 *
 * Maps to client-go's LIST decoding (`runtime.Decode` of a `*List`), streamed.
 */
export interface ListBodyDecoder<T> {
  /**
   * Feeds the next chunk of the body (any boundaries). Returns `false`, and ignores the rest,
   * once an item still incomplete at a chunk's end has more than `maxItemBytes`; see
   * {@link ListBodyDecoder.oversized}.
   */
  write(chunk: Uint8Array): boolean;
  /** The size the oversized item had reached when `write` gave up; `undefined` while none is. */
  oversized(): number | undefined;
  /** The whole body has arrived: the page, or why the body is no list (not JSON, no `items`). */
  end(): Either<DecodeFailure, ListPage<T>>;
  /**
   * The page's `metadata.continue`, known as soon as the `items` array begins (the API server
   * writes `metadata` before `items`, so after the first chunk): `undefined` before that, when the
   * page has no token, or when the envelope before the items is not an object with one.
   */
  continueToken(): string | undefined;
  /** The `items` array has begun: from then on {@link continueToken} is final. */
  itemsBegun(): boolean;
}

/** Settings of {@link listBodyDecoder}. */
export interface ListBodyDecoderOptions<T = unknown> {
  /**
   * Bound, in bytes, on what is buffered for one item (one object of `items`) while it is
   * incomplete: an item still open at the end of a chunk with more bytes than this so far makes
   * `write` give up. It bounds memory, not the item's size exactly: an item that begins and ends
   * within one chunk is not measured, so one up to the limit plus a chunk (a socket read, 64 KiB)
   * may pass. Default: no limit.
   */
  readonly maxItemBytes?: number;
  /**
   * Applied to each item that passed the codec, as soon as it is decoded: the page holds what it
   * returns (the informer's stored copy of an unchanged object, so the fresh one dies young). An
   * error it throws is thrown by `write` (or `end`).
   */
  readonly reuse?: (item: T) => T;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The top-level key whose array is streamed. */
const ITEMS = 'items';

/** How an item of a compact body begins: a brace and a plain first key (`{"metadata":`). */
const ITEM_OPENING = /^\{"[A-Za-z]{1,32}":/;

/** {@link listBodyDecoder}'s fast path: the item's bytes wait for the next chunk. */
const DEFER = -2;
/** {@link listBodyDecoder}'s fast path: the scanner reads the item. */
const SCAN = -1;
/** Cuts that did not parse before the fast path may be given up. */
const MAX_MISSES = 16;
/** Most bytes that wait for an item's end before the scanner reads them. */
const MAX_DEFERRED_BYTES = 4 * 1024 * 1024;

/** The last `count` bytes of `pieces` (fewer when they hold fewer). */
const textTail = (pieces: ReadonlyArray<Uint8Array>, count: number): Buffer => {
  const out: Uint8Array[] = [];
  let need = count;
  for (let k = pieces.length - 1; k >= 0 && need > 0; k--) {
    const piece = pieces[k] as Uint8Array;
    const take = Math.min(need, piece.length);
    out.unshift(piece.subarray(piece.length - take));
    need -= take;
  }
  return Buffer.concat(out);
};

const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

const textOf = (pieces: ReadonlyArray<Uint8Array>): string => asBuffer(pieces.length === 1 && pieces[0] !== undefined ? pieces[0] : Buffer.concat(pieces)).toString('utf8');

/** The failure of a body (or of one of its items) that is not JSON. */
const notJson = (raw: string, e: unknown): DecodeFailure => decodeFailure('list', raw, [`the body is not JSON: ${messageOf(e)}`]);

/**
 * Decodes a LIST response body as it streams in, one item at a time: the bytes of each element of
 * the top-level `items` array are cut out as soon as they are complete, parsed and decoded with
 * `codec`; the rest of the body (the envelope: `kind`, `apiVersion`, `metadata`) is parsed at the
 * end. The result is exactly {@link decodeListBytes}'s on the whole body (the same page, the same
 * `Left` for a body that is not JSON or not a list), but
 * - no string of the whole body is ever built, so a LIST longer than V8's longest string (about
 *   512 MiB: 100k Pods) decodes, where `JSON.parse` of the body throws `RangeError`;
 * - the parsing is spread over the chunks as they arrive, instead of one `JSON.parse` that blocks
 *   the event loop for seconds on a big list;
 * - memory holds the decoded objects and one chunk, not also the whole body and its string.
 *
 * The scanner tracks only strings, nesting and the top-level `items` key; every byte it does not
 * cut out as an item goes to the envelope, so whatever it does not recognise (an escaped key, a
 * body that is no object) is still decoded whole, with the same outcome. It does not read most
 * items byte by byte: in a compact body (the API server's) each item is cut at the next `},` plus
 * the first item's opening (`{"metadata":`), found natively (in a later chunk too: the item's
 * bytes wait, up to `maxItemBytes` or 4 MiB), and kept when the cut parses (only the exact item
 * does); otherwise the scanner reads it.
 *
 * Maps to client-go's LIST decoding (`runtime.Decode` of a `*List`, `meta.ExtractList`), streamed
 * as client-go's own JSON decoder cannot.
 *
 * ```
 * write('{"metadata":{"resourceVersion":"7"},"items":[{"metadata":{"na')  -> true (nothing complete yet)
 * write('me":"a"}},{"metadata":{"name":"b"}}]}')                          -> true (a, b decoded)
 * end()  -> Right({ resourceVersion: '7', items: [a, b], invalid: [] })
 * ```
 *
 * @example
 * ```ts
 * import { KubeObjectCodec } from 'kube-rx';
 * import { listBodyDecoder } from 'kube-rx/protocol';
 * const decoder = listBodyDecoder(KubeObjectCodec);
 * decoder.write(Buffer.from('{"metadata":{"resourceVersion":"7"},"items":[{"metadata":'));
 * decoder.write(Buffer.from('{"name":"a"}}]}'));
 * decoder.end(); // Right({ resourceVersion: '7', items: [{ metadata: { name: 'a' } }], invalid: [] })
 * ```
 * @category listwatch
 * @since 0.2.0
 */
export const listBodyDecoder = <T>(codec: t.Decoder<unknown, T>, options: ListBodyDecoderOptions<T> = {}): ListBodyDecoder<T> => {
  const maxItemBytes = options.maxItemBytes ?? Number.POSITIVE_INFINITY;
  const { reuse } = options;
  /** Most bytes that wait for an item's end: more, and the scanner reads them. */
  const deferLimit = Math.min(maxItemBytes, MAX_DEFERRED_BYTES);
  /** Nesting depth where the next chunk begins. */
  let depthAtChunk = 0;
  /** The next chunk begins inside a string. */
  let inStringAtChunk = false;
  /** Bytes to skip at the start of the next chunk (the escaped byte after a `\` that ended a chunk). */
  let skip = 0;
  /** Depth 1 is an object whose next string is a key. */
  let expectKey = false;
  let keyStart = -1;
  let keyPrefix = '';
  let lastKeyIsItems = false;
  /** After `"items":` at depth 1, until its value starts. */
  let itemsValueNext = false;
  /** Inside the top-level `items` array (depth 2 is its level). */
  let inItems = false;
  let itemOpen = false;
  let itemStart = 0;
  let itemPieces: Uint8Array[] = [];
  let itemBytes = 0;
  /** The last structural byte of the items array was `,` (an element must follow). */
  let afterComma = false;
  let envelope: Uint8Array[] = [];
  /** `metadata.continue` of the envelope before the first `items` array, read when that array opens. */
  let earlyContinue: string | undefined;
  let streamed = false;
  let items: T[] = [];
  let invalid: DecodeFailure[] = [];
  let failure: DecodeFailure | undefined;
  let oversized: number | undefined;

  const fail = (raw: string, e: unknown): void => {
    failure ??= notJson(raw, e);
  };

  /**
   * `},` then how the first item began (`{"metadata":`): where, in a compact body, one item ends
   * and the next begins. Learnt from the first item; `undefined` before, or when it began otherwise.
   */
  let between: Buffer | undefined;
  /** {@link between} was looked for: once per body (given up, it stays given up). */
  let learnt = false;

  /** Decodes one parsed item into `items` or `invalid`; learns {@link between} from the first. */
  const takeItem = (text: string, raw: unknown): void => {
    if (!learnt) {
      learnt = true;
      const opening = ITEM_OPENING.exec(text);
      if (opening !== null) between = Buffer.from(`},${opening[0]}`, 'latin1');
    }
    const decoded = decodeListItem(codec, raw);
    if (isLeft(decoded)) invalid.push(decoded.left);
    else items.push(reuse === undefined ? decoded.right : reuse(decoded.right));
  };

  /** Parses and decodes the item that ends at `end`; false when it is not JSON (the body fails). */
  const finishItem = (buf: Buffer, end: number): boolean => {
    itemOpen = false;
    let text: string;
    try {
      if (itemPieces.length === 0) {
        text = buf.toString('utf8', itemStart, end);
      } else {
        itemPieces.push(buf.subarray(itemStart, end));
        text = textOf(itemPieces);
      }
    } catch (e: unknown) {
      fail('', e);
      return false;
    } finally {
      itemPieces = [];
      itemBytes = 0;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e: unknown) {
      fail(text, e);
      return false;
    }
    takeItem(text, raw);
    return true;
  };

  /**
   * The bytes, from its opening brace on, of an item whose `between` was not in its chunk: they
   * wait for the next chunks instead of being scanned (an item split across chunks: every few items
   * with 16 KiB TLS records). `undefined` when none waits.
   */
  let deferred: Uint8Array[] | undefined;
  let deferredBytes = 0;
  /** Deferred bytes are being scanned: no item defers again. */
  let replaying = false;
  /** Cuts of the fast path that did not parse; too many, and it is given up. */
  let misses = 0;

  /** Parses `text` as the item the fast path cut; false (a miss) when it does not parse. */
  const takeCut = (text: string): boolean => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      misses += 1;
      // a body whose items begin otherwise than the first: stop trying, the scanner reads it all
      if (misses > MAX_MISSES && misses * 4 > items.length + invalid.length) between = undefined;
      return false;
    }
    takeItem(text, raw);
    return true;
  };

  /**
   * The fast path past one item that begins at `start` (a `{` of the items array): when `between`
   * follows it in the same chunk, the bytes up to that `}` are parsed as the item without scanning
   * them. They parse only when they are exactly the item: a JSON object that stops short of its
   * closing brace is no JSON, nor is one followed by more bytes, and `between` (a quote right after
   * a brace) never lies inside a string of valid JSON. Returns where the next item begins (after
   * the comma); {@link DEFER} when `between` is not in the rest of the chunk (the item's bytes wait
   * for the next chunk); {@link SCAN} when the cut does not parse, or while replaying: the scanner
   * reads the item.
   */
  const skipItem = (buf: Buffer, start: number): number => {
    if (between === undefined) return SCAN;
    const close = buf.indexOf(between, start);
    if (close === -1) return replaying ? SCAN : DEFER;
    return takeCut(buf.toString('utf8', start, close + 1)) ? close + 2 : SCAN;
  };

  /** Scans the deferred bytes (the item's cut failed, or it grew too large to wait). */
  const replay = (): void => {
    const pieces = deferred ?? [];
    deferred = undefined;
    deferredBytes = 0;
    replaying = true;
    try {
      // a piece that ends the decoding (oversized, not JSON) makes the rest no-ops
      for (const piece of pieces) write(piece);
    } finally {
      replaying = false;
    }
  };

  /**
   * The next chunk after deferred bytes: where its scan goes on (after the deferred item and its
   * comma, or 0 after a replay), or -1 when the whole chunk joined the deferred bytes.
   */
  const resume = (buf: Buffer, pieces: Uint8Array[]): number => {
    const sep = between;
    // no separator to look for (given up), or one across the chunk boundary (rare): the scanner reads them
    if (sep === undefined) {
      replay();
      return 0;
    }
    const overlap = sep.length - 1;
    const before = textTail(pieces, overlap);
    if (Buffer.concat([before, buf.subarray(0, overlap)]).indexOf(sep) !== -1) {
      replay();
      return 0;
    }
    const close = buf.indexOf(sep);
    if (close === -1) {
      // too many bytes to wait any longer: scanned, this chunk too (which checks maxItemBytes)
      if (deferredBytes + buf.length > deferLimit) {
        replay();
        return 0;
      }
      pieces.push(buf);
      deferredBytes += buf.length;
      return -1;
    }
    pieces.push(buf.subarray(0, close + 1));
    // at most 4 MiB wait: far under V8's longest string, so the text cannot fail to build
    if (takeCut(textOf(pieces))) {
      deferred = undefined;
      deferredBytes = 0;
      return close + 2;
    }
    pieces.pop();
    replay();
    return 0;
  };

  /** What `write` answers once the decoding has ended (oversized: false; not JSON: true), else `undefined`. */
  const stoppedWith = (): boolean | undefined => (oversized !== undefined ? false : failure !== undefined ? true : undefined);

  const write = (chunk: Uint8Array): boolean => {
    const stopped = stoppedWith();
    if (stopped !== undefined) return stopped;
    const n = chunk.length;
    if (n === 0) return true;
    const buf = asBuffer(chunk);
    let resumeAt = 0;
    if (deferred !== undefined) {
      resumeAt = resume(buf, deferred);
      const stopped = stoppedWith();
      if (stopped !== undefined) return stopped;
      if (resumeAt === -1) return true;
      // after the deferred item and its comma (a replay's scan ended where this chunk begins)
      if (resumeAt > 0) afterComma = true;
    }
    let i = resumeAt > 0 ? resumeAt : skip;
    skip = 0;
    let segStart = 0;
    if (keyStart >= 0) keyStart = 0;
    // the scanner's hottest state in locals (V8 keeps them in registers, not in the closure's
    // context), written back when the loop ends; a failure ends the decoding, so its early returns
    // need not write them back
    let depth = depthAtChunk;
    let inString = inStringAtChunk;
    while (i < n) {
      if (inString) {
        // most bytes of a Kubernetes object are inside strings: find the closing quote natively
        const q = buf.indexOf(QUOTE, i);
        const stop = q === -1 ? n : q;
        // a quote (or the chunk's end) after an odd run of backslashes is escaped; the run starts
        // at or after `i`, which is never an escaped byte
        let b = stop - 1;
        while (b >= i && chunk[b] === BACKSLASH) b -= 1;
        const escaped = ((stop - 1 - b) & 1) === 1;
        if (q === -1) {
          skip = escaped ? 1 : 0;
          i = n;
          break;
        }
        if (escaped) {
          i = q + 1;
          continue;
        }
        i = q;
        inString = false;
        if (keyStart >= 0) {
          const key = keyPrefix + buf.toString('latin1', keyStart, i);
          keyStart = -1;
          keyPrefix = '';
          lastKeyIsItems = key === ITEMS;
          if (lastKeyIsItems) {
            // a repeated key wins, as in JSON.parse
            streamed = false;
            items = [];
            invalid = [];
          }
        }
        i += 1;
        continue;
      }
      const c = chunk[i] as number;
      if (depth > 2) {
        // inside an item's (or the envelope's) nested values only strings and nesting matter: the
        // cases below do nothing else at this depth
        if (c === QUOTE) inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth += 1;
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth -= 1;
        i += 1;
        continue;
      }
      if (inItems && depth === 2) {
        if (c === COMMA) {
          if (!itemOpen) {
            fail('', 'an empty element in the items array');
            return true;
          }
          if (!finishItem(buf, i)) return true;
          afterComma = true;
          i += 1;
          continue;
        }
        if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
          if (itemOpen) {
            if (!finishItem(buf, i)) return true;
          } else if (afterComma) {
            fail('', 'a trailing comma in the items array');
            return true;
          }
          // the envelope resumes with the array's closing bracket
          inItems = false;
          segStart = i;
          depth = 1;
          i += 1;
          continue;
        }
        if (!itemOpen && !isJsonSpace(c)) {
          if (c === OPEN_BRACE) {
            const next = skipItem(buf, i);
            if (next >= 0) {
              afterComma = true;
              i = next;
              continue;
            }
            // more bytes than may wait: the scanner reads them (and reports an oversized item)
            if (next === DEFER && n - i <= deferLimit) {
              deferred = [buf.subarray(i)];
              deferredBytes = n - i;
              break;
            }
          }
          itemOpen = true;
          itemStart = i;
          afterComma = false;
        }
      }
      switch (c) {
        case QUOTE:
          inString = true;
          if (depth === 1 && expectKey) {
            expectKey = false;
            keyStart = i + 1;
          }
          break;
        case OPEN_BRACE:
        case OPEN_BRACKET:
          if (depth === 0) {
            expectKey = c === OPEN_BRACE;
          } else if (depth === 1 && itemsValueNext && c === OPEN_BRACKET) {
            itemsValueNext = false;
            envelope.push(chunk.subarray(segStart, i + 1));
            if (!streamed) earlyContinue = continueOfHead(envelope);
            inItems = true;
            streamed = true;
            afterComma = false;
            depth = 2;
            i += 1;
            continue;
          }
          itemsValueNext = false;
          depth += 1;
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          depth -= 1;
          break;
        case COMMA:
          if (depth === 1) expectKey = true;
          break;
        case COLON:
          if (depth === 1 && lastKeyIsItems) {
            lastKeyIsItems = false;
            itemsValueNext = true;
          }
          break;
        default:
          if (depth === 1 && !isJsonSpace(c)) itemsValueNext = false;
      }
      i += 1;
    }
    depthAtChunk = depth;
    inStringAtChunk = inString;
    if (keyStart >= 0) {
      keyPrefix += asBuffer(chunk).toString('latin1', keyStart, n);
      // longer than `items` already: not the key
      if (keyPrefix.length > ITEMS.length) {
        keyStart = -1;
        keyPrefix = '';
        lastKeyIsItems = false;
      }
    }
    if (inItems) {
      if (itemOpen) {
        itemPieces.push(chunk.subarray(itemStart, n));
        itemBytes += n - itemStart;
        itemStart = 0;
        if (itemBytes > maxItemBytes) {
          oversized = itemBytes;
          itemPieces = [];
          return false;
        }
      }
    } else if (segStart < n) {
      envelope.push(chunk.subarray(segStart, n));
    }
    return true;
  };

  const end = (): Either<DecodeFailure, ListPage<T>> => {
    if (deferred !== undefined) replay();
    if (failure !== undefined) return left(failure);
    let text = '';
    let json: unknown;
    try {
      text = textOf(envelope);
      json = JSON.parse(text);
    } catch (e: unknown) {
      return left(notJson(text, e));
    } finally {
      envelope = [];
    }
    const page = decodeListBody(codec, json);
    if (isLeft(page) || !streamed) return page;
    return right({ ...page.right, items, invalid });
  };

  return { write, oversized: () => oversized, end, continueToken: () => earlyContinue, itemsBegun: () => streamed };
};

/**
 * `metadata.continue` of a list envelope cut just after its `"items":[` (closed with `]}` to
 * parse), or `undefined` (no token, or not parseable: the end of the body decides then).
 */
const continueOfHead = (head: ReadonlyArray<Uint8Array>): string | undefined => {
  try {
    const json: unknown = JSON.parse(`${textOf(head)}]}`);
    const metadata: unknown = typeof json === 'object' && json !== null && 'metadata' in json ? json.metadata : undefined;
    const token: unknown = typeof metadata === 'object' && metadata !== null && 'continue' in metadata ? metadata.continue : undefined;
    return typeof token === 'string' && token !== '' ? token : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Decodes the raw bytes of one LIST response body into a {@link ListPage}, as
 * `JSON.parse` then {@link decodeListBody} would (it is {@link listBodyDecoder} fed one chunk, so
 * a body longer than V8's longest string decodes too). Never throws: bytes that are not JSON give `Left` with a
 * `DecodeFailure` carrying the parser's message, and so does a body that is not a list.
 *
 * Maps to client-go's `runtime.Decode` of a LIST response (`rest.Result.Into`).
 *
 * ```
 * '{"metadata":{"resourceVersion":"5"},"items":[]}'  -> Right({ resourceVersion: '5', items: [], invalid: [] })
 * '{"items": ['                                       -> Left(DecodeFailure: JSON syntax error)
 * ```
 *
 * @example
 * ```ts
 * import { KubeObjectCodec } from 'kube-rx';
 * import { decodeListBytes } from 'kube-rx/protocol';
 * decodeListBytes(KubeObjectCodec, Buffer.from('{"metadata":{},"items":null}'));
 * // Right({ resourceVersion: '', items: [], invalid: [] })
 * ```
 * @category listwatch
 * @since 0.2.0
 */
export const decodeListBytes = <T>(codec: t.Decoder<unknown, T>, body: Uint8Array): Either<DecodeFailure, ListPage<T>> => {
  const decoder = listBodyDecoder(codec);
  decoder.write(body);
  return decoder.end();
};
