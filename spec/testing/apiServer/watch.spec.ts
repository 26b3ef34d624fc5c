import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type EmbeddedApiServer, startApiServer } from '../../../lib/testing/apiServer/server.js';
import { brief, get, take, watch } from './httpClient.js';

const CM = '/api/v1/namespaces/default/configmaps';

describe('WATCH over HTTP', () => {
  let server: EmbeddedApiServer;
  beforeEach(async () => {
    server = await startApiServer({ bookmarkIntervalMs: 0 });
  });
  afterEach(async () => {
    await server.close();
  });

  it("from '' sends synthetic ADDED for the current state, then live events", async () => {
    server.create('cm', { metadata: { name: 'a' } });
    server.create('cm', { metadata: { name: 'b' } });
    const w = watch(server, `${CM}?watch=true`);
    expect(await w.status).toBe(200);
    expect((await take(w, 2)).map(brief)).toEqual(['ADDED a@2', 'ADDED b@3']);
    server.patch('cm', 'default', 'a', { data: { k: 'v' } });
    server.delete('cm', 'default', 'b');
    server.create('cm', { metadata: { name: 'c', namespace: 'other' } });
    server.create('cm', { metadata: { name: 'd' } });
    expect((await take(w, 3)).map(brief)).toEqual(['MODIFIED a@4', 'DELETED b@5', 'ADDED d@7']);
    expect((w.lines[0] as { object: unknown }).object).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    w.abort();
  });

  it('from an RV replays history after it; from a compacted RV sends an in-stream ERROR 410 and closes', async () => {
    server.create('cm', { metadata: { name: 'a' } });
    const rv = server.resourceVersion();
    server.create('cm', { metadata: { name: 'b' } });
    server.delete('cm', 'default', 'a');
    const w = watch(server, `${CM}?watch=1&resourceVersion=${rv}`);
    expect((await take(w, 2)).map(brief)).toEqual(['ADDED b@3', 'DELETED a@4']);
    w.abort();
    server.compact();
    const gone = watch(server, `${CM}?watch=1&resourceVersion=${rv}`);
    expect(await gone.status).toBe(200);
    expect(await gone.next()).toEqual({
      type: 'ERROR',
      object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `too old resource version: ${rv} (4)`, reason: 'Expired', code: 410 },
    });
    expect(await gone.ended).toBe('end');
  });

  it('keeps only historyLimit events', async () => {
    const small = await startApiServer({ historyLimit: 2, bookmarkIntervalMs: 0 });
    for (const n of ['a', 'b', 'c']) small.create('cm', { metadata: { name: n } });
    // history holds rv 3 and 4: a watch from 2 can be served, one from 1 cannot
    const old = watch(small, `${CM}?watch=1&resourceVersion=1`);
    expect(brief(await old.next())).toBe('ERROR @');
    const ok = watch(small, `${CM}?watch=1&resourceVersion=2`);
    expect((await take(ok, 2)).map(brief)).toEqual(['ADDED b@3', 'ADDED c@4']);
    ok.abort();
    await small.close();
  });

  it('filters by selectors, turning MODIFIED into DELETED/ADDED when matching changes', async () => {
    server.create('cm', { metadata: { name: 'a', labels: { app: 'x' } } });
    const w = watch(server, `${CM}?watch=1&labelSelector=app%3Dx`);
    const byName = watch(server, `${CM}?watch=1&fieldSelector=metadata.name%3Db`);
    expect(brief(await w.next())).toBe('ADDED a@2');
    expect(await byName.status).toBe(200); // the watch is registered before the writes below
    server.create('cm', { metadata: { name: 'b' } });
    server.patch('cm', 'default', 'a', { metadata: { labels: { app: 'y' } } });
    server.patch('cm', 'default', 'b', { metadata: { labels: { app: 'x' } } });
    server.patch('cm', 'default', 'b', { data: { k: 'v' } });
    const events = await take(w, 3);
    expect(events.map(brief)).toEqual(['DELETED a@4', 'ADDED b@5', 'MODIFIED b@6']);
    // the DELETED carries the last matching content, with the event's resourceVersion
    expect((events[0] as unknown as { object: { metadata: { labels: unknown } } }).object.metadata.labels).toEqual({ app: 'x' });
    expect((await take(byName, 3)).map(brief)).toEqual(['ADDED b@3', 'MODIFIED b@5', 'MODIFIED b@6']);
    w.abort();
    byName.abort();
  });

  it('sends periodic BOOKMARKs when asked', async () => {
    const b = await startApiServer({ bookmarkIntervalMs: 20 });
    b.create('cm', { metadata: { name: 'a' } });
    const w = watch(b, `${CM}?watch=1&resourceVersion=${b.resourceVersion()}&allowWatchBookmarks=true`);
    expect(await w.next()).toEqual({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '2' } } });
    b.create('cm', { metadata: { name: 'b' } });
    const next = await take(w, 2);
    expect(next.map(brief).filter((l) => !l.startsWith('BOOKMARK @2'))[0]).toBe('ADDED b@3');
    const noBookmarks = watch(b, `${CM}?watch=1&resourceVersion=${b.resourceVersion()}&timeoutSeconds=1`);
    expect(await noBookmarks.ended).toBe('end');
    expect(noBookmarks.lines).toEqual([]);
    w.abort();
    await b.close();
  });

  it('closes cleanly after timeoutSeconds', async () => {
    const started = Date.now();
    const w = watch(server, `${CM}?watch=1&timeoutSeconds=1`);
    expect(await w.ended).toBe('end');
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5000);
    expect(server.activeWatches()).toBe(0);
  });

  it('streams a list with sendInitialEvents, ending with the initial-events-end bookmark', async () => {
    server.create('cm', { metadata: { name: 'a' } });
    server.create('cm', { metadata: { name: 'b' } });
    const w = watch(server, `${CM}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=`);
    const lines = await take(w, 3);
    expect(lines.map(brief)).toEqual(['ADDED a@2', 'ADDED b@3', 'BOOKMARK @3']);
    expect(lines[2]).toEqual({
      type: 'BOOKMARK',
      object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '3', annotations: { 'k8s.io/initial-events-end': 'true' } } },
    });
    server.create('cm', { metadata: { name: 'c' } });
    expect(brief(await w.next())).toBe('ADDED c@4');
    w.abort();
  });

  it('refuses sendInitialEvents without resourceVersionMatch=NotOlderThan or bookmarks (422 Invalid, as kube-apiserver)', async () => {
    const noMatch = await get(server, `${CM}?watch=1&sendInitialEvents=true&allowWatchBookmarks=true`);
    expect(noMatch.status).toBe(422);
    expect(noMatch.body).toMatchObject({
      kind: 'Status', code: 422, reason: 'Invalid',
      message: 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      details: { kind: 'ListOptions', group: 'meta.k8s.io', causes: [{ field: 'resourceVersionMatch' }] },
    });
    expect((await get(server, `${CM}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`)).body).toMatchObject({ code: 422, details: { causes: [{ field: 'allowWatchBookmarks' }] } });
    expect((await get(server, `${CM}?sendInitialEvents=true`)).status).toBe(422);
    const gated = await startApiServer({ watchList: false });
    expect((await get(gated, `${CM}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`)).status).toBe(422);
    await gated.close();
    expect((await get(server, `${CM}?watch=1&resourceVersion=abc`)).status).toBe(400);
  });
});
