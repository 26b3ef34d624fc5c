import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createFaultState } from '../../../lib/testing/apiServer/faults.js';
import { type EmbeddedApiServer, startApiServer } from '../../../lib/testing/apiServer/server.js';
import { brief, call, get, watch } from './httpClient.js';

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

  it('delayWatchEvents: a write returns before its watch event; lines keep their order, the end is held too; other resources are not delayed; clear stops it', async () => {
    server.faults.delayWatchEvents({ resource: 'configmaps' }, { ms: 300, jitterMs: 50, seed: 7 });
    const w = watch(server, `${CM}?watch=1&resourceVersion=${server.resourceVersion()}&timeoutSeconds=1`);
    const s = watch(server, `/api/v1/namespaces/default/secrets?watch=1&resourceVersion=${server.resourceVersion()}`);
    await Promise.all([w.status, s.status]);
    for (const name of ['a', 'b', 'c']) expect((await call(server, 'POST', CM, { metadata: { name } })).status).toBe(201);
    expect(w.lines).toEqual([]); // every write has returned, no event has arrived
    server.create('secrets', { metadata: { name: 's' } });
    expect(brief(await s.next())).toBe('ADDED s@5');
    expect(w.lines).toEqual([]); // the secret, written last, came first
    expect([brief(await w.next()), brief(await w.next()), brief(await w.next())]).toEqual(['ADDED a@2', 'ADDED b@3', 'ADDED c@4']);
    expect(await w.ended).toBe('end'); // the timeout's end comes after the held events
    server.faults.clear();
    const again = watch(server, `${CM}?watch=1&resourceVersion=${server.resourceVersion()}`);
    await again.status;
    server.create('cm', { metadata: { name: 'd' } });
    server.create('secrets', { metadata: { name: 't' } });
    expect(brief(await again.next())).toBe('ADDED d@6');
    expect(brief(await s.next())).toBe('ADDED t@7');
    again.abort();
    s.abort();
  });

  it('delayWatchEvents: the jitter is seeded (same seed, same delays), a resource\'s delay wins over the catch-all, bad options throw', () => {
    const delaysOf = (seed: number): ReadonlyArray<number> => {
      const f = createFaultState((name) => name, () => 0, () => Promise.resolve());
      f.delayWatchEvents(undefined, { ms: 100, jitterMs: 1000, seed: 1 });
      f.delayWatchEvents({ verb: 'watch', resource: 'secrets' }, { ms: 10, jitterMs: 50, seed });
      expect(f.watchEventDelay('configmaps')).toBeGreaterThanOrEqual(100);
      return Array.from({ length: 20 }, () => f.watchEventDelay('secrets'));
    };
    const first = delaysOf(3);
    expect(delaysOf(3)).toEqual(first);
    expect(delaysOf(4)).not.toEqual(first);
    for (const d of first) expect(d >= 10 && d < 60).toBe(true);
    expect(new Set(first).size).toBeGreaterThan(1);
    const f = createFaultState((name) => name, () => 0, () => Promise.resolve());
    expect(f.watchEventDelay('secrets')).toBe(0);
    expect(() => {
      f.delayWatchEvents({ verb: 'list' }, { ms: 1 });
    }).toThrow(TypeError);
    expect(() => {
      f.delayWatchEvents(undefined, { ms: -1 });
    }).toThrow(TypeError);
    f.delayWatchEvents(undefined, { ms: 5 });
    f.clear();
    expect(f.watchEventDelay('secrets')).toBe(0);
  });
});
