/**
 * Slow and failing consumers (issue 7): one subscriber that throws, blocks or lags must not stall
 * the reflector, the store or the other subscribers, and a slow consumer's memory must be bounded
 * when it asks for it (coalesceByKey). Over real HTTP against the embedded API server; the blocking
 * test runs the server in a child process so that it keeps changing while this process is blocked.
 */
import {
  concatMap,
  config as rxConfig,
  firstValueFrom,
  ignoreElements,
  map,
  type Observable,
  retry,
  type SchedulerAction,
  type SchedulerLike,
  Subject,
  tap,
  timer,
} from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import { coalesceByKey } from '../../lib/operators/coalesceByKey.js';
import { mergeMapWithLag } from '../../lib/operators/mergeMapWithLag.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { configMap, listPage, type TestConfigMap } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { startApiServerProcess } from '../helpers/apiServerProcess.js';
import { type ChurnConfig, churnStep, snapshotOf } from '../helpers/churn.js';
import { configMapInformer, emptyView, type Ev, see, snapshotOfView, synced, track } from '../helpers/consumerViews.js';
import { heapAfterGc, mb } from '../helpers/heap.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { until } from '../helpers/until.js';

describe('resync timing is per subscriber', () => {
  it("a subscriber that keeps failing and coming back does not postpone the others' resyncs", () => {
    const rx = newTestScheduler();
    const a1 = configMap('a', '1');
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [cold('-(p|)', { p: listPage('10', [a1]) })], watches: [cold<never>('-')] });
      const informer = sharedIndexInformer(lw, { scheduler: rx });
      // resync every 1 s; throws on every event; resubscribes 700 ms after each failure
      const flaky = informer
        .observe({ resyncPeriodMs: 1000 })
        .pipe(
          tap(() => {
            throw new Error('handler bug');
          }),
          retry({ delay: 700 }),
        )
        .subscribe();
      rx.schedule(() => {
        flaky.unsubscribe();
      }, 7000);
      const add: Ev = { _tag: 'Added', key: 'default/a', object: a1, initial: true };
      const sync: Ev = { _tag: 'Sync', key: 'default/a', object: a1, initial: false };
      // before the fix, each arrival and departure of `flaky` restarted a shared resync ticker: no Sync ever came
      expectObservable(informer.observe({ resyncPeriodMs: 3000 }), '^ 7000ms !').toBe('-a 2998ms s 2999ms s', { a: add, s: sync });
    });
  });

  it('resyncs on time when timers fire a little before the clock reaches them (setTimeout vs Date.now)', () => {
    const rx = newTestScheduler();
    const a1 = configMap('a', '1');
    // every timer fires 1 ms early by the scheduler's clock, as Node's timers may by Date.now()
    const early: SchedulerLike = {
      now: () => rx.now(),
      schedule: <S>(work: (this: SchedulerAction<S>, state?: S) => void, delay = 0, state?: S) => rx.schedule(work, Math.max(0, delay - 1), state),
    };
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [cold('-(p|)', { p: listPage('10', [a1]) })], watches: [cold<never>('-')] });
      const informer = sharedIndexInformer(lw, { scheduler: early });
      const add: Ev = { _tag: 'Added', key: 'default/a', object: a1, initial: true };
      const sync: Ev = { _tag: 'Sync', key: 'default/a', object: a1, initial: false };
      expectObservable(informer.observe({ resyncPeriodMs: 1000 }), '^ 2500ms !').toBe('-a 997ms s 999ms s', { a: add, s: sync });
    });
  });
});

describe('failing and slow consumers over HTTP', () => {
  let server: EmbeddedApiServer;
  beforeEach(async () => {
    server = await startApiServer({ bookmarkIntervalMs: 200 });
  });
  afterEach(async () => {
    rxConfig.onUnhandledError = null;
    await server.close();
  });

  it('subscribers that throw on every event, in their operators or in their handler, stop neither the reflector nor the store nor the others', async () => {
    const churn: ChurnConfig = { keys: 30, padBytes: 64 };
    for (let n = 0; n < churn.keys; n++) churnStep(server, n, churn);
    const informer = configMapInformer(server.kubeConfigOptions());
    const reported: unknown[] = [];
    rxConfig.onUnhandledError = (e: unknown) => {
      reported.push(e);
    };

    // 1. throws in its operators on every event; its chain errors each time and it resubscribes 20 ms later
    let operatorFailures = 0;
    const inOperators = informer
      .observe({ resyncPeriodMs: 1000 })
      .pipe(
        tap(() => {
          throw new Error('operator bug');
        }),
        retry({
          delay: () => {
            operatorFailures += 1;
            return timer(20);
          },
        }),
      )
      .subscribe();
    // 2. throws in its operators, with no error handler: RxJS reports the error, the chain ends
    const unhandled = informer.events$
      .pipe(
        map(() => {
          throw new Error('unhandled operator bug');
        }),
      )
      .subscribe();
    // 3. throws in its next handler on every event: RxJS reports each throw and keeps it subscribed
    let handlerCalls = 0;
    const inHandler = informer.events$.subscribe(() => {
      handlerCalls += 1;
      throw new Error('handler bug');
    });
    // 4, 5. healthy subscribers; the second resyncs every 1.5 s (longer than the failing one's period)
    const healthy = [track(informer.events$), track(informer.observe({ resyncPeriodMs: 1500 }))];

    await synced(informer);
    const writes = 600;
    for (let n = churn.keys; n < churn.keys + writes; n++) {
      churnStep(server, n, churn);
      // the producer's pace (20 writes per 5 ms), so that the failing subscriber fails and returns during the churn
      if (n % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const expected = snapshotOf(server.list('configmaps'));
    await until(
      () => healthy.every(({ view }) => snapshotOfView(view).join() === expected.join()) && snapshotOf(informer.store.list()).join() === expected.join(),
    );
    // the healthy subscriber's resync is not postponed by the failing one coming and going
    await until(() => (healthy[1]?.view.syncs ?? 0) > 0, 5000);
    await until(() => reported.length === handlerCalls + 1);
    console.log(
      `throwing subscribers: ${writes} writes; the operator-chain thrower failed and came back ${operatorFailures} times, ` +
        `the handler thrower threw ${handlerCalls} times (${reported.length} errors reported); healthy subscribers saw ` +
        `${healthy.map(({ view }) => view.live).join(' and ')} changes, ${healthy[1]?.view.syncs ?? 0} resync events`,
    );

    for (const { view } of healthy) {
      expect(view.live).toBe(writes); // every change, one event each
      expect(view.outOfOrder).toEqual([]);
      expect(snapshotOfView(view)).toEqual(expected);
    }
    expect(snapshotOf(informer.store.list())).toEqual(expected);
    // the reflector never restarted: one streaming list (initialList 'auto'), i.e. one WATCH and no LIST, still watching
    expect(server.requests.filter((r) => r.verb === 'list')).toHaveLength(0);
    expect(server.requests.filter((r) => r.verb === 'watch')).toHaveLength(1);
    expect(await firstValueFrom(informer.status$)).toMatchObject({ _tag: 'Watching' });
    expect(operatorFailures).toBeGreaterThan(5);
    expect(handlerCalls).toBe(churn.keys + writes);
    const messages = reported.map((e) => (e instanceof Error ? e.message : String(e)));
    expect(messages.filter((m) => m === 'handler bug')).toHaveLength(handlerCalls);
    expect(messages.filter((m) => m === 'unhandled operator bug')).toHaveLength(1);

    for (const s of [inOperators, unhandled, inHandler]) s.unsubscribe();
    for (const h of healthy) h.unsubscribe();
    await until(() => server.activeWatches() === 0);
  });

  it('a slow asynchronous consumer behind coalesceByKey buffers at most one event per key and ends on the latest state', async () => {
    const churn: ChurnConfig = { keys: 20, padBytes: 64 };
    for (let n = 0; n < churn.keys; n++) churnStep(server, n, churn);
    const informer = configMapInformer(server.kubeConfigOptions());
    const slowMs = 20;
    const slowly = (e: Ev): Observable<Ev> => timer(slowMs).pipe(map(() => e));

    // bounded: one waiting event per key at most
    const handled = emptyView();
    let handledCount = 0;
    let maxWaiting = 0;
    const bounded = informer.events$
      .pipe(
        coalesceByKey((e) => e.key, slowly, {
          waiting: {
            next: (n) => {
              maxWaiting = Math.max(maxWaiting, n);
            },
          },
        }),
      )
      .subscribe((e) => {
        handledCount += 1;
        see(handled, e);
      });
    // unbounded, for comparison: the same handler one at a time (concatMap), with its backlog counted
    let maxLag = 0;
    const unbounded = informer.events$
      .pipe(
        mergeMapWithLag(slowly, {
          lag: {
            next: (n) => {
              maxLag = Math.max(maxLag, n);
            },
          },
        }),
      )
      .subscribe();

    await synced(informer);
    const writes = 2000;
    for (let n = churn.keys; n < churn.keys + writes; n++) {
      churnStep(server, n, churn);
      if (n % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 10)); // the producer's pace
    }
    const expected = snapshotOf(server.list('configmaps'));
    const stoppedAt = performance.now();
    await until(() => snapshotOfView(handled).join() === expected.join());
    const drainMs = performance.now() - stoppedAt;
    console.log(
      `slow consumer (${slowMs} ms per event), ${writes} writes on ${churn.keys} keys: coalesceByKey waited at most ${maxWaiting} events, ` +
        `handled ${handledCount}, caught up ${drainMs.toFixed(0)} ms after the last write; concatMap's backlog reached ${maxLag}`,
    );

    expect(maxWaiting).toBeLessThanOrEqual(churn.keys); // the exact bound
    expect(maxWaiting).toBeGreaterThan(1); // it did fall behind
    expect(handled.outOfOrder).toEqual([]);
    expect(handledCount).toBeLessThan(writes / 2);
    expect(maxLag).toBeGreaterThan(writes / 2); // the unbounded one buffers (nearly) every change
    bounded.unsubscribe();
    unbounded.unsubscribe();
  });
});

describe('a blocked subscriber (server in another process)', () => {
  it('a subscriber that blocks the thread for 2 s loses nothing: afterwards the store and every subscriber catch up', async () => {
    const proc = await startApiServerProcess({ bookmarkIntervalMs: 200 });
    const churn: ChurnConfig = { keys: 50, padBytes: 256 };
    const subs: Array<{ unsubscribe: () => void }> = [];
    try {
      await proc.write(churn.keys, churn);
      const informer = configMapInformer(proc.kubeConfig);
      const healthy = [track(informer.events$), track(informer.events$)];
      let blockEnd: number | undefined;
      const blocking = track(informer.events$, (e) => {
        if (e.initial || blockEnd !== undefined) return;
        // busy-wait: Node's only thread does nothing else for 2 s (no I/O, no timers, no other subscriber)
        const start = Date.now();
        while (Date.now() - start < 2000) {
          /* blocked */
        }
        blockEnd = performance.now();
      });
      subs.push(...healthy, blocking);
      await synced(informer);
      await proc.churn({ ratePerSec: 250, ...churn });
      await until(() => blockEnd !== undefined);
      // the server went on changing while this process was blocked; stop it now and wait for the catch-up
      const writes = (await proc.stop()) - churn.keys;
      const snap = await proc.snapshot();
      const all = [...healthy, blocking];
      await until(
        () => all.every(({ view }) => snapshotOfView(view).join() === snap.items.join()) && snapshotOf(informer.store.list()).join() === snap.items.join(),
      );
      const caughtUpMs = performance.now() - (blockEnd ?? 0);
      console.log(
        `blocked 2000 ms: ${writes} writes made by the server meanwhile; store and all subscribers equal to the server ${caughtUpMs.toFixed(0)} ms after the block; ` +
          `LISTs ${snap.lists}, watches open ${snap.watches}`,
      );
      for (const { view } of all) {
        expect(view.live).toBe(writes); // every change reached every subscriber, the blocking one too
        expect(view.outOfOrder).toEqual([]);
      }
      expect(snapshotOf(informer.store.list())).toEqual(snap.items);
      expect(writes).toBeGreaterThan(100); // the server did change during the block
    } finally {
      for (const s of subs) s.unsubscribe();
      await proc.close();
    }
  });
});

describe('heap held by a slow consumer (measured, not asserted)', () => {
  it('concatMap holds every event; coalesceByKey holds one per key', () => {
    const events = 50_000;
    const keys = 100;
    const event = (i: number): Ev => {
      const object = configMap(`c${i % keys}`, String(i + 1), 'default', { pad: `${i}`.padEnd(512, 'x') });
      return { _tag: 'Updated', key: `default/c${i % keys}`, old: object, object, initial: false };
    };
    /** Pushes `events` events into a consumer whose handler never finishes in time; returns the heap it holds. */
    const held = (consumer: (source: Subject<Ev>) => { unsubscribe: () => void }): number => {
      const source = new Subject<Ev>();
      const sub = consumer(source);
      const before = heapAfterGc();
      for (let i = 0; i < events; i++) source.next(event(i));
      const after = heapAfterGc();
      sub.unsubscribe();
      return after - before;
    };
    const never = (): Observable<never> => timer(60_000).pipe(ignoreElements());
    let maxWaiting = 0;
    const unboundedBytes = held((s) => s.pipe(concatMap(never)).subscribe());
    const boundedBytes = held((s) =>
      s
        .pipe(
          coalesceByKey((e) => e.key, never, {
            waiting: {
              next: (n) => {
                maxWaiting = Math.max(maxWaiting, n);
              },
            },
          }),
        )
        .subscribe(),
    );
    console.log(
      `${events} events of ~0.6 KB on ${keys} keys into a stuck consumer: concatMap holds ${mb(unboundedBytes)} MB ` +
        `(${Math.round(unboundedBytes / events)} B per event), coalesceByKey holds ${mb(boundedBytes)} MB (${maxWaiting} events waiting)`,
    );
    // the one exact figure: the first event runs, each key has one waiting (the running key's parked)
    expect(maxWaiting).toBe(keys);
  });
});
