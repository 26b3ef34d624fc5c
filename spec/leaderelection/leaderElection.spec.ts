import { type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { type LeaderElectionConfig, leaderElection, type LeaderState, whileLeading } from '../../lib/leaderelection/leaderElection.js';
import { microTime } from '../../lib/leaderelection/leaseClient.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { memoryLeaseClient, memoryLeaseStore } from '../helpers/memoryLeaseClient.js';

const L = 5_000;
const D = 3_000;
const R = 1_000;

const values = {
  l: { _tag: 'Leading' } as LeaderState,
  f: { _tag: 'Following' } as LeaderState,
  a: { _tag: 'Following', leader: 'a' } as LeaderState,
  b: { _tag: 'Following', leader: 'b' } as LeaderState,
};

type Store = ReturnType<typeof memoryLeaseStore>;

const candidate = (
  store: Store,
  identity: string,
  scheduler: LeaderElectionConfig['scheduler'],
  extra: Partial<LeaderElectionConfig> & { down?: () => boolean; latencyMs?: number } = {},
): Observable<LeaderState> => {
  const { down, latencyMs, ...rest } = extra;
  return leaderElection({
    client: store.client({ name: identity, ...(down === undefined ? {} : { down }), ...(latencyMs === undefined ? {} : { latencyMs }) }),
    namespace: 'default',
    name: 'ctl',
    identity,
    leaseDurationMs: L,
    renewDeadlineMs: D,
    retryPeriodMs: R,
    random: () => 0,
    ...(scheduler === undefined ? {} : { scheduler }),
    ...rest,
  });
};

describe('leaderElection (virtual time, in-memory Leases)', () => {
  it('acquires a free Lease on the first attempt (creates it)', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const store = memoryLeaseStore(rx);
      expectObservable(candidate(store, 'a', rx), '^ 9999ms !').toBe('l', values);
    });
    // after the run: a created the Lease at 0 and renewed it every retry period
  });

  it('creates the Lease with client-go record fields, then renews every retryPeriod keeping acquireTime and transitions', () => {
    const rx = newTestScheduler();
    const store = memoryLeaseStore(rx);
    rx.run(({ expectObservable }) => {
      expectObservable(candidate(store, 'a', rx, { releaseOnCancel: false }), '^ 3500ms !').toBe('l', values);
    });
    expect(store.writes.map((w) => `${w.at} ${w.verb}`)).toEqual(['0 create', '1000 update', '2000 update', '3000 update']);
    const last = store.get('default', 'ctl');
    expect(last?.spec).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 5,
      acquireTime: microTime(0),
      renewTime: microTime(3000),
      leaseTransitions: 0,
    });
  });

  it('cannot acquire while another candidate holds and renews the Lease', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const store = memoryLeaseStore(rx);
      expectObservable(candidate(store, 'b', rx), '^ 29999ms !').toBe('l', values);
      expectObservable(candidate(store, 'a', rx), '^ 29999ms !').toBe('b', values);
    });
  });

  it('takes over an abandoned Lease once it expired on its own clock (observedTime + leaseDuration)', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const store = memoryLeaseStore(rx);
      // someone else wrote the Lease at 0 and never renews it
      store.put({ metadata: { name: 'ctl', namespace: 'default' }, spec: { holderIdentity: 'b', leaseDurationSeconds: 5 } });
      //                                                                    4999ms later: 5000 = 0 + L
      expectObservable(candidate(store, 'a', rx), '^ 9999ms !').toBe('b 4999ms l', values);
    });
  });

  it('the leader stops leading within renewDeadline when renews fail, before the other candidate can acquire', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable, cold }) => {
      const store = memoryLeaseStore(rx);
      let partitioned = false;
      cold('3000ms x').subscribe(() => (partitioned = true));
      // b renews at 0, 1000, 2000; fails from 3000 on; last success sent at 2000 → Following at 2000 + D = 5000
      expectObservable(candidate(store, 'b', rx, { down: () => partitioned }), '^ 9999ms !').toBe('l 4999ms f', values);
      // a observed b's renew of 2000 at 2000 → may take it at 2000 + L = 7000 (≤ last renew + L + R)
      expectObservable(candidate(store, 'a', rx), '^ 9999ms !').toBe('b 6999ms l', values);
    });
  });

  it('a slow renew keeps leadership only until renewDeadline after the last successful send', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable, cold }) => {
      const store = memoryLeaseStore(rx);
      let stalled = false;
      cold('1500ms x').subscribe(() => (stalled = true));
      // from 1500 every request hangs forever (never answers): the attempt is aborted at the deadline
      const client = store.client({ name: 'a' });
      const hanging = {
        get: (ns: string, n: string) => (stalled ? cold<never>('-') : client.get(ns, n)),
        create: (l: Parameters<typeof client.create>[0]) => client.create(l),
        update: (l: Parameters<typeof client.update>[0]) => (stalled ? cold<never>('-') : client.update(l)),
      };
      const le = leaderElection({
        client: hanging, namespace: 'default', name: 'ctl', identity: 'a',
        leaseDurationMs: L, renewDeadlineMs: D, retryPeriodMs: R, random: () => 0, scheduler: rx,
      });
      // last successful renew sent at 1000 → Following at 4000
      expectObservable(le, '^ 9999ms !').toBe('l 3999ms f', values);
    });
  });

  it('exactly one of two candidates racing for a free Lease wins (409 AlreadyExists / Conflict)', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const store = memoryLeaseStore(rx);
      // both GET at 0 (answer at 10: not found), both create at 10: a's arrives first, b gets 409
      expectObservable(candidate(store, 'a', rx, { latencyMs: 10 }), '^ 5000ms !').toBe('20ms l', values);
      expectObservable(candidate(store, 'b', rx, { latencyMs: 10 }), '^ 5000ms !').toBe('20ms f 1009ms a', values);
    });
  });

  it('releases the Lease on unsubscribe so that another candidate acquires it at its next attempt', () => {
    const rx = newTestScheduler();
    const store = memoryLeaseStore(rx);
    rx.run(({ expectObservable }) => {
      expectObservable(candidate(store, 'a', rx), '^ 2499ms !').toBe('l', values);
      // released at 2500; b's next attempt at 3000 takes it (expiry would only be at 7500)
      expectObservable(candidate(store, 'b', rx), '^ 9999ms !').toBe('a 2999ms l', values);
    });
    const release = store.writes.find((w) => w.by === 'a' && w.lease.spec?.holderIdentity === '');
    expect(release).toMatchObject({ at: 2500, lease: { spec: { holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(2500) } } });
    const takeover = store.writes.find((w) => w.by === 'b');
    expect(takeover).toMatchObject({ at: 3000, lease: { spec: { holderIdentity: 'b', leaseTransitions: 1, acquireTime: microTime(3000) } } });
  });

  it('with releaseOnCancel false the Lease is left to expire', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const store = memoryLeaseStore(rx);
      expectObservable(candidate(store, 'a', rx, { releaseOnCancel: false }), '^ 2499ms !').toBe('l', values);
      // a's last renew at 2000, observed by b at 2000 → b takes it at 7000
      expectObservable(candidate(store, 'b', rx), '^ 9999ms !').toBe('a 6999ms l', values);
    });
  });

  it('steps down and releases when shouldLead turns false, and re-acquires when it turns true', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable, cold }) => {
      const store = memoryLeaseStore(rx);
      let want = true;
      cold('2500ms x 2999ms y').subscribe((v) => (want = v === 'y'));
      const le = candidate(store, 'a', rx, { shouldLead: () => want });
      expectObservable(le, '^ 9999ms !').toBe('l 2999ms f 2999ms l', values);
    });
  });

  it('jitters attempts while not leading (retryPeriod · (1 + random · 1.2))', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const store = memoryLeaseStore(rx);
      store.put({ metadata: { name: 'ctl', namespace: 'default' }, spec: { holderIdentity: 'b', leaseDurationSeconds: 5 } });
      // attempts at 0, 2200, 4400, 6600: the first at or after expiry (5000) is 6600
      expectObservable(candidate(store, 'a', rx, { random: () => 1 }), '^ 9999ms !').toBe('b 6599ms l', values);
    });
  });

  it('validates the timing configuration with a TypeError, as client-go NewLeaderElector', () => {
    const client = memoryLeaseClient(newTestScheduler());
    const base = { client, namespace: 'default', name: 'ctl', identity: 'a' };
    expect(() => leaderElection({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(TypeError);
    expect(() => leaderElection({ ...base, renewDeadlineMs: 2_400, retryPeriodMs: 2_000 })).toThrow(/retryPeriodMs \* 1.2/);
    expect(() => leaderElection({ ...base, retryPeriodMs: 0 })).toThrow(TypeError);
    expect(() => leaderElection(base)).not.toThrow();
  });
});

describe('whileLeading', () => {
  it('runs work while Leading and unsubscribes it the moment leadership is lost', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const leader = hot('  f-l-----f---l---|', values);
      const work = cold('     a-b-c-d-e');
      const workSubs = [
        '                 --^-----!',
        '                 ------------^---!',
      ];
      const expected = '  --a-b-c-----a-b-|';
      expectObservable(whileLeading(leader, () => work)).toBe(expected);
      expectSubscriptions(work.subscriptions).toBe(workSubs);
    });
  });

  it('stops the old leader’s work before the new leader starts its own', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const store = memoryLeaseStore(rx);
      let partitioned = false;
      cold('3000ms x').subscribe(() => (partitioned = true));
      const workB = cold('500ms a 999ms a 999ms a 999ms a 999ms a 999ms a 999ms a 999ms a 999ms a');
      const workA = cold('500ms a 999ms a 999ms a');
      const b$ = whileLeading(candidate(store, 'b', rx, { down: () => partitioned }), () => workB);
      const a$ = whileLeading(candidate(store, 'a', rx), () => workA);
      // b's work runs 0–5000 (its renew deadline), a's from 7000 (b's Lease expired): never both
      expectObservable(b$, '^ 9999ms !').toBe('500ms a 999ms a 999ms a 999ms a 999ms a');
      expectObservable(a$, '^ 9999ms !').toBe('7500ms a 999ms a 999ms a');
      expectSubscriptions(workB.subscriptions).toBe('^ 4999ms !');
      expectSubscriptions(workA.subscriptions).toBe('7000ms ^ 2999ms !');
    });
  });
});
