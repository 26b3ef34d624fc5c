// Issue 14's seeded read-your-writes test: a create-if-missing controller (one Secret per
// ConfigMap) over real HTTP against the embedded API server, with the Secrets' watch events
// delayed (a slow watch, injected in the ListerWatcher), runs 200 reconciles while the parents
// keep changing. With read-your-writes each child is created exactly once; without it the
// controller reads a stale cache and creates again (409 AlreadyExists), so the test can fail.
// Replay a run with KUBE_RX_RYW_SEED.
import { KubeConfig } from '@kubernetes/client-node';
import { catchError, delay, filter, firstValueFrom, map, type Observable, of, Subject, take, tap, timeout, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { controllerManager, type ManagerEvent } from '../../lib/controller/controllerManager.js';
import { done } from '../../lib/controller/ReconcileResult.js';
import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import type { ListerWatcher } from '../../lib/listwatch/ListerWatcher.js';
import { isListerWatcherError } from '../../lib/listwatch/ListerWatcherError.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { kubePost } from '../helpers/kubePost.js';

const SEED = Number(process.env['KUBE_RX_RYW_SEED'] ?? '14');
const PARENTS = 20;
const RECONCILES = 200;
/** How late the child watch delivers each event (the fault). */
const WATCH_DELAY_MS = 60;

const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const secrets: ApiResource = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
const prng = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
): Promise<{ readonly creates: number; readonly children: number; readonly conflicts: number; readonly reconciles: number }> => {
  const random = prng(SEED);
  const stop = new Subject<void>();
  let conflicts = 0;
  const mgr = controllerManager({
    listerWatcher: <T extends KubeObject>(selector: { readonly name: string }): ListerWatcher<T> =>
      selector.name === 'children'
        ? slowWatch(httpListerWatcher<T>({ kubeConfig, resource: secrets, namespace: 'default' }), WATCH_DELAY_MS)
        : httpListerWatcher<T>({ kubeConfig, resource: configMaps, namespace: 'default' }),
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
      return kubePost(kubeConfig, 'secrets', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' } }).pipe(
        map((answer) => answer as KubeObject),
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
  let touches = 0;
  const touching = setInterval(() => {
    // a seeded burst of parent changes every 2 ms: 1 or 2 parents, sometimes the same twice
    const n = 1 + Math.floor(random() * 2);
    for (let i = 0; i < n; i++) {
      const parent = `p${Math.floor(random() * PARENTS)}`;
      touches += 1;
      server.patch('configmaps', 'default', parent, { data: { n: String(touches) } });
    }
  }, 2);
  try {
    await firstValueFrom(
      mgr.run({ shutdown$: stop }).pipe(
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
  return { creates, children, conflicts, reconciles };
};

describe('read-your-writes (seeded, embedded API server, slow child watch)', () => {
  it(`creates each child exactly once over ${RECONCILES} reconciles with read-your-writes on (seed ${SEED})`, async () => {
    const { creates, children, conflicts, reconciles } = await run(true);
    expect(reconciles).toBe(RECONCILES);
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
