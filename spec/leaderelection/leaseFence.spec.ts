import { filter, lastValueFrom, map, mergeMap, type Observable, of, type SchedulerLike, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { configMaps, secrets } from '../../lib/client/builtinResources.js';
import { KubeApiException } from '../../lib/client/ClientError.js';
import { objectClient } from '../../lib/client/objectClient.js';
import { controllerManager } from '../../lib/controller/controllerManager.js';
import { leaderElection, type LeaderState } from '../../lib/leaderelection/leaderElection.js';
import { fenceValidUntil, isLeaseFenced, type LeaseFence, leaseFence } from '../../lib/leaderelection/leaseFence.js';
import type { LeaseClient } from '../../lib/leaderelection/leaseClient.js';
import { sharding, shardOf } from '../../lib/leaderelection/sharding.js';
import type { WatchEvent } from '../../lib/listwatch/ListerWatcher.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { configMap, listPage } from '../../lib/testing/builders.js';
import { fakeCluster } from '../../lib/testing/fakeCluster.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { itemExponentialFailureRateLimiter } from '../../lib/workqueue/rateLimiter.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { embeddedKubeConfig, embeddedServerPerTest } from '../helpers/embeddedKubeConfig.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { memoryLeaseStore } from '../helpers/memoryLeaseClient.js';
import { errorOf } from '../listwatch/testServer.js';

const L = 5_000;
const D = 3_000;
const R = 1_000;

const values = { l: { _tag: 'Leading' } as LeaderState, f: { _tag: 'Following' } as LeaderState, t: true, n: false };

/** Candidate `a` for Lease default/ctl with the test timings, feeding `fence`. */
const fencedCandidate = (client: LeaseClient, scheduler: SchedulerLike, fence: LeaseFence, shouldLead?: () => boolean): Observable<LeaderState> =>
  leaderElection({
    client, namespace: 'default', name: 'ctl', identity: 'a',
    leaseDurationMs: L, renewDeadlineMs: D, retryPeriodMs: R, random: () => 0, scheduler, fence,
    ...(shouldLead === undefined ? {} : { shouldLead }),
  });

/** `fence.isValid()` at each frame of `sample$`. */
const validity = (fence: LeaseFence, sample$: Observable<unknown>): Observable<boolean> => sample$.pipe(map(() => fence.isValid()));

describe('leaseFence', () => {
  it('fenceValidUntil: the send time plus the lease duration minus the margin, at least 1 ms', () => {
    expect(fenceValidUntil(1_000, 15_000, 5_000)).toBe(11_000);
    expect(fenceValidUntil(1_000, 15_000, 0)).toBe(16_000);
    expect(fenceValidUntil(1_000, 15_000, 20_000)).toBe(1_001);
  });

  it('is invalid until renewed, moves only forward, and is revoked; check names the refused action', () => {
    const rx = newTestScheduler();
    const fence = leaseFence({ scheduler: rx });
    expect(fence.isValid(0)).toBe(false);
    expect(fence.check('reconcile default/a', 0)).toMatchObject({ _tag: 'LeaseFenced', action: 'reconcile default/a', validUntil: undefined });
    fence.renewed(1_000, { leaseDurationMs: L, renewDeadlineMs: D });
    // default margin = L - D: valid until 1000 + D
    expect(fence.validUntil()).toBe(4_000);
    expect([fence.isValid(3_999), fence.isValid(4_000)]).toEqual([true, false]);
    fence.renewed(500, { leaseDurationMs: L, renewDeadlineMs: D });
    expect(fence.validUntil()).toBe(4_000);
    expect(fence.check('apply secrets', 4_000)).toMatchObject({ _tag: 'LeaseFenced', now: 4_000, validUntil: 4_000 });
    expect(fence.check('apply secrets', 3_000)).toBeUndefined();
    fence.revoke();
    expect(fence.isValid(1_000)).toBe(false);
    expect(isLeaseFenced(fence.check('x', 0))).toBe(true);
    expect(isLeaseFenced({ _tag: 'InvalidRequest', field: 'fence' })).toBe(true);
    expect([isLeaseFenced({ _tag: 'InvalidRequest', field: 'kind' }), isLeaseFenced(undefined), isLeaseFenced('LeaseFenced')]).toEqual([false, false, false]);
  });

  it('leader election keeps it current: valid from the first acquire, closed at the last renew + leaseDuration - margin when renews fail', () => {
    const rx = newTestScheduler();
    const fence = leaseFence({ scheduler: rx });
    rx.run(({ expectObservable, cold, hot }) => {
      const store = memoryLeaseStore(rx);
      let partitioned = false;
      cold('3000ms x').subscribe(() => (partitioned = true));
      const le = fencedCandidate(store.client({ name: 'a', down: () => partitioned }), rx, fence);
      // renews sent at 0, 1000, 2000 succeed; from 3000 they fail: valid until 2000 + L - (L - D) = 5000
      expectObservable(le, '^ 9999ms !').toBe('l 4999ms f', values);
      expectObservable(validity(fence, hot('-x 4997ms x x', { x: 0 })), '^ 9999ms !').toBe('-t 4997ms t n', values);
    });
  });

  it('a paused leader: the fence reads the clock, so it closes even before the renew-deadline timer has run', () => {
    const rx = newTestScheduler();
    const fence = leaseFence({ scheduler: rx, marginMs: 1_000 });
    rx.run(({ expectObservable }) => {
      const store = memoryLeaseStore(rx);
      const le = fencedCandidate(store.client({ name: 'a' }), rx, fence);
      expectObservable(le, '^ 2500ms !').toBe('l', values);
    });
    // the last renew was sent at 2000; a process resuming at t ≥ 2000 + L - margin = 6000 sees it
    // invalid at once, whatever its timers say
    expect(fence.validUntil()).toBeUndefined(); // unsubscribed: revoked
    const paused = leaseFence({ marginMs: 1_000 });
    paused.renewed(2_000, { leaseDurationMs: L, renewDeadlineMs: D });
    expect([paused.isValid(5_999), paused.isValid(6_000), paused.isValid(60_000)]).toEqual([true, false, false]);
  });

  it('steps down on shouldLead false and revokes the fence at once', () => {
    const rx = newTestScheduler();
    const fence = leaseFence({ scheduler: rx });
    rx.run(({ expectObservable, cold, hot }) => {
      const store = memoryLeaseStore(rx);
      let want = true;
      cold('1500ms x').subscribe(() => (want = false));
      const le = fencedCandidate(store.client({ name: 'a' }), rx, fence, () => want);
      // the attempt at 2000 sees shouldLead false: Following, fence revoked (although 2000 < 1000 + D)
      expectObservable(le, '^ 2999ms !').toBe('l 1999ms f', values);
      expectObservable(validity(fence, hot('-x 1997ms x 1ms x', { x: 0 })), '^ 2999ms !').toBe('-t 1997ms t 1ms n', values);
    });
  });

  it('the manager checks it before each reconcile: a closed fence fails the reconcile with LeaseFenced, the reconciler never runs', () => {
    const rx = newTestScheduler();
    const calls: number[] = [];
    rx.run(({ cold, hot, expectObservable }) => {
      const lw = fakeListerWatcher<KubeObject>({ lists: [cold('-(p|)', { p: listPage('10', [configMap('a', '1')]) })], watches: [cold<WatchEvent<KubeObject>>('-')] });
      const mgr = controllerManager({ listerWatcher: () => lw as never, scheduler: rx });
      const cms = mgr.select('cms', { resource: 'configmaps' });
      let open = false;
      cold('5ms x').subscribe(() => (open = true));
      const fence = { check: (action: string) => (open ? undefined : { _tag: 'LeaseFenced' as const, action, now: rx.now(), validUntil: undefined, message: `${action}: refused` }) };
      mgr.controller({
        name: 'cm', for: cms, config: { rateLimiter: itemExponentialFailureRateLimiter(10, 10) },
        reconcile: () => {
          calls.push(rx.now());
          return of(done);
        },
      });
      const events = mgr.run({ leader$: hot<LeaderState>('l', { l: values.l }), fence }).pipe(
        filter((e) => e._tag === 'Reconcile'),
        map((e) => (e.event._tag === 'Failed' ? `F:${isLeaseFenced(e.event.error) ? 'fenced' : 'other'}` : e.event._tag)),
      );
      // refused at 1 (fence closed), retried 10 ms later with the fence open
      expectObservable(events, '^ 20ms !').toBe('-(sfq) 5ms (sd)', { s: 'Started', f: 'F:fenced', q: 'Requeued', d: 'Succeeded' });
    });
    expect(calls).toEqual([11]);
  });
});

describe('leaseFence and the reconcile context’s clients', () => {
  /**
   * A controller that copies ConfigMap `a` into a Secret through `context.client`, 5 ms into its
   * reconcile; the fence closes at `closesAt` (ms, virtual). Returns the outcomes and the Secrets
   * the cluster holds at the end.
   */
  const copyWithFence = (closesAt: number): { readonly outcomes: string[]; readonly secretNames: string[] } => {
    const rx = newTestScheduler();
    const outcomes: string[] = [];
    let secretNames: string[] = [];
    rx.run(({ hot, flush }) => {
      const cluster = fakeCluster({ resources: [configMaps, secrets], scheduler: rx });
      cluster.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' }, data: { k: 'v' } });
      const mgr = controllerManager({ listerWatcher: cluster.managerListerWatcher, client: (resource) => cluster.client(resource), scheduler: rx });
      const cms = mgr.select('cms', { resource: 'configmaps' });
      const fence = { check: (action: string) => (rx.now() < closesAt ? undefined : { _tag: 'LeaseFenced' as const, action, now: rx.now(), validUntil: undefined, message: `${action}: refused` }) };
      mgr.controller({
        name: 'copier', for: cms, config: { rateLimiter: itemExponentialFailureRateLimiter(1000, 1000) }, readYourWrites: false,
        reconcile: (key, _signal, context) =>
          timer(5, rx).pipe(
            mergeMap(() => context.client(secrets).apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: key.split('/')[1] ?? '', namespace: 'default' } })),
            map(() => done),
          ),
      });
      const run = mgr
        .run({ leader$: hot<LeaderState>('l', { l: values.l }), fence })
        .pipe(filter((e) => e._tag === 'Reconcile' && (e.event._tag === 'Failed' || e.event._tag === 'Succeeded')))
        .subscribe((e) => {
          if (e._tag === 'Reconcile') outcomes.push(e.event._tag === 'Failed' ? `${rx.now()}:${isLeaseFenced(e.event.error) ? 'fenced' : 'other'}` : `${rx.now()}:ok`);
        });
      // 2.5 s of virtual time (a refused reconcile is retried every second), then stop
      rx.schedule(() => {
        secretNames = cluster.list(secrets, 'default').map((o) => o.metadata.name);
        run.unsubscribe();
      }, 2_500);
      flush();
    });
    return { outcomes, secretNames };
  };

  it('a write of context.client is refused when the fence closed after the reconcile started: nothing reaches the cluster', () => {
    const { outcomes, secretNames } = copyWithFence(3);
    // the reconcile started with the fence open; its write, 5 ms later, is refused before it is sent
    expect(outcomes[0]).toMatch(/^\d+:fenced$/);
    expect(outcomes.every((o) => o.endsWith(':fenced'))).toBe(true);
    expect(secretNames).toEqual([]);
  });

  it('control: with the fence open the same write goes through', () => {
    const { outcomes, secretNames } = copyWithFence(Number.POSITIVE_INFINITY);
    expect(outcomes).toEqual([expect.stringMatching(/:ok$/)]);
    expect(secretNames).toEqual(['a']);
  });
});

describe('leaseFence per shard', () => {
  it('a sharded controller checks the fence of each key’s shard: a closed one fails its keys, an open one reconciles', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const k0 = names.find((x) => shardOf(`default/${x}`, 2) === 0);
    const k1 = names.find((x) => shardOf(`default/${x}`, 2) === 1);
    if (k0 === undefined || k1 === undefined) throw new Error('test names do not cover both shards');
    const rx = newTestScheduler();
    const ran: string[] = [];
    rx.run(({ cold, hot, expectObservable }) => {
      const lw = fakeListerWatcher<KubeObject>({ lists: [cold('-(p|)', { p: listPage('10', [configMap(k0, '1'), configMap(k1, '2')]) })], watches: [cold<WatchEvent<KubeObject>>('-')] });
      const mgr = controllerManager({ listerWatcher: () => lw as never, scheduler: rx });
      const cms = mgr.select('cms', { resource: 'configmaps' });
      const closed = { check: (action: string) => ({ _tag: 'LeaseFenced' as const, action, now: rx.now(), validUntil: undefined, message: `${action}: refused` }) };
      const open = { check: () => undefined };
      mgr.controller({
        name: 'cm', for: cms, config: { rateLimiter: itemExponentialFailureRateLimiter(1000, 1000) },
        reconcile: (key) => {
          ran.push(key);
          return of(done);
        },
        shards: { count: 2, owned$: hot('x', { x: new Set([0, 1]) }), fences: [closed, open] },
      });
      const outcomes = mgr.run().pipe(
        filter((e) => e._tag === 'Reconcile' && (e.event._tag === 'Failed' || e.event._tag === 'Succeeded')),
        map((e) => (e._tag === 'Reconcile' && e.event._tag === 'Failed' ? `${e.event.key}:${isLeaseFenced(e.event.error) ? 'fenced' : 'other'}` : e._tag === 'Reconcile' ? `${e.event.key}:ok` : '')),
      );
      expectObservable(outcomes, '^ 20ms !').toBe('-(xy)', { x: `default/${k0}:fenced`, y: `default/${k1}:ok` });
    });
    expect(ran).toEqual([`default/${k1}`]);
  });

  it('sharding feeds the fence of each shard from that shard’s election: valid exactly for the shards held, revoked on stop', () => {
    const rx = newTestScheduler();
    const fences = [leaseFence({ scheduler: rx }), leaseFence({ scheduler: rx })];
    const seen: string[] = [];
    rx.run(({ cold }) => {
      const store = memoryLeaseStore(rx);
      let owned: ReadonlySet<number> = new Set();
      const sub = sharding({ client: store.client({ name: 'a' }), namespace: 'default', name: 'ctl', identity: 'a', shardCount: 2, leaseDurationMs: L, renewDeadlineMs: D, retryPeriodMs: R, random: () => 0, scheduler: rx, fences }).subscribe((s) => {
        owned = s;
      });
      // sample ownership and the fences every 5 s, then stop at 30 s
      cold('1ms x 4999ms x 4999ms x 4999ms x 4999ms x 4999ms x').subscribe(() => {
        seen.push(`${[...owned].sort().join(',')}|${fences.map((f) => (f.isValid() ? 'v' : '-')).join('')}`);
      });
      cold('30000ms x').subscribe(() => {
        sub.unsubscribe();
        seen.push(`stopped|${fences.map((f) => (f.isValid() ? 'v' : '-')).join('')}`);
      });
    });
    // a lone member takes both shards once membership settled; a fence is valid iff its shard is held
    expect(seen.at(-1)).toBe('stopped|--');
    for (const line of seen.slice(0, -1)) {
      const [shards = '', valid = ''] = line.split('|');
      expect(valid).toBe(['0', '1'].map((i) => (shards.split(',').includes(i) ? 'v' : '-')).join(''));
    }
    expect(seen).toContain('0,1|vv');
  });
});

describe('leaseFence in the object client (embedded API server)', () => {
  const current = embeddedServerPerTest({ tokens: { 'admin-token': 'admin' } });

  it('refuses writes before sending anything while the fence is closed; reads are not fenced', async () => {
    const server = current();
    let open = false;
    const fence = { check: (action: string) => (open ? undefined : { _tag: 'LeaseFenced' as const, action, now: 0, validUntil: 0, message: `${action}: refused` }) };
    const client = objectClient(configMaps, { kubeConfig: embeddedKubeConfig(server), namespace: 'ns1', fieldManager: 'm', fence });
    const cm = { apiVersion: 'v1' as const, kind: 'ConfigMap' as const, metadata: { name: 'a', namespace: 'ns1' }, data: { k: 'v' } };
    expect(await errorOf(client.apply(cm))).toMatchObject({ _tag: 'InvalidRequest', verb: 'apply', field: 'fence', message: 'apply configmaps: refused' });
    expect(await errorOf(client.create(cm))).toMatchObject({ _tag: 'InvalidRequest', field: 'fence' });
    expect(await errorOf(client.delete({ name: 'a' }))).toMatchObject({ _tag: 'InvalidRequest', field: 'fence' });
    const rejected = await client.promise.patch({ name: 'a' }, { data: { k: 'w' } }).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(KubeApiException);
    expect(isLeaseFenced(rejected)).toBe(true);
    expect(server.requests).toEqual([]);
    expect(await errorOf(client.get({ name: 'a' }))).toMatchObject({ _tag: 'HttpError', code: 404 });
    expect(server.requests.map((r) => r.method)).toEqual(['GET']);
    // checked when the write is sent (on subscribe), not when it is built
    const later$ = client.apply(cm);
    open = true;
    await expect(lastValueFrom(later$)).resolves.toMatchObject({ metadata: { name: 'a' } });
  });
});
