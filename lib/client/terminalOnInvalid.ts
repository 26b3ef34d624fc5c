import { catchError, type MonoTypeOperatorFunction, throwError } from 'rxjs';

import { terminalError } from '../workqueue/ReconcileResult.js';
import { isInvalid } from '../listwatch/ListerWatcherError.js';
import { isClientError, KubeApiException } from './ClientError.js';

/**
 * The error to report for a failed write: a `422 Invalid` (the server refused the object as
 * invalid: retrying the same write cannot help) becomes a {@link TerminalError} carrying it, so
 * {@link reconcileWith} reports it without requeueing the key; anything else is returned as it is.
 * Works on the Observable API's `ClientError` values and on the Promise API's `KubeApiException`s.
 *
 * Maps to controller-runtime's advice to return `reconcile.TerminalError(err)` for errors that
 * need a user's change (`apierrors.IsInvalid`).
 *
 * @example
 * ```ts
 * import { invalidAsTerminal, isTerminalError } from 'kube-rx';
 * isTerminalError(invalidAsTerminal({ _tag: 'HttpError', verb: 'apply', resource: 'widgets', code: 422, reason: 'Invalid', message: 'spec.size: Invalid value' })); // true
 * ```
 * @category client
 * @since 0.3.0
 */
export const invalidAsTerminal = (error: unknown): unknown =>
  (isClientError(error) || error instanceof KubeApiException) && isInvalid(error) ? terminalError(error) : error;

/**
 * Operator form of {@link invalidAsTerminal} for a write's Observable: a `422 Invalid` error
 * becomes a `TerminalError`; values, completion and other errors pass through.
 *
 * ```
 * write:   ----#        # = HttpError 422 Invalid
 * result:  ----T        T = TerminalError(#): reported by reconcileWith, not requeued
 * write:   ----#        # = HttpError 409 Conflict
 * result:  ----#        unchanged: retried with backoff
 * ```
 *
 * Maps to wrapping a write's error in controller-runtime's `reconcile.TerminalError` when
 * `apierrors.IsInvalid(err)`.
 *
 * @example
 * ```ts
 * import { map } from 'rxjs';
 * import { done, objectClient, terminalOnInvalid, type Reconciler, type TypedResource, type KubeObject } from 'kube-rx';
 * declare const widgets: TypedResource<KubeObject>;
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const client = objectClient(widgets, { kubeConfig, namespace: 'default', fieldManager: 'widgets' });
 * const reconcile: Reconciler = (key) =>
 *   client.apply({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: key } }).pipe(terminalOnInvalid(), map(() => done));
 * ```
 * @category client
 * @since 0.3.0
 */
export const terminalOnInvalid =
  <T>(): MonoTypeOperatorFunction<T> =>
  (source) =>
    source.pipe(catchError((error: unknown) => throwError(() => invalidAsTerminal(error))));
