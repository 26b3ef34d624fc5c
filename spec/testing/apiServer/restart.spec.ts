import { KubeConfig } from '@kubernetes/client-node';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { sharedIndexInformer } from '../../../lib/informer/sharedIndexInformer.js';
import { httpListerWatcher } from '../../../lib/listwatch/httpListerWatcher.js';
import { configMap } from '../../../lib/testing/builders.js';
import { type EmbeddedApiServer, startApiServer } from '../../../lib/testing/apiServer/server.js';
import { until } from '../../helpers/until.js';
import { brief, get, watch } from './httpClient.js';

const CM = '/api/v1/namespaces/default/configmaps';

const codeOf = (e: unknown): unknown => (typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined);

const continueOf = (body: unknown): string => {
  const token = (body as { metadata?: { continue?: string } }).metadata?.continue;
  if (token === undefined) throw new Error('the page has no continue token');
  return token;
};

describe('faults.restart', () => {
  let server: EmbeddedApiServer;
  beforeEach(async () => {
    server = await startApiServer({ bookmarkIntervalMs: 0 });
    for (const n of ['a', 'b', 'c']) server.create('cm', { metadata: { name: n } });
  });
  afterEach(async () => {
    await server.close();
  });

  it('drops every connection, refuses connections while down, then serves the same objects on the same port', async () => {
    const w = watch(server, `${CM}?watch=1&resourceVersion=${server.resourceVersion()}`);
    expect(await w.status).toBe(200);
    expect(server.activeWatches()).toBe(1);
    const restarted = server.faults.restart({ downForMs: 60_000 });
    expect(await w.ended).toBe('error');
    expect(server.activeWatches()).toBe(0);
    const refused = await get(server, CM).then(
      () => 'answered',
      (e: unknown) => codeOf(e),
    );
    expect(refused).toBe('ECONNREFUSED');
    // closing cuts the restart short: it never listens again
    await server.close();
    await expect(restarted).rejects.toThrow(/closed while restarting/);
    await expect(server.faults.restart()).rejects.toThrow(/closed/);
  });

  it('comes back on the same URL with the objects and the resourceVersion kept', async () => {
    const rv = server.resourceVersion();
    await server.faults.restart({ downForMs: 10 });
    const list = await get(server, CM);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ metadata: { resourceVersion: rv }, items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }, { metadata: { name: 'c' } }] });
    server.create('cm', { metadata: { name: 'd' } });
    expect(server.resourceVersion()).toBe(String(Number(rv) + 1));
  });

  it('keepHistory (default): watches and continue tokens from before the restart are still served', async () => {
    const page = await get(server, `${CM}?limit=1`);
    const before = server.resourceVersion();
    server.delete('cm', 'default', 'a');
    await server.faults.restart({ downForMs: 10 });
    const w = watch(server, `${CM}?watch=1&resourceVersion=${before}`);
    expect(brief(await w.next())).toBe(`DELETED a@${server.resourceVersion()}`);
    w.abort();
    const rest = await get(server, `${CM}?limit=5&continue=${encodeURIComponent(continueOf(page.body))}`);
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ metadata: { resourceVersion: before }, items: [{ metadata: { name: 'b' } }, { metadata: { name: 'c' } }] });
  });

  it('keepHistory: false forgets the watch history and expires continue tokens, as a restarted apiserver does', async () => {
    const page = await get(server, `${CM}?limit=1`);
    const before = server.resourceVersion();
    const open = watch(server, `${CM}?watch=1&resourceVersion=${before}`);
    expect(await open.status).toBe(200);
    const restarted = server.faults.restart({ keepHistory: false, downForMs: 20 });
    expect(await open.ended).toBe('error');
    server.delete('cm', 'default', 'a'); // written while it is down: the new watch cache starts after it
    await restarted;
    const old = watch(server, `${CM}?watch=1&resourceVersion=${before}`);
    expect(await old.next()).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
    expect(await old.ended).toBe('end');
    const expired = await get(server, `${CM}?limit=5&continue=${encodeURIComponent(continueOf(page.body))}`);
    expect(expired.body).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    // from the current resourceVersion, a watch is served
    const current = watch(server, `${CM}?watch=1&resourceVersion=${server.resourceVersion()}`);
    server.create('cm', { metadata: { name: 'e' } });
    expect(brief(await current.next())).toBe(`ADDED e@${server.resourceVersion()}`);
    current.abort();
  });

  it('restarts queue behind each other', async () => {
    const order: string[] = [];
    const first = server.faults.restart({ downForMs: 20 }).then(() => order.push('first'));
    const second = server.faults.restart({ downForMs: 0 }).then(() => order.push('second'));
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
    expect((await get(server, CM)).status).toBe(200);
  });

  it('an informer over HTTP rides through restarts, with and without history, and ends equal to the server', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions(server.kubeConfigOptions());
    const lw = httpListerWatcher({
      kubeConfig,
      resource: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
    });
    const informer = sharedIndexInformer(lw, { backoff: { initialMs: 10, maxMs: 100 } });
    const sub = informer.events$.subscribe();
    await firstValueFrom(informer.synced$.pipe(filter(Boolean)));
    await until(() => server.activeWatches() === 1);
    const restarted = server.faults.restart({ downForMs: 50 });
    server.delete('cm', 'default', 'a');
    server.create('cm', configMap('x', ''));
    await restarted;
    await until(() => informer.store.get('default/x') !== undefined && informer.store.get('default/a') === undefined);
    await until(() => server.activeWatches() === 1);
    const cold = server.faults.restart({ keepHistory: false, downForMs: 50 });
    server.delete('cm', 'default', 'b');
    server.create('cm', configMap('y', ''));
    await cold;
    const rvs = () => JSON.stringify(informer.store.list().map((o) => o.metadata.resourceVersion).sort());
    await until(() => rvs() === JSON.stringify(server.list('cm').map((o) => o.metadata.resourceVersion).sort()));
    expect([...informer.store.listKeys()].sort()).toEqual(['default/c', 'default/x', 'default/y']);
    sub.unsubscribe();
  });
});
