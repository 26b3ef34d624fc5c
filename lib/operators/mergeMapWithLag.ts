import { defer, finalize, from, mergeMap, type ObservableInput, type Observer, type OperatorFunction, tap } from 'rxjs';

/**
 * `mergeMap` that reports its lag: how many values it has received and not yet finished
 * projecting (waiting in its buffer or running). Use it where an informer subscriber does slow,
 * async work: the informer and the other subscribers go on at their own pace, and `lag` shows how
 * far behind this one is.
 *
 * Maps to client-go's `processorListener` (an unbounded per-handler buffer; client-go only logs
 * when it grows) with its length made observable.
 *
 * ```
 * source:    -a-b-c-----------
 * project:    a:---| b:---| c:---|   (concurrency 1)
 * result:    ----A---B---C----
 * lag:       -1-2-3-2---1---0--
 * ```
 *
 * Algorithm: on each value, `lag.next(++n)`; when the projected Observable of a value completes,
 * errors, `lag.next(--n)`; when the subscription ends with values still buffered or running,
 * `lag.next(0)` once. The count lives in the subscription (no module state), so each
 * subscription has its own.
 *
 * @example
 * ```ts
 * import { BehaviorSubject, timer, map } from 'rxjs';
 * import { mergeMapWithLag, type SharedIndexInformer, type KubeObject } from 'kube-rx';
 * declare const informer: SharedIndexInformer<KubeObject>;
 * const lag = new BehaviorSubject(0);
 * informer.events$.pipe(mergeMapWithLag((e) => timer(100).pipe(map(() => e.key)), { lag })).subscribe();
 * lag.subscribe((n) => { if (n > 1000) console.warn(`handler is ${n} events behind`); });
 * ```
 * @category operators
 * @since 0.1.0
 */
export const mergeMapWithLag =
  <T, R>(
    project: (value: T, index: number) => ObservableInput<R>,
    options: { readonly lag: Pick<Observer<number>, 'next'>; readonly concurrency?: number },
  ): OperatorFunction<T, R> =>
  (source) =>
    defer(() => {
      let n = 0;
      let closed = false;
      return source.pipe(
        tap(() => {
          options.lag.next(++n);
        }),
        mergeMap(
          (value, index) =>
            from(project(value, index)).pipe(
              finalize(() => {
                n -= 1;
                if (!closed) options.lag.next(n);
              }),
            ),
          options.concurrency ?? 1,
        ),
        // values still buffered when the subscription ends will never be projected: report 0 once
        finalize(() => {
          closed = true;
          if (n !== 0) options.lag.next(0);
        }),
      );
    });
