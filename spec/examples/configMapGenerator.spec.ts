/**
 * examples/configMapGenerator.ts as a whole controller (its manager, informers, work queue, event
 * recorder and object clients) over real HTTP against the embedded API server: kube-rs's
 * configmapgen behaviour plus the Event and `status.observedGeneration` of the port.
 */
import type { ConfigMap, Event } from 'kubernetes-types/core/v1.js';
import { Subject, type Subscription } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  CONFIGMAP_GENERATOR,
  type ConfigMapGenerator,
  configMapGeneratorManager,
  MANAGER,
  RESYNC_MS,
} from '../../examples/configMapGenerator.js';
import type { ManagerEvent } from '../../lib/controller/controllerManager.js';
import type { Stored } from '../../lib/client/builtinResources.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { DEFAULT_RESOURCES, servedResource } from '../../lib/testing/apiServer/resources.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { embeddedKubeConfig } from '../helpers/embeddedKubeConfig.js';
import { until } from '../helpers/until.js';

const GENERATORS = CONFIGMAP_GENERATOR.crdName;

describe('configMapGenerator controller against the embedded API server', () => {
  let server: EmbeddedApiServer;
  let run: Subscription;
  const reported: ManagerEvent[] = [];
  const reconcileAll$ = new Subject<void>();

  beforeEach(async () => {
    server = await startApiServer({ resources: [...DEFAULT_RESOURCES, servedResource(CONFIGMAP_GENERATOR)] });
    reported.length = 0;
    run = configMapGeneratorManager({ kubeConfig: embeddedKubeConfig(server), identity: 'test', namespace: 'default', reconcileAll$ })
      .run()
      .subscribe((e) => reported.push(e));
  });
  afterEach(async () => {
    run.unsubscribe();
    await server.close();
  });

  const generator = (): ConfigMapGenerator | undefined => server.get(GENERATORS, 'default', 'g') as ConfigMapGenerator | undefined;
  const configMap = (): Stored<ConfigMap> | undefined => server.get('configmaps', 'default', 'g') as Stored<ConfigMap> | undefined;
  /** How many Events of the controller were recorded about the generator (their counts summed). */
  const applied = (): number =>
    (server.list('events', 'default') as ReadonlyArray<KubeObject & Event>)
      .filter((e) => e.involvedObject.kind === 'ConfigMapGenerator' && e.involvedObject.name === 'g' && e.reason === 'ConfigMapApplied')
      .reduce((n, e) => n + (e.count ?? 1), 0);
  const configMapApplies = (): number =>
    server.requests.filter((r) => r.method === 'PATCH' && r.path === '/api/v1/namespaces/default/configmaps/g').length;
  const failures = (): ManagerEvent[] => reported.filter((e) => e._tag === 'Reconcile' && e.event._tag === 'Failed');

  it('applies the owned ConfigMap, follows content, re-creates it when deleted by hand, records Events and observedGeneration', async () => {
    const created = server.create<ConfigMapGenerator>(GENERATORS, {
      apiVersion: 'kube-rx.io/v1',
      kind: 'ConfigMapGenerator',
      metadata: { name: 'g', namespace: 'default' },
      spec: { content: 'hello' },
    });
    await until(() => configMap()?.data?.['content'] === 'hello' && generator()?.status?.observedGeneration === 1 && applied() === 1);
    const cm = configMap();
    expect(cm?.metadata.ownerReferences).toEqual([
      { apiVersion: 'kube-rx.io/v1', kind: 'ConfigMapGenerator', name: 'g', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(cm?.data).toEqual({ content: 'hello' });
    expect(cm?.metadata.managedFields?.map((f) => f.manager)).toContain(MANAGER);

    // content changes: the ConfigMap follows, the generation is observed
    server.patch(GENERATORS, 'default', 'g', { spec: { content: 'world' } });
    await until(() => configMap()?.data?.['content'] === 'world' && generator()?.status?.observedGeneration === 2 && applied() === 2);

    // deleted by hand: the owned ConfigMap's Deleted event retriggers the generator
    const uid = configMap()?.metadata.uid;
    server.delete('configmaps', 'default', 'g');
    await until(() => configMap() !== undefined && configMap()?.metadata.uid !== uid && applied() === 3);
    expect(configMap()?.data).toEqual({ content: 'world' });

    // edited by hand: repaired
    server.patch('configmaps', 'default', 'g', { data: { content: 'tampered' } });
    await until(() => configMap()?.data?.['content'] === 'world' && applied() === 4);

    // its own writes (the ConfigMap apply, the status apply) trigger nothing more: one apply per change
    expect(configMapApplies()).toBe(4);
    expect(failures()).toEqual([]);
  });

  it('reconciles every generator on reconcileAll$ (the original: Enter on stdin), changing nothing that is up to date', async () => {
    for (const name of ['a', 'b']) {
      server.create(GENERATORS, { apiVersion: 'kube-rx.io/v1', kind: 'ConfigMapGenerator', metadata: { name, namespace: 'default' }, spec: { content: name } });
    }
    // each run ends with the original's requeue after 5 minutes
    const succeeded = (): number =>
      reported.filter((e) => e._tag === 'Reconcile' && e.event._tag === 'Succeeded' && e.event.result._tag === 'RequeueAfter' && e.event.result.delayMs === RESYNC_MS).length;
    await until(() => ['a', 'b'].every((n) => server.get('configmaps', 'default', n) !== undefined) && succeeded() === 2);
    const rv = server.resourceVersion();
    reconcileAll$.next();
    await until(() => succeeded() === 4);
    expect(server.resourceVersion()).toBe(rv);
    expect(failures()).toEqual([]);
  });
});
