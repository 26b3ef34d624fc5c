// Issue 14's seeded read-your-writes test: a create-if-missing controller (one Secret per
// ConfigMap) over real HTTP against the embedded API server, with the Secrets' watch events
// delayed (a slow watch, injected in the ListerWatcher), runs 200 reconciles while the parents
// keep changing. With read-your-writes each child is created exactly once; without it the
// controller reads a stale cache and creates again (409 AlreadyExists), so the test can fail.
// Replay a run with KUBE_RX_RYW_SEED.
import { KubeConfig } from '@kubernetes/client-node';
import fc from 'fast-check';
import { catchError, delay, filter, firstValueFrom, map, type Observable, of, Subject, take, tap, timeout, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { controllerManager, type ManagerEvent } from '../../lib/controller/controllerManager.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import { secrets as secretsResource } from '../../lib/client/builtinResources.js';
import { objectClient } from '../../lib/client/objectClient.js';
import type { ListerWatcher } from '../../lib/listwatch/ListerWatcher.js';
import { isListerWatcherError } from '../../lib/listwatch/ListerWatcherError.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';

const SEED = Number(process.env['KUBE_RX_RYW_SEED'] ?? '14');
const PARENTS = 20;
const RECONCILES = 200;
/** How late the child watch delivers each event (the fault). */
const WATCH_DELAY_MS = 60;

const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const secrets: ApiResource = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

/** The seeded plan of parent changes: bursts of 1 or 2 parents (fast-check's seeded generator, as the fault suite draws its plans). */
const planFor = (seed: number): ReadonlyArray<ReadonlyArray<number>> => {
  const [plan] = fc.sample(fc.array(fc.array(fc.nat(PARENTS - 1), { minLength: 1, maxLength: 2 }), { minLength: 2000, maxLength: 2000 }), { seed, numRuns: 1 });
  if (plan === undefined) throw new Error(`no plan drawn for seed ${String(seed)}`);
  return plan;
};

/** Delays every watch event of `lw` by `ms` (order kept): a slow watch. */
const slowWatch = <T>(lw: ListerWatcher<T>, ms: number): ListerWatcher<T> => ({
  list: (options) => lw.list(options),
  watch: (options) => lw.watch(options).pipe(delay(ms)),
});

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
  const secretsClient = objectClient(secretsResource, { kubeConfig });
  const mgr = controllerManager({
    listerWatcher: <T extends KubeObject>(selector: { readonly name: string }): ListerWatcher<T> =>
      selector.name === 'children'
        ? slowWatch(httpListerWatcher({ kubeConfig, resource: secrets, namespace: 'default' }) as ListerWatcher<T>, WATCH_DELAY_MS)
        : (httpListerWatcher({ kubeConfig, resource: configMaps, namespace: 'default' }) as ListerWatcher<T>),
  });
  const parents = mgr.select('parents', { resource: configMaps });
  const childSelector = mgr.select('children', { resource: secrets });
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

describe('read-your-writes (seeded, embedded API server, slow child watch)', () => {
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
