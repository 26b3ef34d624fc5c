import {
  asyncScheduler,
  defer,
  from,
  map,
  type MonoTypeOperatorFunction,
  Observable,
  type ObservableInput,
  type OperatorFunction,
  type SchedulerLike,
  Subscription,
  tap,
} from 'rxjs';

import { type Logger } from '../logging/Logger.js';
import type { ControllerMetricsProvider } from '../metrics/MetricsProvider.js';
import { createQueueMetrics } from '../metrics/queueMetrics.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rateLimiter.js';
import type { ReconcileEvent } from './ReconcileEvent.js';
import { logReconcileEvents } from './reconcileLogs.js';
import { reconcileMetrics } from './reconcileMetrics.js';
import { done as doneResult, isTerminalError, type ReconcileResult } from './ReconcileResult.js';
import { withReconcileTimeout } from '../workqueue/reconcileTimeout.js';
import { debounceByKey } from '../operators/debounceByKey.js';
import type { DebounceTiming } from '../operators/DebounceState.js';
import { keyOf, type PrioritizedKey, priorityOf } from './PrioritizedKey.js';
import type { PriorityQueueOptions } from './PriorityReadyQueue.js';
import {
  add,
  addAfter,
  createWorkQueueState,
  done,
  getWithPriority,
  len,
  nextReadyAt,
  shutDown as shutDownQueue,
  shutDownWithDrain,
  takeReady,
} from './WorkQueueState.js';

/**
 * Reconciles one key. `signal` aborts when the controller shuts down (at the drain deadline) or
 * is unsubscribed; the returned Observable is then unsubscribed too.
 *
 * The run ends at the first value (the rest is unsubscribed), or on completion without a value
 * (`Done`), or on error (thrown synchronously, a rejected Promise or an erroring Observable: the
 * key is requeued with backoff). `void`/`undefined` means `Done`.
 *
 * Return an Observable to run in virtual time: a Promise settles on the microtask queue, which
 * `TestScheduler` cannot drive (marble tests see its result only after `run()` returns).
 *
 * Maps to controller-runtime's `reconcile.Reconciler.Reconcile(ctx, req)` (`signal` is `ctx`) and
 * kube-rs's `reconcile(obj, ctx) -> Result<Action, Error>`.
 *
 * ```
 * reconcile('ns/a', signal):  ----r|       r: ReconcileResult (or void)
 * ```
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { requeueAfter, type Reconciler } from 'kube-rx';
 * const reconcile: Reconciler = (key) => of(key.startsWith('kube-system/') ? undefined : requeueAfter(60_000));
 * ```
 * @category controller
 * @since 0.1.0
 */
export type Reconciler = (
  key: string,
  signal: AbortSignal,
) => ObservableInput<ReconcileResult> | ObservableInput<void> | ObservableInput<ReconcileResult | undefined>;

/**
 * Options of {@link reconcileWith}.
 *
 * Maps to controller-runtime's `controller.Options` (`MaxConcurrentReconciles`, `RateLimiter`)
 * and the manager's `GracefulShutdownTimeout` (default 30 s).
 *
 * ```
 * shutdown$:  -------x          drain until the running reconciles end or drainTimeoutMs passes
 * ```
 *
 * @example
 * ```ts
 * import { Subject } from 'rxjs';
 * import { itemExponentialFailureRateLimiter, type ReconcileConfig } from 'kube-rx';
 * const stop = new Subject<void>();
 * const config: ReconcileConfig = {
 *   concurrency: 4,
 *   rateLimiter: itemExponentialFailureRateLimiter(100, 60_000),
 *   shutdown$: stop,
 *   drainTimeoutMs: 10_000,
 * };
 * ```
 * @category controller
 * @since 0.1.0
 */
export interface ReconcileConfig {
  /** Workers: how many keys run at once (default 1). The same key never runs twice at once. */
  readonly concurrency?: number;
  /**
   * Requeue policy (default: a fresh {@link defaultControllerRateLimiter} per subscription). A
   * limiter keeps state: give each subscription its own.
   */
  readonly rateLimiter?: RateLimiter;
  /** Every timer (requeue-after, backoff, bucket, drain deadline) runs on it (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
  /**
   * Graceful shutdown on its first value: stop taking keys, let running reconciles finish for up
   * to `drainTimeoutMs`, then abort their signals; then complete.
   */
  readonly shutdown$?: Observable<unknown>;
  /** How long running reconciles may take to finish after shutdown (default 30 000). */
  readonly drainTimeoutMs?: number;
  /** The controller's (and its queue's) name in metrics and logs (default `'controller'`). */
  readonly name?: string;
  /**
   * The work queue's metrics (client-go's, see {@link WorkQueueMetricsProvider}) and the reconcile
   * metrics (controller-runtime's, see {@link reconcileMetrics}). Default: nothing measured.
   */
  readonly metrics?: ControllerMetricsProvider;
  /** Where failures (`error`) and aborts (`warn`) are logged ({@link reconcileEventLog}). Default: nothing logged. */
  readonly logger?: Logger;
  /**
   * Bounds each reconcile: after this many ms its signal aborts (reason {@link ReconcileTimeout}),
   * its run ends and counts as a failure (`Failed` with that error, retried with the per-item
   * backoff). controller-runtime's `ReconciliationTimeout`; default: no bound. See {@link withReconcileTimeout}.
   */
  readonly reconcileTimeoutMs?: number;
  /**
   * Per-key debounce of the incoming keys, before the queue: a key is queued only after `ms`
   * without a new trigger for it, but never later than `maxWaitMs` after its first. Default: off.
   * See {@link debounceByKey}.
   */
  readonly debounce?: DebounceTiming;
  /**
   * A priority work queue (controller-runtime's priority queue): ready keys are handed out by
   * priority (highest first; a {@link PrioritizedKey} input carries one, a string is
   * {@link DEFAULT_PRIORITY}), FIFO within a priority, and a key ready for `agingMs` (default
   * {@link DEFAULT_AGING_MS}) is overtaken by no key that became ready after it. A requeued key
   * keeps the priority it ran at. Default: client-go's FIFO (priorities are ignored).
   * @since 0.3.0
   */
  readonly priorityQueue?: PriorityQueueOptions;
}

/** One running reconcile. */
interface Run {
  readonly controller: AbortController;
  /** The subscription to the reconciler's Observable (closed when the run ends or is aborted). */
  readonly subscription: Subscription;
  readonly startedAt: number;
  /** The priority it was handed out at (requeues keep it). */
  readonly priority: number;
}

/**
 * The work queue and reconcile loop of a controller, as an operator: keys in, {@link ReconcileEvent}s
 * out. A key waiting in the queue coalesces, the same key never runs twice at once (a key that
 * changes while running runs once more afterwards), at most `concurrency` keys run at once,
 * failures and `Requeue` results are retried through the rate limiter, `RequeueAfter(d)` runs the
 * key again after `d`, and shutdown drains gracefully.
 *
 * Maps to controller-runtime's `internal/controller.Controller` (`Start`, `processNextWorkItem`,
 * `reconcileHandler`) over client-go's `workqueue.TypedRateLimitingInterface` (`queue.go`,
 * `delaying_queue.go`, `rate_limiting_queue.go`, `default_rate_limiters.go`).
 *
 * Coalescing (one worker; each reconcile takes 5 ms): `a`, added three times while `x` runs, runs once.
 * ```
 * keys:    xaaa----------|
 * events:  x----(yz)-w---|        x, z: Started x, a   y, w: Succeeded x, a
 * ```
 * The same key never runs twice at once, even with free workers (concurrency 2): added while it
 * runs, it runs once more afterwards.
 * ```
 * keys:    a-a-a-----------|
 * events:  s----(dt)-e-----|      s, t: Started a   d, e: Succeeded a
 * ```
 * A failing key is retried with the per-key backoff (5, 10, 20 ms ...), reset by a success:
 * ```
 * time:    0        5        15       35
 * events:  (s f r)  (s f r)  (s f r)  (s ok)      f: Failed, r: Requeued 5, 10, 20
 * ```
 * Shutdown (concurrency 2, drainTimeoutMs 8): `b` finishes, `a` is aborted at the deadline, `c`
 * (queued) never starts.
 * ```
 * keys:      (abc)-x--
 * shutdown$: --s
 * events:    (ab)y-----(z|)       y: Succeeded b (4 ms)   z: Aborted a (at 10)
 * ```
 * Priority queue (`priorityQueue: { agingMs: 10 }`, one worker, 5 ms each; `L` low, the others
 * {@link DEFAULT_PRIORITY}): `a` overtakes `L`, which has aged by 10 and goes before `b`.
 * ```
 * keys:    (xL)a----b----c
 * started: x----a----L----b----c
 * ```

 * Algorithm (per subscription, with a fresh {@link kube-rx/reducers!WorkQueueState} and, by default, a fresh
 * rate limiter):
 * 1. A key from the source is {@link add}ed (coalesced if dirty; in a priority queue at its
 *    priority, raised if it waits at a lower one), then the queue is pumped.
 * 2. Pump: while not shutting down and fewer than `concurrency` keys run, take the next key
 *    ({@link getWithPriority}: FIFO, or in a priority queue the oldest key if it has waited
 *    `agingMs`, else the first of the highest priority) and start it: emit `Started` with
 *    `attempt = numRequeues(key)` (and its `priority` in a priority queue), create an
 *    `AbortController`, subscribe to `from(reconciler(key, signal))` (a synchronous throw is an
 *    error of that Observable).
 * 3. The run ends at its first value, at completion (`Done`), or at an error:
 *    - value `Done`/void: emit `Succeeded`, `forget(key)`;
 *    - `Requeue`: emit `Succeeded`; `delay = when(key, now)`; emit `Requeued`; add after `delay`;
 *    - `RequeueAfter(d)`: emit `Succeeded`; `forget(key)`; emit `Requeued`; add after `d`;
 *    - error: `delay = when(key, now)`; emit `Failed` (with `retryInMs = delay`), `Requeued`; add
 *      after `delay`;
 *    - a {@link TerminalError}: emit `Failed` with `terminal: true`; nothing is requeued.
 *    Requeues keep the priority the key ran at. Then {@link done}(key) (which queues it again if
 *    it changed meanwhile) and pump again.
 * 4. Delayed adds wait in the queue's heap; one timer on `scheduler` fires at the earliest due
 *    time, adds the due keys ({@link takeReady}) and pumps.
 * 5. Completion of the source (no more input): keys already queued are still reconciled, as
 *    client-go's `Get` still hands out queued items after `ShutDown`; waiting (delayed) keys are
 *    dropped and nothing is requeued any more. When the queue is empty and nothing runs,
 *    complete. `of('a', 'b')` reconciles `a` and `b` once each, then completes.
 * 6. Shutdown (the first value of `shutdown$`): unsubscribe the source, drop waiting and queued
 *    keys, start nothing more ({@link shutDownWithDrain}). If nothing runs, complete. Otherwise
 *    wait: each run that ends is reported as in step 3 (without requeue); when the last one ends,
 *    complete; if `drainTimeoutMs` passes first, abort every running signal, unsubscribe its
 *    Observable, emit `Aborted` for each, and complete.
 * 7. Unsubscribing tears everything down: the source, `shutdown$`, the timers, and every running
 *    reconcile (signal aborted, Observable unsubscribed). No event is emitted.
 *
 * Observability: with `metrics`, the queue reports client-go's work queue metrics (depth, adds,
 * queue and work durations, unfinished work, retries: see {@link createQueueMetrics}) and the loop
 * controller-runtime's reconcile metrics ({@link reconcileMetrics}), all labelled with `name`;
 * with `logger`, failures and aborts are logged ({@link logReconcileEvents}). Without either,
 * nothing is measured or logged.
 *
 * Notes:
 * - A Promise-returning reconciler works, but its result arrives on the microtask queue, outside
 *   of `TestScheduler`'s virtual time: use Observables (e.g. `timer(d, scheduler)`) in marble tests.
 * - A value of `rateLimiter` keeps state; pass a fresh one per subscription.
 *
 * ## Recovery
 * Reconcile errors are events, never errors of the stream. The stream errors only if the source
 * or `shutdown$` errors, or the rate limiter throws; running reconciles are then aborted.
 *
 * Throws a `TypeError` when called (not at subscription) if `concurrency` is not an integer >= 1,
 * or `drainTimeoutMs` or `priorityQueue.agingMs` is negative.
 *
 * @example
 * ```ts
 * import { map, of } from 'rxjs';
 * import { done, reconcileWith, sharedIndexInformer } from 'kube-rx';
 * import { configMap, fakeListerWatcher, listPage } from 'kube-rx/testing';
 *
 * const informer = sharedIndexInformer(fakeListerWatcher({ lists: [of(listPage('1', [configMap('a', '1')]))] }));
 * const sub = informer.events$
 *   .pipe(
 *     map((e) => e.key),
 *     reconcileWith((key) => {
 *       console.log('reconciling', key, informer.store.get(key));
 *       return of(done);
 *     }, { concurrency: 2 }),
 *   )
 *   .subscribe((e) => console.log(e._tag, e.key));
 * sub.unsubscribe();
 * ```
 * @see client-go util/workqueue/queue.go, controller-runtime pkg/internal/controller/controller.go
 * @category controller
 * @since 0.1.0
 */
export const reconcileWith = (
  reconciler: Reconciler,
  config: ReconcileConfig = {},
): OperatorFunction<string | PrioritizedKey, ReconcileEvent> => {
  const { concurrency = 1, scheduler = asyncScheduler, shutdown$, drainTimeoutMs = 30_000, name = 'controller', metrics, logger } = config;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  }
  if (!(drainTimeoutMs >= 0)) throw new TypeError(`drainTimeoutMs must be >= 0, got ${drainTimeoutMs}`);
  const { priorityQueue } = config;
  if (priorityQueue?.agingMs !== undefined && !(priorityQueue.agingMs >= 0)) {
    throw new TypeError(`agingMs must be >= 0, got ${priorityQueue.agingMs}`);
  }
  const { reconcileTimeoutMs, debounce } = config;
  const reconcileOnce = reconcileTimeoutMs === undefined ? reconciler : withReconcileTimeout(reconciler, reconcileTimeoutMs, scheduler);
  const pendingKeys = debounce === undefined ? undefined : metrics?.newDebouncePendingMetric?.(name);
  const pending = pendingKeys === undefined ? {} : { pending: { next: (n: number): void => { pendingKeys.set(n); } } };
  const debounced = debounce === undefined ? undefined : debounceByKey<string | PrioritizedKey>({ ...debounce, keyOf, scheduler, ...pending });
  /** The debounce, passing on each key at the highest priority of its burst (a priority queue only). */
  const debouncedAtHighest =
    (op: MonoTypeOperatorFunction<string | PrioritizedKey>): MonoTypeOperatorFunction<string | PrioritizedKey> =>
    (keys$) => {
      if (priorityQueue === undefined) return keys$.pipe(op);
      const highest = new Map<string, number>();
      return keys$.pipe(
        tap((k) => {
          const key = keyOf(k);
          highest.set(key, Math.max(highest.get(key) ?? Number.NEGATIVE_INFINITY, priorityOf(k)));
        }),
        op,
        map((k) => {
          const key = keyOf(k);
          const priority = highest.get(key) ?? priorityOf(k);
          highest.delete(key);
          return { key, priority };
        }),
      );
    };
  const loop: OperatorFunction<string | PrioritizedKey, ReconcileEvent> = (source) =>
    new Observable<ReconcileEvent>((subscriber) => {
      const rateLimiter = config.rateLimiter ?? defaultControllerRateLimiter();
      const queueMetrics = metrics === undefined ? undefined : createQueueMetrics(metrics, name, scheduler);
      const state = createWorkQueueState(queueMetrics, priorityQueue === undefined ? {} : { priority: priorityQueue });
      const running = new Map<string, Run>();
      const teardown = new Subscription();
      let failed = false;
      let sourceSubscription: Subscription | undefined;
      let wakeUp: Subscription | undefined;
      let wakeUpAt = Number.POSITIVE_INFINITY;
      let deadline: Subscription | undefined;
      let stopping = false;
      let inputDone = false;
      let pumping = false;

      const emit = (e: ReconcileEvent): void => {
        subscriber.next(e);
      };

      const abortAll = (): ReadonlyArray<string> => {
        const keys = [...running.keys()];
        const runs = [...running.values()];
        running.clear();
        for (const run of runs) {
          run.controller.abort();
          run.subscription.unsubscribe();
        }
        return keys;
      };

      /** The stream fails: abort what runs, then error. */
      const fail = (error: unknown): void => {
        if (failed) return;
        failed = true;
        abortAll();
        subscriber.error(error);
      };

      /** Runs `f`, turning a throw (of the rate limiter, say) into an error of the stream. */
      const guarded =
        (f: () => void) =>
        (): void => {
          try {
            f();
          } catch (error: unknown) {
            fail(error);
          }
        };

      /** Step 4: one timer at the earliest due time of the waiting keys. */
      const scheduleWakeUp = (): void => {
        if (subscriber.closed) return;
        const at = nextReadyAt(state);
        if (at === wakeUpAt) return;
        wakeUp?.unsubscribe();
        wakeUp = undefined;
        wakeUpAt = at ?? Number.POSITIVE_INFINITY;
        if (at === undefined) return;
        wakeUp = scheduler.schedule(
          guarded(() => {
            wakeUp = undefined;
            wakeUpAt = Number.POSITIVE_INFINITY;
            takeReady(state, scheduler.now());
            scheduleWakeUp();
            pump();
          }),
          Math.max(0, at - scheduler.now()),
        );
      };

      const requeue = (key: string, priority: number, delayMs: number, reason: 'Requeue' | 'RequeueAfter' | 'Failed'): void => {
        if (stopping || inputDone) return;
        emit({ _tag: 'Requeued', key, delayMs, reason });
        addAfter(state, key, delayMs, scheduler.now(), priority);
        scheduleWakeUp();
      };

      const complete = (): void => {
        deadline?.unsubscribe();
        subscriber.complete();
      };

      /** Step 3. */
      const finish = (key: string, run: Run, outcome: { ok: true; value: ReconcileResult | undefined } | { ok: false; error: unknown }): void => {
        if (running.get(key) !== run) return; // already aborted
        running.delete(key);
        run.subscription.unsubscribe();
        const now = scheduler.now();
        const durationMs = now - run.startedAt;
        if (outcome.ok) {
          const result = outcome.value ?? doneResult;
          emit({ _tag: 'Succeeded', key, result, durationMs });
          switch (result._tag) {
            case 'Done':
              rateLimiter.forget(key);
              break;
            case 'Requeue':
              requeue(key, run.priority, rateLimiter.when(key, now), 'Requeue');
              break;
            case 'RequeueAfter':
              rateLimiter.forget(key);
              requeue(key, run.priority, result.delayMs, 'RequeueAfter');
              break;
          }
        } else if (isTerminalError(outcome.error)) {
          // as controller-runtime: reported and counted, not requeued (nor forgotten)
          emit({ _tag: 'Failed', key, error: outcome.error, retryInMs: Number.POSITIVE_INFINITY, durationMs, terminal: true });
        } else {
          const retryInMs = rateLimiter.when(key, now);
          emit({ _tag: 'Failed', key, error: outcome.error, retryInMs, durationMs });
          requeue(key, run.priority, retryInMs, 'Failed');
        }
        done(state, key, now);
        if (stopping) {
          if (running.size === 0) complete();
        } else {
          pump();
          if (inputDone && running.size === 0 && len(state) === 0) complete();
        }
      };

      const start = (key: string, priority: number): void => {
        const controller = new AbortController();
        const run: Run = { controller, subscription: new Subscription(), startedAt: scheduler.now(), priority };
        running.set(key, run);
        const attempt = rateLimiter.numRequeues(key);
        emit(priorityQueue === undefined ? { _tag: 'Started', key, attempt } : { _tag: 'Started', key, attempt, priority });
        if (running.get(key) !== run) return; // the consumer unsubscribed from inside `next`
        let settled = false;
        run.subscription.add(
          defer(() => from(reconcileOnce(key, controller.signal))).subscribe({
            next: (value) => {
              if (settled) return;
              settled = true;
              guarded(() => {
                finish(key, run, { ok: true, value: value ?? undefined });
              })();
            },
            error: (error: unknown) => {
              if (settled) return;
              settled = true;
              guarded(() => {
                finish(key, run, { ok: false, error });
              })();
            },
            complete: () => {
              if (settled) return;
              settled = true;
              guarded(() => {
                finish(key, run, { ok: true, value: undefined });
              })();
            },
          }),
        );
      };

      /** Step 2. Re-entrant calls (a reconcile that ends synchronously) return: the loop goes on. */
      const pump = (): void => {
        if (pumping) return;
        pumping = true;
        try {
          while (!stopping && !subscriber.closed && running.size < concurrency) {
            const next = getWithPriority(state, scheduler.now());
            if (next === undefined) break;
            start(next.key, next.priority);
          }
        } finally {
          pumping = false;
        }
      };

      /** Step 5: the source completed. */
      const endInput = (): void => {
        if (stopping || inputDone) return;
        inputDone = true;
        sourceSubscription?.unsubscribe();
        shutDownQueue(state);
        wakeUp?.unsubscribe();
        wakeUp = undefined;
        pump();
        if (running.size === 0 && len(state) === 0) complete();
      };

      /** Step 6. */
      const shutDown = (): void => {
        if (stopping) return;
        stopping = true;
        sourceSubscription?.unsubscribe();
        shutDownWithDrain(state);
        wakeUp?.unsubscribe();
        wakeUp = undefined;
        if (running.size === 0) {
          complete();
          return;
        }
        if (subscriber.closed) return;
        deadline = scheduler.schedule(() => {
          deadline = undefined;
          for (const key of abortAll()) emit({ _tag: 'Aborted', key });
          subscriber.complete();
        }, drainTimeoutMs);
      };

      if (shutdown$ !== undefined) {
        teardown.add(
          shutdown$.subscribe({
            next: shutDown,
            error: fail,
          }),
        );
      }
      // a synchronous shutdown$ with nothing running has completed the subscriber already
      if (!subscriber.closed) {
        sourceSubscription = (debounced === undefined ? source : source.pipe(debouncedAtHighest(debounced))).subscribe({
          next: (key) => {
            guarded(() => {
              add(state, keyOf(key), priorityOf(key), scheduler.now());
              pump();
            })();
          },
          error: fail,
          complete: endInput,
        });
        teardown.add(sourceSubscription);
      }
      return (): void => {
        teardown.unsubscribe();
        wakeUp?.unsubscribe();
        deadline?.unsubscribe();
        abortAll();
        queueMetrics?.dispose();
      };
    });
  const measured: OperatorFunction<string | PrioritizedKey, ReconcileEvent> =
    metrics === undefined ? loop : (source) => loop(source).pipe(reconcileMetrics(metrics, name));
  return logger === undefined ? measured : (source) => measured(source).pipe(logReconcileEvents(logger, name));
};
