import { createServer } from 'node:net';

import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { firstValueFrom, NEVER, of, Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { controllerManager, type ManagerEvent } from '../../lib/controller/controllerManager.js';
import type { LeaderState } from '../../lib/leaderelection/leaderElection.js';
import { type EndpointsAddress, managerEndpoints } from '../../lib/controller/managerEndpoints.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import type { ListPage } from '../../lib/listwatch/ListerWatcher.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { prometheusMetrics } from '../../lib/prometheus/prometheusMetrics.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { configMap, listPage } from '../../lib/testing/builders.js';
import { until } from '../helpers/until.js';

const get = async (a: EndpointsAddress, path: string, init?: RequestInit): Promise<{ status: number; body: string; type: string | null }> => {
  const res = await fetch(`http://127.0.0.1:${a.port}${path}`, init);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
};

/** Runs `run$` until `stop` and resolves with its events once it completed. */
const running = (run$: ReturnType<ReturnType<typeof controllerManager>['run']>) =>
  new Promise<ManagerEvent[]>((resolve, reject) => {
    const events: ManagerEvent[] = [];
    run$.subscribe({ next: (e) => events.push(e), complete: () => { resolve(events); }, error: reject });
  });

describe('manager endpoints over HTTP', () => {
  let server: EmbeddedApiServer;
  beforeEach(async () => {
    server = await startApiServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('serves /healthz, /readyz once the informers synced, and /metrics from a prom-client registry, for as long as run() runs', async () => {
    server.create('configmaps', configMap('a', ''));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions(server.kubeConfigOptions());
    const registry = new Registry();
    const mgr = controllerManager({ kubeConfig, metrics: prometheusMetrics({ registry }) });
    const cms = mgr.select('cms', { resource: 'configmaps', namespace: 'default' });
    const reconciled: string[] = [];
    mgr.controller({ name: 'cm', for: cms, reconcile: (key) => (reconciled.push(key), of(done)) });
    const endpoints = managerEndpoints({ host: '127.0.0.1', port: 0, metrics: registry });
    expect(endpoints.address()).toBeUndefined();
    const stop = new Subject<void>();
    const finished = running(mgr.run({ shutdown$: stop, endpoints }));
    const address = await firstValueFrom(endpoints.listening$);
    expect(address.port).toBeGreaterThan(0);
    expect(endpoints.address()).toEqual(address);

    expect(await get(address, '/healthz')).toEqual({ status: 200, body: 'ok', type: 'text/plain; charset=utf-8' });
    await until(() => reconciled.length > 0);
    expect(await get(address, '/readyz')).toMatchObject({ status: 200, body: 'ok' });
    expect((await get(address, '/readyz?verbose')).body).toBe('[+]informer-cms ok\nreadyz check passed\n');
    const metrics = await get(address, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toBe(registry.contentType);
    expect(metrics.body).toMatch(/^controller_runtime_reconcile_total\{controller="cm",result="success"\} 1$/m);
    expect(metrics.body).toMatch(/^workqueue_adds_total\{name="cm"\} 1$/m);

    stop.next();
    await finished;
    expect(endpoints.address()).toBeUndefined();
    await expect(fetch(`http://127.0.0.1:${address.port}/healthz`)).rejects.toThrow();
  });

  it('answers /readyz 500 naming the informers not synced yet, and reports (without gating) the leadership state', async () => {
    const pages = new Subject<ListPage<KubeObject>>();
    const mgr = controllerManager({ listerWatcher: () => ({ list: () => pages, watch: () => NEVER, supportsStreamingList: false }) as never });
    mgr.observe(mgr.select('cms', { resource: 'configmaps' }), (events$) => events$);
    const leader = new Subject<LeaderState>();
    const endpoints = managerEndpoints({ host: '127.0.0.1', port: 0 });
    const stop = new Subject<void>();
    const finished = running(mgr.run({ shutdown$: stop, endpoints, leader$: leader }));
    const address = await firstValueFrom(endpoints.listening$);

    expect(await get(address, '/readyz')).toEqual({
      status: 500,
      body: '[-]informer-cms failed: reason withheld\n[+]leader-election ok (not decided yet)\nreadyz check failed\n',
      type: 'text/plain; charset=utf-8',
    });
    expect(await get(address, '/readyz?exclude=informer-cms&exclude=nope')).toEqual({
      status: 200,
      body: 'ok',
      type: 'text/plain; charset=utf-8',
    });
    expect((await get(address, '/healthz')).status).toBe(200);
    expect(await get(address, '/readyz/informer-cms')).toMatchObject({ status: 500, body: 'internal server error: informer-cms not ready\n' });
    expect(await get(address, '/readyz/leader-election')).toMatchObject({ status: 200, body: 'ok' });
    expect(await get(address, '/healthz/ping')).toMatchObject({ status: 200, body: 'ok' });
    expect(await get(address, '/readyz/nope')).toMatchObject({ status: 404 });

    pages.next(listPage('1', [configMap('a', '1')]));
    pages.complete();
    leader.next({ _tag: 'Following', leader: 'pod-b' });
    await until(() => mgr.informer('cms').hasSynced());
    expect((await get(address, '/readyz?verbose')).body).toBe('[+]informer-cms ok\n[+]leader-election ok (following pod-b)\nreadyz check passed\n');
    expect(await get(address, '/readyz/informer-cms')).toMatchObject({ status: 200, body: 'ok' });
    leader.next({ _tag: 'Leading' });
    expect((await get(address, '/readyz?verbose')).body).toBe('[+]informer-cms ok\n[+]leader-election ok (leading)\nreadyz check passed\n');

    expect(await get(address, '/metrics')).toMatchObject({ status: 404 });
    expect(await get(address, '/nope')).toMatchObject({ status: 404 });
    expect(await get(address, '/healthz', { method: 'POST' })).toMatchObject({ status: 405 });
    stop.next();
    await finished;
    expect(endpoints.address()).toBeUndefined();
  });

  it('answers /metrics 500 with the reason when collecting fails', async () => {
    const mgr = controllerManager({ listerWatcher: () => ({ list: () => NEVER, watch: () => NEVER }) });
    mgr.observe(mgr.select('cms', { resource: 'configmaps' }), (events$) => events$);
    const endpoints = managerEndpoints({ host: '127.0.0.1', port: 0, metrics: () => Promise.reject(new Error('registry broke')) });
    const stop = new Subject<void>();
    const finished = running(mgr.run({ shutdown$: stop, endpoints }));
    const address = await firstValueFrom(endpoints.listening$);
    expect(await get(address, '/metrics')).toMatchObject({ status: 500, body: 'collecting metrics failed: registry broke\n' });
    stop.next();
    await finished;
  });

  it('fails the run with a typed EndpointsError when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const mgr = controllerManager({ listerWatcher: () => ({ list: () => NEVER, watch: () => NEVER }) });
      mgr.observe(mgr.select('cms', { resource: 'configmaps' }), (events$) => events$);
      const endpoints = managerEndpoints({ host: '127.0.0.1', port });
      await expect(running(mgr.run({ endpoints }))).rejects.toMatchObject({ _tag: 'EndpointsError', code: 'EADDRINUSE' });
      expect(endpoints.address()).toBeUndefined();
    } finally {
      await new Promise<void>((resolve) => taken.close(() => { resolve(); }));
    }
  });
});
