import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type EmbeddedApiServer, startApiServer } from '../../../lib/testing/apiServer/server.js';
import { brief, get, watch } from './httpClient.js';

const CM = '/api/v1/namespaces/default/configmaps';

describe('fault injection', () => {
  let server: EmbeddedApiServer;
  beforeEach(async () => {
    server = await startApiServer({ bookmarkIntervalMs: 0 });
  });
  afterEach(async () => {
    await server.close();
  });

  it('respond: answers matching requests with a Status (429 with Retry-After), times times, then clears', async () => {
    server.faults.respond({ verb: 'list', resource: 'configmaps' }, 429, { retryAfterSeconds: 3, times: 2 });
    expect((await get(server, '/api/v1/secrets')).status).toBe(200);
    const first = await get(server, CM);
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('3');
    expect(first.body).toMatchObject({ kind: 'Status', code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: 3 } });
    expect((await get(server, CM)).status).toBe(429);
    expect((await get(server, CM)).status).toBe(200);
    server.faults.respond({ verb: 'watch' }, 500);
    expect((await get(server, `${CM}?watch=true`)).body).toMatchObject({ code: 500, reason: 'InternalError' });
    server.faults.respond({}, 410);
    expect((await get(server, '/api')).body).toMatchObject({ code: 410, reason: 'Expired' });
    server.faults.respond({ resource: 'cm' }, 403);
    expect((await get(server, `${CM}/x`)).status).toBe(403);
    expect(() => {
      server.faults.respond({ resource: 'pods' }, 500);
    }).toThrow(TypeError);
  });

  it('dropWatches: resets every open watch, optionally mid-line', async () => {
    server.create('cm', { metadata: { name: 'a' } });
    const w1 = watch(server, `${CM}?watch=1`);
    const w2 = watch(server, `${CM}?watch=1`);
    await Promise.all([w1.next(), w2.next()]);
    const bytesBefore = w1.bytes();
    expect(server.faults.dropWatches({ midLine: true })).toBe(2);
    expect(await w1.ended).toBe('error');
    expect(await w2.ended).toBe('error');
    expect(w1.bytes()).toBeGreaterThan(bytesBefore); // half a line arrived, no newline
    expect(w1.lines).toHaveLength(1);
    expect(server.activeWatches()).toBe(0);
    const w3 = watch(server, `${CM}?watch=1`);
    await w3.next();
    expect(server.faults.dropWatches()).toBe(1);
    expect(await w3.ended).toBe('error');
  });

  it('garbageLine: the next event on a matching watch is preceded by a non-JSON line', async () => {
    const w = watch(server, `${CM}?watch=1&resourceVersion=${server.resourceVersion()}`);
    await w.status;
    server.faults.garbageLine({ resource: 'configmaps' });
    server.create('secrets', { metadata: { name: 's' } });
    server.create('cm', { metadata: { name: 'a' } });
    server.create('cm', { metadata: { name: 'b' } });
    expect(await w.next()).toEqual({ raw: 'this is not JSON {' });
    expect(brief(await w.next())).toBe('ADDED a@3');
    expect(brief(await w.next())).toBe('ADDED b@4');
    w.abort();
  });

  it('stall: the next watch sends headers and then nothing, not even bookmarks', async () => {
    const b = await startApiServer({ bookmarkIntervalMs: 10 });
    b.faults.stall({ verb: 'watch' });
    const stalled = watch(b, `${CM}?watch=1&allowWatchBookmarks=true&timeoutSeconds=1`);
    const healthy = watch(b, `${CM}?watch=1&allowWatchBookmarks=true`);
    expect(await stalled.status).toBe(200);
    b.create('cm', { metadata: { name: 'a' } });
    // the healthy watch sees the event and two bookmarks; by then the stalled one has had its chances
    expect(brief(await healthy.next())).toBe('ADDED a@2');
    await healthy.next();
    await healthy.next();
    expect(stalled.bytes()).toBe(0);
    expect(b.activeWatches()).toBe(2);
    await b.close();
    expect(await stalled.ended).toBe('error');
  });
});
