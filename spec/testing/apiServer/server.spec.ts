import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ApiStatusError } from '../../../lib/testing/apiServer/apiStatus.js';
import { type EmbeddedApiServer, startApiServer } from '../../../lib/testing/apiServer/server.js';
import { call, get, watch } from './httpClient.js';

describe('embedded API server: discovery, CRUD, auth, lifecycle', () => {
  let server: EmbeddedApiServer;
  beforeEach(async () => {
    server = await startApiServer({ tokens: { 'admin-token': 'admin', 'nope-token': 'forbidden' } });
  });
  afterEach(async () => {
    await server.close();
  });

  it('serves discovery like kube-apiserver', async () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await get(server, '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const core = await get(server, '/api/v1');
    expect(core.body).toMatchObject({ kind: 'APIResourceList', groupVersion: 'v1' });
    expect((core.body as { resources: unknown[] }).resources).toContainEqual({
      name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap',
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['cm'],
    });
    const groups = await get(server, '/apis');
    expect(groups.body).toMatchObject({
      kind: 'APIGroupList',
      groups: [
        { name: 'coordination.k8s.io', preferredVersion: { groupVersion: 'coordination.k8s.io/v1', version: 'v1' } },
        { name: 'example.com', versions: [{ groupVersion: 'example.com/v1', version: 'v1' }] },
      ],
    });
    expect((await get(server, '/apis/example.com/v1')).body).toMatchObject({
      groupVersion: 'example.com/v1', resources: [{ name: 'widgets', kind: 'Widget', namespaced: true }],
    });
    expect((await get(server, '/apis/nope.io/v1')).status).toBe(404);
    expect((await get(server, '/api/v1/pods')).body).toMatchObject({ kind: 'Status', code: 404, reason: 'NotFound' });
  });

  it('creates, gets, lists, updates, patches and deletes over HTTP', async () => {
    const created = await call(server, 'POST', '/api/v1/namespaces/ns1/configmaps', { metadata: { name: 'a', labels: { x: '1' } }, data: { k: 'v' } });
    expect(created.status).toBe(201);
    const a = created.body as { metadata: Record<string, unknown> };
    expect(a).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns1', generation: 1 }, data: { k: 'v' } });
    expect(a.metadata['uid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata['resourceVersion']).toBe(server.resourceVersion());
    expect((await call(server, 'POST', '/api/v1/namespaces/ns1/configmaps', { metadata: { name: 'a' } })).body).toMatchObject({ code: 409, reason: 'AlreadyExists' });

    expect((await get(server, '/api/v1/namespaces/ns1/configmaps/a')).body).toEqual(a);
    expect((await get(server, '/api/v1/namespaces/ns1/configmaps/zz')).body).toMatchObject({ code: 404, reason: 'NotFound', details: { name: 'zz', kind: 'configmaps' } });

    const stale = a.metadata['resourceVersion'];
    const updated = await call(server, 'PUT', '/api/v1/namespaces/ns1/configmaps/a', { ...a, data: { k: 'w' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ data: { k: 'w' }, metadata: { uid: a.metadata['uid'], generation: 2 } });
    const conflict = await call(server, 'PUT', '/api/v1/namespaces/ns1/configmaps/a', { ...a, data: { k: 'z' } });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
    expect(stale).not.toBe(server.resourceVersion());

    const patched = await call(server, 'PATCH', '/api/v1/namespaces/ns1/configmaps/a', { data: { k: null, n: '2' }, metadata: { labels: { y: '2' } } }, { headers: { 'Content-Type': 'application/merge-patch+json' } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ data: { n: '2' }, metadata: { labels: { x: '1', y: '2' } } });
    expect((patched.body as { data: Record<string, string> }).data).not.toHaveProperty('k');
    expect((await call(server, 'PATCH', '/api/v1/namespaces/ns1/configmaps/a', [], { headers: { 'Content-Type': 'text/plain' } })).status).toBe(415);

    const list = await get(server, '/api/v1/configmaps');
    expect(list.body).toMatchObject({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: server.resourceVersion() }, items: [{ kind: 'ConfigMap', metadata: { name: 'a' } }] });

    const deleted = await call(server, 'DELETE', '/api/v1/namespaces/ns1/configmaps/a');
    expect(deleted.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'a', kind: 'configmaps' } });
    expect((await call(server, 'DELETE', '/api/v1/namespaces/ns1/configmaps/a')).status).toBe(404);
    expect(server.list('configmaps')).toEqual([]);
  });

  it('treats an update that changes nothing as a no-op, like kube-apiserver', () => {
    const a = server.create('cm', { metadata: { name: 'a' }, data: { k: 'v' } });
    const rv = server.resourceVersion();
    expect(server.update('configmaps', a)).toEqual(a);
    expect(server.resourceVersion()).toBe(rv);
  });

  it('seeds synchronously, with kube errors as ApiStatusError', () => {
    const w = server.create('widgets.example.com', { metadata: { name: 'w1', namespace: 'team' }, spec: { size: 1 } });
    expect(w).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { namespace: 'team', resourceVersion: server.resourceVersion() } });
    const ns = server.create('namespaces', { metadata: { name: 'team', namespace: 'ignored' } });
    expect(ns.metadata).not.toHaveProperty('namespace');
    expect(() => server.create('widgets', { metadata: { name: 'w1', namespace: 'team' } })).toThrow(ApiStatusError);
    try {
      server.update('widgets', { ...w, metadata: { ...w.metadata, resourceVersion: '1' } });
      expect.unreachable();
    } catch (e: unknown) {
      expect(e).toBeInstanceOf(ApiStatusError);
      expect((e as ApiStatusError).status).toMatchObject({ code: 409, reason: 'Conflict' });
    }
    expect(server.patch('widgets', 'team', 'w1', { spec: { size: 2 } })).toMatchObject({ spec: { size: 2 }, metadata: { generation: 2 } });
    expect(server.get('wd', 'team', 'w1')).toMatchObject({ spec: { size: 2 } });
    expect(server.delete('widgets', 'team', 'w1')?.metadata.resourceVersion).toBe(server.resourceVersion());
    expect(server.delete('widgets', 'team', 'w1')).toBeUndefined();
    expect(() => server.get('pods', 'x', 'y')).toThrow(TypeError);
    const generated = server.create('leases', { metadata: { name: '', generateName: 'lock-' } });
    expect(generated.metadata.name).toMatch(/^lock-[a-z0-9]{5}$/);
  });

  it('answers 401 without a known token and 403 with a forbidden one', async () => {
    const none = await get(server, '/api/v1/configmaps', null);
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    expect((await get(server, '/api', 'who-knows')).status).toBe(401);
    const denied = await get(server, '/api/v1/namespaces/ns1/configmaps', 'nope-token');
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      kind: 'Status', reason: 'Forbidden', code: 403, details: { kind: 'configmaps', group: '' },
      message: 'configmaps is forbidden: User "kube-rx:forbidden" cannot list resource "configmaps" in API group "" in the namespace "ns1"',
    });
    const watchDenied = await get(server, '/apis/coordination.k8s.io/v1/leases?watch=true', 'nope-token');
    expect(watchDenied.body).toMatchObject({ code: 403, message: expect.stringContaining('cannot watch resource "leases" in API group "coordination.k8s.io" at the cluster scope') as unknown });
    expect((await get(server, '/apis', 'nope-token')).status).toBe(403);
  });

  it('records requests', async () => {
    await get(server, '/api/v1/namespaces/a/configmaps?limit=5&labelSelector=x%3D1');
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/v1/namespaces/a/configmaps', verb: 'list', resource: 'configmaps', query: { limit: '5', labelSelector: 'x=1' } });
  });

  it('gives kubeconfigs that verify TLS with the embedded CA', async () => {
    const options = server.kubeConfigOptions();
    expect(options.clusters[0]).toMatchObject({ server: server.url, skipTLSVerify: false, caData: Buffer.from(server.caPem).toString('base64') });
    expect(options.users[0]).toMatchObject({ token: 'admin-token' });
    const yaml = JSON.parse(server.kubeConfigYaml('t')) as Record<string, unknown>;
    expect(yaml).toMatchObject({ kind: 'Config', 'current-context': 'kube-rx-embedded', users: [{ user: { token: 't' } }] });
    const { KubeConfig, CoreV1Api } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromOptions(options);
    server.create('configmaps', { metadata: { name: 'via-client-node' } });
    const list = await kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: 'default' });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['via-client-node']);
  });
});

describe('embedded API server: close()', () => {
  const count = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
    return out;
  };

  it('leaves no open handles, even with watches open', async () => {
    const before = count();
    const server = await startApiServer({ bookmarkIntervalMs: 50, tls: false });
    const w1 = watch(server, '/api/v1/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=100');
    const w2 = watch(server, '/api/v1/secrets?watch=1&allowWatchBookmarks=true');
    await Promise.all([w1.status, w2.status]);
    expect(server.activeWatches()).toBe(2);
    expect(count()['TCPServerWrap']).toBe((before['TCPServerWrap'] ?? 0) + 1);
    await server.close();
    expect(server.activeWatches()).toBe(0);
    await Promise.all([w1.ended, w2.ended]);
    expect(count()['TCPServerWrap'] ?? 0).toBe(before['TCPServerWrap'] ?? 0);
    expect(count()['TCPSocketWrap'] ?? 0).toBe(before['TCPSocketWrap'] ?? 0);
    expect(count()['Timeout'] ?? 0).toBeLessThanOrEqual(before['Timeout'] ?? 0);
    await server.close(); // idempotent
  });
});
