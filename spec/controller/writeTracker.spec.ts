import { filter, map, merge, type Observable, of, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import type { ReconcileEvent } from '../../lib/workqueue/ReconcileEvent.js';
import { reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { readYourWrites, writeTracker, type WriteTrackerConfig } from '../../lib/controller/writeTracker.js';
import type { ResourceEvent } from '../../lib/informer/ResourceEvent.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { newTestScheduler } from '../helpers/marbles.js';

const child = (rv: string): KubeObject => ({ metadata: { name: 'p-child', namespace: 'default', uid: 'u-child', resourceVersion: rv } });
const addedEv = (o: KubeObject): ResourceEvent<KubeObject> => ({ _tag: 'Added', key: 'default/p-child', object: o, initial: false });
const updatedEv = (o: KubeObject): ResourceEvent<KubeObject> => ({ _tag: 'Updated', key: 'default/p-child', old: o, object: o, initial: false });
const syncEv = (o: KubeObject): ResourceEvent<KubeObject> => ({ _tag: 'Sync', key: 'default/p-child', object: o, initial: false });

/** `S`tarted / `O`k (durationMs) of key P, as one-letter marbles. */
const brief = (e: ReconcileEvent): string => (e._tag === 'Started' ? 'S' : e._tag === 'Succeeded' ? `O${e.durationMs}` : e._tag);

/**
 * A controller of key P whose reconcile writes the child (answered 1 ms later at rv 7) and whose
 * child events map to P: keys from `keys`, child events from `children`.
 */
const controller = (
  rx: ReturnType<typeof newTestScheduler>,
  keys: Observable<string>,
  children: Observable<ResourceEvent<KubeObject>>,
  config: WriteTrackerConfig,
  calls: number[],
) => {
  const tracker = writeTracker({ scheduler: rx, ...config });
  const out = merge(keys, children.pipe(tracker.observe(), map(() => 'P'))).pipe(
    reconcileWith(
      readYourWrites(tracker, (_key, _signal, { writes }) => {
        calls.push(rx.now());
        return timer(1, rx).pipe(
          map(() => child('7')),
          writes.record(),
          map(() => done),
        );
      }),
      { scheduler: rx },
    ),
    map(brief),
  );
  return { tracker, out };
};

describe('writeTracker + readYourWrites', () => {
  it('the next reconcile of a key waits until its write is delivered; with suppressEchoes the echo triggers nothing', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const calls: number[] = [];
      const keys = hot('     P--P-----------|');
      const children = hot(' --------a------|', { a: addedEv(child('7')) });
      const expected = '     Sa-S-----b-----|';
      const { out } = controller(rx, keys, children, { suppressEchoes: true }, calls);
      expectObservable(out).toBe(expected, { S: 'S', a: 'O1', b: 'O6' });
      expectSubscriptions(children.subscriptions).toBe('^--------------!');
      rx.schedule(() => {
        // the 2nd reconcile ran only at 8, when rv 7 was delivered (and the echo did not add a 3rd)
        expect(calls).toEqual([0, 8]);
      }, 20);
    });
  });

  it('times out, reports it, and runs the reconcile anyway', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const calls: number[] = [];
      const keys = hot('     P--P---------------|');
      const children = hot<ResourceEvent<KubeObject>>(' -------------------|');
      const expected = '     Sa-S-------b-------|';
      const { out, tracker } = controller(rx, keys, children, { timeoutMs: 7 }, calls);
      expectObservable(out).toBe(expected, { S: 'S', a: 'O1', b: 'O8' });
      expectObservable(tracker.events$).toBe('----------t', { t: { _tag: 'WaitTimedOut', key: 'P', waitedMs: 7, writes: 1 } });
      expectSubscriptions(keys.subscriptions).toBe('^------------------!');
      rx.schedule(() => {
        expect(calls).toEqual([0, 10]);
      }, 20);
    });
  });

  it('an event at another resourceVersion (older, still in flight) does not release the wait, and is no echo', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable }) => {
      const calls: number[] = [];
      const keys = hot('     P--P------------|');
      const children = hot(' ----o----a------|', { o: updatedEv(child('6')), a: updatedEv(child('7')) });
      // o (rv 6) is queued as P while P waits: P runs once more after the released run
      const succeeded = '-a--------bc----|';
      const { out } = controller(rx, keys, children, {}, calls);
      expectObservable(out.pipe(filter((e) => e.startsWith('O')))).toBe(succeeded, { a: 'O1', b: 'O7', c: 'O1' });
      rx.schedule(() => {
        expect(calls).toEqual([0, 9, 10]);
      }, 20);
    });
  });

  it('without echo suppression (the default) the echo triggers one more reconcile; a Sync is never suppressed', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable }) => {
      const keys = hot('     P---------------|');
      const children = hot(' -----a----s-----|', { a: addedEv(child('7')), s: syncEv(child('7')) });
      expectObservable(controller(rx, keys, children, {}, []).out).toBe('Sa---Sb---Sc----|', { S: 'S', a: 'O1', b: 'O1', c: 'O1' });
    });
    const rx2 = newTestScheduler();
    rx2.run(({ hot, expectObservable }) => {
      const keys = hot('     P---------------|');
      const children = hot(' -----a----s-----|', { a: addedEv(child('7')), s: syncEv(child('7')) });
      expectObservable(controller(rx2, keys, children, { suppressEchoes: true }, []).out).toBe('Sa--------Sb----|', { S: 'S', a: 'O1', b: 'O1' });
    });
  });

  it('does not wait when the watch delivered the written state before the answer came', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable }) => {
      const tracker = writeTracker({ scheduler: rx });
      const keys = hot('     --P-P--|');
      const children = hot(' -a-----|', { a: addedEv(child('7')) });
      const out = merge(keys, children.pipe(tracker.observe(), map(() => 'X'))).pipe(
        reconcileWith(readYourWrites(tracker, (_key, _signal, { writes }) => of(child('7')).pipe(writes.record(), map(() => done))), { scheduler: rx }),
        filter((e) => e._tag === 'Started'),
        map((e) => e.key),
      );
      expectObservable(out).toBe('-XP-P--|');
      rx.schedule(() => {
        expect(tracker.state.waiting.size + tracker.state.echoes.size).toBe(0);
      }, 6);
    });
  });
});
