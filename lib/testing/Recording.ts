import { type Either, isLeft, left, right } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';

import { StatusCodec } from '../codec/Status.js';
import type { ListerWatcherError } from '../listwatch/ListerWatcherError.js';
import type { ListOptions, ListPage, WatchEvent, WatchOptions } from '../listwatch/ListerWatcher.js';
import { type KubeObject, KubeObjectCodec } from '../meta/KubeObject.js';

/**
 * The version of the recording format this kube-rx writes and reads.
 *
 * @category testing
 * @since 0.3.0
 */
export const RECORDING_FORMAT_VERSION = 1;

/**
 * The `format` field of a recording's first line.
 *
 * @category testing
 * @since 0.3.0
 */
export const RECORDING_FORMAT = 'kube-rx/listerwatcher-recording';

const VerbC = t.keyof({ list: null, watch: null, discovery: null });

const ListerWatcherErrorC = t.union([
  t.intersection([
    t.type({ _tag: t.literal('HttpError'), verb: VerbC, resource: t.string, code: t.number, message: t.string }),
    t.partial({ reason: t.string, status: StatusCodec, retryAfterSeconds: t.number }),
  ]),
  t.intersection([t.type({ _tag: t.literal('TransportError'), verb: VerbC, resource: t.string, message: t.string }), t.partial({ code: t.string })]),
]);

const DecodeFailureC = t.intersection([
  t.type({ _tag: t.literal('DecodeFailure'), source: t.keyof({ list: null, watch: null }), errors: t.array(t.string), raw: t.string }),
  t.partial({ eventType: t.string, key: t.string, resourceVersion: t.string }),
]);

const ListOptionsC = t.partial({
  resourceVersion: t.string,
  resourceVersionMatch: t.keyof({ NotOlderThan: null, Exact: null }),
  limit: t.number,
  continue: t.string,
});

const WatchOptionsC = t.intersection([
  t.type({ resourceVersion: t.string, allowWatchBookmarks: t.boolean }),
  t.partial({ timeoutSeconds: t.number, sendInitialEvents: t.boolean, resourceVersionMatch: t.literal('NotOlderThan') }),
]);

const ListPageC = t.intersection([
  t.type({ resourceVersion: t.string, items: t.array(t.unknown), invalid: t.array(DecodeFailureC) }),
  t.partial({ continue: t.string, remainingItemCount: t.number }),
]);

const WatchEventC = t.union([
  t.type({ _tag: t.keyof({ Added: null, Modified: null, Deleted: null }), object: t.unknown }),
  t.type({ _tag: t.literal('Bookmark'), resourceVersion: t.string, initialEventsEnd: t.boolean }),
  t.type({ _tag: t.literal('Error'), status: StatusCodec }),
  t.type({ _tag: t.literal('Invalid'), failure: DecodeFailureC }),
]);

const HeaderC = t.intersection([
  t.type({ format: t.literal(RECORDING_FORMAT), version: t.number, redacted: t.boolean }),
  t.partial({ resource: t.string, startedAt: t.string }),
]);

const at = { t: t.number, call: t.number };
const ErrorLineC = t.type({ ...at, op: t.keyof({ listError: null, watchError: null }), error: ListerWatcherErrorC });
const EndLineC = t.type({ ...at, op: t.keyof({ watchEnd: null, listCancel: null, watchCancel: null }) });
/** The decoder of each `op`, so that a bad line is reported against what it claims to be. */
const LINE_CODECS: Readonly<Record<RecordingLine['op'], t.Decoder<unknown, RecordingLine>>> = {
  list: t.type({ ...at, op: t.literal('list'), options: ListOptionsC }),
  page: t.type({ ...at, op: t.literal('page'), page: ListPageC }),
  watch: t.type({ ...at, op: t.literal('watch'), options: WatchOptionsC }),
  event: t.type({ ...at, op: t.literal('event'), event: WatchEventC }),
  listError: ErrorLineC,
  watchError: ErrorLineC,
  watchEnd: EndLineC,
  listCancel: EndLineC,
  watchCancel: EndLineC,
};

/** At most 3 decode errors, each cut to 200 characters. */
const briefErrors = (errors: t.Errors): string =>
  PathReporter.report(left(errors))
    .slice(0, 3)
    .map((e) => (e.length <= 200 ? e : `${e.slice(0, 199)}…`))
    .join('; ');

const decodeLine = (raw: unknown): Either<string, RecordingLine> => {
  const op = typeof raw === 'object' && raw !== null && 'op' in raw ? raw.op : undefined;
  const codec = typeof op === 'string' && Object.hasOwn(LINE_CODECS, op) ? LINE_CODECS[op as RecordingLine['op']] : undefined;
  if (codec === undefined) return left(`unknown op ${op === undefined ? '(none)' : JSON.stringify(op)} (expected one of ${Object.keys(LINE_CODECS).join(', ')})`);
  const d = codec.decode(raw);
  return isLeft(d) ? left(`a bad "${String(op)}" line: ${briefErrors(d.left)}`) : right(d.right);
}

/**
 * The first line of a recording.
 *
 * @category testing
 * @since 0.3.0
 */
export interface RecordingHeader {
  readonly format: typeof RECORDING_FORMAT;
  readonly version: number;
  /** Whether Secret data was redacted when recording. */
  readonly redacted: boolean;
  /** What was recorded (free text, e.g. `configmaps in default`). */
  readonly resource?: string;
  /** Wall-clock start of the recording (ISO 8601), for people; replay never reads it. */
  readonly startedAt?: string;
}

/**
 * One line after the header: a request (`list`, `watch`, with its options), an answer (`page`,
 * `event`), or how a call ended (`listError`, `watchError`, `watchEnd`: the server closed the
 * watch; `listCancel`, `watchCancel`: the consumer unsubscribed). `t` is ms since the recording
 * began; `call` numbers the LIST (or WATCH) calls from 0.
 *
 * @category testing
 * @since 0.3.0
 */
export type RecordingLine =
  | { readonly t: number; readonly call: number; readonly op: 'list'; readonly options: ListOptions }
  | { readonly t: number; readonly call: number; readonly op: 'page'; readonly page: ListPage<unknown> }
  | { readonly t: number; readonly call: number; readonly op: 'watch'; readonly options: WatchOptions }
  | { readonly t: number; readonly call: number; readonly op: 'event'; readonly event: WatchEvent<unknown> }
  | { readonly t: number; readonly call: number; readonly op: 'listError' | 'watchError'; readonly error: ListerWatcherError }
  | { readonly t: number; readonly call: number; readonly op: 'watchEnd' | 'listCancel' | 'watchCancel' };

/**
 * One recorded call's answers, each with its delay after the request (`dt`, ms).
 *
 * @category testing
 * @since 0.3.0
 */
export interface RecordedCall<A, O> {
  /** When the request was made, in ms since the recording began. */
  readonly at: number;
  readonly options: O;
  readonly steps: ReadonlyArray<
    | { readonly dt: number; readonly kind: 'next'; readonly value: A }
    | { readonly dt: number; readonly kind: 'error'; readonly error: ListerWatcherError }
    | { readonly dt: number; readonly kind: 'complete' }
  >;
  /** How the call ended: answered and completed, failed, cancelled by the consumer, or still open at the end. */
  readonly end: 'complete' | 'error' | 'cancel' | 'open';
}

/**
 * A parsed recording: its header and every LIST and WATCH call, in call order.
 *
 * @category testing
 * @since 0.3.0
 */
export interface Recording<T> {
  readonly header: RecordingHeader;
  readonly lists: ReadonlyArray<RecordedCall<ListPage<T>, ListOptions>>;
  readonly watches: ReadonlyArray<RecordedCall<WatchEvent<T>, WatchOptions>>;
}

/**
 * Why a recording could not be read: the 1-based `line` and what is wrong with it (not JSON, a
 * truncated last line, an unknown format or version, a record that does not decode, an object
 * its codec rejects, calls out of order).
 *
 * Maps to nothing in client-go (kube-rx's own format).
 *
 * @example
 * ```ts
 * import { isLeft } from 'fp-ts/lib/Either.js';
 * import { parseRecording } from 'kube-rx/testing';
 * const r = parseRecording('{"format":"kube-rx/listerwatcher-recording","version":1,"redacted":true}\n{"t":0,');
 * if (isLeft(r)) console.log(r.left.line, r.left.message); // 2 'truncated or not JSON: ...'
 * ```
 * @category testing
 * @since 0.3.0
 */
export interface RecordingError {
  readonly _tag: 'RecordingError';
  readonly line: number;
  readonly message: string;
}

const recordingError = (line: number, message: string): RecordingError => ({ _tag: 'RecordingError', line, message });

interface MutableCall<A, O> {
  at: number;
  options: O;
  steps: Array<RecordedCall<A, O>['steps'][number]>;
  end: RecordedCall<A, O>['end'];
}

/**
 * Parses a recording (the NDJSON text {@link recordingListerWatcher} wrote) into its calls,
 * decoding every recorded object with `codec` (default {@link KubeObjectCodec}).
 *
 * The format (version 1), one JSON object per line:
 * - line 1, the header: `{"format":"kube-rx/listerwatcher-recording","version":1,"redacted":true,"resource":"...","startedAt":"..."}`;
 * - then, in the order they happened, with `t` (ms since the start) and `call` (the n-th LIST or
 *   WATCH, from 0): `{"op":"list","options":{...}}` (a LIST request), `{"op":"page","page":{...}}`
 *   (its answer, a {@link ListPage}), `{"op":"listError","error":{...}}` (a
 *   {@link ListerWatcherError}), `{"op":"watch","options":{...}}`, `{"op":"event","event":{...}}`
 *   (a {@link WatchEvent}), `{"op":"watchEnd"}` (the server closed the stream),
 *   `{"op":"watchError","error":{...}}`, `{"op":"listCancel"}` / `{"op":"watchCancel"}` (the
 *   consumer unsubscribed).
 * A trailing empty line is fine; any other bad line is a {@link RecordingError} naming it.
 *
 * Maps to nothing in client-go or kube-rs: record and replay is kube-rx's own.
 *
 * ```
 * line 1: header   line 2: {"t":0,"op":"list","call":0,...}   line 3: {"t":4,"op":"page","call":0,...}
 *   → lists: [{ at: 0, steps: [{ dt: 4, next: page }, { dt: 4, complete }] }]
 * ```
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/lib/Either.js';
 * import { parseRecording } from 'kube-rx/testing';
 * const text = [
 *   '{"format":"kube-rx/listerwatcher-recording","version":1,"redacted":true}',
 *   '{"t":0,"call":0,"op":"list","options":{"resourceVersion":"0","limit":500}}',
 *   '{"t":3,"call":0,"op":"page","page":{"resourceVersion":"7","items":[],"invalid":[]}}',
 * ].join('\n');
 * const r = parseRecording(text);
 * if (isRight(r)) console.log(r.right.lists[0]?.steps); // [{ dt: 3, kind: 'next', value: {...} }, { dt: 3, kind: 'complete' }]
 * ```
 * @category testing
 * @since 0.3.0
 */
export function parseRecording(text: string): Either<RecordingError, Recording<KubeObject>>;
export function parseRecording<T>(text: string, codec: t.Decoder<unknown, T>): Either<RecordingError, Recording<T>>;
export function parseRecording<T>(text: string, codec?: t.Decoder<unknown, T>): Either<RecordingError, Recording<T | KubeObject>> {
  const decoder: t.Decoder<unknown, T | KubeObject> = codec ?? KubeObjectCodec;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const json = (i: number): Either<RecordingError, unknown> => {
    try {
      return right(JSON.parse(lines[i] ?? '') as unknown);
    } catch (e: unknown) {
      const what = i === lines.length - 1 && !text.endsWith('\n') ? 'truncated or not JSON' : 'not JSON';
      return left(recordingError(i + 1, `${what}: ${e instanceof Error ? e.message : String(e)}`));
    }
  };
  if (lines.length === 0) return left(recordingError(1, 'empty: no header line'));
  const first = json(0);
  if (isLeft(first)) return first;
  const header = HeaderC.decode(first.right);
  if (isLeft(header)) return left(recordingError(1, `not a kube-rx recording header: ${briefErrors(header.left)}`));
  if (header.right.version !== RECORDING_FORMAT_VERSION) {
    return left(recordingError(1, `unsupported recording version ${header.right.version} (this kube-rx reads version ${RECORDING_FORMAT_VERSION})`));
  }
  const lists: Array<MutableCall<ListPage<T | KubeObject>, ListOptions>> = [];
  const watches: Array<MutableCall<WatchEvent<T | KubeObject>, WatchOptions>> = [];
  const object = (raw: unknown, n: number): Either<RecordingError, T | KubeObject> => {
    const d = decoder.decode(raw);
    return isLeft(d) ? left(recordingError(n, `an object does not decode: ${briefErrors(d.left)}`)) : right(d.right);
  };
  for (let i = 1; i < lines.length; i += 1) {
    const n = i + 1;
    const raw = json(i);
    if (isLeft(raw)) return raw;
    const decoded = decodeLine(raw.right);
    if (isLeft(decoded)) return left(recordingError(n, `not a recording line: ${decoded.left}`));
    const line = decoded.right;
    const isList = line.op === 'list' || line.op === 'page' || line.op === 'listError' || line.op === 'listCancel';
    if (line.op === 'list' || line.op === 'watch') {
      const calls: Array<MutableCall<unknown, unknown>> = line.op === 'list' ? lists : watches;
      if (line.call !== calls.length) return left(recordingError(n, `${line.op} call ${line.call} out of order (expected ${calls.length})`));
      calls.push({ at: line.t, options: line.options, steps: [], end: 'open' });
      continue;
    }
    const call: MutableCall<unknown, unknown> | undefined = (isList ? lists : watches)[line.call];
    if (call === undefined) return left(recordingError(n, `${line.op} of ${isList ? 'list' : 'watch'} call ${line.call}, which was never made`));
    if (call.end !== 'open') return left(recordingError(n, `${line.op} after ${isList ? 'list' : 'watch'} call ${line.call} ended (${call.end})`));
    const dt = line.t - call.at;
    if (!(dt >= 0)) return left(recordingError(n, `time ${line.t} is before its call began (${call.at})`));
    switch (line.op) {
      case 'page': {
        const items: Array<T | KubeObject> = [];
        for (const item of line.page.items) {
          const o = object(item, n);
          if (isLeft(o)) return o;
          items.push(o.right);
        }
        call.steps.push({ dt, kind: 'next', value: { ...line.page, items } }, { dt, kind: 'complete' });
        call.end = 'complete';
        break;
      }
      case 'event': {
        const e = line.event;
        if (e._tag === 'Added' || e._tag === 'Modified' || e._tag === 'Deleted') {
          const o = object(e.object, n);
          if (isLeft(o)) return o;
          call.steps.push({ dt, kind: 'next', value: { _tag: e._tag, object: o.right } });
        } else {
          call.steps.push({ dt, kind: 'next', value: e });
        }
        break;
      }
      case 'listError':
      case 'watchError':
        call.steps.push({ dt, kind: 'error', error: line.error });
        call.end = 'error';
        break;
      case 'watchEnd':
        call.steps.push({ dt, kind: 'complete' });
        call.end = 'complete';
        break;
      case 'listCancel':
      case 'watchCancel':
        call.end = 'cancel';
        break;
    }
  }
  return right({ header: header.right, lists, watches });
}
