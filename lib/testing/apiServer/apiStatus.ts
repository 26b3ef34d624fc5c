import type { Status } from '../../codec/Status.js';
import { REASON_OF_CODE } from '../../listwatch/kubeRequest.js';

/**
 * The `reason` kube-apiserver puts in a `Status` for each HTTP code it answers with: the names
 * client-go gives bare status codes, except that the server's `410` says `Expired` (an expired
 * resourceVersion or continue token).
 */
const REASONS: Readonly<Record<number, string>> = { ...REASON_OF_CODE, 410: 'Expired' };

/**
 * The `reason` of a failure `Status` for an HTTP code, as kube-apiserver's `apierrors` constructors
 * set it (`410` → `Expired`, `429` → `TooManyRequests`, ...); `Unknown` for other codes.
 *
 * Maps to `k8s.io/apimachinery/pkg/api/errors` (`NewBadRequest`, `NewNotFound`, `NewResourceExpired`, ...).
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { reasonForCode } from './apiStatus.js';
 * reasonForCode(429); // 'TooManyRequests'
 * ```
 * @category testing
 * @since 0.1.0
 */
export const reasonForCode = (code: number): string => REASONS[code] ?? 'Unknown';

/**
 * A failure `metav1.Status` with `code`, `message` and the reason kube-apiserver gives that code
 * (unless `reason` is passed).
 *
 * Maps to `k8s.io/apimachinery/pkg/api/errors` `StatusError.ErrStatus`.
 *
 * @example
 * ```ts
 * import { failureStatus } from 'kube-rx/testing';
 * failureStatus(404, 'configmaps "a" not found', { name: 'a', kind: 'configmaps' }).reason; // 'NotFound'
 * ```
 * @category testing
 * @since 0.1.0
 */
export const failureStatus = (
  code: number,
  message: string,
  details?: NonNullable<Status['details']>,
  reason: string = reasonForCode(code),
): Status => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  message,
  reason,
  code,
  ...(details === undefined ? {} : { details }),
});

/**
 * An error carrying the `Status` an API call failed with; thrown by the synchronous seeding
 * methods of an `EmbeddedApiServer` (`create` of an existing object, `update` with a stale
 * resourceVersion, ...), as the HTTP API would answer the same call.
 *
 * Maps to client-go's `apierrors.StatusError`.
 *
 * @example
 * ```ts
 * import { ApiStatusError, failureStatus } from 'kube-rx/testing';
 * const e = new ApiStatusError(failureStatus(409, 'exists'));
 * e.status.code; // 409
 * ```
 * @category testing
 * @since 0.1.0
 */
export class ApiStatusError extends Error {
  override readonly name = 'ApiStatusError';
  constructor(readonly status: Status) {
    super(status.message ?? `API error ${String(status.code)}`);
  }
}
