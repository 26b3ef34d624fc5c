import { KubeConfig } from '@kubernetes/client-node';
import { filter, firstValueFrom, lastValueFrom, type Observable, ReplaySubject, Subscription, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { leaderElection, type LeaderState } from '../../lib/leaderelection/leaderElection.js';
import { httpLeaseClient, type LeaseClient, microTime } from '../../lib/leaderelection/leaseClient.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { until } from '../helpers/until.js';

const waitFor = <T>(source: Observable<T>, p: (v: T) => boolean, ms = 5_000): Promise<T> =>
  firstValueFrom(source.pipe(filter(p), timeout(ms)));

describe('microTime', () => {
  it('formats RFC 3339 with microseconds in UTC', () => {
    expect(microTime(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(microTime(Date.UTC(2024, 4, 1, 12, 0, 0, 123))).toBe('2024-05-01T12:00:00.123000Z');
  });
});

describe('httpLeaseClient against the embedded API server', () => {
  let server: EmbeddedApiServer;
  let client: LeaseClient;
  beforeEach(async () => {
    server = await startApiServer();
    const kc = new KubeConfig();
    kc.loadFromOptions(server.kubeConfigOptions());
    client = httpLeaseClient(kc);
  });
  afterEach(async () => {
    await server.close();
  });

  it('gets undefined for a missing Lease, creates, gets, updates, and rejects a stale update with 409', async () => {
    expect(await lastValueFrom(client.get('default', 'l1'))).toBeUndefined();
    const created = await lastValueFrom(
      client.create({ metadata: { name: 'l1', namespace: 'default' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: microTime(0) } }),
    );
    expect(created.metadata.resourceVersion).toBeDefined();
    expect(created.spec).toMatchObject({ holderIdentity: 'a', renewTime: microTime(0) });
    expect(server.get('leases', 'default', 'l1')).toMatchObject({ spec: { holderIdentity: 'a' } });

    const got = await lastValueFrom(client.get('default', 'l1'));
    expect(got?.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const updated = await lastValueFrom(client.update({ ...created, spec: { ...created.spec, holderIdentity: 'b' } }));
    expect(updated.spec?.holderIdentity).toBe('b');

    await expect(lastValueFrom(client.update({ ...created, spec: { holderIdentity: 'c' } }))).rejects.toMatchObject({
      _tag: 'HttpError',
      verb: 'update',
      resource: 'leases.coordination.k8s.io',
      code: 409,
      reason: 'Conflict',
    });
    await expect(lastValueFrom(client.create(created))).rejects.toMatchObject({ _tag: 'HttpError', verb: 'create', code: 409 });
  });

  it('reports a refused connection as a TransportError with the Lease verb', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions(server.kubeConfigOptions());
    await server.close();
    await expect(lastValueFrom(httpLeaseClient(kc).get('default', 'x'))).rejects.toMatchObject({
      _tag: 'TransportError',
      verb: 'get',
    });
  });
});

describe('leaderElection over HTTP (real time, short durations)', () => {
  let server: EmbeddedApiServer;
  let subs: Subscription;
  beforeEach(async () => {
    server = await startApiServer();
    subs = new Subscription();
  });
  afterEach(async () => {
    subs.unsubscribe();
    await server.close();
  });

  const candidate = (identity: string): Observable<LeaderState> => {
    const kc = new KubeConfig();
    kc.loadFromOptions(server.kubeConfigOptions());
    return leaderElection({
      client: httpLeaseClient(kc),
      namespace: 'default',
      name: 'ctl',
      identity,
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_MS,
      retryPeriodMs: RETRY_MS,
    });
  };
  // Wall-clock bounds below leave SLACK_MS for a loaded machine (timers fire late there); the exact
  // timings are pinned in virtual time by leaderElection.spec.ts. The Lease lasts long enough
  // (3 s on the server) that a bound still tells a release or a step-down from an expiry.
  const LEASE_MS = 3000;
  const RENEW_MS = 2000;
  const RETRY_MS = 100;
  const SLACK_MS = 800;

  it('two candidates: one leads; when the leader unsubscribes (releasing), the other leads', async () => {
    const a = new ReplaySubject<LeaderState>(Infinity);
    const b = new ReplaySubject<LeaderState>(Infinity);
    const aSub = candidate('a').subscribe(a);
    subs.add(aSub);
    await waitFor(a, (s) => s._tag === 'Leading');
    subs.add(candidate('b').subscribe(b));
    // b follows a while a leads and renews
    expect(await waitFor(b, (s) => s._tag === 'Following')).toEqual({ _tag: 'Following', leader: 'a' });
    expect(server.get('leases', 'default', 'ctl')).toMatchObject({ spec: { holderIdentity: 'a', leaseDurationSeconds: 3 } });
    const released = Date.now();
    aSub.unsubscribe();
    await waitFor(b, (s) => s._tag === 'Leading');
    // the release let b in at its next attempt (RETRY_MS), long before a's Lease (3 s from its last
    // renew, at most RETRY_MS before the release) could have expired
    expect(Date.now() - released).toBeLessThan(RETRY_MS + SLACK_MS);
    expect(server.get('leases', 'default', 'ctl')).toMatchObject({ spec: { holderIdentity: 'b', leaseTransitions: 1 } });
  });

  it('a leader whose renews fail (500) stops leading within renewDeadline, and leads again once they succeed', async () => {
    const a = new ReplaySubject<LeaderState>(Infinity);
    subs.add(candidate('a').subscribe(a));
    await waitFor(a, (s) => s._tag === 'Leading');
    const failedFrom = Date.now();
    // more failures than fit in renewDeadline (one renew per retry period), then success again
    server.faults.respond({ verb: 'update', resource: 'leases' }, 500, { times: (2 * RENEW_MS) / RETRY_MS });
    const states: string[] = [];
    subs.add(a.subscribe((s) => states.push(s._tag)));
    await waitFor(a, (s) => s._tag === 'Following');
    // the last successful renew was at most one retry period before the fault; stepping down at
    // the Lease's expiry instead would take LEASE_MS
    expect(Date.now() - failedFrom).toBeLessThan(RENEW_MS + RETRY_MS + SLACK_MS);
    await until(() => states.at(-1) === 'Leading', 15_000);
    expect(states).toEqual(['Leading', 'Following', 'Leading']);
    expect(server.get('leases', 'default', 'ctl')).toMatchObject({ spec: { holderIdentity: 'a' } });
  });
});
