import type { ReconcileResult } from './ReconcileResult.js';

/**
 * What happened in the reconcile loop, one event per step, for logs, metrics and tests:
 * - `Started`: a worker took `key`; `attempt` is its number of requeues so far (0 on a fresh key);
 *   `priority` (a priority queue only) is the priority it was taken at;
 * - `Succeeded`: the reconcile returned `result` after `durationMs`;
 * - `Failed`: it failed with `error` after `durationMs`; it runs again in `retryInMs` (unless the
 *   loop is shutting down); with `terminal: true` (a {@link kube-rx!TerminalError}) it is not requeued
 *   (`retryInMs` is `Infinity`);
 * - `Requeued`: `key` runs again in `delayMs` because of a `Requeue` or `RequeueAfter` result or a
 *   failure (not emitted once shutting down, as nothing is requeued then);
 * - `Aborted`: shutdown reached its deadline while `key` was running; its signal was aborted.
 *
 * Maps to what controller-runtime logs and counts in `reconcileHandler`
 * (`controller_runtime_reconcile_total{result=success|error|requeue|requeue_after}`,
 * `reconcile_time_seconds`, "Reconciler error").
 *
 * ```
 * key a, fails once:   S(a,0) --F(a) R(a,5) -----S(a,1)--OK(a)
 * ```
 *
 * @example
 * ```ts
 * import type { ReconcileEvent } from 'kube-rx';
 * const log = (e: ReconcileEvent): string =>
 *   e._tag === 'Failed' ? `${e.key} failed, retry in ${e.retryInMs} ms` : `${e._tag} ${e.key}`;
 * ```
 * @category controller
 * @since 0.1.0
 */
export type ReconcileEvent =
  | {
      readonly _tag: 'Started';
      readonly key: string;
      readonly attempt: number;
      /** The priority it was handed out at, in a priority queue (`priorityQueue`); absent otherwise. @since 0.3.0 */
      readonly priority?: number;
    }
  | {
      readonly _tag: 'Succeeded';
      readonly key: string;
      readonly result: ReconcileResult;
      readonly durationMs: number;
    }
  | {
      readonly _tag: 'Failed';
      readonly key: string;
      readonly error: unknown;
      /** When the key runs again; `Infinity` for a terminal failure (never: it is not requeued). */
      readonly retryInMs: number;
      readonly durationMs: number;
      /** True when `error` is a {@link kube-rx!TerminalError}: reported, not requeued. */
      readonly terminal?: boolean;
    }
  | {
      readonly _tag: 'Requeued';
      readonly key: string;
      readonly delayMs: number;
      readonly reason: 'Requeue' | 'RequeueAfter' | 'Failed';
    }
  | { readonly _tag: 'Aborted'; readonly key: string };
