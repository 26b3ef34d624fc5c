import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { configMap, type TestConfigMap, TestConfigMapCodec } from '../../lib/testing/builders.js';
import { embeddedKubeConfig, embeddedServerPerTest } from '../helpers/embeddedKubeConfig.js';
import { until } from '../helpers/until.js';

const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

describe('httpListerWatcher fetches paged LISTs one page ahead (embedded API server)', () => {
  const current = embeddedServerPerTest();

  const listRequests = (): string[] =>
    current()
      .requests.filter((r) => r.verb === 'list' && r.resource === 'configmaps')
      .map((r) => (r.query['continue'] === undefined ? 'first' : `continue ${r.query['continue']}`));

  it('asks for page n+1 as soon as page n arrives, before anyone asks for it; the page asked for then is that one', async () => {
    const server = current();
    for (const name of ['a', 'b', 'c', 'd', 'e']) server.create('configmaps', configMap(name, '', 'default'));
    const lw = httpListerWatcher({ kubeConfig: embeddedKubeConfig(server), resource: configMaps, codec: TestConfigMapCodec });
    const page1 = await firstValueFrom(lw.list({ limit: 2 }));
    const token1 = page1.continue ?? '';
    expect(token1).not.toBe('');
    // nobody asked for page 2 yet, and it is on its way
    await until(() => listRequests().length === 2);
    expect(listRequests()).toEqual(['first', `continue ${token1}`]);
    const page2 = await firstValueFrom(lw.list({ limit: 2, continue: token1 }));
    expect(page2.items.map((o) => o.metadata.name)).toEqual(['c', 'd']);
    const token2 = page2.continue ?? '';
    await until(() => listRequests().length === 3);
    const page3 = await firstValueFrom(lw.list({ limit: 2, continue: token2 }));
    expect(page3.items.map((o) => o.metadata.name)).toEqual(['e']);
    expect(page3.continue).toBeUndefined();
    // each page was requested once: the ones asked for were the ones fetched ahead
    expect(listRequests()).toEqual(['first', `continue ${token1}`, `continue ${token2}`]);
  });

  it('an informer syncs the same objects with the same requests, with and without prefetching', async () => {
    const server = current();
    for (let i = 0; i < 23; i++) server.create('configmaps', configMap(`cm-${String(i).padStart(2, '0')}`, '', i % 2 === 0 ? 'default' : 'other'));
    const sync = async (prefetchPages: boolean) => {
      const before = listRequests().length;
      const lw = httpListerWatcher({ kubeConfig: embeddedKubeConfig(server), resource: configMaps, codec: TestConfigMapCodec, prefetchPages });
      const informer = sharedIndexInformer<TestConfigMap>(lw, { initialList: 'list', pageSize: 5 });
      const sub = informer.events$.subscribe();
      await until(() => informer.hasSynced());
      const objects = informer.store.list().map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}@${o.metadata.resourceVersion ?? ''}`).sort();
      sub.unsubscribe();
      return { objects, requests: listRequests().length - before };
    };
    const without = await sync(false);
    const withPrefetch = await sync(true);
    expect(withPrefetch.objects).toEqual(without.objects);
    expect(withPrefetch.objects).toHaveLength(23);
    expect(without.requests).toBe(5);
    expect(withPrefetch.requests).toBe(5);
  });

  it('a continue page other than the one fetched ahead is asked of the server, and the page ahead is dropped', async () => {
    const server = current();
    for (const name of ['a', 'b', 'c', 'd', 'e']) server.create('configmaps', configMap(name, '', 'default'));
    const lw = httpListerWatcher({ kubeConfig: embeddedKubeConfig(server), resource: configMaps, codec: TestConfigMapCodec });
    const page1 = await firstValueFrom(lw.list({ limit: 2 }));
    await until(() => listRequests().length === 2);
    // the same token with another limit is not the page fetched ahead: a request of its own
    const other = await firstValueFrom(lw.list({ limit: 3, continue: page1.continue ?? '' }));
    expect(other.items.map((o) => o.metadata.name)).toEqual(['c', 'd', 'e']);
    expect(listRequests()).toHaveLength(3);
  });
});
