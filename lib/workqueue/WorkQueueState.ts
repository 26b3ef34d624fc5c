import type { QueueMetrics } from '../metrics/queueMetrics.js';
import {
  createPriorityReadyQueue,
  DEFAULT_PRIORITY,
  popReady,
  type PriorityQueueOptions,
  type PriorityReadyQueue,
  pushReady,
  raiseReady,
  readyCount,
} from './PriorityReadyQueue.js';

// the ready part of a priority queue belongs to these reducers (`workQueueState` of `kube-rx/reducers`)
export { createPriorityReadyQueue, popReady, pushReady, raiseReady, readyCount } from './PriorityReadyQueue.js';

/**
 * One delayed add of a {@link WorkQueueState}: `key` becomes due at `readyAt` (scheduler time,
 * ms). `seq` breaks ties so that keys due at the same instant come out in the order they were
 * delayed. Owned and mutated by the functions of this module (read it, do not write it).
 *
 * Maps to client-go's `waitFor` (`data`, `readyAt`, `index`) in `delaying_queue.go`.
 *
 * ```
 * addAfter(a, 50, now=0) → { key: 'a', readyAt: 50, seq: 0, priority: 0, index: 0 }
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const s = q.createWorkQueueState();
 * q.addAfter(s, 'a', 50, 0);
 * s.waiting.get('a')?.readyAt; // 50
 * ```
 * @category controller
 * @since 0.1.0
 */
export interface WaitingEntry {
  readonly key: string;
  readyAt: number;
  readonly seq: number;
  /** The priority it is added with when due (the highest it was delayed with). @since 0.3.0 */
  priority: number;
  /** Position in `waitingHeap`, kept up to date by the heap helpers. */
  index: number;
}

/**
 * The mutable state of one work queue, owned by a single subscription of {@link kube-rx!reconcileWith}
 * (or by a test). Every function of this module mutates it in place; `add`, `get` and `done` are
 * O(1) (amortised), delayed adds O(log n) in the number of waiting keys, as client-go's heap.
 *
 * Maps to client-go's `workqueue.Typed` (`queue`, `dirty`, `processing`, `shuttingDown`, `drain`)
 * plus the `waitingForQueue` heap of `delayingType` (`delaying_queue.go`).
 *
 * Invariants:
 * - Every key in `queue[head..]` is in `dirty`, and appears there once.
 * - A key in `dirty` but not in `queue[head..]` is in `processing`: it changed while running and
 *   is queued again by {@link done}.
 * - A key is never both in `queue[head..]` and in `processing`.
 * - `waiting` and `waitingHeap` hold the same entries; each waiting key once, at its earliest
 *   `readyAt`. Waiting is independent of the three sets above: a due key goes through {@link add}.
 * - After {@link shutDown}, nothing is added (adds and delayed adds are no-ops) and `waiting` is
 *   empty.
 * - A priority queue (created with `{ priority }`, controller-runtime's priority queue) keeps its
 *   ready keys in `ready` ({@link PriorityReadyQueue}) instead of `queue`, with the same
 *   invariants; a key dirty while processing has its re-run priority in `rerun`.
 *
 * ```
 * add(a) add(b) get()→a add(a)          queue: [b]   dirty: {a, b}   processing: {a}
 * done(a)                               queue: [b, a]   dirty: {a, b}   processing: {}
 * addAfter(c, 50, now=0)                waiting: {c@50}
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const s = q.createWorkQueueState();
 * q.add(s, 'a');
 * q.get(s); // 'a'
 * q.done(s, 'a');
 * ```
 * @category controller
 * @since 0.1.0
 */
export interface WorkQueueState {
  /** Keys ready to run, in order, from index `head` on. client-go `queue`. */
  readonly queue: string[];
  /** Index of the next key to hand out in `queue`; `queue[0..head)` awaits compaction. */
  head: number;
  /** Keys that need processing (queued, or changed while running). client-go `dirty`. */
  readonly dirty: Set<string>;
  /** Keys handed out by {@link get} and not yet {@link done}. client-go `processing`. */
  readonly processing: Set<string>;
  /** Delayed adds by key. client-go `waitingEntryByData`. */
  readonly waiting: Map<string, WaitingEntry>;
  /** The same entries as a binary min-heap on `(readyAt, seq)`. client-go `waitForPriorityQueue`. */
  readonly waitingHeap: WaitingEntry[];
  /** Next tie-breaking sequence number for a delayed add. */
  seq: number;
  /** Set by {@link shutDown}: no more adds. client-go `shuttingDown`. */
  shuttingDown: boolean;
  /** Set by {@link shutDownWithDrain}: the owner waits for {@link isDrained}. client-go `drain`. */
  drain: boolean;
  /** Told of every counted add, get, done and delayed re-add, when given to {@link createWorkQueueState}. client-go `metrics`. */
  readonly metrics?: QueueMetrics;
  /**
   * A priority queue's ready keys (created with `{ priority }`), used instead of `queue`/`head`.
   * controller-runtime's `priorityqueue`. @since 0.3.0
   */
  readonly ready?: PriorityReadyQueue;
  /** A priority queue's keys dirtied while processing: the (highest) priority they go back with. @since 0.3.0 */
  readonly rerun?: Map<string, number>;
}

/**
 * Options of {@link createWorkQueueState}.
 *
 * Maps to controller-runtime's `UsePriorityQueue` (a queue with priorities instead of client-go's FIFO).
 *
 * ```
 * { priority: { agingMs: 100 } }   → ready keys by priority, FIFO within one, aged after 100 ms
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const s = q.createWorkQueueState(undefined, { priority: { agingMs: 100 } });
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface WorkQueueOptions {
  /** Hand out ready keys by priority (see {@link PriorityReadyQueue}); default: client-go's FIFO. */
  readonly priority?: PriorityQueueOptions;
}

/**
 * Creates an empty work queue state, optionally with a metrics recorder ({@link kube-rx!createQueueMetrics})
 * that the functions of this module keep informed.
 *
 * Maps to client-go's `workqueue.NewTyped` / `NewTypedDelayingQueue` (with
 * `TypedQueueConfig.MetricsProvider`).
 *
 * ```
 * createWorkQueueState() → queue: [], dirty: {}, processing: {}, waiting: {}
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * q.len(q.createWorkQueueState()); // 0
 * ```
 * @category controller
 * @since 0.1.0
 */
export const createWorkQueueState = (metrics?: QueueMetrics, options: WorkQueueOptions = {}): WorkQueueState => ({
  queue: [],
  head: 0,
  dirty: new Set(),
  processing: new Set(),
  waiting: new Map(),
  waitingHeap: [],
  seq: 0,
  shuttingDown: false,
  drain: false,
  ...(metrics === undefined ? {} : { metrics }),
  ...(options.priority === undefined ? {} : { ready: createPriorityReadyQueue(options.priority.agingMs), rerun: new Map<string, number>() }),
});

/**
 * The number of keys ready to be handed out (not counting running or waiting ones). O(1).
 *
 * Maps to client-go's `Typed.Len`.
 *
 * ```
 * add(a) add(b) add(a) → 2
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const s = q.createWorkQueueState();
 * q.add(s, 'a'); q.add(s, 'a');
 * q.len(s); // 1
 * ```
 * @category controller
 * @since 0.1.0
 */
export const len = (state: WorkQueueState): number =>
  state.ready === undefined ? state.queue.length - state.head : readyCount(state.ready);

/**
 * Marks `key` as needing processing. Returns whether it was appended to the queue.
 *
 * In a priority queue (created with `{ priority }`), `priority` and `now` (scheduler ms, from
 * which the key's age counts) place the key; a dirty key added again at a higher priority is
 * raised (controller-runtime: "the max of the passed priorities"). A FIFO queue ignores both.
 *
 * Maps to client-go's `Typed.Add` and controller-runtime's `priorityqueue.AddWithOpts`.
 *
 * ```
 * waiting:     add(a) add(a)           → queue [a]           (coalesced)
 * processing:  get()→a add(a)          → queue []  dirty {a} (runs again after done(a))
 * priority:    add(a, -100) add(b) add(a, 0)   → a raised to 0, behind b
 * ```
 *
 * Algorithm:
 * 1. If shutting down, stop. If `key` is already dirty, raise it to `priority` (a priority queue:
 *    its ready entry, or the entry it will go back with after its run) and stop (a waiting key
 *    coalesces; a running key already changed once will run once more).
 * 2. Mark `key` dirty (and tell the metrics: an add, depth up).
 * 3. If `key` is processing, stop: {@link done} queues it (a priority queue remembers `priority`
 *    for it).
 * 4. Append `key` to the queue (a priority queue: {@link pushReady}).
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const s = q.createWorkQueueState();
 * [q.add(s, 'a'), q.add(s, 'a')]; // [true, false]
 * ```
 * @category controller
 * @since 0.1.0
 */
export const add = (state: WorkQueueState, key: string, priority: number = DEFAULT_PRIORITY, now = 0): boolean => {
  if (state.shuttingDown) return false;
  const { ready, rerun } = state;
  if (state.dirty.has(key)) {
    if (ready !== undefined && rerun !== undefined) raise(state, ready, rerun, key, priority);
    return false;
  }
  state.metrics?.add(key, ready === undefined ? undefined : priority);
  state.dirty.add(key);
  if (state.processing.has(key)) {
    rerun?.set(key, priority);
    return false;
  }
  if (ready === undefined) state.queue.push(key);
  else pushReady(ready, key, priority, now);
  return true;
};

/** Raises a dirty key: its ready entry, or (processing) the entry it goes back with. */
const raise = (state: WorkQueueState, ready: PriorityReadyQueue, rerun: Map<string, number>, key: string, priority: number): void => {
  const after = rerun.get(key);
  if (after !== undefined) {
    if (priority <= after) return;
    state.metrics?.raise?.(after, priority);
    rerun.set(key, priority);
    return;
  }
  const from = raiseReady(ready, key, priority);
  if (from !== undefined) state.metrics?.raise?.(from, priority);
};

/**
 * Hands out the next ready key, or `undefined` when none is ready. The key moves from dirty to
 * processing until {@link done}. As in client-go, queued keys are still handed out after
 * {@link shutDown} (an owner that stops at shutdown simply stops calling `get`).
 *
 * Maps to client-go's `Typed.Get` (without the blocking: `undefined` is "would block", or
 * "shutdown" when `shuttingDown` is set).
 *
 * ```
 * queue [a, b]  get() → a    queue [b]  processing {a}
 * ```
 *
 * A priority queue hands out by priority and age at `now` (see {@link getWithPriority}).
 *
 * Algorithm:
 * 1. If the queue is empty, return `undefined`.
 * 2. Take the head key; compact the array once `head` passes half its length (amortised O(1)).
 *    (A priority queue: {@link popReady} at `now`.)
 * 3. Move the key from `dirty` to `processing` (telling the metrics) and return it.
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const s = q.createWorkQueueState();
 * q.add(s, 'a');
 * [q.get(s), q.get(s)]; // ['a', undefined]
 * ```
 * @category controller
 * @since 0.1.0
 */
export const get = (state: WorkQueueState, now = 0): string | undefined => getWithPriority(state, now)?.key;

/**
 * {@link get}, with the priority the key was handed out at ({@link DEFAULT_PRIORITY} in a FIFO
 * queue). In a priority queue the key is the oldest ready one if it has waited `agingMs` at
 * `now`, else the first of the highest priority.
 *
 * Maps to controller-runtime's `priorityqueue.GetWithPriority`.
 *
 * ```
 * add(a, -100) add(b, 0)   getWithPriority() → { key: 'b', priority: 0 }
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const s = q.createWorkQueueState(undefined, { priority: {} });
 * q.add(s, 'a', -100); q.add(s, 'b', 0);
 * q.getWithPriority(s)?.key; // 'b'
 * ```
 * @category controller
 * @since 0.3.0
 */
export const getWithPriority = (state: WorkQueueState, now = 0): { readonly key: string; readonly priority: number } | undefined => {
  const { ready } = state;
  if (ready !== undefined) {
    const entry = popReady(ready, now);
    if (entry === undefined) return undefined;
    state.dirty.delete(entry.key);
    state.processing.add(entry.key);
    state.metrics?.get(entry.key, entry.priority);
    return { key: entry.key, priority: entry.priority };
  }
  if (state.head >= state.queue.length) return undefined;
  const key = state.queue[state.head];
  state.head += 1;
  if (state.head * 2 >= state.queue.length) {
    state.queue.splice(0, state.head);
    state.head = 0;
  }
  if (key === undefined) return undefined;
  state.dirty.delete(key);
  state.processing.add(key);
  state.metrics?.get(key);
  return { key, priority: DEFAULT_PRIORITY };
};

/**
 * Marks `key` as finished. If it was added while running, it is queued again. Returns whether it
 * was queued again.
 *
 * Maps to client-go's `Typed.Done`.
 *
 * ```
 * get()→a  add(a)  done(a)  → queue [a]
 * get()→b          done(b)  → queue []
 * ```
 *
 * Algorithm:
 * 1. Tell the metrics; remove `key` from processing.
 * 2. If `key` is dirty, append it to the queue (even while shutting down, as client-go does) and
 *    return `true`. A priority queue queues it, ready as of `now`, at the highest priority it was
 *    added with while it ran.
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const s = q.createWorkQueueState();
 * q.add(s, 'a'); q.get(s); q.add(s, 'a');
 * q.done(s, 'a'); // true
 * ```
 * @category controller
 * @since 0.1.0
 */
export const done = (state: WorkQueueState, key: string, now = 0): boolean => {
  state.metrics?.done(key);
  state.processing.delete(key);
  if (!state.dirty.has(key)) return false;
  const { ready } = state;
  if (ready === undefined) {
    state.queue.push(key);
    return true;
  }
  const priority = state.rerun?.get(key) ?? DEFAULT_PRIORITY;
  state.rerun?.delete(key);
  pushReady(ready, key, priority, now);
  return true;
};

const before = (a: WaitingEntry, b: WaitingEntry): boolean =>
  a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);

const swap = (heap: WaitingEntry[], i: number, j: number, a: WaitingEntry, b: WaitingEntry): void => {
  heap[i] = b;
  heap[j] = a;
  b.index = i;
  a.index = j;
};

const siftUp = (heap: WaitingEntry[], start: number): void => {
  let i = start;
  for (;;) {
    const parentIndex = (i - 1) >> 1;
    const node = heap[i];
    const parent = heap[parentIndex];
    if (i === 0 || node === undefined || parent === undefined || !before(node, parent)) return;
    swap(heap, parentIndex, i, parent, node);
    i = parentIndex;
  }
};

const siftDown = (heap: WaitingEntry[], start: number): void => {
  let i = start;
  for (;;) {
    const node = heap[i];
    if (node === undefined) return;
    const l = heap[2 * i + 1];
    const r = heap[2 * i + 2];
    let smallest = node;
    let smallestIndex = i;
    if (l !== undefined && before(l, smallest)) {
      smallest = l;
      smallestIndex = 2 * i + 1;
    }
    if (r !== undefined && before(r, smallest)) {
      smallest = r;
      smallestIndex = 2 * i + 2;
    }
    if (smallestIndex === i) return;
    swap(heap, i, smallestIndex, node, smallest);
    i = smallestIndex;
  }
};

const popHeap = (heap: WaitingEntry[]): WaitingEntry | undefined => {
  const top = heap[0];
  const last = heap.pop();
  if (top === undefined || last === undefined) return undefined;
  if (last !== top) {
    heap[0] = last;
    last.index = 0;
    siftDown(heap, 0);
  }
  return top;
};

/**
 * Adds `key` once `delayMs` has passed from `now`. A key already waiting keeps the earlier of its
 * two due times (and, in a priority queue, the higher of its two priorities). Returns `'added'`
 * when `delayMs <= 0` (the key went through {@link add} at once), `'waiting'` otherwise,
 * `'ignored'` when shutting down.
 *
 * Maps to client-go's `delayingType.AddAfter` and its `waitingLoop` insertion
 * (`insert`: "if the entry already exists, update the time only if it would cause the item to be
 * queued sooner").
 *
 * ```
 * addAfter(a, 50) addAfter(a, 70)   → a due at 50
 * addAfter(a, 70) addAfter(a, 50)   → a due at 50
 * ```
 *
 * Algorithm:
 * 1. If shutting down, stop. Count a retry in the metrics.
 * 2. If `delayMs <= 0`, {@link add} `key` and stop.
 * 3. Let `readyAt = now + delayMs`. If `key` is waiting with a later due time, move it to
 *    `readyAt` (sift up); if it is waiting with an earlier or equal one, leave it.
 * 4. Otherwise insert a new entry into the heap.
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const s = q.createWorkQueueState();
 * q.addAfter(s, 'a', 50, 0); // 'waiting'
 * q.nextReadyAt(s);          // 50
 * ```
 * @category controller
 * @since 0.1.0
 */
export const addAfter = (
  state: WorkQueueState,
  key: string,
  delayMs: number,
  now: number,
  priority: number = DEFAULT_PRIORITY,
): 'added' | 'waiting' | 'ignored' => {
  if (state.shuttingDown) return 'ignored';
  state.metrics?.retry();
  if (!(delayMs > 0)) {
    add(state, key, priority, now);
    return 'added';
  }
  const readyAt = now + delayMs;
  const existing = state.waiting.get(key);
  if (existing !== undefined) {
    existing.priority = Math.max(existing.priority, priority);
    if (readyAt < existing.readyAt) {
      existing.readyAt = readyAt;
      siftUp(state.waitingHeap, existing.index);
    }
    return 'waiting';
  }
  const entry: WaitingEntry = { key, readyAt, seq: state.seq, priority, index: state.waitingHeap.length };
  state.seq += 1;
  state.waiting.set(key, entry);
  state.waitingHeap.push(entry);
  siftUp(state.waitingHeap, entry.index);
  return 'waiting';
};

/**
 * When the earliest waiting key becomes due, or `undefined` when nothing waits. O(1).
 *
 * Maps to the `nextReadyAt` timer of client-go's `delayingType.waitingLoop`.
 *
 * ```
 * waiting {a@50, b@20} → 20
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * q.nextReadyAt(q.createWorkQueueState()); // undefined
 * ```
 * @category controller
 * @since 0.1.0
 */
export const nextReadyAt = (state: WorkQueueState): number | undefined => state.waitingHeap[0]?.readyAt;

/**
 * Moves every waiting key due at `now` or earlier into the queue (through {@link add}, so it
 * coalesces with a key already queued), earliest first. Returns the keys that became due.
 *
 * Maps to the body of client-go's `delayingType.waitingLoop` ("Add ready entries").
 *
 * ```
 * waiting {a@10, b@20, c@30}  takeReady(now=20) → [a, b]   waiting {c@30}
 * ```
 *
 * Algorithm:
 * 1. While the heap's head is due (`readyAt <= now`): pop it, forget it in `waiting`, {@link add}
 *    its key (at its priority, ready as of `now`).
 * 2. Return the popped keys in order.
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const s = q.createWorkQueueState();
 * q.addAfter(s, 'a', 10, 0);
 * [q.takeReady(s, 9), q.takeReady(s, 10)]; // [[], ['a']]
 * ```
 * @category controller
 * @since 0.1.0
 */
export const takeReady = (state: WorkQueueState, now: number): ReadonlyArray<string> => {
  const ready: string[] = [];
  for (;;) {
    const top = state.waitingHeap[0];
    if (top === undefined || top.readyAt > now) return ready;
    popHeap(state.waitingHeap);
    state.waiting.delete(top.key);
    add(state, top.key, top.priority, now);
    ready.push(top.key);
  }
};

/**
 * Stops the queue: later adds and delayed adds are ignored and waiting keys are dropped. Keys
 * already queued stay (client-go still hands them out; {@link kube-rx!reconcileWith} stops calling
 * {@link get} instead), and running keys may still call {@link done}.
 *
 * Maps to client-go's `Typed.ShutDown` plus the delaying queue's stop of its waiting loop.
 *
 * ```
 * add(a) addAfter(b, 10) shutDown() add(c)   → queue [a]   waiting {}
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const s = q.createWorkQueueState();
 * q.shutDown(s);
 * q.add(s, 'a'); // false
 * ```
 * @category controller
 * @since 0.1.0
 */
export const shutDown = (state: WorkQueueState): void => {
  state.shuttingDown = true;
  state.waiting.clear();
  state.waitingHeap.length = 0;
};

/**
 * {@link shutDown}, and asks the owner to wait until every running key is {@link done} (see
 * {@link isDrained}) before it considers the queue stopped.
 *
 * Maps to client-go's `Typed.ShutDownWithDrain` (whose blocking `waitForProcessing` is the
 * owner's job here).
 *
 * ```
 * get()→a get()→b shutDownWithDrain()   isDrained: false
 * done(a) done(b)                       isDrained: true
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const s = q.createWorkQueueState();
 * q.add(s, 'a'); q.get(s);
 * q.shutDownWithDrain(s);
 * q.isDrained(s); // false
 * ```
 * @category controller
 * @since 0.1.0
 */
export const shutDownWithDrain = (state: WorkQueueState): void => {
  state.drain = true;
  shutDown(state);
};

/**
 * Whether nothing is processing any more. O(1).
 *
 * Maps to the exit condition of client-go's `Typed.waitForProcessing` (`processing.len() == 0`).
 *
 * ```
 * processing {a} → false;   processing {} → true
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * q.isDrained(q.createWorkQueueState()); // true
 * ```
 * @category controller
 * @since 0.1.0
 */
export const isDrained = (state: WorkQueueState): boolean => state.processing.size === 0;
