import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { concat, filter, firstValueFrom, NEVER, observeOn, of, type SchedulerAction, type Subscription, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { deltaFifo, type FifoInput } from '../../lib/fifo/deltaFifo.js';
import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { immediateScheduler } from '../../lib/operators/immediateScheduler.js';

/** Resolves on the check phase after the one a `setImmediate` queued now runs in: every immediate queued before it has run. */
const afterImmediates = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve);
  });

const pod = (name: string): KubeObject => ({ metadata: { name, namespace: 'ns', resourceVersion: '1' } });

describe('immediateScheduler', () => {
  it('runs zero-delay work on setImmediate: not synchronously, in the order scheduled, with its state', async () => {
    const ran: string[] = [];
    immediateScheduler.schedule<number>((s) => ran.push(`a${String(s)}`), 0, 1);
    immediateScheduler.schedule(() => ran.push('b'));
    ran.push('sync');
    await afterImmediates();
    expect(ran).toEqual(['sync', 'a1', 'b']);
  });

  it('runs before a 1 ms timer set before it (no setTimeout clamp), delayed work after it', async () => {
    // from an I/O callback the loop's check phase (setImmediate) comes before its timers phase
    await stat(fileURLToPath(import.meta.url));
    const ran: string[] = [];
    const timerFired = new Promise<void>((resolve) => {
      setTimeout(() => {
        ran.push('timer 1 ms');
        resolve();
      }, 1);
    });
    const delayedRan = new Promise<void>((resolve) => {
      immediateScheduler.schedule(() => {
        ran.push('delayed 20 ms');
        resolve();
      }, 20);
    });
    immediateScheduler.schedule(() => ran.push('immediate'));
    await Promise.all([timerFired, delayedRan]);
    expect(ran).toEqual(['immediate', 'timer 1 ms', 'delayed 20 ms']);
  });

  it('reschedules through the action, replacing a run that has not happened', async () => {
    const seen: number[] = [];
    const done = new Promise<void>((resolve) => {
      immediateScheduler.schedule<number>(function (this: SchedulerAction<number>, state?: number) {
        const n = state ?? 0;
        seen.push(n);
        if (n < 3) {
          this.schedule(n + 10); // replaced by the next line before it runs
          this.schedule(n + 1, n === 1 ? 5 : 0); // once with a delay, on asyncScheduler
        } else {
          resolve();
        }
      });
    });
    await done;
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  it('never runs work unsubscribed before its turn, immediate or delayed', async () => {
    const ran: string[] = [];
    immediateScheduler.schedule(() => ran.push('cancelled immediate')).unsubscribe();
    const delayed = immediateScheduler.schedule(() => ran.push('cancelled delayed'), 1);
    immediateScheduler.schedule(() => ran.push('kept'));
    delayed.unsubscribe();
    const later = new Promise<void>((resolve) => {
      immediateScheduler.schedule(() => {
        resolve();
      }, 5);
    });
    await later;
    expect(ran).toEqual(['kept']);
  });

  it('keeps asyncScheduler\'s clock', () => {
    const before = Date.now();
    const now = immediateScheduler.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('delivers through observeOn', async () => {
    await expect(firstValueFrom(of(1, 2, 3).pipe(observeOn(immediateScheduler), toArray()))).resolves.toEqual([1, 2, 3]);
  });

  it('is the default of deltaFifo: a batch after a full one runs on a later turn of the event loop', async () => {
    const keys: string[] = [];
    let sub: Subscription | undefined;
    const popped = new Promise<void>((resolve) => {
      sub = concat(of<FifoInput<KubeObject>>({ _tag: 'Replace', items: ['a', 'b', 'c'].map(pod), resourceVersion: '1' }), NEVER)
        .pipe(deltaFifo<KubeObject>({ batchSize: 2 }))
        .subscribe((out) => {
          if (out._tag === 'Deltas') keys.push(out.key);
          if (out._tag === 'Synced') resolve();
        });
    });
    expect(keys).toEqual(['ns/a', 'ns/b']);
    await popped;
    sub?.unsubscribe();
    expect(keys).toEqual(['ns/a', 'ns/b', 'ns/c']);
  });

  it('is the default of sharedIndexInformer: a list larger than batchSize syncs, every object stored once', async () => {
    const items = Array.from({ length: 2500 }, (_, i) => pod(`p${i}`));
    const informer = sharedIndexInformer({ list: () => of({ resourceVersion: '1', items, invalid: [] }), watch: () => NEVER }, { batchSize: 1000 });
    const added: string[] = [];
    const sub = informer.events$.subscribe((e) => {
      if (e._tag === 'Added') added.push(e.key);
    });
    await firstValueFrom(informer.synced$.pipe(filter(Boolean)));
    sub.unsubscribe();
    expect(added).toEqual(items.map((o) => `ns/${o.metadata.name}`));
  });
});
