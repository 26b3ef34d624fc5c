import { isLeft } from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type EmbeddedApiServer, startApiServer } from '../../../lib/testing/apiServer/server.js';
import { matchesLabels, parseFieldSelector, parseLabelSelector } from '../../../lib/testing/apiServer/selectors.js';
import { PARTIAL_OBJECT_METADATA_ACCEPT, PARTIAL_OBJECT_METADATA_LIST_ACCEPT } from '../../../lib/listwatch/httpListerWatcher.js';
import { call, get } from './httpClient.js';

interface ListBody {
  readonly metadata: { readonly resourceVersion: string; readonly continue?: string; readonly remainingItemCount?: number };
  readonly items: ReadonlyArray<{ readonly metadata: { readonly name: string } }>;
}
const names = (b: unknown): ReadonlyArray<string> => (b as ListBody).items.map((i) => i.metadata.name);

describe('label and field selectors', () => {
  const obj = (labels: Record<string, string>) => ({ metadata: { name: 'o', labels } });
  const sel = (s: string) => {
    const p = parseLabelSelector(s);
    if (isLeft(p)) throw new Error(p.left);
    return p.right;
  };
  it.each([
    ['app=web', { app: 'web' }, true],
    ['app==web', { app: 'db' }, false],
    ['app!=web', {}, true],
    ['app in (web, db),tier', { app: 'db', tier: 'x' }, true],
    ['app notin (web,db)', {}, true],
    ['app notin (web,db)', { app: 'web' }, false],
    ['!legacy', { legacy: 'y' }, false],
    ['example.com/role=a', { 'example.com/role': 'a' }, true],
    ['', { any: 'x' }, true],
  ])('%s on %o → %s', (s, labels, expected) => {
    expect(matchesLabels(sel(s), obj(labels))).toBe(expected);
  });
  it('refuses bad selectors', () => {
    expect(isLeft(parseLabelSelector('app in web'))).toBe(true);
    expect(isLeft(parseLabelSelector('a=b=c'))).toBe(true);
    expect(parseFieldSelector('spec.x=1')).toEqual({ _tag: 'Left', left: 'field label not supported: spec.x' });
  });
});

describe('LIST over HTTP', () => {
  let server: EmbeddedApiServer;
  beforeEach(async () => {
    server = await startApiServer({ tls: false, continueTokenTtlMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      server.create('configmaps', { metadata: { name: `cm${String(i)}`, namespace: i < 3 ? 'a' : 'b', labels: { i: String(i), even: String(i % 2 === 0) } } });
    }
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers a metadata-only Accept header with PartialObjectMetadata(List), as kube-apiserver does', async () => {
    const list = await call(server, 'GET', '/api/v1/namespaces/a/configmaps?limit=2', undefined, { headers: { Accept: PARTIAL_OBJECT_METADATA_LIST_ACCEPT } });
    expect(list.status).toBe(200);
    const body = list.body as ListBody & { kind: string; apiVersion: string; items: ReadonlyArray<Record<string, unknown>> };
    expect({ kind: body.kind, apiVersion: body.apiVersion }).toEqual({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1' });
    expect(body.metadata.continue).toBeDefined();
    expect(body.items).toEqual(server.list('configmaps', 'a').slice(0, 2).map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata })));
    const one = await call(server, 'GET', '/api/v1/namespaces/a/configmaps/cm0', undefined, { headers: { Accept: PARTIAL_OBJECT_METADATA_ACCEPT } });
    expect(one.body).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: server.get('configmaps', 'a', 'cm0')?.metadata });
    // a LIST asking for the non-list kind: 406, even with a JSON fallback (kube-apiserver 1.20 does the same)
    const wrong = await call(server, 'GET', '/api/v1/configmaps', undefined, { headers: { Accept: PARTIAL_OBJECT_METADATA_ACCEPT } });
    expect(wrong.status).toBe(406);
    expect(wrong.body).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 });
    // plain JSON first wins
    const full = await call(server, 'GET', '/api/v1/configmaps', undefined, { headers: { Accept: `application/json, ${PARTIAL_OBJECT_METADATA_LIST_ACCEPT}` } });
    expect((full.body as { kind: string }).kind).toBe('ConfigMapList');
  });

  it('pages with limit/continue from a consistent snapshot', async () => {
    const p1 = await get(server, '/api/v1/configmaps?limit=2');
    const b1 = p1.body as ListBody;
    expect(names(b1)).toEqual(['cm0', 'cm1']);
    expect(b1.metadata.remainingItemCount).toBe(3);
    const rv = b1.metadata.resourceVersion;
    // writes between pages do not show up in later pages of the same list
    server.delete('configmaps', 'a', 'cm2');
    server.create('configmaps', { metadata: { name: 'cm9', namespace: 'b' } });
    const p2 = (await get(server, `/api/v1/configmaps?limit=2&continue=${encodeURIComponent(b1.metadata.continue ?? '')}`)).body as ListBody;
    expect(names(p2)).toEqual(['cm2', 'cm3']);
    expect(p2.metadata.resourceVersion).toBe(rv);
    const p3 = (await get(server, `/api/v1/configmaps?limit=2&continue=${encodeURIComponent(p2.metadata.continue ?? '')}`)).body as ListBody;
    expect(names(p3)).toEqual(['cm4']);
    expect(p3.metadata).toEqual({ resourceVersion: rv });
    const rvExact = (await get(server, `/api/v1/configmaps?resourceVersion=${rv}&resourceVersionMatch=Exact`)).body;
    expect(names(rvExact)).toEqual(['cm0', 'cm1', 'cm2', 'cm3', 'cm4']);
    expect(server.requests.filter((r) => r.verb === 'list').map((r) => r.query['limit'])).toEqual(['2', '2', '2', undefined]);
  });

  it('answers 410 Expired to an expired or compacted continue token, and 400 to a continue with a resourceVersion', async () => {
    const token = ((await get(server, '/api/v1/configmaps?limit=1')).body as ListBody).metadata.continue ?? '';
    const withRv = await get(server, `/api/v1/configmaps?limit=1&resourceVersion=5&continue=${encodeURIComponent(token)}`);
    expect(withRv.body).toMatchObject({ code: 400, message: 'specifying resource version is not allowed when using continue' });
    server.faults.expireContinueTokens();
    const expired = await get(server, `/api/v1/configmaps?limit=1&continue=${encodeURIComponent(token)}`);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired', message: expect.stringContaining('The provided continue parameter is too old') as unknown });
    const fresh = ((await get(server, '/api/v1/configmaps?limit=1')).body as ListBody).metadata.continue ?? '';
    server.create('configmaps', { metadata: { name: 'x' } });
    server.compact();
    expect((await get(server, `/api/v1/configmaps?limit=1&continue=${encodeURIComponent(fresh)}`)).status).toBe(410);
    expect((await get(server, '/api/v1/configmaps?limit=1&continue=garbage')).status).toBe(400);
  });

  it('serves a paged list at a non-zero resourceVersion exactly at that version, 410 once compacted (kube\'s legacy Exact)', async () => {
    const rv = server.resourceVersion();
    server.delete('configmaps', 'a', 'cm0');
    const paged = (await get(server, `/api/v1/configmaps?resourceVersion=${rv}&limit=2`)).body as ListBody;
    expect(names(paged)).toEqual(['cm0', 'cm1']);
    expect(paged.metadata.resourceVersion).toBe(rv);
    // without a limit it is NotOlderThan: the newest state
    expect(names((await get(server, `/api/v1/configmaps?resourceVersion=${rv}`)).body)).toEqual(['cm1', 'cm2', 'cm3', 'cm4']);
    expect(names((await get(server, `/api/v1/configmaps?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan&limit=2`)).body)).toEqual(['cm1', 'cm2']);
    server.compact();
    expect((await get(server, `/api/v1/configmaps?resourceVersion=${rv}&limit=2`)).body).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect((await get(server, `/api/v1/configmaps?resourceVersion=0&limit=2`)).status).toBe(200);
  });

  it('expires continue tokens after their TTL', async () => {
    const short = await startApiServer({ tls: false, continueTokenTtlMs: 1 });
    short.create('cm', { metadata: { name: 'a' } });
    short.create('cm', { metadata: { name: 'b' } });
    const token = ((await get(short, '/api/v1/configmaps?limit=1')).body as ListBody).metadata.continue ?? '';
    const issued = Date.now();
    while (Date.now() - issued < 5) await new Promise((r) => setImmediate(r));
    expect((await get(short, `/api/v1/configmaps?limit=1&continue=${encodeURIComponent(token)}`)).status).toBe(410);
    await short.close();
  });

  it('filters by namespace, labels and fields', async () => {
    expect(names((await get(server, '/api/v1/namespaces/a/configmaps')).body)).toEqual(['cm0', 'cm1', 'cm2']);
    expect(names((await get(server, '/api/v1/configmaps?labelSelector=even%3Dtrue')).body)).toEqual(['cm0', 'cm2', 'cm4']);
    expect(names((await get(server, '/api/v1/configmaps?labelSelector=i%20in%20(1,3),even!%3Dtrue')).body)).toEqual(['cm1', 'cm3']);
    expect(names((await get(server, '/api/v1/configmaps?fieldSelector=metadata.namespace%3Db')).body)).toEqual(['cm3', 'cm4']);
    expect(names((await get(server, '/api/v1/configmaps?fieldSelector=metadata.name!%3Dcm0,metadata.namespace%3D%3Da')).body)).toEqual(['cm1', 'cm2']);
    const paged = (await get(server, '/api/v1/configmaps?labelSelector=even%3Dtrue&limit=2')).body as ListBody;
    expect(names(paged)).toEqual(['cm0', 'cm2']);
    expect(paged.metadata.remainingItemCount).toBeUndefined();
    expect((await get(server, '/api/v1/configmaps?labelSelector=a%20in%20b')).status).toBe(400);
    expect((await get(server, '/api/v1/configmaps?fieldSelector=spec.x%3D1')).body).toMatchObject({ code: 400, message: 'field label not supported: spec.x' });
  });

  it('writes large lists in chunks', async () => {
    for (let i = 0; i < 3000; i++) server.create('secrets', { metadata: { name: `s${String(i).padStart(4, '0')}` }, data: { blob: 'x'.repeat(200) } });
    const list = await get(server, '/api/v1/secrets');
    expect(list.headers['transfer-encoding']).toBe('chunked');
    expect(names(list.body)).toHaveLength(3000);
  });
});
