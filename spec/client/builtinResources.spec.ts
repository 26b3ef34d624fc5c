import * as E from 'fp-ts/lib/Either.js';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { filter, firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { configMaps, deployments, events, leases, namespaces, type Stored } from '../../lib/client/builtinResources.js';
import { objectClient } from '../../lib/client/objectClient.js';
import { controllerManager } from '../../lib/controller/controllerManager.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { embeddedKubeConfig, embeddedServerPerTest } from '../helpers/embeddedKubeConfig.js';

describe('typed built-in kinds', () => {
  const current = embeddedServerPerTest();

  it('describe where their objects live, and decode metadata only (an object without a name is refused)', () => {
    expect([configMaps, deployments, namespaces, leases].map((r) => [r.group, r.version, r.plural, r.kind, r.namespaced])).toEqual([
      ['', 'v1', 'configmaps', 'ConfigMap', true],
      ['apps', 'v1', 'deployments', 'Deployment', true],
      ['', 'v1', 'namespaces', 'Namespace', false],
      ['coordination.k8s.io', 'v1', 'leases', 'Lease', true],
    ]);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' }, anything: { kept: true } };
    const decoded = configMaps.codec.decode(cm);
    expect(decoded).toEqual(E.right(cm));
    expect(E.isLeft(configMaps.codec.decode({ metadata: {} }))).toBe(true);
    expect(E.isLeft(configMaps.codec.decode({ metadata: { name: 'a', labels: { x: 1 } } }))).toBe(true);
  });

  it('type an informer of controllerManager and the object client without casts', async () => {
    const server = current();
    server.create('configmaps', { metadata: { name: 'a', namespace: 'default' }, data: { k: 'v' } });
    const kubeConfig = embeddedKubeConfig(server);
    const mgr = controllerManager({ kubeConfig });
    const informer = mgr.informer(mgr.select('cms', { resource: configMaps, namespace: 'default' }));
    const keys: string[] = [];
    const subscription = informer.events$.subscribe((e) => keys.push(e.key));
    await firstValueFrom(informer.synced$.pipe(filter(Boolean)));
    const cached: Stored<ConfigMap> | undefined = informer.store.get('default/a');
    subscription.unsubscribe();
    const data: Readonly<Record<string, string>> | undefined = cached?.data;
    expect(data).toEqual({ k: 'v' });
    expect(keys).toEqual(['default/a']);

    // an Event (what the event recorder writes): create, then merge and strategic patches of its count
    const ev = objectClient(events, { kubeConfig, namespace: 'default', fieldManager: 'recorder' });
    const created = await ev.promise.create({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'a.1', namespace: 'default' },
      involvedObject: { kind: 'ConfigMap', name: 'a', namespace: 'default', uid: cached?.metadata.uid ?? '' },
      reason: 'Synced',
      message: 'copied',
      type: 'Normal',
      count: 1,
    });
    const count: number | undefined = created.count;
    expect(count).toBe(1);
    expect((await ev.promise.patch({ name: 'a.1' }, { count: 2 })).count).toBe(2);
    expect((await ev.promise.patch({ name: 'a.1' }, { count: 3, lastTimestamp: '2026-01-01T00:00:00Z' }, { type: 'strategic' })).count).toBe(3);
    const asKubeObject: KubeObject = created;
    expect(asKubeObject.metadata.name).toBe('a.1');
  });
});
