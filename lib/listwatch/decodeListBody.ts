import { type Either, isLeft, isRight, left, right } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

import type { DecodeFailure } from '../codec/DecodeFailure.js';
import { decodeFailure, decodeObject } from '../codec/decodeObject.js';
import { messageOf } from '../internal/messageOf.js';
import type { ListPage } from './ListerWatcher.js';

/**
 * The envelope of a `*List` body. `items` is required (Go encodes an empty slice as `null`) so that
 * a body that is not a list (a `Status`, say) is refused instead of read as an empty list, which
 * would delete the whole cache.
 */
const ListEnvelopeCodec = t.type({
  metadata: t.partial({ resourceVersion: t.string, continue: t.string, remainingItemCount: t.number }),
  items: t.union([t.array(t.unknown), t.null]),
});

/**
 * Decodes one element of a list's `items` with `codec` (`decodeObject` with source `list`); a
 * codec that throws (a buggy custom type) is reported as a failure of that item.
 */
export const decodeListItem = <T>(codec: t.Decoder<unknown, T>, raw: unknown): Either<DecodeFailure, T> => {
  try {
    return decodeObject(codec, raw, 'list');
  } catch (e: unknown) {
    return left(decodeFailure('list', raw, [messageOf(e)]));
  }
};

/**
 * Decodes the JSON body of one LIST response into a {@link ListPage}: the envelope must be a list
 * (`metadata` and `items`), or the result is `Left` with a `DecodeFailure`. Each item is decoded
 * with `codec`; items that fail go to `invalid` (with their key, resourceVersion and errors) and
 * the rest of the page is kept (R7).
 *
 * Maps to client-go's LIST decoding (`runtime.Decode` of a `*List` and `meta.ExtractList`).
 *
 * ```
 * { metadata: { resourceVersion: '10', continue: 'c' }, items: [good, bad] }
 *   -> Right({ resourceVersion: '10', continue: 'c', items: [good], invalid: [failure(bad)] })
 * { kind: 'Status', code: 500 }  -> Left(DecodeFailure)
 * ```
 *
 * Algorithm: decode the envelope; `items: null` is `[]`; a missing `resourceVersion` is `''`; an
 * empty `continue` is omitted (no more pages); `remainingItemCount` is copied when present; then
 * decode every item in order, splitting successes and failures (a codec that throws counts as a
 * failure of that item).
 *
 * @example
 * ```ts
 * import { KubeObjectCodec } from 'kube-rx';
 * import { decodeListBody } from 'kube-rx/protocol';
 * decodeListBody(KubeObjectCodec, { metadata: { resourceVersion: '5' }, items: [{ metadata: { name: 'a' } }, {}] });
 * // Right({ resourceVersion: '5', items: [{ metadata: { name: 'a' } }], invalid: [DecodeFailure] })
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const decodeListBody = <T>(codec: t.Decoder<unknown, T>, body: unknown): Either<DecodeFailure, ListPage<T>> => {
  const envelope = decodeObject(ListEnvelopeCodec, body, 'list');
  if (isLeft(envelope)) return envelope;
  const { metadata, items: rawItems } = envelope.right;
  const items: T[] = [];
  const invalid: DecodeFailure[] = [];
  if (rawItems !== null) {
    for (const raw of rawItems) {
      const decoded = decodeListItem(codec, raw);
      if (isRight(decoded)) items.push(decoded.right);
      else invalid.push(decoded.left);
    }
  }
  return right({
    resourceVersion: metadata.resourceVersion ?? '',
    ...(metadata.continue === undefined || metadata.continue === '' ? {} : { continue: metadata.continue }),
    ...(metadata.remainingItemCount === undefined ? {} : { remainingItemCount: metadata.remainingItemCount }),
    items,
    invalid,
  });
};
