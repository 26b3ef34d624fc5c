import * as t from 'io-ts';

/**
 * io-ts codec for a `metav1.Status`, the body of API errors and of watch `ERROR` events.
 *
 * Maps to client-go's `metav1.Status` (decoded by `apierrors.FromObject`).
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/lib/Either.js';
 * import { StatusCodec } from 'kube-rx';
 * isRight(StatusCodec.decode({ kind: 'Status', code: 410, reason: 'Expired' })); // true
 * ```
 * @category codec
 * @since 0.1.0
 */
export const StatusCodec = t.intersection([
  t.type({ kind: t.literal('Status') }),
  t.partial({
    apiVersion: t.string,
    status: t.string,
    message: t.string,
    reason: t.string,
    code: t.number,
    details: t.partial({
      name: t.string,
      group: t.string,
      kind: t.string,
      uid: t.string,
      retryAfterSeconds: t.number,
      causes: t.array(t.partial({ type: t.string, message: t.string, field: t.string })),
    }),
  }),
]);

/**
 * A `metav1.Status` as the API server sends it.
 *
 * Maps to client-go's `metav1.Status`.
 *
 * @example
 * ```ts
 * import type { Status } from 'kube-rx';
 * const gone: Status = { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' };
 * ```
 * @category codec
 * @since 0.1.0
 */
export type Status = t.TypeOf<typeof StatusCodec>;
