import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { map, type OperatorFunction } from 'rxjs';

import type { DecodeFailure } from '../codec/DecodeFailure.js';
import { decodeFailure, decodeObject } from '../codec/decodeObject.js';
import { StatusCodec } from '../codec/Status.js';
import { messageOf } from '../internal/messageOf.js';
import type { WatchEvent } from './ListerWatcher.js';

/** The annotation that marks the bookmark ending the initial events of a streaming list. */
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/** The object of a BOOKMARK event: only its resourceVersion and annotations matter. */
const BookmarkObjectCodec = t.type({
  metadata: t.intersection([t.type({ resourceVersion: t.string }), t.partial({ annotations: t.UnknownRecord })]),
});

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null;

const invalid = <T>(failure: DecodeFailure): WatchEvent<T> => ({ _tag: 'Invalid', failure });


/** Step 3 of {@link decodeWatchLine}: the envelope parsed and has a string `type`. */
const decodeEvent = <T>(codec: t.Decoder<unknown, T>, type: string, object: unknown): WatchEvent<T> => {
  switch (type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED': {
      const decoded = decodeObject(codec, object, 'watch', type);
      if (isLeft(decoded)) return invalid(decoded.left);
      const tag = type === 'ADDED' ? 'Added' : type === 'MODIFIED' ? 'Modified' : 'Deleted';
      return { _tag: tag, object: decoded.right };
    }
    case 'BOOKMARK': {
      const decoded = decodeObject(BookmarkObjectCodec, object, 'watch', type);
      if (isLeft(decoded)) return invalid(decoded.left);
      const { resourceVersion, annotations } = decoded.right.metadata;
      return { _tag: 'Bookmark', resourceVersion, initialEventsEnd: annotations?.[INITIAL_EVENTS_END] === 'true' };
    }
    case 'ERROR': {
      const decoded = decodeObject(StatusCodec, object, 'watch', type);
      return isLeft(decoded) ? invalid(decoded.left) : { _tag: 'Error', status: decoded.right };
    }
    default:
      return invalid(decodeFailure('watch', object, [`unknown watch event type "${type}"`], type));
  }
};

/**
 * Decodes one line of a watch stream into a {@link WatchEvent}. Never throws: anything that does
 * not decode becomes an `Invalid` event carrying a `DecodeFailure` (R7).
 *
 * Maps to client-go's `watch.StreamWatcher` decoding (`streaming.Decoder.Decode` then
 * `metav1.WatchEvent` conversion), which logs and stops on such lines instead.
 *
 * ```
 * '{"type":"ADDED","object":{...}}'                 -> { _tag: 'Added', object }
 * '{"type":"BOOKMARK","object":{"metadata":{...}}}' -> { _tag: 'Bookmark', resourceVersion, initialEventsEnd }
 * '{"type":"ERROR","object":{"kind":"Status",...}}' -> { _tag: 'Error', status }
 * '{"type":"ADDED","object":{"metadata":{}}}'       -> { _tag: 'Invalid', failure } (codec errors)
 * '{"type":'                                        -> { _tag: 'Invalid', failure } (JSON error)
 * ```
 *
 * Algorithm:
 * 1. `JSON.parse` the line; a syntax error gives `Invalid` with the parser's message and the line.
 * 2. The result must be an object with a string `type`; otherwise `Invalid` without `eventType`.
 * 3. By `type`:
 *    - `ADDED` / `MODIFIED` / `DELETED`: decode `object` with `codec`; `Added` / `Modified` /
 *      `Deleted`, or `Invalid` with the event type, the object's key and resourceVersion and the
 *      codec errors.
 *    - `BOOKMARK`: `object.metadata.resourceVersion` must be a string; `initialEventsEnd` is true
 *      when the annotation `k8s.io/initial-events-end` is `"true"`.
 *    - `ERROR`: `object` must be a `metav1.Status`; `Error`, or `Invalid` with event type `ERROR`.
 *    - anything else: `Invalid` with that event type.
 *    - a codec that throws instead of failing also gives `Invalid` (with the thrown message).
 *
 * @example
 * ```ts
 * import { KubeObjectCodec } from 'kube-rx';
 * import { decodeWatchLine } from 'kube-rx/protocol';
 * decodeWatchLine(KubeObjectCodec, '{"type":"ADDED","object":{"metadata":{"name":"a"}}}');
 * // { _tag: 'Added', object: { metadata: { name: 'a' } } }
 * decodeWatchLine(KubeObjectCodec, '{"type":')._tag; // 'Invalid' (JSON syntax error)
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const decodeWatchLine = <T>(codec: t.Decoder<unknown, T>, line: string): WatchEvent<T> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (e: unknown) {
    return invalid(decodeFailure('watch', line, [messageOf(e)]));
  }
  const type = isRecord(parsed) ? parsed['type'] : undefined;
  if (!isRecord(parsed) || typeof type !== 'string') {
    return invalid(decodeFailure('watch', line, ['a watch event must be a JSON object with a string "type"']));
  }
  const object = parsed['object'];
  try {
    return decodeEvent(codec, type, object);
  } catch (e: unknown) {
    // A codec that throws (a buggy custom type, a stack overflow on absurd nesting) is a bad line too.
    return invalid(decodeFailure('watch', object, [messageOf(e)], type));
  }
};

/**
 * Decodes each line of a watch stream with {@link decodeWatchLine}: the step after
 * {@link splitLines} in an HTTP ListerWatcher. Never errors on its own; bad lines become `Invalid`
 * events.
 *
 * Maps to client-go's `watch.StreamWatcher` receive loop.
 *
 * ```
 * lines:  --a--b--c--|     a = '{"type":"ADDED",...}'  b = 'garbage'  c = '{"type":"BOOKMARK",...}'
 * events: --A--I--K--|     A = Added  I = Invalid  K = Bookmark
 * ```
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { KubeObjectCodec } from 'kube-rx';
 * import { decodeWatchLines } from 'kube-rx/protocol';
 * of('{"type":"DELETED","object":{"metadata":{"name":"a"}}}', 'garbage')
 *   .pipe(decodeWatchLines(KubeObjectCodec))
 *   .subscribe((e) => console.log(e._tag)); // 'Deleted', then 'Invalid'
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const decodeWatchLines = <T>(codec: t.Decoder<unknown, T>): OperatorFunction<string, WatchEvent<T>> =>
  map((line) => decodeWatchLine(codec, line));
