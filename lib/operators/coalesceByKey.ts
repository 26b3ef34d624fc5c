import { defer, Observable, type ObservableInput, type Observer, type OperatorFunction, Subscription } from 'rxjs';

import { createCoalesceState, isIdle, latest, offer, release, take, waiting } from './CoalesceState.js';

/**
 * Options of {@link coalesceByKey}.
 *
 * Maps to client-go's work queue settings (workers) and its dirty-set coalescing.
 *
 * ```
 * concurrency 2:  a:---|  b:---|   run side by side; a second `a` waits for the first
 * ```
 *
 * @example
 * ```ts
 * import type { CoalesceByKeyOptions } from 'kube-rx';
 * const options: CoalesceByKeyOptions<string> = {
 *   concurrency: 4,
 *   waiting: { next: (n) => console.log(`${n} keys waiting`) },
 * };
 * ```
 * @category operators
 * @since 0.2.0
 */
export interface CoalesceByKeyOptions<T> {
  /** How many values are handled at once (default 1). The same key is never handled twice at once. */
  readonly concurrency?: number;
  /** How a new value combines with one of the same key still waiting (default: the new one replaces it). */
  readonly combine?: (waiting: T, next: T) => T;
  /** Told the number of waiting values whenever it changes: at most the number of distinct keys. */
  readonly waiting?: Pick<Observer<number>, 'next'>;
}

/**
 * Handles values with a slow, asynchronous `project`, keeping at most one waiting value per key:
 * a value whose key already waits replaces it (or is combined with it) in place, so a consumer
 * that cannot keep up handles the latest state of each key, in the order the keys first arrived,
 * and its buffer is bounded by the number of distinct keys instead of growing with every value
 * (as `concatMap`'s does). The same key is never handled twice at once; a value arriving while its
 * key runs waits until that run ends.
 *
 * Maps to client-go's work queue (`workqueue.Typed`: `dirty` and `processing` sets) carrying a
 * value per key, i.e. the DeltaFIFO's per-key coalescing applied to one subscriber; kube-rs's
 * controller `scheduler` deduplicates pending messages the same way.
 *
 * ```
 * source:   -a-b-c-d-e---------|     a: a1  b: b1  c: a2  d: a3  e: a4  (keyed by their letter)
 * result:   -----x---y---z-----|     x: a1  y: b1  z: a4  (project takes 4 frames; concurrency 1)
 * waiting:  -(10)1-(21)--0          a2 waits while a1 runs; a3, a4 replace it in place
 * ```
 *
 * Algorithm (per subscription, over a fresh {@link kube-rx/reducers!CoalesceState}):
 * 1. A source value is {@link offer}ed under `keyOf(value)`, then the queue is pumped.
 * 2. Pump: while fewer than `concurrency` runs, {@link take} the key that waited longest and
 *    subscribe to `project(value, key)`; its values are emitted.
 * 3. When a run completes, {@link release} its key (a value parked meanwhile is queued) and pump.
 * 4. When the source has completed and nothing waits or runs, complete.
 * 5. An error of the source, of a run, or thrown by `keyOf`, `combine` or `project` errors the
 *    result (as `mergeMap`); unsubscribing unsubscribes the source and every run. When the
 *    subscription ends with values waiting, `waiting` is told 0 once.
 *
 * Throws a `TypeError` when called if `concurrency` is not an integer >= 1.
 *
 * @example
 * ```ts
 * import { concat, ignoreElements, of, timer } from 'rxjs';
 * import { coalesceByKey, type ResourceEvent, type SharedIndexInformer, type KubeObject } from 'kube-rx';
 * declare const informer: SharedIndexInformer<KubeObject>;
 * // a 100 ms handler that cannot keep up with a busy resource handles each object's latest event
 * informer.events$
 *   .pipe(coalesceByKey((e) => e.key, (e: ResourceEvent<KubeObject>) => concat(timer(100).pipe(ignoreElements()), of(e.key))))
 *   .subscribe((key) => console.log('handled', key));
 * ```
 * @see {@link mergeMapWithLag} for a handler that must see every value (its buffer is unbounded)
 * @category operators
 * @since 0.2.0
 */
export const coalesceByKey = <T, R>(
  keyOf: (value: T) => string,
  project: (value: T, key: string) => ObservableInput<R>,
  options: CoalesceByKeyOptions<T> = {},
): OperatorFunction<T, R> => {
  const { concurrency = 1, combine = latest, waiting: report } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  }
  return (source) =>
    new Observable<R>((subscriber) => {
      const state = createCoalesceState<T>();
      const runs = new Subscription();
      let reported = 0;
      let inputDone = false;
      let pumping = false;

      const reportWaiting = (): void => {
        const n = waiting(state);
        if (n === reported || report === undefined) return;
        reported = n;
        report.next(n);
      };

      const start = (key: string, value: T): void => {
        const run = new Subscription();
        runs.add(run);
        run.add(
          defer(() => project(value, key)).subscribe({
            next: (r) => {
              subscriber.next(r);
            },
            error: (e: unknown) => {
              subscriber.error(e);
            },
            complete: () => {
              runs.remove(run);
              release(state, key);
              pump();
            },
          }),
        );
      };

      /** Steps 2 and 4. Re-entrant calls (a run that completes synchronously) return: the loop goes on. */
      const pump = (): void => {
        if (pumping) return;
        pumping = true;
        try {
          while (!subscriber.closed && state.running.size < concurrency) {
            const next = take(state);
            if (next === undefined) break;
            reportWaiting();
            start(next.key, next.value);
          }
        } finally {
          pumping = false;
        }
        if (inputDone && isIdle(state)) subscriber.complete();
      };

      runs.add(
        source.subscribe({
          next: (value) => {
            try {
              offer(state, keyOf(value), value, combine);
            } catch (e: unknown) {
              subscriber.error(e);
              return;
            }
            reportWaiting();
            pump();
          },
          error: (e: unknown) => {
            subscriber.error(e);
          },
          complete: () => {
            inputDone = true;
            pump();
          },
        }),
      );
      return (): void => {
        runs.unsubscribe();
        if (reported !== 0) report?.next(0);
      };
    });
};
