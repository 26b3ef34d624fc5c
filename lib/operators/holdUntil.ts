import { defer, filter, from, merge, mergeMap, type MonoTypeOperatorFunction, type Observable, take } from 'rxjs';

/**
 * Holds values back until `open$` first emits, then lets the held values out in order, followed
 * by everything after: nothing is dropped (unlike `skipUntil`), nothing is reordered.
 *
 * Maps to client-go's `cache.WaitForCacheSync` before a controller starts its workers (the queue
 * fills meanwhile), and kube-rs's gating of a controller on its stores' readiness.
 *
 * ```
 * source:  -a-b----c-|
 * open$:   -----x----
 * result:  -----(ab)c-|
 * ```
 *
 * Algorithm: until `open$` emits, each value is appended to a buffer; when it emits (its first
 * value only), the buffer is emitted and cleared, and from then on values pass straight through.
 * If the source completes first, completion waits for `open$`.
 *
 * @example
 * ```ts
 * import { holdUntil, waitForCacheSync, ownKeys, type SharedIndexInformer, type KubeObject } from 'kube-rx';
 * declare const informer: SharedIndexInformer<KubeObject>;
 * const keys$ = informer.events$.pipe(ownKeys(), holdUntil(waitForCacheSync(informer)));
 * ```
 * @category operators
 * @since 0.1.0
 */
export const holdUntil =
  <T>(open$: Observable<unknown>): MonoTypeOperatorFunction<T> =>
  (source) =>
    defer(() => {
      let open = false;
      const held: T[] = [];
      return merge(
        open$.pipe(
          take(1),
          mergeMap(() => {
            open = true;
            return from(held.splice(0));
          }),
        ),
        source.pipe(
          filter((v) => {
            if (!open) held.push(v);
            return open;
          }),
        ),
      );
    });
