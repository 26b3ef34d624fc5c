import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';

/**
 * What a continue token of the embedded API server encodes: the resourceVersion of the list
 * snapshot, the key of the last item returned, when it was issued and under which token
 * generation (`faults.expireContinueTokens()` starts a new generation).
 *
 * Maps to kube-apiserver's `storage.continueToken` (`{"v":"meta.k8s.io/v1","rv":N,"start":"key"}`)
 * plus an issue time and generation, which the real server has no need of (etcd compaction plays
 * their part).
 *
 * @category testing
 * @since 0.1.0
 */
export interface ContinueToken {
  readonly rv: number;
  /** The key (`ns/name` or `name`) of the last item of the previous page. */
  readonly start: string;
  /** Issue time, ms since the epoch. */
  readonly at: number;
  readonly generation: number;
}

const TokenCodec = t.type({
  v: t.literal('meta.k8s.io/v1'),
  rv: t.number,
  start: t.string,
  at: t.number,
  g: t.number,
});

/**
 * Encodes a continue token as base64 JSON, as kube-apiserver does.
 *
 * Maps to `storage.EncodeContinue`.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { decodeContinueToken, encodeContinueToken } from './continueToken.js';
 * const token = encodeContinueToken({ rv: 7, start: 'default/a', at: 0, generation: 0 });
 * decodeContinueToken(token); // right({ rv: 7, start: 'default/a', at: 0, generation: 0 })
 * ```
 * @category testing
 * @since 0.1.0
 */
export const encodeContinueToken = (token: ContinueToken): string =>
  Buffer.from(
    JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rv, start: token.start, at: token.at, g: token.generation }),
  ).toString('base64');

/**
 * Decodes a continue token; a malformed one is `left` with kube's message for it.
 *
 * Maps to `storage.DecodeContinue`.
 *
 * @example
 * ```ts
 * import { isLeft } from 'fp-ts/lib/Either.js';
 * // an internal module of kube-rx/testing, not exported by the package
 * import { decodeContinueToken } from './continueToken.js';
 * isLeft(decodeContinueToken('not a token')); // true
 * ```
 * @category testing
 * @since 0.1.0
 */
export const decodeContinueToken = (raw: string): E.Either<string, ContinueToken> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const decoded = TokenCodec.decode(parsed);
  return E.isLeft(decoded)
    ? E.left('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)')
    : E.right({ rv: decoded.right.rv, start: decoded.right.start, at: decoded.right.at, generation: decoded.right.g });
};
