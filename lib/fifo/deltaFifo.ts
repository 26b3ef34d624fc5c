import { Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

import type { KubeObject } from '../meta/KubeObject.js';
import { type KeyFunc, metaNamespaceKeyFunc } from '../meta/keyFunc.js';
import type { ReflectorDataEvent, ReflectorEvent } from '../reflector/ReflectorEvent.js';
import { immediateScheduler } from '../operators/immediateScheduler.js';
import type { Store } from '../store/Store.js';
import type { Deltas } from './Delta.js';
import {
  addObject,
  createFifoState,
  deleteObject,
  type FifoOrder,
  passThrough,
  pop,
  queueLength,
  beginReplace,
  endReplace,
  queueListed,
  replace,
  resync,
  takeSynced,
  updateObject,
} from './FifoState.js';

/** The default `replaceSliceSize` in `batchSize`s. */
const REPLACE_SLICES_PER_BATCH = 4;

/**
 * What {@link deltaFifo} consumes: the reflector's events, plus `Resync` ticks (from a resync
 * timer) that re-deliver the known objects as `Sync` deltas.
 *
 * Maps to client-go's calls into the DeltaFIFO: the Reflector's `Replace`/`Add`/`Update`/`Delete`
 * and the resync loop's `Resync`.
 *
 * ```
 * reflector:  --L--R(a,b)--W--A(c)--M(a)------
 * resync:     ---------------------------T----
 * input:      --L--R(a,b)--W--A(c)--M(a)-T----   (merge)
 * ```
 *
 * @example
 * ```ts
 * import type { FifoInput, KubeObject } from 'kube-rx';
 * const tick: FifoInput<KubeObject> = { _tag: 'Resync' };
 * ```
 * @category fifo
 * @since 0.1.0
 */
export type FifoInput<T> = ReflectorEvent<T> | { readonly _tag: 'Resync' };

/**
 * What {@link deltaFifo} emits:
 * - `Deltas`: one popped entry, a key and everything that happened to it since it was last popped;
 * - `Synced`: once, when every entry of the first Replace has been delivered;
 * - the reflector's non-data events (`Listing`, `Watching`, `Error`, `Backoff`, `Bookmark`,
 *   `Invalid`), passed through as they arrive.
 *
 * Maps to client-go's `PopProcessFunc(Deltas, isInInitialList)` calls plus `HasSynced`.
 *
 * ```
 * input:   --L--R(a,b)------W--M(a)--
 * output:  --L--(a b S)-----W--a'----   a, b: Deltas (isInInitialList), S: Synced, a': Deltas [Updated]
 * ```
 *
 * @example
 * ```ts
 * import type { FifoOutput, KubeObject } from 'kube-rx';
 * const out: FifoOutput<KubeObject> = { _tag: 'Synced' };
 * ```
 * @category fifo
 * @since 0.1.0
 */
export type FifoOutput<T> =
  | { readonly _tag: 'Deltas'; readonly key: string; readonly deltas: Deltas<T>; readonly isInInitialList: boolean }
  | { readonly _tag: 'Synced' }
  | Exclude<ReflectorEvent<T>, ReflectorDataEvent<T>>;

/**
 * Options of {@link deltaFifo}.
 *
 * Maps to client-go's `DeltaFIFOOptions` (`KeyFunction`, `KnownObjects`, `Transformer`,
 * `EmitDeltaTypeReplaced` is always on) and `RealFIFO` for `order: 'global'`.
 *
 * ```
 * demand (initialDemand 0):  --------1------2--
 * output:                    --------x------(yz)
 * ```
 *
 * @example
 * ```ts
 * import type { DeltaFifoConfig, KubeObject } from 'kube-rx';
 * const config: DeltaFifoConfig<KubeObject> = { order: 'global' };
 * ```
 * @category fifo
 * @since 0.1.0
 */
export interface DeltaFifoConfig<T> {
  /** Key of an object (default {@link metaNamespaceKeyFunc}). client-go `KeyFunction`. */
  readonly keyFunc?: KeyFunc<T>;
  /**
   * The store the downstream consumer maintains from the popped deltas. client-go `KnownObjects`.
   * Needed for deletion detection on Replace, for Resync, and to drop deletions of unknown keys.
   */
  readonly knownObjects?: Store<T>;
  /**
   * Applied to every object of a Replace, Added, Modified or Deleted event before it is queued
   * (DESIGN S3; client-go `TransformFunc`); not to tombstones nor to `Sync` objects, which come
   * from `knownObjects` and are transformed already. Keys are computed on the transformed object,
   * so it must keep namespace and name.
   */
  readonly transform?: (obj: T) => T;
  /**
   * The pull side (client-go `Pop`): each emission grants that many pops (`Infinity` switches to
   * always ready). Absent: always ready. Once it completes no more pops are granted.
   */
  readonly demand?: Observable<number>;
  /** Pops granted at subscribe time when `demand` is given (default 1). */
  readonly initialDemand?: number;
  /** `'key'` (default): per-key coalescing, client-go DeltaFIFO. `'global'`: arrival order, RealFIFO (F7). */
  readonly order?: FifoOrder;
  /**
   * At most this many entries are emitted in one synchronous run; the rest follow in later runs
   * on `scheduler` (delay 0), so that a Replace of 50k objects does not hold the event loop for
   * its whole fan-out (issue 5). Inputs arriving meanwhile wait, in order, until the queue is
   * empty, so the output is exactly the one without batches (same entries, same coalescing, same
   * `isInInitialList`, `Synced` and pass-through events in the same places), only spread over
   * several runs. Default: no limit (everything at once).
   * @since 0.2.0
   */
  readonly batchSize?: number;
  /**
   * A Replace of more objects than this is keyed and queued this many objects per run (the first
   * at once, the others on `scheduler`), so that queueing a list of 50k objects does not hold the
   * event loop either (issue 23). Nothing is popped and inputs arriving meanwhile wait until its
   * last run, so the state and the output are exactly those of one Replace. Default: 4 ×
   * `batchSize` (queueing an object costs a fraction of emitting it; no limit without `batchSize`).
   * @since 0.3.0
   */
  readonly replaceSliceSize?: number;
  /**
   * Where the runs after a full batch are scheduled. Default {@link immediateScheduler} (since
   * 0.3.0; was `asyncScheduler`, whose zero-delay runs Node delays by at least 1 ms each).
   * @since 0.2.0
   */
  readonly scheduler?: SchedulerLike;
  /**
   * The fast lane (default `true`): while nothing is queued, nothing waits, no drain is running
   * and demand is unlimited, an `Added`, `Modified` or `Deleted` event is emitted at once as a
   * one-delta entry ({@link kube-rx/reducers!fifoState.passThrough}) instead of being queued and
   * popped. The output is the same either way (a property test compares both over random
   * inputs); `false` sends every event through the queue.
   * @since 0.3.0
   */
  readonly fastLane?: boolean;
}

/**
 * The DeltaFIFO as an operator: queues reflector events per key and emits one entry per key when
 * the consumer asks for one, with every delta that key gathered while it waited.
 *
 * Maps to client-go's `cache.DeltaFIFO` (`Add`, `Update`, `Delete`, `Replace`, `Resync`, `Pop`,
 * `HasSynced`), or `cache.RealFIFO` with `order: 'global'`. The state and its rules live in
 * {@link kube-rx/reducers!FifoState}; this operator only feeds it and drains it.
 *
 * Always ready (no `demand`): every entry goes out at once.
 * ```
 * source:  --R(a,b)---M(a2)---B---|
 * output:  --(abS)----a'------B---|      a,b: Deltas [Replaced], S: Synced, a': Deltas [Updated a2], B: Bookmark
 * ```
 * With `demand`: a key waiting for demand coalesces.
 * ```
 * source:  --A(a1)--M(a2)--M(a3)----------
 * demand:  ----------------------1--------    (initialDemand 0)
 * output:  ----------------------x--------    x: Deltas a [Added a1, Updated a2, Updated a3]
 * ```
 *
 * Algorithm (per subscription, with a fresh {@link kube-rx/reducers!FifoState}):
 * 1. Subscribe to `demand` (each value adds to the credit; credit starts at `initialDemand`, or
 *    infinite without `demand`), then to the source.
 * 2. On a source value:
 *    - `Replace` / `Added` / `Modified` / `Deleted` / `Resync`: apply {@link replace},
 *      {@link addObject}, {@link updateObject}, {@link deleteObject} or {@link resync} (after
 *      `transform`; keys are computed on the transformed object); then, if nothing is queued,
 *      emit `Synced` if {@link takeSynced} says so (an empty first Replace).
 *    - anything else: emit it unchanged.
 * 3. Drain: while credit > 0 and the queue is not empty, {@link pop} one entry, decrement the
 *    credit, emit it as `Deltas`, then emit `Synced` if {@link takeSynced} says so. A drain started
 *    while one is running (the consumer pushed input or granted demand synchronously from inside
 *    an emission) returns at once: the running loop sees the new state.
 * 4. After a drain, if the source has completed and the queue is empty, complete.
 *    With `batchSize`: a drain that has emitted `batchSize` entries stops and schedules the
 *    next drain on `scheduler`. Until a drain empties the queue, new inputs are held; then they
 *    are applied in order (step 2), up to one that starts another batched drain.
 * 5. A demand value runs step 3. An error of the source, of `demand`, of `keyFunc` or of
 *    `transform` is forwarded at once; pending entries are dropped.
 * 6. Unsubscribing unsubscribes from the source, from `demand` and cancels a scheduled drain.
 *
 * With `batchSize: 2` (one frame per scheduled run):
 * ```
 * source:  --R(a,b,c,d,e)W-M(f)--
 * output:  --(ab)(cd)(eSWf)------   S: Synced; W and M(f) held until the queue is empty
 * ```
 *
 * ## Recovery
 * The operator fails only when its source or `demand` fails or a user function throws. Retry
 * upstream of it (the reflector relists on its own); a resubscription starts with an empty FIFO.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { deltaFifo, type FifoInput, type KubeObject } from 'kube-rx';
 * const events: FifoInput<KubeObject>[] = [
 *   { _tag: 'Replace', items: [{ metadata: { name: 'a', namespace: 'ns' } }], resourceVersion: '1' },
 * ];
 * of(...events).pipe(deltaFifo()).subscribe((out) => console.log(out._tag)); // Deltas, Synced
 * ```
 * @see client-go tools/cache/delta_fifo.go, tools/cache/the_real_fifo.go
 * @category fifo
 * @since 0.1.0
 */
export const deltaFifo =
  <T extends KubeObject>(config: DeltaFifoConfig<T> = {}): OperatorFunction<FifoInput<T>, FifoOutput<T>> =>
  (source) =>
    new Observable<FifoOutput<T>>((subscriber) => {
      const {
        keyFunc = metaNamespaceKeyFunc,
        knownObjects,
        transform,
        demand,
        initialDemand = 1,
        order = 'key',
        batchSize = Number.POSITIVE_INFINITY,
        replaceSliceSize = REPLACE_SLICES_PER_BATCH * batchSize,
        scheduler = immediateScheduler,
        fastLane = true,
      } = config;
      const state = createFifoState<T>(order);
      const tx = transform ?? ((obj: T): T => obj);
      let credit = demand === undefined ? Number.POSITIVE_INFINITY : initialDemand;
      let draining = false;
      let sourceDone = false;
      /** The drain scheduled after a full batch, while it has not run. */
      let resume: Subscription | undefined;
      /** Inputs that arrived while a batched drain was unfinished, applied in order once it is done (from `heldFrom`). */
      let held: FifoInput<T>[] = [];
      let heldFrom = 0;
      let releasing = false;
      /** The next slice of a Replace longer than `batchSize`, scheduled while the Replace is unfinished. */
      let replacing: Subscription | undefined;

      const emitSyncedIfReady = (): void => {
        if (takeSynced(state)) subscriber.next({ _tag: 'Synced' });
      };

      const isReplacing = (): boolean => replacing !== undefined;

      const drain = (): void => {
        // never between the slices of a Replace: its deletions are found once every listed key is queued
        if (draining || replacing !== undefined) return;
        draining = true;
        let emitted = 0;
        try {
          // an emission may start a sliced Replace (re-entrant input): stop popping then
          while (!subscriber.closed && credit > 0 && !isReplacing()) {
            if (emitted >= batchSize) {
              if (queueLength(state) > 0 && resume === undefined) {
                resume = scheduler.schedule(() => {
                  resume = undefined;
                  drain();
                });
              }
              break;
            }
            const popped = pop(state);
            if (popped === undefined) break;
            credit -= 1;
            emitted += 1;
            // field by field, not spread: once per event, and a spread copy is several times slower
            subscriber.next({ _tag: 'Deltas', key: popped.key, deltas: popped.deltas, isInInitialList: popped.isInInitialList });
            emitSyncedIfReady();
          }
        } finally {
          draining = false;
        }
        if (queueLength(state) === 0 && resume === undefined) {
          releaseHeld();
          if (sourceDone && held.length === 0 && queueLength(state) === 0) subscriber.complete();
        }
      };

      /** Applies the inputs held during a batched drain, in order, until one starts another. */
      const releaseHeld = (): void => {
        if (releasing) return;
        releasing = true;
        try {
          while (heldFrom < held.length && resume === undefined && replacing === undefined && !subscriber.closed) {
            const input = held[heldFrom] as FifoInput<T>;
            heldFrom += 1;
            apply(input);
          }
        } catch (err: unknown) {
          subscriber.error(err);
        } finally {
          releasing = false;
          if (heldFrom === held.length) {
            held = [];
            heldFrom = 0;
          }
        }
      };

      /**
       * The fast lane: an idle FIFO with unlimited demand emits the entry that queuing and popping
       * would give, as `drain` would (re-entrant inputs meanwhile are queued and drained after).
       */
      const emitDirectly = (type: 'Added' | 'Updated' | 'Deleted', obj: T, key: string): boolean => {
        if (!fastLane || draining || resume !== undefined || replacing !== undefined || credit !== Number.POSITIVE_INFINITY || !(batchSize >= 1)) return false;
        const isInInitialList = passThrough(state);
        if (isInInitialList === undefined) return false;
        draining = true;
        try {
          subscriber.next({ _tag: 'Deltas', key, deltas: [{ type, object: obj }], isInInitialList });
          emitSyncedIfReady();
        } finally {
          draining = false;
        }
        if (queueLength(state) > 0) drain();
        return true;
      };

      /** After an input is queued: `Synced` if the queue stays empty, then the drain. */
      const afterQueued = (): void => {
        // Synced follows the pop that completes the initial population; straight after an input
        // only when nothing is queued (an empty first Replace).
        if (queueLength(state) === 0) emitSyncedIfReady();
        drain();
      };

      /**
       * A Replace longer than `replaceSliceSize` is queued that many objects per run (the first at
       * once, the others on `scheduler`); nothing is popped and later inputs wait until its last
       * slice, so the state and the output are exactly those of one `replace`.
       */
      const replaceInSlices = (items: ReadonlyArray<T>): void => {
        const listed = beginReplace(state);
        let from = 0;
        const slice = (): void => {
          replacing = undefined;
          if (subscriber.closed) return;
          try {
            const to = Math.min(items.length, from + replaceSliceSize);
            const part = items.slice(from, to);
            queueListed(state, listed, transform === undefined ? part : part.map(tx), keyFunc);
            from = to;
            if (from < items.length) {
              replacing = scheduler.schedule(slice);
              return;
            }
            endReplace(state, listed, knownObjects);
            afterQueued();
            // what arrived meanwhile now applies as it would have after a one-run Replace
            releaseHeld();
          } catch (err: unknown) {
            subscriber.error(err);
          }
        };
        slice();
      };

      const apply = (input: FifoInput<T>): void => {
        switch (input._tag) {
          case 'Replace':
            if (input.items.length > replaceSliceSize) {
              replaceInSlices(input.items);
              return;
            }
            replace(state, input.items.map(tx), keyFunc, knownObjects);
            break;
          case 'Added': {
            const obj = tx(input.object);
            const key = keyFunc(obj);
            if (emitDirectly('Added', obj, key)) return;
            addObject(state, obj, key);
            break;
          }
          case 'Modified': {
            const obj = tx(input.object);
            const key = keyFunc(obj);
            if (emitDirectly('Updated', obj, key)) return;
            updateObject(state, obj, key);
            break;
          }
          case 'Deleted': {
            const obj = tx(input.object);
            const key = keyFunc(obj);
            // a deletion of an unknown key is dropped by deleteObject (through the queue)
            if ((knownObjects === undefined || knownObjects.has(key)) && emitDirectly('Deleted', obj, key)) return;
            deleteObject(state, obj, key, knownObjects);
            break;
          }
          case 'Resync':
            resync(state, knownObjects);
            break;
          default:
            subscriber.next(input);
            return;
        }
        afterQueued();
      };

      // While a batched drain is unfinished, inputs wait (in order) instead of joining the queue:
      // the output is then exactly the unbatched one, only spread over several runs.
      const onInput = (input: FifoInput<T>): void => {
        if (resume !== undefined || replacing !== undefined || heldFrom < held.length) held.push(input);
        else apply(input);
      };

      const subscriptions: Subscription[] = [];
      if (demand !== undefined) {
        subscriptions.push(
          demand.subscribe({
            next: (n) => {
              if (n > 0) credit += n;
              drain();
            },
            error: (err: unknown) => {
              subscriber.error(err);
            },
          }),
        );
      }
      if (subscriber.closed) return undefined; // `demand` failed synchronously
      subscriptions.push(
        source.subscribe({
          next: (input) => {
            try {
              onInput(input);
            } catch (err: unknown) {
              subscriber.error(err);
            }
          },
          error: (err: unknown) => {
            subscriber.error(err);
          },
          complete: () => {
            sourceDone = true;
            drain();
          },
        }),
      );
      return (): void => {
        for (const s of subscriptions) s.unsubscribe();
        resume?.unsubscribe();
        replacing?.unsubscribe();
      };
    });
