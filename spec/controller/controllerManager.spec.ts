import { filter, map, of, tap, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { controllerManager } from '../../lib/controller/controllerManager.js';
import { ownerKeys } from '../../lib/controller/relations.js';
import type { LeaderState } from '../../lib/leaderelection/leaderElection.js';
import { shardOf } from '../../lib/leaderelection/sharding.js';
import type { WatchEvent } from '../../lib/listwatch/ListerWatcher.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { configMap, deleted, listPage, modified } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { startedKeys } from '../helpers/startedKeys.js';

const a1 = configMap('a', '1');
const a2 = configMap('a', '11');
const b1 = configMap('b', '2');
const secretOfA: KubeObject = {
  metadata: {
    name: 's',
    namespace: 'default',
    resourceVersion: '3',
    ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: 'uid-a', controller: true }],
  },
};


describe('controllerManager', () => {
  it('runs observers and a controller over one watch per selector, gated on sync, and drains on shutdown', () => {
    const rx = newTestScheduler();
    const observed: string[][] = [[], []];
    const reconciled: string[] = [];
    const lws = rx.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const cmsWatch = cold<WatchEvent<KubeObject>>('----------m', { m: modified(a2) });
      const secretsWatch = cold<WatchEvent<KubeObject>>('--------------------d', { d: deleted(secretOfA) });
      const lws = {
        cms: fakeListerWatcher<KubeObject>({ lists: [cold('-(p|)', { p: listPage('10', [a1, b1]) })], watches: [cmsWatch] }),
        secrets: fakeListerWatcher<KubeObject>({ lists: [cold('--(p|)', { p: listPage('5', [secretOfA]) })], watches: [secretsWatch] }),
      };
      const mgr = controllerManager({
        listerWatcher: (selector) => (selector.name === 'cms' ? lws.cms : lws.secrets) as never,
        scheduler: rx,
      });
      const cms = mgr.select('cms', { resource: 'configmaps' });
      mgr.select('secrets', { resource: 'secrets' });
      expect(mgr.select('cms', { resource: 'ignored' })).toBe(cms);
      mgr.observe(cms, (events$) => events$.pipe(tap((e) => observed[0]?.push(`${e._tag} ${e.key}`))));
      mgr.observe('cms', (events$) => events$.pipe(tap((e) => observed[1]?.push(`${e._tag} ${e.key}`))));
      mgr.controller({
        name: 'cm',
        for: cms,
        triggers: [{ selector: 'secrets', keys: ownerKeys({ kind: 'ConfigMap', group: '' }) }],
        reconcile: (key) => {
          reconciled.push(`${rx.now()} ${key} rv=${mgr.informer(cms).store.get(key)?.metadata.resourceVersion ?? '-'}`);
          return of(done);
        },
      });
      const shutdown = hot('50ms x');
      // cms synced at 1, secrets at 2: the keys wait until 2 (a, b, then a again from its secret)
      expectObservable(startedKeys(mgr.run({ shutdown$: shutdown }))).toBe('--(aba)----a----------a 27ms |');
      // one watch per selector, closed when the manager stops
      expectSubscriptions(cmsWatch.subscriptions).toBe('-^ 48ms !');
      expectSubscriptions(secretsWatch.subscriptions).toBe('--^ 47ms !');
      return lws;
    });
    expect(lws.cms.listCalls).toHaveLength(1);
    expect(lws.cms.watchCalls).toHaveLength(1);
    expect(lws.secrets.listCalls).toHaveLength(1);
    expect(observed[0]).toEqual(['Added default/a', 'Added default/b', 'Updated default/a']);
    expect(observed[1]).toEqual(observed[0]);
    expect(reconciled).toEqual(['2 default/a rv=1', '2 default/b rv=2', '2 default/a rv=1', '11 default/a rv=11', '22 default/a rv=11']);
  });

  it('reports a failing observer and keeps the others; an AbortSignal stops everything', () => {
    const rx = newTestScheduler();
    const abort = new AbortController();
    const seen: string[] = [];
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<KubeObject>({
        lists: [cold('-(p|)', { p: listPage('10', [a1]) })],
        watches: [cold<WatchEvent<KubeObject>>('---m', { m: modified(a2) })],
      });
      const mgr = controllerManager({ listerWatcher: () => lw as never, scheduler: rx });
      const cms = mgr.select('cms', { resource: 'configmaps' });
      mgr.observe(
        cms,
        (events$) =>
          events$.pipe(
            tap(() => {
              throw new Error('observer bug');
            }),
          ),
        { name: 'buggy' },
      );
      mgr.observe(cms, (events$) => events$.pipe(tap((e) => seen.push(`${rx.now()} ${e._tag}`))));
      rx.schedule(() => {
        abort.abort();
      }, 10);
      const failures = mgr.run({ signal: abort.signal }).pipe(
        filter((e) => e._tag === 'ObserverFailed'),
        map((e) => `${e.observer}: ${String(e.error)}`),
      );
      expectObservable(failures).toBe('-f 8ms |', { f: 'buggy: Error: observer bug' });
    });
    expect(seen).toEqual(['1 Added', '4 Updated']);
  });

  /**
   * One list of `a`, then its update at 8 on the watch; the controller runs while `leader$` leads.
   * Whatever leads or follows, and with or without an observer, the informer lists once and its
   * watch stays open from 1 to the end (it is kept warm).
   */
  const warmUnderLeader$ = (leader: string, expected: string, withObserver: boolean): void => {
    const rx = newTestScheduler();
    rx.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const list = cold('-(p|)', { p: listPage('10', [a1]) });
      const watch = cold<WatchEvent<KubeObject>>('-------m', { m: modified(a2) });
      const lw = fakeListerWatcher<KubeObject>({ lists: [list], watches: [watch] });
      const mgr = controllerManager({ listerWatcher: () => lw as never, scheduler: rx });
      const cms = mgr.select('cms', { resource: 'configmaps' });
      if (withObserver) mgr.observe(cms, (events$) => events$);
      mgr.controller({ name: 'cm', for: cms, reconcile: () => of(done) });
      const leader$ = hot<LeaderState>(leader, { l: { _tag: 'Leading' }, f: { _tag: 'Following' } });
      expectObservable(startedKeys(mgr.run({ leader$ })), '^ 20ms !').toBe(expected);
      expectSubscriptions(list.subscriptions).toBe('^!');
      expectSubscriptions(watch.subscriptions).toBe('-^ 19ms !');
    });
  };

  it('runs controllers only while leading; informers stay warm, so a new leader reconciles from the cache', () => {
    // leads at 3 (reconciles a from the warm cache), follows at 7 (misses the update at 8),
    // leads again at 12 (a again, updated)
    warmUnderLeader$('---l---f----l', '---a--------a', true);
  });

  it('with leader$ and no observer, a follower keeps its informers warm: one list, the watch open throughout', () => {
    // follows from 0 (the informer lists at once), leads at 5 (a from the warm cache), sees the
    // update at 8, follows at 9, leads again at 14 (a, from the cache kept while following)
    warmUnderLeader$('f----l---f----l', '-----a--a-----a', false);
  });

  it('with leader$, a stop while leading lets the running reconcile finish (drain) before completing', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, hot, expectObservable }) => {
      const lw = fakeListerWatcher<KubeObject>({ lists: [cold('-(p|)', { p: listPage('10', [a1]) })], watches: [cold<never>('-')] });
      const mgr = controllerManager({ listerWatcher: () => lw as never, scheduler: rx });
      const cms = mgr.select('cms', { resource: 'configmaps' });
      mgr.controller({ name: 'cm', for: cms, reconcile: () => timer(5, rx).pipe(map(() => done)) });
      const leader$ = hot<LeaderState>('l', { l: { _tag: 'Leading' } });
      const events = mgr.run({ leader$, shutdown$: hot('---x') }).pipe(
        filter((e) => e._tag === 'Reconcile'),
        map((e) => e.event._tag),
      );
      // started at 1, the stop at 3 does not abort it: it succeeds at 6, then the run completes
      expectObservable(events).toBe('-s----(d|)', { s: 'Started', d: 'Succeeded' });
    });
  });

  it('a sharded controller reconciles only the keys of held shards: replayed on gain, stopped on loss', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const inShard = (n: number) => names.filter((x) => shardOf(`default/${x}`, 2) === n);
    const [k0] = inShard(0);
    const [k1] = inShard(1);
    if (k0 === undefined || k1 === undefined) throw new Error('test names do not cover both shards');
    const rx = newTestScheduler();
    rx.run(({ cold, hot, expectObservable }) => {
      const lw = fakeListerWatcher<KubeObject>({
        lists: [cold('-(p|)', { p: listPage('10', [configMap(k0, '1'), configMap(k1, '2')]) })],
        watches: [cold<WatchEvent<KubeObject>>('--------------------------m', { m: modified(configMap(k0, '3')) })],
      });
      const mgr = controllerManager({ listerWatcher: () => lw as never, scheduler: rx });
      const cms = mgr.select('cms', { resource: 'configmaps' });
      mgr.controller({ name: 'cm', for: cms, reconcile: () => of(done), shards: { count: 2, owned$: hot('x---------y---------z', {
        x: new Set([0]),
        y: new Set([0, 1]),
        z: new Set([1]),
      }) } });
      // holds shard 0 from the start (k0 at 1), gains shard 1 at 10 (k1 replayed), loses shard 0
      // at 20: the update of k0 at 27 is not reconciled here
      expectObservable(startedKeys(mgr.run()), '^ 40ms !').toBe('-x--------y', { x: k0, y: k1 });
    });
  });
});
