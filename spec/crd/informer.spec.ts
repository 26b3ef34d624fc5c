/**
 * A custom-resource descriptor is a resource like any other (CR2): an informer over the embedded
 * API server takes it as its resource and its codec, and is typed by it; an object the codec
 * refuses is reported on `problems$`, not stored.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';

import { httpListerWatcher, type ObjectOf, sharedIndexInformer } from 'kube-rx';
import { type EmbeddedApiServer, startApiServer } from 'kube-rx/testing';

import { Gadget } from './gadget.js';

describe('a custom resource descriptor with an informer', () => {
  let server: EmbeddedApiServer;
  beforeEach(async () => {
    server = await startApiServer({ resources: [Gadget] });
  });
  afterEach(async () => {
    await server.close();
  });

  const spec = {
    replicas: 2,
    name: 'g',
    ratio: 0.5,
    enabled: true,
    mode: 'Safe',
    level: 1,
    port: 80,
    tags: [],
    ports: [],
    labels: {},
    shape: { kind: 'Square', side: 2 },
  };

  it('lists and decodes typed objects; one the codec refuses goes to problems$', async () => {
    server.create('gadgets.crd.kube-rx.example.com', { apiVersion: 'crd.kube-rx.example.com/v1', kind: 'Gadget', metadata: { name: 'ok', namespace: 'default' }, spec });
    server.create('gadgets.crd.kube-rx.example.com', {
      apiVersion: 'crd.kube-rx.example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'bad', namespace: 'default' },
      spec: { ...spec, mode: 'Slow' },
    });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions(server.kubeConfigOptions());
    const informer = sharedIndexInformer(httpListerWatcher({ kubeConfig, resource: Gadget, codec: Gadget.codec }));
    const problem = firstValueFrom(informer.problems$.pipe(filter((p) => p._tag === 'DecodeFailure'), timeout(10_000)));
    const sub = informer.events$.subscribe();
    await firstValueFrom(informer.synced$.pipe(filter(Boolean), timeout(10_000)));
    const stored = informer.store.get('default/ok');
    expectTypeOf(stored).toEqualTypeOf<ObjectOf<typeof Gadget> | undefined>();
    expect(stored?.spec.shape).toEqual({ kind: 'Square', side: 2 });
    expect(informer.store.get('default/bad')).toBeUndefined();
    expect(await problem).toMatchObject({ _tag: 'DecodeFailure', key: 'default/bad' });
    sub.unsubscribe();
  });
});
