import type { Either } from 'fp-ts/lib/Either.js';
import { isRight, left } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';

import { DECODE_FAILURE_RAW_LIMIT, type DecodeFailure } from './DecodeFailure.js';

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => typeof u === 'object' && u !== null;

const stringField = (u: unknown, field: string): string | undefined => {
  if (!isRecord(u)) return undefined;
  const v = u[field];
  return typeof v === 'string' ? v : undefined;
};

/** Best-effort `key` and `resourceVersion` of a raw object that failed to decode. */
const identify = (raw: unknown): { key?: string; resourceVersion?: string } => {
  const meta = isRecord(raw) ? raw['metadata'] : undefined;
  const name = stringField(meta, 'name');
  const ns = stringField(meta, 'namespace');
  const rv = stringField(meta, 'resourceVersion');
  return {
    ...(name === undefined ? {} : { key: ns === undefined || ns === '' ? name : `${ns}/${name}` }),
    ...(rv === undefined ? {} : { resourceVersion: rv }),
  };
};

/** JSON.stringify, typed as it behaves: undefined for undefined, functions and symbols. */
const stringify = (u: unknown): string | undefined => JSON.stringify(u);

const excerpt = (raw: unknown): string => {
  let s: string;
  try {
    s = typeof raw === 'string' ? raw : (stringify(raw) ?? String(raw));
  } catch {
    s = String(raw);
  }
  return s.length > DECODE_FAILURE_RAW_LIMIT ? s.slice(0, DECODE_FAILURE_RAW_LIMIT) : s;
};

/**
 * Builds a {@link DecodeFailure} for a raw value, filling in its key and resourceVersion when the
 * raw value has them.
 *
 * @example
 * ```ts
 * import { decodeFailure } from 'kube-rx';
 * decodeFailure('watch', { metadata: { name: 'a', resourceVersion: '3' } }, ['bad spec']).key; // 'a'
 * ```
 * @category codec
 * @since 0.1.0
 */
export const decodeFailure = (
  source: DecodeFailure['source'],
  raw: unknown,
  errors: ReadonlyArray<string>,
  eventType?: string,
): DecodeFailure => ({
  _tag: 'DecodeFailure',
  source,
  ...(eventType === undefined ? {} : { eventType }),
  ...identify(raw),
  errors,
  raw: excerpt(raw),
});

/**
 * Decodes one raw object with an io-ts codec into `Either<DecodeFailure, A>`. The boundary
 * function of kube-rx: everything above it sees typed values or tagged failures.
 *
 * Maps to client-go's `runtime.Decode` (which returns an error instead of a value).
 *
 * @example
 * ```ts
 * import { isLeft } from 'fp-ts/lib/Either.js';
 * import { decodeObject, KubeObjectCodec } from 'kube-rx';
 * isLeft(decodeObject(KubeObjectCodec, { metadata: {} }, 'list')); // true: no name
 * ```
 * @category codec
 * @since 0.1.0
 */
export const decodeObject = <A>(
  codec: t.Decoder<unknown, A>,
  raw: unknown,
  source: DecodeFailure['source'],
  eventType?: string,
): Either<DecodeFailure, A> => {
  const result = codec.decode(raw);
  // io-ts's own Right as it is: one object less per decoded object (issue 23)
  return isRight(result)
    ? result
    : left(decodeFailure(source, raw, PathReporter.report(result), eventType));
};
