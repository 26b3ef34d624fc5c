import { map, NEVER, timer } from 'rxjs';
import type { RunHelpers } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import { controllerManager, type ControllerSpec } from '../../lib/controller/controllerManager.js';
import type { WatchEvent } from '../../lib/listwatch/ListerWatcher.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { added, configMap, listPage, modified } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { DEFAULT_PRIORITY, LOW_PRIORITY } from '../../lib/workqueue/PriorityReadyQueue.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { newTestScheduler } from '../helpers/marbles.js';

const N = 200;
const initial = Array.from({ length: N }, (_, i) => configMap(`cm${i}`, String(i + 1)));

/**
 * A manager over one selector whose list has `list` (default {@link N} objects) at 1 and whose
 * watch plays `watch`; one worker, 10 ms per reconcile. Returns the reconciles started:
 * `time key priority`.
 */
const run = (
  watch: string,
  events: Record<string, WatchEvent<KubeObject>>,
  spec: (cold: RunHelpers['cold']) => Partial<Pick<ControllerSpec<KubeObject>, 'priorityQueue' | 'keys' | 'eventPriority'>> = () => ({}),
  until = 10 * (N + 5),
  { list = initial, resyncPeriodMs = 0 }: { readonly list?: ReadonlyArray<KubeObject>; readonly resyncPeriodMs?: number } = {},
): string[] => {
  const rx = newTestScheduler();
  const started: string[] = [];
  rx.run(({ cold }) => {
    const lw = fakeListerWatcher<KubeObject>({ lists: [cold('-(p|)', { p: listPage('1000', [...list]) })], watches: [cold(watch, events)] });
    const mgr = controllerManager({ listerWatcher: () => lw as never, scheduler: rx });
    mgr.select('cms', { resource: 'configmaps', informer: { defaultResyncPeriodMs: resyncPeriodMs } });
    mgr.controller({
      name: 'cm',
      for: 'cms',
      readYourWrites: false,
      reconcile: () => timer(10, rx).pipe(map(() => done)),
      ...spec(cold),
    });
    const sub = mgr.run({ shutdown$: NEVER }).subscribe((e) => {
      if (e._tag === 'Reconcile' && e.event._tag === 'Started') {
        started.push(`${rx.now()} ${e.event.key.replace('default/', '')} ${e.event.priority ?? '-'}`);
      }
    });
    rx.schedule(() => {
      sub.unsubscribe();
    }, until);
  });
  return started;
};

/** 30 live adds, as marble values. */
const LIVE_NAMES = Array.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcd');
const live = Object.fromEntries(LIVE_NAMES.map((c, i) => [c, added(configMap(`live${i}`, String(3000 + i)))]));

describe('controllerManager with the priority queue (default)', () => {
  it('an initial list of many objects does not delay a live change: it runs at the first free worker', () => {
    const started = run('-----a', { a: added(configMap('live', '2000')) });
    expect(started.slice(0, 3)).toEqual([`1 cm0 ${LOW_PRIORITY}`, `11 live ${DEFAULT_PRIORITY}`, `21 cm1 ${LOW_PRIORITY}`]);
    expect(started).toHaveLength(N + 1);
  });

  it('a change to an object of the initial list raises its waiting key', () => {
    const started = run('-----m', { m: modified(configMap('cm150', '2000')) });
    expect(started.slice(0, 3)).toEqual([`1 cm0 ${LOW_PRIORITY}`, `11 cm150 ${DEFAULT_PRIORITY}`, `21 cm1 ${LOW_PRIORITY}`]);
    expect(started).toHaveLength(N); // coalesced: once
  });

  it('aging (agingMs 100): the initial list still gets through while live changes keep coming', () => {
    // a live change every 10 ms from 6 on, forever outrunning the low keys but for aging
    const watch = `-----${Object.keys(live).join('---------')}`;
    const started = run(watch, live, () => ({ priorityQueue: { agingMs: 100 } }), 320);
    const lows = started.filter((s) => s.endsWith(String(LOW_PRIORITY)));
    // cm0 at 1; from 101 on the list (ready at 1) has aged: it goes before every live key that came after it
    expect(lows.slice(0, 3)).toEqual([`1 cm0 ${LOW_PRIORITY}`, `101 cm1 ${LOW_PRIORITY}`, `111 cm2 ${LOW_PRIORITY}`]);
    expect(started.slice(1, 10).every((s) => s.includes('live'))).toBe(true);
  });

  it('without aging the same stream keeps the list waiting (controller-runtime: agingMs Infinity)', () => {
    const watch = `-----${Object.keys(live).join('---------')}`;
    const started = run(watch, live, () => ({ priorityQueue: { agingMs: Number.POSITIVE_INFINITY } }), 300);
    expect(started.filter((s) => s.endsWith(String(LOW_PRIORITY)))).toEqual([`1 cm0 ${LOW_PRIORITY}`]);
  });

  it('priorityQueue: false keeps client-go\'s FIFO: the live change waits for the whole list', () => {
    const started = run('-----a', { a: added(configMap('live', '2000')) }, () => ({ priorityQueue: false }));
    expect(started[0]).toBe('1 cm0 -');
    expect(started.at(-1)).toBe(`${1 + 10 * N} live -`);
  });

  it('eventPriority decides: the initial list at the default priority too runs before the live change', () => {
    const started = run('-----a', { a: added(configMap('live', '2000')) }, () => ({ eventPriority: () => DEFAULT_PRIORITY }));
    expect(started[0]).toBe(`1 cm0 ${DEFAULT_PRIORITY}`);
    expect(started.at(-1)).toBe(`${1 + 10 * N} live ${DEFAULT_PRIORITY}`);
  });

  it('extra key streams set their priority with a PrioritizedKey', () => {
    const started = run('', {}, (cold) => ({ keys: [cold('---(ab)', { a: { key: 'default/x', priority: LOW_PRIORITY }, b: { key: 'default/y', priority: 5 } })] }), 40);
    expect(started.slice(0, 3)).toEqual([`1 cm0 ${LOW_PRIORITY}`, `11 y 5`, `21 cm1 ${LOW_PRIORITY}`]);
  });

  it('a resync goes in at low priority: a live change during it runs at the first free worker', () => {
    // 3 objects, resync every 1000 ms from the start (at 1000: Sync of a, b, c), a live change at 1003
    const started = run(`${'-'.repeat(1002)}a`, { a: added(configMap('live', '2000')) }, undefined, 1100, {
      list: [configMap('a', '1'), configMap('b', '2'), configMap('c', '3')],
      resyncPeriodMs: 1000,
    });
    expect(started).toEqual([
      `1 a ${LOW_PRIORITY}`,
      `11 b ${LOW_PRIORITY}`,
      `21 c ${LOW_PRIORITY}`,
      `1000 a ${LOW_PRIORITY}`,
      `1010 live ${DEFAULT_PRIORITY}`,
      `1020 b ${LOW_PRIORITY}`,
      `1030 c ${LOW_PRIORITY}`,
    ]);
  });
});
