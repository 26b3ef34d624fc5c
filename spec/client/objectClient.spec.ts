import { concat, lastValueFrom, map, NEVER, of, takeWhile, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { configMaps, metadataCodec, secrets } from '../../lib/client/builtinResources.js';
import { type ClientError, KubeApiException } from '../../lib/client/ClientError.js';
import { objectClient } from '../../lib/client/objectClient.js';
import { isAlreadyExists, isConflict, isForbidden, isInvalid, isNotFound } from '../../lib/listwatch/ListerWatcherError.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { itemExponentialFailureRateLimiter } from '../../lib/workqueue/rateLimiter.js';
import type { ReconcileEvent } from '../../lib/workqueue/ReconcileEvent.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { embeddedKubeConfig, embeddedServerPerTest } from '../helpers/embeddedKubeConfig.js';
import { closedAfterEach, errorOf, httpServer, json, kubeConfigFor } from '../listwatch/testServer.js';

const widgets = { group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true } as const;
type Widget = KubeObject & { readonly spec?: { readonly size?: number; readonly color?: string }; readonly status?: { readonly phase?: string } };

describe('objectClient over the embedded API server (real HTTP)', () => {
  const current = embeddedServerPerTest({ tokens: { 'admin-token': 'admin', 'nope-token': 'forbidden' } });
  const client = (fieldManager = 'test-manager', token?: string) =>
    objectClient(configMaps, { kubeConfig: embeddedKubeConfig(current(), token), namespace: 'ns1', fieldManager });
  const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1' as const, kind: 'ConfigMap' as const, metadata: { name, namespace: 'ns1' }, data });

  it('gets, creates, replaces, merge-patches, JSON-patches and deletes', async () => {
    const server = current();
    const c = client();
    const created = await lastValueFrom(c.create(cm('a', { k: 'v' })));
    expect(created).toMatchObject({ metadata: { name: 'a', namespace: 'ns1', uid: expect.any(String) as unknown }, data: { k: 'v' } });
    expect(await lastValueFrom(c.get({ name: 'a' }))).toEqual(created);

    const replaced = await lastValueFrom(c.replace({ ...created, data: { k: 'w' } }));
    expect(replaced.data).toEqual({ k: 'w' });
    expect(replaced.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);

    const merged = await lastValueFrom(c.patch({ name: 'a' }, { data: { n: '1' } }));
    expect(merged.data).toEqual({ k: 'w', n: '1' });
    const strategic = await lastValueFrom(c.patch({ name: 'a' }, { data: { s: '2' } }, { type: 'strategic' }));
    expect(strategic.data).toMatchObject({ s: '2' });

    const patched = await lastValueFrom(
      c.jsonPatch({ name: 'a' }, [
        { op: 'test', path: '/metadata/resourceVersion', value: strategic.metadata.resourceVersion },
        { op: 'replace', path: '/data/k', value: 'x' },
        { op: 'remove', path: '/data/n' },
      ]),
    );
    expect(patched.data).toEqual({ k: 'x', s: '2' });

    const deleted = await lastValueFrom(c.delete({ name: 'a' }));
    expect(deleted._tag).toBe('Deleted');
    expect(server.get('configmaps', 'ns1', 'a')).toBeUndefined();
    const methods = server.requests.map((r) => `${r.method} ${r.path}`);
    expect(methods).toEqual([
      'POST /api/v1/namespaces/ns1/configmaps',
      'GET /api/v1/namespaces/ns1/configmaps/a',
      'PUT /api/v1/namespaces/ns1/configmaps/a',
      'PATCH /api/v1/namespaces/ns1/configmaps/a',
      'PATCH /api/v1/namespaces/ns1/configmaps/a',
      'PATCH /api/v1/namespaces/ns1/configmaps/a',
      'DELETE /api/v1/namespaces/ns1/configmaps/a',
    ]);
  });

  it('maps failures to typed errors with their verb: Conflict, AlreadyExists, NotFound, Invalid, Forbidden', async () => {
    const c = client();
    const created = await lastValueFrom(c.create(cm('a', { k: 'v' })));
    await lastValueFrom(c.replace({ ...created, data: { k: 'w' } }));

    const stale = await errorOf<ClientError>(c.replace({ ...created, data: { k: 'stale' } }));
    expect(stale).toMatchObject({ _tag: 'HttpError', verb: 'update', code: 409, reason: 'Conflict', resource: 'configmaps' });
    expect(isConflict(stale)).toBe(true);
    expect(isAlreadyExists(stale)).toBe(false);

    const exists = await errorOf<ClientError>(c.create(cm('a', {})));
    expect(exists).toMatchObject({ verb: 'create', code: 409 });
    expect([isAlreadyExists(exists), isConflict(exists)]).toEqual([true, false]);

    const missing = await errorOf<ClientError>(c.get({ name: 'nope' }));
    expect(missing).toMatchObject({ verb: 'get', code: 404 });
    expect(isNotFound(missing)).toBe(true);

    const failedTest = await errorOf<ClientError>(c.jsonPatch({ name: 'a' }, [{ op: 'test', path: '/metadata/resourceVersion', value: '1' }]));
    expect(failedTest).toMatchObject({ verb: 'patch', code: 422 });
    expect(isInvalid(failedTest)).toBe(true);

    const forbidden = await errorOf<ClientError>(client('m', 'nope-token').apply(cm('a', { k: 'v' })));
    expect(forbidden).toMatchObject({ _tag: 'HttpError', verb: 'apply', code: 403 });
    expect(isForbidden(forbidden)).toBe(true);
    expect([isConflict(forbidden), isNotFound(forbidden), isInvalid(forbidden)]).toEqual([false, false, false]);

    const gone = await errorOf<ClientError>(c.delete({ name: 'nope' }));
    expect(gone).toMatchObject({ verb: 'delete', code: 404 });
  });

  it('refuses an object without apiVersion, kind or name, of another kind, without namespace or field manager, before any request', async () => {
    const server = current();
    const c = client();
    const noNs = objectClient(configMaps, { kubeConfig: embeddedKubeConfig(server), fieldManager: 'm' });
    const noManager = objectClient(configMaps, { kubeConfig: embeddedKubeConfig(server), namespace: 'ns1' });
    const cases: ReadonlyArray<readonly [Promise<ClientError>, string]> = [
      [errorOf(c.apply({ kind: 'ConfigMap', metadata: { name: 'a' } } as never)), 'apiVersion'],
      [errorOf(c.apply({ apiVersion: 'v1', metadata: { name: 'a' } } as never)), 'kind'],
      [errorOf(c.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } })), 'metadata.name'],
      [errorOf(c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } })), 'metadata.name'],
      [errorOf(c.replace({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' } } as never)), 'kind'],
      [errorOf(noNs.get({ name: 'a' })), 'metadata.namespace'],
      [errorOf(noManager.apply(cm('a', {}))), 'fieldManager'],
    ];
    for (const [error, field] of cases) expect(await error).toMatchObject({ _tag: 'InvalidRequest', field });
    expect(server.requests).toEqual([]);
  });

  it('a 403 on a write in a reconcile is reported as a typed Forbidden and retried with backoff until the write succeeds', async () => {
    const server = current();
    server.faults.respond({ verb: 'patch', resource: 'configmaps' }, 403, { times: 2 });
    const c = client();
    const events = await lastValueFrom(
      concat(of('ns1/a'), NEVER).pipe(
        reconcileWith(() => c.apply(cm('a', { k: 'v' })).pipe(map(() => done)), { rateLimiter: itemExponentialFailureRateLimiter(10, 1000) }),
        takeWhile((e) => e._tag !== 'Succeeded', true),
        toArray(),
      ),
    );
    expect(events.map((e) => e._tag)).toEqual(['Started', 'Failed', 'Requeued', 'Started', 'Failed', 'Requeued', 'Started', 'Succeeded']);
    const failures = events.filter((e): e is Extract<ReconcileEvent, { readonly _tag: 'Failed' }> => e._tag === 'Failed');
    for (const f of failures) {
      expect(f.error).toMatchObject({ _tag: 'HttpError', verb: 'apply', code: 403, reason: 'Forbidden' });
      expect(isForbidden(f.error as ClientError)).toBe(true);
    }
    // the per-key exponential backoff: 10 ms, then 20 ms
    expect(failures.map((f) => f.retryInMs)).toEqual([10, 20]);
    expect(server.get('configmaps', 'ns1', 'a')).toMatchObject({ data: { k: 'v' } });
  });

  it("creates in the object's namespace, which wins over the client's", async () => {
    const server = current();
    const anywhere = objectClient(configMaps, { kubeConfig: embeddedKubeConfig(server) });
    await lastValueFrom(anywhere.create({ ...cm('b', {}), metadata: { name: 'b', namespace: 'ns2' } }));
    await lastValueFrom(client().create({ ...cm('c', {}), metadata: { name: 'c', namespace: 'ns2' } }));
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/namespaces/ns2/configmaps',
      'POST /api/v1/namespaces/ns2/configmaps',
    ]);
  });

  it('creates with generateName, and a dry run stores nothing', async () => {
    const server = current();
    const c = client();
    const generated = await lastValueFrom(c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '', generateName: 'gen-' } }));
    expect(generated.metadata.name).toMatch(/^gen-/);
    const rv = server.resourceVersion();
    const dry = await lastValueFrom(c.create(cm('dry', { k: 'v' }), { dryRun: true }));
    expect(dry.data).toEqual({ k: 'v' });
    await lastValueFrom(c.apply(cm('dry2', { k: 'v' }), { dryRun: true }));
    await lastValueFrom(c.patch({ name: generated.metadata.name }, { data: { x: '1' } }, { dryRun: true }));
    expect((await lastValueFrom(c.delete({ name: generated.metadata.name }, { dryRun: true })))._tag).toBe('Deleted');
    expect(server.resourceVersion()).toBe(rv);
    expect(server.get('configmaps', 'ns1', 'dry')).toBeUndefined();
    expect(server.requests.filter((r) => r.method !== 'POST' || r.query['dryRun'] !== undefined).every((r) => r.query['dryRun'] === 'All')).toBe(true);
  });

  it('applies server-side: fieldManager sent, force only when asked, an identical apply keeps the resourceVersion', async () => {
    const server = current();
    const c = client('owner');
    const first = await lastValueFrom(c.apply(cm('a', { k: 'v' })));
    expect(first.data).toEqual({ k: 'v' });
    const again = await lastValueFrom(c.apply(cm('a', { k: 'v' })));
    expect(again.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    const applyRequests = server.requests.filter((r) => r.method === 'PATCH');
    expect(applyRequests.map((r) => r.query)).toEqual([{ fieldManager: 'owner' }, { fieldManager: 'owner' }]);

    const other = client('other');
    const conflict = await errorOf<ClientError>(other.apply(cm('a', { k: 'theirs' })));
    expect(conflict).toMatchObject({ _tag: 'HttpError', verb: 'apply', code: 409, reason: 'Conflict' });
    expect(conflict.message).toContain('conflict with "owner": .data.k');
    expect(isConflict(conflict)).toBe(true);

    const shared = await lastValueFrom(other.apply(cm('a', { k: 'v', extra: '1' })));
    expect(shared.data).toEqual({ k: 'v', extra: '1' });
    const forced = await lastValueFrom(other.apply(cm('a', { k: 'theirs' }), { force: true }));
    expect(forced.data).toEqual({ k: 'theirs' });
    expect(server.requests.at(-1)?.query).toEqual({ fieldManager: 'other', force: 'true' });

    // the owner no longer owns data.k: applying without it removes nothing it does not own
    const owner = await lastValueFrom(c.apply(cm('a', { mine: '1' })));
    expect(owner.data).toEqual({ k: 'theirs', mine: '1' });
  });

  it('writes status through the status subresource without bumping the generation; the main resource keeps the status', async () => {
    const server = current();
    const w = objectClient({ ...widgets, codec: metadataCodec<Widget>('Widget') }, { kubeConfig: embeddedKubeConfig(server), namespace: 'ns1', fieldManager: 'widget-controller' });
    const created = await lastValueFrom(w.apply({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 }, status: { phase: 'ignored' } }));
    expect(created.metadata.generation).toBe(1);
    expect(created.status).toBeUndefined();

    const status = await lastValueFrom(w.applyStatus({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 99 }, status: { phase: 'Ready' } }));
    expect(status).toMatchObject({ spec: { size: 1 }, status: { phase: 'Ready' }, metadata: { generation: 1 } });
    const statusBody = server.requests.at(-1);
    expect(statusBody).toMatchObject({ method: 'PATCH', path: '/apis/example.com/v1/namespaces/ns1/widgets/w/status', query: { fieldManager: 'widget-controller' } });

    const patched = await lastValueFrom(w.patchStatus({ name: 'w' }, { status: { phase: 'Patched' } }));
    expect(patched).toMatchObject({ status: { phase: 'Patched' }, metadata: { generation: 1 } });
    const replaced = await lastValueFrom(w.replaceStatus({ ...patched, spec: { size: 5 }, status: { phase: 'Replaced' } }));
    expect(replaced).toMatchObject({ spec: { size: 1 }, status: { phase: 'Replaced' }, metadata: { generation: 1 } });

    const spec = await lastValueFrom(w.replace({ ...replaced, spec: { size: 2 }, status: { phase: 'dropped' } }));
    expect(spec).toMatchObject({ spec: { size: 2 }, status: { phase: 'Replaced' }, metadata: { generation: 2 } });
    const stale = await errorOf<ClientError>(w.replaceStatus({ ...replaced, status: { phase: 'late' } }));
    expect(stale).toMatchObject({ verb: 'updateStatus', code: 409 });
  });

  it('deletes with preconditions and finalizers: pending until the last finalizer goes', async () => {
    const server = current();
    const c = client();
    const created = await lastValueFrom(c.create({ ...cm('a', {}), metadata: { name: 'a', namespace: 'ns1', finalizers: ['example.com/x', 'other/y'] } }));
    expect(await errorOf<ClientError>(c.delete({ name: 'a' }, { preconditions: { uid: 'not-it' } }))).toMatchObject({ verb: 'delete', code: 409, reason: 'Conflict' });
    expect(await errorOf<ClientError>(c.delete({ name: 'a' }, { preconditions: { resourceVersion: '1' } }))).toMatchObject({ code: 409 });

    const pending = await lastValueFrom(c.delete({ name: 'a' }, { preconditions: { uid: created.metadata.uid ?? '', resourceVersion: created.metadata.resourceVersion ?? '' }, propagationPolicy: 'Foreground' }));
    expect(pending._tag).toBe('Pending');
    const deleting = await lastValueFrom(c.get({ name: 'a' }));
    expect(deleting.metadata.generation).toBe((created.metadata.generation ?? 0) + 1); // as kube-apiserver's BeforeDelete
    expect(typeof deleting.metadata.deletionTimestamp).toBe('string');
    expect(await errorOf<ClientError>(c.patch({ name: 'a' }, { metadata: { finalizers: ['example.com/x', 'other/y', 'new/z'] } }))).toMatchObject({ code: 422 });

    await lastValueFrom(c.patch({ name: 'a' }, { metadata: { finalizers: ['other/y'] } }));
    expect(server.get('configmaps', 'ns1', 'a')).toBeDefined();
    await lastValueFrom(c.jsonPatch({ name: 'a' }, [{ op: 'remove', path: '/metadata/finalizers/0' }]));
    expect(server.get('configmaps', 'ns1', 'a')).toBeUndefined();
  });

  it('typed built-in kinds decode metadata and refuse a body that is not an object', async () => {
    const server = current();
    const s = objectClient(secrets, { kubeConfig: embeddedKubeConfig(server), namespace: 'ns1', fieldManager: 'm' });
    const created = await lastValueFrom(s.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 'b' }, type: 'Opaque' }));
    const typed: string | undefined = created.type;
    expect(typed).toBe('Opaque');
  });

  it('injected write faults are typed errors', async () => {
    const server = current();
    const c = client();
    server.faults.respond({ verb: 'patch', resource: 'configmaps' }, 500, { message: 'etcd down' });
    expect(await errorOf<ClientError>(c.apply(cm('a', {})))).toMatchObject({ _tag: 'HttpError', verb: 'apply', code: 500, message: expect.stringContaining('etcd down') as unknown });
    server.faults.respond({ verb: 'create' }, 429, { retryAfterSeconds: 3 });
    expect(await errorOf<ClientError>(c.create(cm('a', {})))).toMatchObject({ code: 429, retryAfterSeconds: 3 });
  });

  it('Promise helpers reject with KubeApiException (an Error with the typed fields) and honour an AbortSignal', async () => {
    const server = current();
    const c = client();
    const rejection = await c.promise.get({ name: 'nope' }).catch((e: unknown) => e);
    expect(rejection).toBeInstanceOf(KubeApiException);
    expect(rejection).toBeInstanceOf(Error);
    const e = rejection as KubeApiException;
    expect(e.stack).toEqual(expect.any(String));
    expect([e.verb, e.code, e.reason, e.error._tag]).toEqual(['get', 404, 'NotFound', 'HttpError']);
    expect(isNotFound(e)).toBe(true);
    const invalid = await c.promise.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } }).catch((x: unknown) => x);
    expect(invalid).toMatchObject({ name: 'KubeApiException', _tag: 'InvalidRequest', field: 'metadata.name' });

    server.faults.stall();
    const aborted = new AbortController();
    aborted.abort(new Error('shutdown'));
    await expect(c.promise.apply(cm('a', {}), { signal: aborted.signal })).rejects.toThrow('shutdown');
    expect(await c.promise.apply(cm('a', { k: 'v' }))).toMatchObject({ data: { k: 'v' } });
  });
});

describe('objectClient requests (scripted server)', () => {
  const closed = closedAfterEach();

  it('sends apply as application/apply-patch+yaml with a JSON body; unsubscribing and aborting the signal abort the request', async () => {
    const server = await closed(httpServer());
    const c = objectClient(configMaps, { kubeConfig: kubeConfigFor(server.url), namespace: 'ns1', fieldManager: 'm' });
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } };
    const subscription = c.apply(body, { force: true }).subscribe();
    const x = await server.next();
    expect(x.req.method).toBe('PATCH');
    expect(x.req.headers['content-type']).toBe('application/apply-patch+yaml');
    expect(x.url.pathname).toBe('/api/v1/namespaces/ns1/configmaps/a');
    expect(Object.fromEntries(x.url.searchParams)).toEqual({ fieldManager: 'm', force: 'true' });
    const chunks: Buffer[] = [];
    for await (const chunk of x.req) chunks.push(chunk as Buffer);
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8'))).toEqual(body);
    subscription.unsubscribe();
    await x.closed;

    const controller = new AbortController();
    const pending = c.promise.delete({ name: 'a' }, { signal: controller.signal, preconditions: { uid: 'u' }, propagationPolicy: 'Orphan' });
    const y = await server.next();
    expect(y.req.method).toBe('DELETE');
    controller.abort(new Error('shut down'));
    await expect(pending).rejects.toThrow('shut down');
    await y.closed;
  });

  it('a 2xx body that is not the object is an HttpError with reason InvalidBody', async () => {
    const server = await closed(
      httpServer((x) => {
        json(x.res, 200, { metadata: {} });
      }),
    );
    const c = objectClient(configMaps, { kubeConfig: kubeConfigFor(server.url), namespace: 'ns1' });
    expect(await errorOf<ClientError>(c.get({ name: 'a' }))).toMatchObject({ _tag: 'HttpError', verb: 'get', reason: 'InvalidBody', code: 200 });
  });
});
