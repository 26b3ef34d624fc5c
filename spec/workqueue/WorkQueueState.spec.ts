import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  add,
  addAfter,
  createWorkQueueState,
  done,
  get,
  isDrained,
  len,
  nextReadyAt,
  shutDown,
  shutDownWithDrain,
  takeReady,
  type WorkQueueState,
} from '../../lib/workqueue/WorkQueueState.js';

/** Gets every ready key, in order. */
const drainAll = (s: WorkQueueState): string[] => {
  const out: string[] = [];
  for (let k = get(s); k !== undefined; k = get(s)) out.push(k);
  return out;
};

describe('WorkQueueState (client-go queue_test.go)', () => {
  it('TestBasic: producers add, consumers get and mark done; every key is handed out once', () => {
    const s = createWorkQueueState();
    for (let i = 0; i < 50; i++) add(s, `k${i % 10}`);
    const got = drainAll(s);
    expect(got).toEqual([...Array(10).keys()].map((i) => `k${i}`));
    for (const k of got) done(s, k);
    expect(len(s)).toBe(0);
    expect(isDrained(s)).toBe(true);
  });

  it('TestAddWhileProcessing: a key added while processing is handed out again after done, once', () => {
    const s = createWorkQueueState();
    add(s, 'a');
    expect(get(s)).toBe('a');
    expect(add(s, 'a')).toBe(false); // processing: not queued
    expect(add(s, 'a')).toBe(false);
    expect(get(s)).toBeUndefined(); // never twice at once
    expect(done(s, 'a')).toBe(true);
    expect(get(s)).toBe('a');
    expect(done(s, 'a')).toBe(false);
    expect(get(s)).toBeUndefined();
  });

  it('TestLen: duplicates of a waiting key count once', () => {
    const s = createWorkQueueState();
    add(s, 'foo');
    expect(len(s)).toBe(1);
    add(s, 'bar');
    expect(len(s)).toBe(2);
    add(s, 'foo'); // still 2: already queued
    expect(len(s)).toBe(2);
  });

  it('TestReinsert: get, add again, done: the key is queued once more', () => {
    const s = createWorkQueueState();
    add(s, 'foo');
    const i = get(s);
    expect(i).toBe('foo');
    add(s, 'foo');
    done(s, 'foo');
    expect(get(s)).toBe('foo');
    done(s, 'foo');
    expect(len(s)).toBe(0);
  });

  it('TestQueueDrainageUsingShutDownWithDrain: drained once every gotten key is done', () => {
    const s = createWorkQueueState();
    add(s, 'foo');
    add(s, 'bar');
    const first = get(s);
    const second = get(s);
    shutDownWithDrain(s);
    expect(s.drain).toBe(true);
    expect(get(s)).toBeUndefined(); // shutdown: nothing left to get
    expect(isDrained(s)).toBe(false);
    if (first === undefined || second === undefined) throw new Error('expected two keys');
    done(s, first);
    expect(isDrained(s)).toBe(false);
    done(s, second);
    expect(isDrained(s)).toBe(true);
  });

  it('TestQueueDrainageUsingShutDownWithDrainWithDirtyItem: a dirty running key still drains', () => {
    const s = createWorkQueueState();
    add(s, 'foo');
    const gotten = get(s);
    add(s, 'foo'); // dirty while processing
    shutDownWithDrain(s);
    expect(get(s)).toBeUndefined();
    if (gotten === undefined) throw new Error('expected a key');
    done(s, gotten);
    expect(isDrained(s)).toBe(true);
  });

  it('TestForceQueueShutdownUsingShutDown: after shutDown adds are ignored, queued keys can still be got', () => {
    const s = createWorkQueueState();
    add(s, 'foo');
    shutDown(s);
    expect(add(s, 'bar')).toBe(false);
    expect(s.shuttingDown).toBe(true);
    expect(get(s)).toBe('foo');
    expect(get(s)).toBeUndefined();
  });

  it('compacts its array while keeping FIFO order over many adds and gets', () => {
    const s = createWorkQueueState();
    const got: string[] = [];
    for (let i = 0; i < 1000; i++) {
      add(s, `k${i}`);
      if (i % 3 === 0) {
        const k = get(s);
        if (k !== undefined) {
          got.push(k);
          done(s, k);
        }
      }
    }
    got.push(...drainAll(s));
    expect(got).toEqual([...Array(1000).keys()].map((i) => `k${i}`));
    expect(s.queue.length).toBeLessThan(10);
  });

  it('property: invariants hold and a key is never handed out while processing', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('add' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
      fc.record({ op: fc.constant('get' as const) }),
      fc.record({ op: fc.constant('done' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const s = createWorkQueueState();
        for (const o of ops) {
          if (o.op === 'add') add(s, o.key);
          else if (o.op === 'get') {
            const k = get(s);
            if (k !== undefined) expect([...s.processing].filter((p) => p === k)).toHaveLength(1);
          } else {
            const running = [...s.processing];
            const k = running[o.pick % Math.max(1, running.length)];
            if (k !== undefined) done(s, k);
          }
          const queued = s.queue.slice(s.head);
          expect(new Set(queued).size).toBe(queued.length);
          for (const k of queued) {
            expect(s.dirty.has(k)).toBe(true);
            expect(s.processing.has(k)).toBe(false);
          }
          for (const k of s.dirty) if (!queued.includes(k)) expect(s.processing.has(k)).toBe(true);
        }
      }),
    );
  });
});

describe('WorkQueueState delayed adds (client-go delaying_queue_test.go)', () => {
  it('TestSimpleQueue: a delayed key is not ready before its time, then added once', () => {
    const s = createWorkQueueState();
    expect(addAfter(s, 'foo', 50, 0)).toBe('waiting');
    expect(len(s)).toBe(0);
    expect(takeReady(s, 49)).toEqual([]);
    expect(takeReady(s, 60)).toEqual(['foo']);
    expect(len(s)).toBe(1);
    expect(get(s)).toBe('foo');
    done(s, 'foo');
    expect(nextReadyAt(s)).toBeUndefined();
    expect(s.waiting.size).toBe(0);
  });

  it('TestDeduping: a key delayed twice waits once, until the earlier time', () => {
    const s = createWorkQueueState();
    addAfter(s, 'foo', 50, 0);
    addAfter(s, 'foo', 70, 0);
    expect(s.waiting.size).toBe(1);
    expect(nextReadyAt(s)).toBe(50);
    expect(takeReady(s, 60)).toEqual(['foo']);
    expect(takeReady(s, 80)).toEqual([]);
    expect(drainAll(s)).toEqual(['foo']);
    done(s, 'foo');

    // the other order: the later add moves it earlier
    addAfter(s, 'foo', 70, 100);
    addAfter(s, 'foo', 50, 100);
    expect(nextReadyAt(s)).toBe(150);
    expect(takeReady(s, 160)).toEqual(['foo']);
    expect(len(s)).toBe(1);
  });

  it('TestAddTwoFireEarly: the earlier of two delayed keys fires first', () => {
    const s = createWorkQueueState();
    addAfter(s, 'foo', 1000, 0);
    addAfter(s, 'bar', 50, 0);
    expect(takeReady(s, 60)).toEqual(['bar']);
    expect(get(s)).toBe('bar');
    addAfter(s, 'foo', 20, 60); // moves foo earlier
    expect(takeReady(s, 80)).toEqual(['foo']);
  });

  it('TestCopyShifting: keys come out by due time, not insertion order', () => {
    const s = createWorkQueueState();
    addAfter(s, 'foo', 3, 0);
    addAfter(s, 'bar', 2, 0);
    addAfter(s, 'baz', 1, 0);
    expect(takeReady(s, 10)).toEqual(['baz', 'bar', 'foo']);
    expect(drainAll(s)).toEqual(['baz', 'bar', 'foo']);
  });

  it('a zero or negative delay adds at once; a due key coalesces with the queued one', () => {
    const s = createWorkQueueState();
    expect(addAfter(s, 'a', 0, 0)).toBe('added');
    addAfter(s, 'a', 5, 0);
    expect(takeReady(s, 5)).toEqual(['a']);
    expect(len(s)).toBe(1);
  });

  it('shutDown drops waiting keys and ignores later delayed adds', () => {
    const s = createWorkQueueState();
    addAfter(s, 'a', 5, 0);
    shutDown(s);
    expect(nextReadyAt(s)).toBeUndefined();
    expect(addAfter(s, 'b', 5, 0)).toBe('ignored');
    expect(takeReady(s, 100)).toEqual([]);
  });

  it('property: takeReady yields keys by (due time, insertion), each key at its earliest due time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 1, max: 100 })), {
          maxLength: 60,
        }),
        (adds) => {
          const s = createWorkQueueState();
          const due = new Map<string, { at: number; seq: number }>();
          adds.forEach(([key, delay], seq) => {
            addAfter(s, key, delay, 0);
            const prev = due.get(key);
            if (prev === undefined) due.set(key, { at: delay, seq });
            else if (delay < prev.at) due.set(key, { at: delay, seq: prev.seq });
          });
          const expected = [...due.entries()]
            .sort(([, x], [, y]) => x.at - y.at || x.seq - y.seq)
            .map(([k]) => k);
          const got: string[] = [];
          for (let t = 0; t <= 100; t++) got.push(...takeReady(s, t));
          expect(got).toEqual(expected);
        },
      ),
    );
  });
});
