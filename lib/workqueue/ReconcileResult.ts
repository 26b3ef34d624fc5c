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

/**
 * A reconcile failure that retrying cannot fix (an object the server refuses as invalid, a
 * configuration error): {@link reconcileWith} reports it (a `Failed` event with `terminal: true`,
 * counted as an error and in the terminal errors metric, logged) and does not requeue the key. The
 * key runs again only when something adds it again (its object changes, a resync). Throw it, or
 * error the reconcile's Observable with it; `cause` is the underlying error.
 *
 * Maps to controller-runtime's `reconcile.TerminalError(err)` and kube-rs's returning
 * `Action::await_change()` from the error policy.
 *
 * ```
 * reconcile('a'):  --#            # = terminalError(cause)
 * events:          S-F            F: Failed { terminal: true }, no Requeued
 * ```
 *
 * @example
 * ```ts
 * import { throwError } from 'rxjs';
 * import { terminalError, type Reconciler } from 'kube-rx';
 * const reconcile: Reconciler = (key) => throwError(() => terminalError(new Error(`${key}: spec.size must be >= 0`)));
 * ```
 * @category controller
 * @since 0.3.0
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  readonly _tag = 'TerminalError';
  constructor(override readonly cause: unknown) {
    super(`terminal error: ${cause instanceof Error || (typeof cause === 'object' && cause !== null && 'message' in cause) ? String((cause as { readonly message: unknown }).message) : String(cause)}`, { cause });
  }
}

/**
 * Wraps `cause` in a {@link TerminalError} (a `TerminalError` stays as it is).
 *
 * Maps to controller-runtime's `reconcile.TerminalError(err)`.
 *
 * @example
 * ```ts
 * import { terminalError } from 'kube-rx';
 * terminalError(new Error('bad spec')).message; // 'terminal error: bad spec'
 * ```
 * @category controller
 * @since 0.3.0
 */
export const terminalError = (cause: unknown): TerminalError => (isTerminalError(cause) ? cause : new TerminalError(cause));

/**
 * True for a {@link TerminalError} (also one from another copy of the library: judged by `_tag`).
 *
 * Maps to `errors.Is(err, reconcile.TerminalError(nil))`.
 *
 * @example
 * ```ts
 * import { isTerminalError, terminalError } from 'kube-rx';
 * isTerminalError(terminalError('x')); // true
 * isTerminalError(new Error('x'));     // false
 * ```
 * @category controller
 * @since 0.3.0
 */
export const isTerminalError = (u: unknown): u is TerminalError =>
  u instanceof TerminalError || (u instanceof Error && (u as Error & { readonly _tag?: unknown })._tag === 'TerminalError');
