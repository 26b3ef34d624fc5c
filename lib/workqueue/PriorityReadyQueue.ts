/**
 * The priority of a key in a priority work queue: higher runs first. Live changes get
 * {@link DEFAULT_PRIORITY}, keys from an initial list or a resync {@link LOW_PRIORITY}; any other
 * integer works (controller-runtime allows any `int`).
 *
 * Maps to controller-runtime's `priorityqueue.AddOpts.Priority` (`handler.LowPriority` is -100).
 *
 * ```
 * add(a, LOW) add(b, DEFAULT)   get() → b, then a
 * ```
 *
 * @example
 * ```ts
 * import { DEFAULT_PRIORITY, LOW_PRIORITY } from 'kube-rx';
 * LOW_PRIORITY < DEFAULT_PRIORITY; // true
 * ```
 * @category controller
 * @since 0.3.0
 */
export const LOW_PRIORITY = -100;

/**
 * The priority of a key added without one (a live change): {@link LOW_PRIORITY} yields to it.
 *
 * Maps to controller-runtime's zero `AddOpts.Priority`.
 *
 * ```
 * add(a) ≡ add(a, DEFAULT_PRIORITY)
 * ```
 *
 * @example
 * ```ts
 * import { DEFAULT_PRIORITY } from 'kube-rx';
 * DEFAULT_PRIORITY; // 0
 * ```
 * @category controller
 * @since 0.3.0
 */
export const DEFAULT_PRIORITY = 0;

/**
 * How long a ready key may be overtaken by keys of higher priority before it ages (default of
 * {@link PriorityQueueOptions.agingMs}): 60 s.
 *
 * Maps to nothing in controller-runtime (its priority queue never ages a key).
 *
 * ```
 * ready at t, low:  overtaken by higher keys until t + 60 000, by none that came after it from then on
 * ```
 *
 * @example
 * ```ts
 * import { DEFAULT_AGING_MS } from 'kube-rx';
 * DEFAULT_AGING_MS; // 60000
 * ```
 * @category controller
 * @since 0.3.0
 */
export const DEFAULT_AGING_MS = 60_000;

/**
 * Options of a priority work queue (`priorityQueue` of {@link kube-rx!ReconcileConfig}).
 *
 * Maps to controller-runtime's `UsePriorityQueue`, plus aging, which controller-runtime lacks.
 *
 * ```
 * agingMs 100:  low a ready at 0, a steady stream of high keys:  a is handed out at the first free worker after 100
 * ```
 *
 * @example
 * ```ts
 * import type { PriorityQueueOptions } from 'kube-rx';
 * const options: PriorityQueueOptions = { agingMs: 30_000 };
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface PriorityQueueOptions {
  /**
   * A key ready for this long is overtaken by no key that became ready after it (default
   * {@link DEFAULT_AGING_MS}; `Infinity` never ages, as controller-runtime).
   */
  readonly agingMs?: number;
}

/**
 * One ready key of a {@link PriorityReadyQueue}. Owned and mutated by the functions of this module.
 *
 * Maps to controller-runtime's priority queue `item` (`Key`, `Priority`, `AddedCounter`).
 *
 * ```
 * push(a, -100, now=5) → { key: 'a', priority: -100, readyAt: 5 }
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const r = q.createPriorityReadyQueue(1000);
 * q.pushReady(r, 'a', -100, 5);
 * r.entries.get('a')?.readyAt; // 5
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface ReadyEntry {
  readonly key: string;
  /** Raised (never lowered) by {@link raiseReady}. */
  priority: number;
  /** When the key became ready (scheduler ms): its age counts from here. */
  readonly readyAt: number;
}

/**
 * A FIFO of {@link ReadyEntry}s with lazy removal, inside a {@link PriorityReadyQueue}:
 * `items[head..]` may hold stale entries (handed out, or raised to another priority), skipped
 * when read; the array is compacted once `head` passes half its length.
 *
 * Maps to nothing in controller-runtime (its b-tree removes at once).
 *
 * ```
 * items [a, b*, c]  head 0   (b* stale)   first current: a, then c
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const r = q.createPriorityReadyQueue(100);
 * q.pushReady(r, 'a', 0, 0);
 * r.order.items.length; // 1
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface ReadyFifo {
  readonly items: ReadyEntry[];
  head: number;
}

/**
 * The ready part of a priority work queue: every ready key once, by priority (highest first), FIFO
 * within a priority, with aging. Dirty/processing/waiting bookkeeping stays in
 * {@link kube-rx/reducers!WorkQueueState}, which holds this instead of its FIFO array when created with
 * `{ priority }`.
 *
 * Maps to controller-runtime's `priorityqueue` b-tree (`less`: priority, then `AddedCounter`).
 *
 * Algorithm: one FIFO per priority level plus one FIFO of all entries in the order they became
 * ready, both with lazy removal (an entry is current while `entries` maps its key to it and, in a
 * level, while its priority is that level's). {@link popReady} first looks at the oldest ready
 * entry: if it has waited `agingMs`, it goes; otherwise the head of the highest non-empty level
 * goes. So a key that has waited `agingMs` is overtaken by no key that became ready after it:
 * its wait is at most `agingMs` plus the time the workers take for the keys that were ready
 * before it (and the runs in progress), whatever the stream of higher keys. Push, raise and pop
 * are amortised O(1) (plus the number of distinct levels, a handful).
 *
 * ```
 * push(a, -100, 0) push(b, 0, 1)        pop(now=2) → b   pop(now=3) → a
 * push(a, -100, 0) push(b, 0, 1)        pop(now=agingMs) → a   (aged)
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const r = q.createPriorityReadyQueue(100);
 * q.pushReady(r, 'a', -100, 0);
 * q.pushReady(r, 'b', 0, 1);
 * [q.popReady(r, 2)?.key, q.popReady(r, 3)?.key]; // ['b', 'a']
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface PriorityReadyQueue {
  readonly agingMs: number;
  /** The current entry of each ready key. */
  readonly entries: Map<string, ReadyEntry>;
  /** Every entry in the order it became ready (stale ones skipped). */
  readonly order: ReadyFifo;
  /** One FIFO per priority. */
  readonly levels: Map<number, ReadyFifo>;
  /** The priorities of `levels`, highest first. */
  readonly priorities: number[];
  /** Current entries per priority. */
  readonly counts: Map<number, number>;
}

/**
 * Creates an empty {@link PriorityReadyQueue} whose keys age after `agingMs`.
 *
 * Maps to controller-runtime's `priorityqueue.New` (the b-tree part).
 *
 * ```
 * createPriorityReadyQueue(100) → entries: {}
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * q.createPriorityReadyQueue(100).entries.size; // 0
 * ```
 * @category controller
 * @since 0.3.0
 */
export const createPriorityReadyQueue = (agingMs: number = DEFAULT_AGING_MS): PriorityReadyQueue => {
  if (!(agingMs >= 0)) throw new TypeError(`agingMs must be >= 0, got ${agingMs}`);
  return { agingMs, entries: new Map(), order: { items: [], head: 0 }, levels: new Map(), priorities: [], counts: new Map() };
};

const levelOf = (r: PriorityReadyQueue, priority: number): ReadyFifo => {
  const found = r.levels.get(priority);
  if (found !== undefined) return found;
  const level: ReadyFifo = { items: [], head: 0 };
  r.levels.set(priority, level);
  const at = r.priorities.findIndex((p) => p < priority);
  r.priorities.splice(at < 0 ? r.priorities.length : at, 0, priority);
  return level;
};

const count = (r: PriorityReadyQueue, priority: number, by: number): void => {
  const n = (r.counts.get(priority) ?? 0) + by;
  r.counts.set(priority, n);
  const level = r.levels.get(priority);
  if (n === 0 && level !== undefined) {
    // only stale entries left: drop them
    level.items.length = 0;
    level.head = 0;
  }
};

/** The first current entry of `fifo` (dropping stale ones before it), or undefined. */
const peek = (fifo: ReadyFifo, current: (e: ReadyEntry) => boolean): ReadyEntry | undefined => {
  for (;;) {
    const e = fifo.items[fifo.head];
    if (e === undefined) {
      fifo.items.length = 0;
      fifo.head = 0;
      return undefined;
    }
    if (current(e)) return e;
    fifo.head += 1;
    if (fifo.head * 2 >= fifo.items.length) {
      fifo.items.splice(0, fifo.head);
      fifo.head = 0;
    }
  }
};

/**
 * Makes `key` ready at `priority`, as of `now`. The key must not be ready already (raise it with
 * {@link raiseReady} instead).
 *
 * Maps to controller-runtime's `AddWithOpts` for a key not yet in the queue.
 *
 * ```
 * push(a, 0, 5)   → entries {a: 0@5}
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const r = q.createPriorityReadyQueue(100);
 * q.pushReady(r, 'a', 0, 5);
 * q.readyCount(r); // 1
 * ```
 * @category controller
 * @since 0.3.0
 */
export const pushReady = (r: PriorityReadyQueue, key: string, priority: number, now: number): void => {
  const entry: ReadyEntry = { key, priority, readyAt: now };
  r.entries.set(key, entry);
  r.order.items.push(entry);
  levelOf(r, priority).items.push(entry);
  count(r, priority, 1);
};

/**
 * Raises a ready key to `priority` when that is higher than its own; it goes to the back of its
 * new level and keeps its `readyAt` (its age). Returns the priority it had when raised, else
 * `undefined`.
 *
 * Maps to controller-runtime's `AddWithOpts` for a key already queued ("the max of the passed
 * priorities").
 *
 * ```
 * push(a, -100, 0) push(b, 0, 1) raise(a, 0)   pop → b, a
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const r = q.createPriorityReadyQueue(100);
 * q.pushReady(r, 'a', -100, 0);
 * q.raiseReady(r, 'a', 0); // -100
 * ```
 * @category controller
 * @since 0.3.0
 */
export const raiseReady = (r: PriorityReadyQueue, key: string, priority: number): number | undefined => {
  const entry = r.entries.get(key);
  if (entry === undefined || priority <= entry.priority) return undefined;
  const from = entry.priority;
  count(r, from, -1);
  entry.priority = priority;
  levelOf(r, priority).items.push(entry);
  count(r, priority, 1);
  return from;
};

/**
 * Takes the next ready key at `now`: the oldest one if it has waited `agingMs`, otherwise the
 * first of the highest priority. `undefined` when none is ready.
 *
 * Maps to controller-runtime's `GetWithPriority` (the b-tree's first unlocked item), plus aging.
 *
 * ```
 * {a: -100@0, b: 0@1}, agingMs 10:   pop(5) → b     pop(10) → a
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * const r = q.createPriorityReadyQueue(10);
 * q.pushReady(r, 'a', -100, 0);
 * q.pushReady(r, 'b', 0, 1);
 * q.popReady(r, 10)?.key; // 'a'
 * ```
 * @category controller
 * @since 0.3.0
 */
export const popReady = (r: PriorityReadyQueue, now: number): ReadyEntry | undefined => {
  const isCurrent = (e: ReadyEntry): boolean => r.entries.get(e.key) === e;
  const oldest = peek(r.order, isCurrent);
  if (oldest === undefined) return undefined;
  let next = oldest;
  if (now - oldest.readyAt < r.agingMs) {
    for (const priority of r.priorities) {
      if ((r.counts.get(priority) ?? 0) === 0) continue;
      const level = r.levels.get(priority);
      const head = level === undefined ? undefined : peek(level, (e) => isCurrent(e) && e.priority === priority);
      if (head !== undefined) {
        next = head;
        break;
      }
    }
  }
  r.entries.delete(next.key);
  count(r, next.priority, -1);
  return next;
};

/**
 * The number of ready keys. O(1).
 *
 * Maps to controller-runtime's priority queue `Len`.
 *
 * ```
 * push(a) push(b) → 2
 * ```
 *
 * @example
 * ```ts
 * import { workQueueState as q } from 'kube-rx/reducers';
 * q.readyCount(q.createPriorityReadyQueue(10)); // 0
 * ```
 * @category controller
 * @since 0.3.0
 */
export const readyCount = (r: PriorityReadyQueue): number => r.entries.size;
