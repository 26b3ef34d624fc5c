// The controller-scoped client (`context.client(resource)`, issue 14 item 1) of controllerManager
// over real HTTP against the embedded API server: a controller applies a child ConfigMap per
// parent Secret with no field manager anywhere, and the stored child's managedFields name the
// controller; its writes are recorded for read-your-writes without `writes.record()` (the child's
// watch events are delayed by fault injection: the next reconcile still reads the applied child,
// and the child's echo triggers nothing); a spec's or a call's fieldManager wins; a listerWatcher
// manager gets its clients from its `client` option, and without it `context.client` throws a
// typed error naming the option.
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { filter, firstValueFrom, map, type Observable, type OperatorFunction, Subject, take, tap, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { configMaps, secrets, type Stored } from '../../lib/client/builtinResources.js';
import { KubeApiException } from '../../lib/client/ClientError.js';
import { objectClient } from '../../lib/client/objectClient.js';
import { controllerManager, type ControllerSpec, type ManagerConfig, type ManagerEvent } from '../../lib/controller/controllerManager.js';
import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { codecOf, httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import type { ReconcileEvent } from '../../lib/workqueue/ReconcileEvent.js';
import { embeddedKubeConfig } from '../helpers/embeddedKubeConfig.js';

/** How late the child ConfigMaps' watch events arrive (the fault): the write answers first. */
const WATCH_DELAY_MS = 300;

let server: EmbeddedApiServer;

beforeEach(async () => {
  server = await startApiServer({ bookmarkIntervalMs: 0 });
});
afterEach(async () => {
  await server.close();
});

const child = (name: string, n: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-child`, namespace: 'default' }, data: { n } });
const parent = (name: string, n: string) => server.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data: { n: Buffer.from(n).toString('base64') } });
const managers = (name: string): ReadonlyArray<string> =>
  ((server.get('configmaps', 'default', name) as Stored<ConfigMap> | undefined)?.metadata.managedFields ?? []).map((f) => f.manager ?? '');

/** A manager of parent Secrets and their child ConfigMaps (`<parent>-child`), with one controller from `reconcile`. */
const childManager = (config: ManagerConfig, controller: Omit<ControllerSpec<KubeObject>, 'for' | 'triggers'>) => {
  const mgr = controllerManager(config);
  const parents = mgr.select('parents', { resource: secrets, namespace: 'default' });
  const children = mgr.select('children', { resource: configMaps, namespace: 'default' });
  mgr.controller({
    ...controller,
    for: parents as never,
    triggers: [{ selector: children, keys: (cm: KubeObject) => [`default/${cm.metadata.name.replace(/-child$/, '')}`] }],
  });
  return { mgr, childStore: mgr.informer(children).store };
};

/** Runs `mgr` until `until` sees the event it waits for; stops it then. */
const runUntil = async <A>(run$: Observable<ManagerEvent>, stop: Subject<void>, until: OperatorFunction<ManagerEvent, A>): Promise<A> => {
  try {
    return await firstValueFrom(run$.pipe(until, take(1), timeout(20_000)));
  } finally {
    stop.next();
  }
};

const reconcileEvents = (e: ManagerEvent): ReconcileEvent | undefined => (e._tag === 'Reconcile' ? e.event : undefined);

/** Runs the manager until each of `keys` has reconciled successfully at least once, then stops it. */
const runUntilSucceeded = async (run: (options: { readonly shutdown$: Observable<void> }) => Observable<ManagerEvent>, keys: ReadonlyArray<string>): Promise<void> => {
  const stop = new Subject<void>();
  const succeeded = new Set<string>();
  await runUntil(run({ shutdown$: stop }), stop, (events$) =>
    events$.pipe(
      map(reconcileEvents),
      tap((e) => {
        if (e?._tag === 'Succeeded') succeeded.add(e.key);
      }),
      filter(() => keys.every((k) => succeeded.has(k))),
    ),
  );
};

describe('context.client of a kubeConfig manager', () => {
  it('applies with the controller name as field manager and records the write: the next reconcile reads it, its echo (suppressEchoes) triggers nothing', async () => {
    server.faults.delayWatchEvents({ verb: 'watch', resource: 'configmaps' }, { ms: WATCH_DELAY_MS });
    const seen: Array<{ readonly n: string; readonly childRv: string | undefined }> = [];
    const applied: string[] = [];
    const { mgr, childStore } = childManager(
      { kubeConfig: embeddedKubeConfig(server) },
      {
        name: 'child-writer',
        readYourWrites: { suppressEchoes: true },
        reconcile: (key, _signal, { client }) => {
          const name = key.slice('default/'.length);
          if (name === 'sentinel') return [done];
          const n = String(seen.length + 1);
          seen.push({ n, childRv: childStore.get(`default/${name}-child`)?.metadata.resourceVersion });
          return client(configMaps)
            .apply(child(name, n)) // no fieldManager, no writes.record()
            .pipe(
              tap((cm) => applied.push(cm.metadata.resourceVersion ?? '')),
              map(() => done),
            );
        },
      },
    );
    const stop = new Subject<void>();
    const run$ = mgr.run({ shutdown$: stop });
    const events: ReconcileEvent[] = [];
    parent('p', '1');
    await runUntil(
      run$,
      stop,
      (events$) =>
        events$.pipe(
          map(reconcileEvents),
          filter((e): e is ReconcileEvent => e !== undefined),
          tap((e) => {
            events.push(e);
            if (e._tag === 'Succeeded' && e.key === 'default/p' && applied.length === 1) {
              // the second reconcile of p, at once: its child's watch event is still 300 ms away
              server.patch('secrets', 'default', 'p', { data: { n: Buffer.from('2').toString('base64') } });
            }
            if (e._tag === 'Succeeded' && e.key === 'default/p' && applied.length === 2) {
              // after the 2nd apply's echo (a Modified of p-child) a hand-made child of "sentinel" comes through the same watch
              server.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sentinel-child', namespace: 'default' } });
            }
          }),
          filter((e) => e._tag === 'Succeeded' && e.key === 'default/sentinel'),
        ),
    );
    expect(managers('p-child')).toEqual(['child-writer']);
    // read-your-writes: the 2nd reconcile waited for the 1st apply's state
    expect(seen).toEqual([
      { n: '1', childRv: undefined },
      { n: '2', childRv: applied[0] },
    ]);
    // echo suppression: p was reconciled for its own two changes only, not for its child's two echoes
    expect(events.filter((e) => e._tag === 'Started' && e.key === 'default/p')).toHaveLength(2);
  });

  it('reads a stale cache without read-your-writes (the test above can fail)', async () => {
    server.faults.delayWatchEvents({ verb: 'watch', resource: 'configmaps' }, { ms: WATCH_DELAY_MS });
    const seen: Array<string | undefined> = [];
    const { mgr, childStore } = childManager(
      { kubeConfig: embeddedKubeConfig(server) },
      {
        name: 'child-writer',
        readYourWrites: false,
        reconcile: (_key, _signal, { client }) => {
          seen.push(childStore.get('default/p-child')?.metadata.resourceVersion);
          return client(configMaps).apply(child('p', String(seen.length))).pipe(map(() => done));
        },
      },
    );
    const stop = new Subject<void>();
    parent('p', '1');
    await runUntil(mgr.run({ shutdown$: stop }), stop, (events$) =>
      events$.pipe(
        map(reconcileEvents),
        tap((e) => {
          if (e?._tag === 'Succeeded' && seen.length === 1) server.patch('secrets', 'default', 'p', { data: { n: 'Mg==' } });
        }),
        filter((e) => e?._tag === 'Succeeded' && seen.length === 2),
      ),
    );
    expect(seen).toEqual([undefined, undefined]);
  });

  it("uses the spec's fieldManager over the name, and a call's over both", async () => {
    const { mgr } = childManager(
      { kubeConfig: embeddedKubeConfig(server) },
      {
        name: 'child-writer',
        fieldManager: 'spec-manager',
        reconcile: (key, _signal, { client }) => {
          const name = key.slice('default/'.length);
          return client(configMaps)
            .apply(child(name, '1'), name === 'b' ? { fieldManager: 'call-manager' } : {})
            .pipe(map(() => done));
        },
      },
    );
    parent('a', '1');
    parent('b', '1');
    await runUntilSucceeded((o) => mgr.run(o), ['default/a', 'default/b']);
    expect(managers('a-child')).toEqual(['spec-manager']);
    expect(managers('b-child')).toEqual(['call-manager']);
  });
});

describe('context.client of a listerWatcher manager', () => {
  const listerWatcherConfig = () => {
    const kubeConfig = embeddedKubeConfig(server);
    return {
      kubeConfig,
      listerWatcher: <T extends KubeObject>(selector: { readonly spec: { readonly resource: unknown; readonly namespace?: string } }) =>
        httpListerWatcher<T>({ kubeConfig, resource: selector.spec.resource as ApiResource, namespace: 'default', codec: codecOf<T>(selector.spec as never) }),
    };
  };

  it('gets its clients from the `client` option (one per resource), with the controller name as field manager', async () => {
    const { kubeConfig, listerWatcher } = listerWatcherConfig();
    const made: string[] = [];
    const { mgr } = childManager(
      {
        listerWatcher,
        client: (resource) => {
          made.push(resource.plural);
          return objectClient(resource, { kubeConfig });
        },
      },
      { name: 'fake-fed', reconcile: (key, _signal, { client }) => client(configMaps).apply(child(key.slice('default/'.length), '1')).pipe(map(() => done)) },
    );
    parent('p', '1');
    parent('q', '1');
    await runUntilSucceeded((o) => mgr.run(o), ['default/p', 'default/q']);
    expect(managers('p-child')).toEqual(['fake-fed']);
    expect(managers('q-child')).toEqual(['fake-fed']);
    expect(made).toEqual(['configmaps']); // two reconciles, one client
  });

  it('without the `client` option, context.client throws an InvalidRequest naming the option', async () => {
    const { listerWatcher } = listerWatcherConfig();
    const { mgr } = childManager(
      { listerWatcher },
      { name: 'no-client', reconcile: (_key, _signal, { client }) => client(configMaps).apply(child('p', '1')).pipe(map(() => done)) },
    );
    const stop = new Subject<void>();
    parent('p', '1');
    const failed = await runUntil(mgr.run({ shutdown$: stop }), stop, (events$) =>
      events$.pipe(
        map(reconcileEvents),
        filter((e): e is Extract<ReconcileEvent, { readonly _tag: 'Failed' }> => e?._tag === 'Failed'),
      ),
    );
    expect(failed.error).toBeInstanceOf(KubeApiException);
    expect(failed.error).toMatchObject({ _tag: 'InvalidRequest', verb: 'client', resource: 'configmaps', field: 'client' });
    expect((failed.error as Error).message).toContain('`client` option');
    expect(server.get('configmaps', 'default', 'p-child')).toBeUndefined();
  });
});
