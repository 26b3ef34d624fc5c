import { defer, mergeMap, Observable, of, type SchedulerLike, timer } from 'rxjs';

import type { Lease, LeaseClient, LeaseClientError, LeaseVerb } from '../../lib/leaderelection/leaseClient.js';

const RESOURCE = 'leases.coordination.k8s.io';

const failWith = <T>(e: unknown): Observable<T> =>
  new Observable<T>((subscriber) => {
    subscriber.error(e);
  });

/** One write the store accepted, for assertions. */
export interface LeaseWrite {
  readonly at: number;
  readonly by: string;
  readonly verb: 'create' | 'update';
  readonly lease: Lease;
}

/** Options of one client of the store. */
export interface MemoryClientOptions {
  /** Who writes (for the write log). */
  readonly name?: string;
  /** While true, every request fails with a TransportError ECONNREFUSED (a network partition). */
  readonly down?: () => boolean;
  /** Answers arrive this long after the request (writes apply when the request arrives). Default 0: synchronous. */
  readonly latencyMs?: number;
}

/**
 * The API server's Lease storage in memory, on a scheduler's clock: one global resourceVersion
 * bumped by every write, create fails with 409 AlreadyExists, update with 409 Conflict when the
 * resourceVersion is stale (or absent: an unconditional update is not what leader election does),
 * 404 when missing. Clients are {@link LeaseClient}s, optionally partitioned or slow.
 */
export const memoryLeaseStore = (scheduler: SchedulerLike) => {
  const leases = new Map<string, Lease>();
  const writes: LeaseWrite[] = [];
  let rv = 0;
  const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;
  const fail = (verb: LeaseVerb, code: number, reason: string, message: string): LeaseClientError => ({
    _tag: 'HttpError',
    verb,
    resource: RESOURCE,
    code,
    reason,
    message: `${verb} ${RESOURCE}: ${reason}: ${message}`,
  });
  const stamp = (lease: Lease, namespace: string): Lease => {
    rv += 1;
    return { ...lease, metadata: { ...lease.metadata, namespace, resourceVersion: String(rv) } };
  };

  const store = {
    writes: writes as ReadonlyArray<LeaseWrite>,
    get: (namespace: string, name: string): Lease | undefined => leases.get(keyOf(namespace, name)),
    /** Seeds or overwrites a Lease unconditionally (as another actor would). */
    put: (lease: Lease): Lease => {
      const ns = lease.metadata.namespace ?? 'default';
      const stored = stamp(lease, ns);
      leases.set(keyOf(ns, lease.metadata.name), stored);
      return stored;
    },
    client: (options: MemoryClientOptions = {}): LeaseClient => {
      const { name: by = 'client', down = () => false, latencyMs = 0 } = options;
      const answer = <T>(verb: LeaseVerb, f: () => T | LeaseClientError): Observable<T> =>
        defer(() => {
          if (down()) {
            return failWith<T>({
                _tag: 'TransportError',
                verb,
                resource: RESOURCE,
                message: 'connect ECONNREFUSED',
                code: 'ECONNREFUSED',
              });
          }
          const r = f();
          const isError = typeof r === 'object' && r !== null && '_tag' in r;
          const o: Observable<T> = isError ? failWith<T>(r) : of(r);
          return latencyMs === 0 ? o : timer(latencyMs, scheduler).pipe(mergeMap(() => o));
        });
      return {
        get: (namespace, name) => answer('get', () => leases.get(keyOf(namespace, name))),
        create: (lease) =>
          answer('create', () => {
            const ns = lease.metadata.namespace ?? 'default';
            const key = keyOf(ns, lease.metadata.name);
            if (leases.has(key)) return fail('create', 409, 'AlreadyExists', `"${lease.metadata.name}" already exists`);
            const stored = stamp(lease, ns);
            leases.set(key, stored);
            writes.push({ at: scheduler.now(), by, verb: 'create', lease: stored });
            return stored;
          }),
        update: (lease) =>
          answer('update', () => {
            const ns = lease.metadata.namespace ?? 'default';
            const key = keyOf(ns, lease.metadata.name);
            const existing = leases.get(key);
            if (existing === undefined) return fail('update', 404, 'NotFound', `"${lease.metadata.name}" not found`);
            if (lease.metadata.resourceVersion !== existing.metadata.resourceVersion) {
              return fail('update', 409, 'Conflict', `the object has been modified`);
            }
            const stored = stamp(lease, ns);
            leases.set(key, stored);
            writes.push({ at: scheduler.now(), by, verb: 'update', lease: stored });
            return stored;
          }),
      };
    },
  };
  return store;
};

/** A client of a fresh store (the shape the brief names); use {@link memoryLeaseStore} to share one store. */
export const memoryLeaseClient = (scheduler: SchedulerLike, options: MemoryClientOptions = {}): LeaseClient =>
  memoryLeaseStore(scheduler).client(options);
