import { Observable, type OperatorFunction } from 'rxjs';

import { asBuffer } from '../internal/asBuffer.js';

/**
 * The error of {@link splitLines} when one line grows past its limit (a runaway or hostile stream):
 * `limit` is the configured maximum, `length` the bytes seen of that line when it was refused.
 *
 * Maps to nothing in client-go (its JSON framer reads objects of any size); a guard against
 * unbounded buffering.
 *
 * @example
 * ```ts
 * import type { LineTooLong } from 'kube-rx/protocol';
 * const e: LineTooLong = { _tag: 'LineTooLong', limit: 1024, length: 1500 };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export interface LineTooLong {
  readonly _tag: 'LineTooLong';
  readonly limit: number;
  readonly length: number;
}

/**
 * Options of {@link splitLines}.
 *
 * Maps to nothing in client-go (its framer has no line limit).
 *
 * @example
 * ```ts
 * import type { SplitLinesConfig } from 'kube-rx/protocol';
 * const config: SplitLinesConfig = { maxLineBytes: 16 * 1024 * 1024 };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export interface SplitLinesConfig {
  /** Longest accepted line in bytes, without its `\n`. Default 16 MiB ({@link DEFAULT_MAX_LINE_BYTES}). */
  readonly maxLineBytes?: number;
}

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;
/**
 * The default line limit of {@link splitLines}: 16 MiB. A watch line holds one object, and
 * Kubernetes objects are bounded by etcd's request size (1.5 MiB by default; kube-apiserver
 * refuses request bodies over 3 MiB); the JSON of even a protobuf-stored object stays far below.
 *
 * Maps to nothing in client-go (its framer reads objects of any size).
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_LINE_BYTES } from 'kube-rx/protocol';
 * DEFAULT_MAX_LINE_BYTES; // 16777216
 * ```
 * @category listwatch
 * @since 0.2.0
 */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;


/** UTF-8 text of one complete line without a trailing `\r`; `undefined` when that leaves it empty. */
const decodeLine = (line: Buffer): string | undefined => {
  const end = line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.length - 1 : line.length;
  return end === 0 ? undefined : line.toString('utf8', 0, end);
};

/** `decodeLine(buf.subarray(start, end))` without allocating the view (the common case: nothing pending). */
const decodeRange = (buf: Buffer, start: number, end: number): string | undefined => {
  const stop = end > start && buf[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
  return stop === start ? undefined : buf.toString('utf8', start, stop);
};

/**
 * Splits a stream of byte chunks into its `\n`-separated lines, UTF-8 decoded: the NDJSON framing
 * of a Kubernetes watch (one JSON event per line). A line may span many chunks and one chunk may
 * hold many lines (R8). A trailing `\r` is stripped and empty lines are skipped.
 *
 * When the source completes in the middle of a line (the connection was cut after a partial
 * event), that partial line is still emitted, so nothing is lost silently: the watch-line decoder
 * downstream then reports it as an `Invalid` event carrying the JSON syntax error.
 *
 * Maps to client-go's watch stream framing (`framer.NewJSONFramedReader` under
 * `watch.StreamWatcher` / `streaming.NewDecoder`).
 *
 * ```
 * chunks:  --a------b-----c----|    a = '{"x":1}\n{"y"'  b = ':2}\n{"z'  c = '":3}'
 * lines:   --x------y-----------(z|)
 *          x = '{"x":1}'  y = '{"y":2}'  z = '{"z":3}' (the partial last line, at completion)
 * ```
 *
 * Algorithm (per subscription; `pending` is a list of byte pieces of the unfinished line):
 * 1. For each chunk, find each newline with `indexOf(10)` from the last position.
 *    - With nothing pending, the line is a view of the chunk; otherwise append the piece to
 *      `pending` and concatenate once. Each byte is copied at most twice, so a line longer than
 *      many chunks costs O(its length), not O(length²), and each chunk costs O(its length).
 *    - A line longer than `maxLineBytes` errors the stream with {@link LineTooLong}.
 *    - Decode the complete line as UTF-8 (a multi-byte character cut by a chunk boundary is
 *      whole again, since `\n` never occurs inside one), strip one trailing `\r`, emit it unless
 *      empty.
 * 2. Copy the bytes after the last newline into `pending` (so the chunk itself is not retained);
 *    error with {@link LineTooLong} as soon as the pending bytes exceed `maxLineBytes`, without
 *    waiting for the newline.
 * 3. On completion, emit what is pending (decoded as in 1) and complete. Errors pass through.
 *
 * ## Recovery
 * Source errors and {@link LineTooLong} end the stream; the watch that owns it reconnects.
 *
 * @example
 * ```ts
 * import { from } from 'rxjs';
 * import { splitLines } from 'kube-rx/protocol';
 * from([Buffer.from('{"a":1}\n{"b"'), Buffer.from(':2}\r\n')]).pipe(splitLines())
 *   .subscribe((line) => console.log(line)); // '{"a":1}', then '{"b":2}'
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const splitLines =
  (config: SplitLinesConfig = {}): OperatorFunction<Uint8Array, string> =>
  (source) =>
    new Observable<string>((subscriber) => {
      const { maxLineBytes = DEFAULT_MAX_LINE_BYTES } = config;
      let pending: Buffer[] = [];
      let pendingBytes = 0;

      const tooLong = (length: number): void => {
        const error: LineTooLong = { _tag: 'LineTooLong', limit: maxLineBytes, length };
        subscriber.error(error);
      };

      const takePending = (tail: Buffer): Buffer => {
        if (pending.length === 0) return tail;
        pending.push(tail);
        const line = Buffer.concat(pending, pendingBytes + tail.length);
        pending = [];
        pendingBytes = 0;
        return line;
      };

      return source.subscribe({
        next: (chunk) => {
          const buf = asBuffer(chunk);
          let start = 0;
          let nl = buf.indexOf(NEWLINE, start);
          while (nl >= 0) {
            const length = pendingBytes + nl - start;
            if (length > maxLineBytes) {
              tooLong(length);
              return;
            }
            const text = pending.length === 0 ? decodeRange(buf, start, nl) : decodeLine(takePending(buf.subarray(start, nl)));
            if (text !== undefined) subscriber.next(text);
            if (subscriber.closed) return;
            start = nl + 1;
            nl = buf.indexOf(NEWLINE, start);
          }
          if (start < buf.length) {
            pendingBytes += buf.length - start;
            if (pendingBytes > maxLineBytes) {
              tooLong(pendingBytes);
              return;
            }
            pending.push(Buffer.from(buf.subarray(start)));
          }
        },
        error: (err: unknown) => {
          subscriber.error(err);
        },
        complete: () => {
          if (pendingBytes > 0) {
            const text = decodeLine(takePending(Buffer.alloc(0)));
            if (text !== undefined) subscriber.next(text);
          }
          subscriber.complete();
        },
      });
    });
