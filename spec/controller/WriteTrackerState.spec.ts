import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  createWriteTrackerState,
  expireWait,
  isReady,
  observeDelivery,
  observeRelistDone,
  observeRelistStarted,
  recordWrite,
} from '../../lib/controller/WriteTrackerState.js';

describe('WriteTrackerState', () => {
  it('waits for exactly the resourceVersion the write returned; another one (older, in flight) releases nothing', () => {
    const s = createWriteTrackerState();
    recordWrite(s, 'P', 'u', 'rv-b');
    expect(observeDelivery(s, 'u', 'rv-a', false)).toEqual({ echo: false, released: [] });
    expect(isReady(s, 'P')).toBe(false);
    expect(observeDelivery(s, 'u', 'rv-b', false)).toEqual({ echo: true, released: ['P'] });
    expect(isReady(s, 'P')).toBe(true);
    // a later delivery of the same state (a resync) is no echo any more
    expect(observeDelivery(s, 'u', 'rv-b', false).echo).toBe(false);
  });

  it('does not wait when the watch delivered the state before the write answered (or an apply changed nothing)', () => {
    const s = createWriteTrackerState();
    observeDelivery(s, 'u', 'rv-7', false);
    recordWrite(s, 'P', 'u', 'rv-7');
    expect(isReady(s, 'P')).toBe(true);
    expect(s.echoes.size).toBe(0);
  });

  it('is released by a deletion of the object, by the end of a relist started after the write, and by a timeout', () => {
    const s = createWriteTrackerState();
    recordWrite(s, 'P', 'u1', '1');
    expect(observeDelivery(s, 'u1', '9', true).released).toEqual(['P']);
    recordWrite(s, 'Q', 'u2', '2');
    observeRelistStarted(s, 'children');
    recordWrite(s, 'R', 'u3', '3'); // after the relist started: not released by it
    expect(observeRelistDone(s, 'children')).toEqual(['Q']);
    expect(isReady(s, 'R')).toBe(false);
    expect(expireWait(s, 'R')).toBe(1);
    expect(isReady(s, 'R')).toBe(true);
    expect(s.writes.size + s.echoes.size).toBe(0);
  });

  it('a key waits for every object it wrote; the newest write of an object is the one waited for', () => {
    const s = createWriteTrackerState();
    recordWrite(s, 'P', 'u1', 'x');
    recordWrite(s, 'P', 'u2', 'y');
    recordWrite(s, 'P', 'u1', 'z');
    expect(observeDelivery(s, 'u1', 'x', false).released).toEqual([]);
    expect(observeDelivery(s, 'u2', 'y', false).released).toEqual([]);
    expect(observeDelivery(s, 'u1', 'z', false).released).toEqual(['P']);
  });

  /**
   * Model: objects get states s0, s1, ... in server order (opaque strings, shuffled names so no
   * order can be read from them); the watch delivers each object's states in order, interleaved
   * arbitrarily with the writes' answers. A key is ready iff, for every object it wrote, the
   * state its last write returned has been delivered (or the wait expired).
   */
  it('is ready exactly when every last own write of the key has been delivered, and an echo is exactly an own state (any interleaving)', () => {
    const step = fc.oneof(
      fc.record({ _tag: fc.constant('write' as const), key: fc.constantFrom('P', 'Q'), obj: fc.constantFrom('u1', 'u2', 'u3') }),
      fc.record({ _tag: fc.constant('deliver' as const), obj: fc.constantFrom('u1', 'u2', 'u3') }),
      fc.record({ _tag: fc.constant('expire' as const), key: fc.constantFrom('P', 'Q') }),
      fc.record({ _tag: fc.constant('foreign' as const), obj: fc.constantFrom('u1', 'u2', 'u3') }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer(), (script, salt) => {
        const s = createWriteTrackerState();
        const name = (obj: string, n: number): string => `${((n * 7919 + salt) >>> 0).toString(36)}-${obj}-${n}`;
        const written = new Map<string, number>(); // obj -> states written so far
        const deliveredUpTo = new Map<string, number>(); // obj -> states delivered so far
        const lastWriteOf = new Map<string, Map<string, number>>(); // key -> obj -> state index awaited
        const ownStates = new Map<string, Set<number>>(); // obj -> own states whose echo is still expected
        const awaited = (obj: string): boolean => [...lastWriteOf.values()].some((m) => m.has(obj));
        for (const st of script) {
          if (st._tag === 'foreign') {
            written.set(st.obj, (written.get(st.obj) ?? 0) + 1);
          } else if (st._tag === 'write') {
            const n = written.get(st.obj) ?? 0;
            written.set(st.obj, n + 1);
            recordWrite(s, st.key, st.obj, name(st.obj, n));
            ownStates.set(st.obj, new Set([...(ownStates.get(st.obj) ?? []), n]));
            if (n >= (deliveredUpTo.get(st.obj) ?? 0)) {
              const m = lastWriteOf.get(st.key) ?? new Map<string, number>();
              m.set(st.obj, n);
              lastWriteOf.set(st.key, m);
            }
            // an older write of the same object by another key is overtaken by this one's delivery
          } else if (st._tag === 'deliver') {
            const d = deliveredUpTo.get(st.obj) ?? 0;
            if (d >= (written.get(st.obj) ?? 0)) continue;
            const { echo } = observeDelivery(s, st.obj, name(st.obj, d), false);
            expect(echo).toBe(ownStates.get(st.obj)?.has(d) === true);
            ownStates.get(st.obj)?.delete(d);
            deliveredUpTo.set(st.obj, d + 1);
            for (const m of lastWriteOf.values()) if (m.get(st.obj) !== undefined && (m.get(st.obj) ?? 0) <= d) m.delete(st.obj);
          } else {
            expireWait(s, st.key);
            lastWriteOf.delete(st.key);
            // echoes of objects nobody waits for any more are forgotten
            for (const obj of [...ownStates.keys()]) if (!awaited(obj)) ownStates.delete(obj);
          }
          for (const key of ['P', 'Q']) {
            const expected = (lastWriteOf.get(key)?.size ?? 0) === 0;
            expect(isReady(s, key)).toBe(expected);
          }
        }
      }),
    );
  });
});
