import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createQueueMetrics } from '../../lib/metrics/queueMetrics.js';
import { createPriorityReadyQueue, DEFAULT_PRIORITY, LOW_PRIORITY, popReady, pushReady, raiseReady } from '../../lib/workqueue/PriorityReadyQueue.js';
import {
  add,
  addAfter,
  createWorkQueueState,
  done,
  get,
  getWithPriority,
  len,
  takeReady,
  type WorkQueueState,
} from '../../lib/workqueue/WorkQueueState.js';
import { recordingMetrics } from '../helpers/recordingMetrics.js';

const HIGH = DEFAULT_PRIORITY;
const LOW = LOW_PRIORITY;

/** Gets every ready key at `now`, marking each done at once. */
const drainAll = (s: WorkQueueState, now = 0): string[] => {
  const out: string[] = [];
  for (let k = get(s, now); k !== undefined; k = get(s, now)) {
    out.push(k);
    done(s, k);
  }
  return out;
};

describe('PriorityReadyQueue', () => {
  it('rejects a negative agingMs', () => {
    expect(() => createPriorityReadyQueue(-1)).toThrow(TypeError);
  });

  it('hands out the highest priority first, FIFO within a priority', () => {
    const r = createPriorityReadyQueue(1000);
    pushReady(r, 'l1', LOW, 0);
    pushReady(r, 'h1', HIGH, 1);
    pushReady(r, 'l2', LOW, 2);
    pushReady(r, 'x', 5, 3);
    pushReady(r, 'h2', HIGH, 4);
    const out = [1, 2, 3, 4, 5].map(() => popReady(r, 10)?.key);
    expect(out).toEqual(['x', 'h1', 'h2', 'l1', 'l2']);
    expect(popReady(r, 10)).toBeUndefined();
  });

  it('a raised key goes to the back of its new level and keeps its age', () => {
    const r = createPriorityReadyQueue(100);
    pushReady(r, 'a', LOW, 0);
    pushReady(r, 'b', HIGH, 5);
    expect(raiseReady(r, 'a', HIGH)).toBe(LOW);
    expect(raiseReady(r, 'a', LOW)).toBeUndefined(); // never lowered
    expect(popReady(r, 50)?.key).toBe('b');
    const a = popReady(r, 50);
    expect(a).toEqual({ key: 'a', priority: HIGH, readyAt: 0 });
  });

  it('an aged key is overtaken by no key that became ready after it', () => {
    const r = createPriorityReadyQueue(100);
    pushReady(r, 'low', LOW, 0);
    pushReady(r, 'h1', HIGH, 10);
    expect(popReady(r, 99)?.key).toBe('h1'); // not aged yet
    pushReady(r, 'h2', HIGH, 99);
    expect(popReady(r, 100)?.key).toBe('low'); // aged at 100
    expect(popReady(r, 100)?.key).toBe('h2');
  });

  it('Infinity never ages (controller-runtime)', () => {
    const r = createPriorityReadyQueue(Number.POSITIVE_INFINITY);
    pushReady(r, 'low', LOW, 0);
    pushReady(r, 'high', HIGH, 1e12);
    expect(popReady(r, 1e15)?.key).toBe('high');
  });

  it('drops the stale entries of a level once it is empty', () => {
    const r = createPriorityReadyQueue(0); // every key aged: FIFO through `order`
    for (let i = 0; i < 100; i++) pushReady(r, `k${i}`, LOW, i);
    for (let i = 0; i < 100; i++) expect(popReady(r, 1000)?.key).toBe(`k${i}`);
    expect(r.levels.get(LOW)?.items).toHaveLength(0);
    expect(r.order.items.length).toBeLessThan(2);
  });
});

describe('WorkQueueState with priorities', () => {
  it('a FIFO queue ignores priorities', () => {
    const s = createWorkQueueState();
    add(s, 'a', LOW);
    add(s, 'b', HIGH);
    expect(getWithPriority(s)).toEqual({ key: 'a', priority: DEFAULT_PRIORITY });
  });

  it('coalesces, raises a waiting key, never hands out a key twice at once, re-runs a dirty key', () => {
    const s = createWorkQueueState(undefined, { priority: { agingMs: 1000 } });
    expect(add(s, 'a', LOW, 0)).toBe(true);
    expect(add(s, 'b', HIGH, 1)).toBe(true);
    expect(add(s, 'a', LOW, 2)).toBe(false); // coalesced
    expect(len(s)).toBe(2);
    expect(add(s, 'c', LOW, 3)).toBe(true);
    expect(add(s, 'c', HIGH, 4)).toBe(false); // raised, behind b
    expect(getWithPriority(s, 5)).toEqual({ key: 'b', priority: HIGH });
    expect(getWithPriority(s, 5)).toEqual({ key: 'c', priority: HIGH });
    // c changes twice while it runs: once more afterwards, at the highest of the two
    expect(add(s, 'c', LOW, 6)).toBe(false);
    expect(add(s, 'c', 7, 7)).toBe(false);
    expect(getWithPriority(s, 8)).toEqual({ key: 'a', priority: LOW });
    expect(get(s, 8)).toBeUndefined(); // c runs: not handed out again
    expect(done(s, 'c', 9)).toBe(true);
    expect(getWithPriority(s, 9)).toEqual({ key: 'c', priority: 7 });
  });

  it('a delayed key is added at the highest priority it was delayed with', () => {
    const s = createWorkQueueState(undefined, { priority: { agingMs: 1000 } });
    addAfter(s, 'a', 10, 0, LOW);
    addAfter(s, 'a', 20, 0, HIGH);
    addAfter(s, 'b', 10, 0, LOW);
    add(s, 'c', LOW, 0);
    expect(takeReady(s, 10)).toEqual(['a', 'b']);
    expect(drainAll(s, 10)).toEqual(['a', 'c', 'b']);
  });

  it('measures the depth per priority (controller-runtime workqueue_depth{priority})', () => {
    let now = 0;
    const rec = recordingMetrics(() => now);
    const byPriority = new Map<number, number>();
    const provider = {
      ...rec.provider,
      newDepthWithPriorityMetric: (_name: string, priority: number) => ({
        inc: () => byPriority.set(priority, (byPriority.get(priority) ?? 0) + 1),
        dec: () => byPriority.set(priority, (byPriority.get(priority) ?? 0) - 1),
      }),
    };
    const metrics = createQueueMetrics(provider, 'q', { now: () => now, schedule: () => ({ unsubscribe: () => undefined }) } as never);
    const s = createWorkQueueState(metrics, { priority: {} });
    add(s, 'a', LOW, 0);
    add(s, 'b', LOW, 0);
    add(s, 'c', HIGH, 0);
    expect([...byPriority]).toEqual([[LOW, 2], [HIGH, 1]]);
    add(s, 'a', HIGH, 0); // raised
    expect([...byPriority]).toEqual([[LOW, 1], [HIGH, 2]]);
    now = 5;
    get(s, now);
    expect([...byPriority]).toEqual([[LOW, 1], [HIGH, 1]]);
    metrics.dispose();
    expect([...byPriority]).toEqual([[LOW, 0], [HIGH, 0]]);
  });
});

/** The specification, written plainly: a list of ready keys searched in full at each get. */
interface ModelEntry {
  readonly key: string;
  priority: number;
  readonly readyAt: number;
  /** When it became ready (its age order). */
  readonly order: number;
  /** When it entered its priority (FIFO order within the priority). */
  levelOrder: number;
}

interface Model {
  readonly agingMs: number;
  readonly ready: ModelEntry[];
  readonly processing: Set<string>;
  /** Keys changed while processing, with the priority they go back with. */
  readonly rerun: Map<string, number>;
  counter: number;
}

const modelAdd = (m: Model, key: string, priority: number, now: number): void => {
  if (m.processing.has(key)) {
    m.rerun.set(key, Math.max(m.rerun.get(key) ?? priority, priority));
    return;
  }
  const e = m.ready.find((x) => x.key === key);
  if (e === undefined) {
    m.ready.push({ key, priority, readyAt: now, order: m.counter, levelOrder: m.counter });
    m.counter += 1;
  } else if (priority > e.priority) {
    e.priority = priority;
    e.levelOrder = m.counter;
    m.counter += 1;
  }
};

const modelGet = (m: Model, now: number): ModelEntry | undefined => {
  if (m.ready.length === 0) return undefined;
  const oldest = m.ready.reduce((a, b) => (b.order < a.order ? b : a));
  const next =
    now - oldest.readyAt >= m.agingMs
      ? oldest
      : m.ready.reduce((a, b) => (b.priority > a.priority || (b.priority === a.priority && b.levelOrder < a.levelOrder) ? b : a));
  m.ready.splice(m.ready.indexOf(next), 1);
  m.processing.add(next.key);
  return next;
};

const modelDone = (m: Model, key: string, now: number): void => {
  m.processing.delete(key);
  const priority = m.rerun.get(key);
  if (priority === undefined) return;
  m.rerun.delete(key);
  m.ready.push({ key, priority, readyAt: now, order: m.counter, levelOrder: m.counter });
  m.counter += 1;
};

describe('WorkQueueState with priorities (properties)', () => {
  const op = fc.oneof(
    fc.record({
      op: fc.constant('add' as const),
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      priority: fc.constantFrom(LOW, HIGH, 10),
      dt: fc.nat({ max: 30 }),
    }),
    fc.record({ op: fc.constant('get' as const), dt: fc.nat({ max: 30 }) }),
    fc.record({ op: fc.constant('done' as const), pick: fc.nat(), dt: fc.constant(0) }),
    fc.record({
      op: fc.constant('addAfter' as const),
      key: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      priority: fc.constantFrom(LOW, HIGH, 10),
      delay: fc.integer({ min: 1, max: 40 }),
      dt: fc.nat({ max: 30 }),
    }),
  );

  /** Delayed keys of the model: the earliest due time and the highest priority of each. */
  const modelTakeReady = (m: Model, waiting: Map<string, { at: number; priority: number; seq: number }>, now: number): void => {
    const due = [...waiting].filter(([, w]) => w.at <= now).sort(([, x], [, y]) => x.at - y.at || x.seq - y.seq);
    for (const [key, w] of due) {
      waiting.delete(key);
      modelAdd(m, key, w.priority, now);
    }
  };

  it('with delayed adds too, hands out what the plain model does; aged keys are never overtaken by younger ones; else the highest priority goes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.array(op, { maxLength: 300 }), (agingMs, ops) => {
        const s = createWorkQueueState(undefined, { priority: { agingMs } });
        const m: Model = { agingMs, ready: [], processing: new Set(), rerun: new Map(), counter: 0 };
        const waiting = new Map<string, { at: number; priority: number; seq: number }>();
        let now = 0;
        let seq = 0;
        for (const o of ops) {
          now += o.dt;
          takeReady(s, now);
          modelTakeReady(m, waiting, now);
          if (o.op === 'addAfter') {
            addAfter(s, o.key, o.delay, now, o.priority);
            const w = waiting.get(o.key);
            if (w === undefined) waiting.set(o.key, { at: now + o.delay, priority: o.priority, seq: seq++ });
            else waiting.set(o.key, { at: Math.min(w.at, now + o.delay), priority: Math.max(w.priority, o.priority), seq: w.seq });
          } else if (o.op === 'add') {
            add(s, o.key, o.priority, now);
            modelAdd(m, o.key, o.priority, now);
          } else if (o.op === 'get') {
            const before = [...m.ready];
            const expected = modelGet(m, now);
            const got = getWithPriority(s, now);
            expect(got).toEqual(expected === undefined ? undefined : { key: expected.key, priority: expected.priority });
            if (expected !== undefined) {
              // no starvation: no aged key that became ready before it is left behind
              const agedOlder = before.filter((e) => now - e.readyAt >= agingMs && e.order < expected.order);
              expect(agedOlder).toEqual([]);
              // without an aged key, nothing of a higher priority is left behind
              if (before.every((e) => now - e.readyAt < agingMs)) {
                expect(before.filter((e) => e.priority > expected.priority)).toEqual([]);
              }
            }
          } else {
            const running = [...m.processing].sort();
            const k = running[o.pick % Math.max(1, running.length)];
            if (k !== undefined) {
              done(s, k, now);
              modelDone(m, k, now);
            }
          }
          expect(len(s)).toBe(m.ready.length);
          expect(new Set(s.processing)).toEqual(m.processing);
          for (const e of m.ready) expect(s.processing.has(e.key)).toBe(false);
        }
      }),
    );
  });

  it('a low key waits at most agingMs under a steady stream of high keys (one worker, instant runs)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 10 }), (agingMs, period) => {
        const s = createWorkQueueState(undefined, { priority: { agingMs } });
        add(s, 'low', LOW, 0);
        // every `period` ms a new high key arrives and the one worker takes the next key
        for (let now = 0, i = 0; now <= agingMs + period; now += period, i++) {
          add(s, `h${i}`, HIGH, now);
          const k = get(s, now);
          if (k === 'low') {
            expect(now).toBeLessThanOrEqual(agingMs + period);
            return;
          }
          if (k !== undefined) done(s, k);
        }
        expect.fail('the low key starved');
      }),
    );
  });
});
