// Issue 14's seeded read-your-writes test: a create-if-missing controller (one Secret per
// ConfigMap) over real HTTP against the embedded API server, with the Secrets' watch events
// delayed by the server's fault injection (`faults.delayWatchEvents`, seeded jitter: the writes
// return at once, their watch events come late), runs 200 reconciles while the parents keep
// changing. With read-your-writes each child is created exactly once; without it the
// controller reads a stale cache and creates again (409 AlreadyExists), so the test can fail.
// Replay a run with KUBE_RX_RYW_SEED.
import { KubeConfig } from '@kubernetes/client-node';
import fc from 'fast-check';
import { catchError, filter, firstValueFrom, map, type Observable, of, Subject, take, tap, timeout, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { controllerManager, type ManagerEvent } from '../../lib/controller/controllerManager.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { configMaps, secrets } from '../../lib/client/builtinResources.js';
import { objectClient } from '../../lib/client/objectClient.js';
import { isListerWatcherError } from '../../lib/listwatch/ListerWatcherError.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';

const SEED = Number(process.env['KUBE_RX_RYW_SEED'] ?? '14');
const PARENTS = 20;
const RECONCILES = 200;
/** How late the child watch delivers each event (the fault): at least this, plus a seeded jitter of up to WATCH_JITTER_MS. */
const WATCH_DELAY_MS = 60;
const WATCH_JITTER_MS = 20;

/** The seeded plan of parent changes: bursts of 1 or 2 parents (fast-check's seeded generator, as the fault suite draws its plans). */
const planFor = (seed: number): ReadonlyArray<ReadonlyArray<number>> => {
  const [plan] = fc.sample(fc.array(fc.array(fc.nat(PARENTS - 1), { minLength: 1, maxLength: 2 }), { minLength: 2000, maxLength: 2000 }), { seed, numRuns: 1 });
  if (plan === undefined) throw new Error(`no plan drawn for seed ${String(seed)}`);
  return plan;
};

let server: EmbeddedApiServer;
let kubeConfig: KubeConfig;

beforeEach(async () => {
  server = await startApiServer({ bookmarkIntervalMs: 0 });
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions(server.kubeConfigOptions());
  for (let i = 0; i < PARENTS; i++) server.create('configmaps', { metadata: { name: `p${i}`, namespace: 'default' }, data: { n: '0' } });
});
afterEach(async () => {
  await server.close();
});

/** Runs the controller for RECONCILES reconciles; returns the creates sent, the children made, the 409s. */
const run = async (
  readYourWrites: boolean,
): Promise<{ readonly creates: number; readonly children: number; readonly conflicts: number; readonly reconciles: number; readonly timeouts: number }> => {
  const plan = planFor(SEED);
  const stop = new Subject<void>();
  let conflicts = 0;
  const secretsClient = objectClient(secrets, { kubeConfig });
  // the fault: every watch event of Secrets (the children) arrives late; writes are answered at once
  server.faults.delayWatchEvents({ verb: 'watch', resource: 'secrets' }, { ms: WATCH_DELAY_MS, jitterMs: WATCH_JITTER_MS, seed: SEED });
  const mgr = controllerManager({ kubeConfig });
  const parents = mgr.select('parents', { resource: configMaps, namespace: 'default' });
  const childSelector = mgr.select('children', { resource: secrets, namespace: 'default' });
  const childStore = mgr.informer(childSelector).store;
  mgr.controller({
    name: 'create-if-missing',
    for: parents,
    triggers: [{ selector: childSelector, keys: (s: KubeObject) => [`default/${s.metadata.name.replace(/-child$/, '')}`] }],
    readYourWrites,
    reconcile: (key, _signal, { writes }): Observable<typeof done> => {
      const name = `${key.slice('default/'.length)}-child`;
      if (childStore.get(`default/${name}`) !== undefined) return of(done);
      return secretsClient.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' } }).pipe(
        writes.record(),
        map(() => done),
        catchError((e: unknown) => {
          // the duplicate create of a stale cache: the child exists already
          if (isListerWatcherError(e) && e._tag === 'HttpError' && e.code === 409) {
            conflicts += 1;
            return of(done);
          }
          throw e;
        }),
      );
    },
  });
  let reconciles = 0;
  let timeouts = 0;
  let touches = 0;
  let step = 0;
  const touching = setInterval(() => {
    // a seeded burst of parent changes every 2 ms: 1 or 2 parents, sometimes the same twice
    for (const parent of plan[step % plan.length] ?? []) {
      touches += 1;
      server.patch('configmaps', 'default', `p${parent}`, { data: { n: String(touches) } });
    }
    step += 1;
  }, 2);
  try {
    await firstValueFrom(
      mgr.run({ shutdown$: stop }).pipe(
        tap((e: ManagerEvent) => {
          if (e._tag === 'ReadYourWrites') timeouts += 1;
        }),
        filter((e: ManagerEvent) => e._tag === 'Reconcile' && e.event._tag === 'Succeeded'),
        tap(() => {
          reconciles += 1;
          if (reconciles === RECONCILES) {
            clearInterval(touching);
            stop.next();
          }
        }),
        toArray(),
        timeout(60_000),
        take(1),
      ),
    );
  } finally {
    clearInterval(touching);
  }
  const creates = server.requests.filter((r) => r.verb === 'create' && r.resource === 'secrets').length;
  const children = server.list('secrets', 'default').length;
  return { creates, children, conflicts, reconciles, timeouts };
};

describe('read-your-writes (seeded, embedded API server, child watch delayed by fault injection)', () => {
  it(`creates each child exactly once over ${RECONCILES} reconciles with read-your-writes on (seed ${SEED})`, async () => {
    const { creates, children, conflicts, reconciles, timeouts } = await run(true);
    expect(reconciles).toBe(RECONCILES);
    expect(timeouts).toBe(0); // every wait ended with the delivery of the child, none by the timeout
    expect(children).toBe(PARENTS);
    expect(conflicts).toBe(0);
    expect(creates).toBe(PARENTS);
  });

  it('creates children more than once with read-your-writes off (the test can fail)', async () => {
    const { creates, children, conflicts } = await run(false);
    expect(children).toBe(PARENTS);
    expect(conflicts).toBeGreaterThan(0);
    expect(creates).toBe(PARENTS + conflicts);
  });
});
