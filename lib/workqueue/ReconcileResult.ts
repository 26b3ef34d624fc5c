/**
 * What a reconcile asks for next: nothing (`Done`: the key is forgotten, its backoff reset), a
 * rate-limited retry (`Requeue`), or another run after a fixed delay (`RequeueAfter`).
 *
 * Maps to controller-runtime's `reconcile.Result{Requeue, RequeueAfter}` and kube-rs's
 * `controller::Action` (`await_change`, `requeue(d)`).
 *
 * @example
 * ```ts
 * import { requeueAfter, type ReconcileResult } from 'kube-rx';
 * const r: ReconcileResult = requeueAfter(30_000); // check again in 30 s
 * ```
 * @category controller
 * @since 0.1.0
 */
export type ReconcileResult =
  | { readonly _tag: 'Done' }
  | { readonly _tag: 'Requeue' }
  | { readonly _tag: 'RequeueAfter'; readonly delayMs: number };

/**
 * `Done`: the key is reconciled; forget it until something changes.
 *
 * @category controller
 * @since 0.1.0
 */
export const done: ReconcileResult = { _tag: 'Done' };

/**
 * `Requeue`: run again after the key's rate-limited backoff.
 *
 * @category controller
 * @since 0.1.0
 */
export const requeue: ReconcileResult = { _tag: 'Requeue' };

/**
 * `RequeueAfter(delayMs)`: run again after `delayMs` (not rate limited; the backoff is reset).
 *
 * @example
 * ```ts
 * import { requeueAfter } from 'kube-rx';
 * requeueAfter(1000); // { _tag: 'RequeueAfter', delayMs: 1000 }
 * ```
 * @category controller
 * @since 0.1.0
 */
export const requeueAfter = (delayMs: number): ReconcileResult => ({ _tag: 'RequeueAfter', delayMs });
