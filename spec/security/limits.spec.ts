// Oversized input is bounded by a configurable limit with a clear, typed error, over real HTTP;
// nothing is lost: the reflector recovers per its rules once the answer fits.
import { filter, firstValueFrom, lastValueFrom, take, tap, timeout, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import { resolveResource } from '../../lib/listwatch/discovery.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import { BODY_TOO_LARGE } from '../../lib/listwatch/kubeRequest.js';
import { DEFAULT_MAX_LINE_BYTES } from '../../lib/listwatch/splitLines.js';
import { closedAfterEach, cm, configMaps, errorOf, type Exchange, httpServer, json, kubeConfigFor, line, startWatch, status } from '../listwatch/testServer.js';

const track = closedAfterEach();

const bigList = (n: number): unknown => ({
  kind: 'ConfigMapList',
  metadata: { resourceVersion: '50' },
  items: Array.from({ length: n }, (_, i) => cm(`item-${String(i).padStart(4, '0')}`, String(i + 1))),
});

describe('LIST bodies are bounded by maxListBytes', () => {
  it('a body announced larger than the limit (Content-Length) is refused before it is read, with a page-size hint', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, maxListBytes: 1024 });
    const error$ = errorOf(lw.list({ resourceVersion: '0', limit: 500 }));
    const { res, closed } = await server.next();
    const body = JSON.stringify(bigList(100));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.write(body.slice(0, 100));
    const error = await error$;
    expect(error).toMatchObject({ _tag: 'TransportError', verb: 'list', resource: 'configmaps', code: BODY_TOO_LARGE });
    expect(error.message).toBe(
      "list configmaps: the response is larger than maxListBytes (1024 bytes), so it was not read: ask for smaller pages (the reflector's pageSize, default 500), use initialList: 'stream', or raise maxListBytes",
    );
    await closed; // the request was destroyed, not drained
  });

  it('a chunked body growing past the limit is cut off as soon as it does', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, maxListBytes: 4096 });
    const error$ = errorOf(lw.list({}));
    const { res, closed } = await server.next();
    startWatch(res); // a 200 with chunked transfer encoding, no Content-Length
    const chunk = 'x'.repeat(1000);
    for (let i = 0; i < 5; i++) res.write(chunk);
    expect(await error$).toMatchObject({ _tag: 'TransportError', code: BODY_TOO_LARGE });
    await closed;
  });

  it('a body of exactly the limit is read', async () => {
    const server = await track(httpServer());
    const body = JSON.stringify(bigList(3));
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, maxListBytes: Buffer.byteLength(body) });
    const page$ = lastValueFrom(lw.list({}));
    const { res } = await server.next();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(body);
    expect((await page$).items).toHaveLength(3);
  });

  it('the informer reports the too-large LIST, backs off and relists; nothing is lost once the page fits', async () => {
    let lists = 0;
    const server = await track(
      httpServer((x: Exchange) => {
        if (x.url.searchParams.get('watch') === 'true') {
          startWatch(x.res); // held open
          return;
        }
        lists += 1;
        // the first answer is too large; later ones (the server trimmed, say) fit
        json(x.res, 200, lists === 1 ? bigList(200) : bigList(5));
      }),
    );
    const informer = sharedIndexInformer(
      httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, maxListBytes: 8 * 1024 }),
      // paged LISTs: this scripted server holds every watch open and serves no streaming list
      { initialList: 'list', backoff: { initialMs: 5, maxMs: 20 } },
    );
    const problems$ = firstValueFrom(informer.problems$.pipe(take(1), toArray()));
    const sub = informer.events$.subscribe();
    await firstValueFrom(informer.synced$.pipe(filter(Boolean), timeout(10_000)));
    const [problem] = await problems$;
    expect(problem).toMatchObject({ _tag: 'ReflectorError', next: 'list', error: { _tag: 'ListFailed', error: { code: BODY_TOO_LARGE } } });
    expect(informer.store.listKeys()).toEqual(Array.from({ length: 5 }, (_, i) => `default/item-000${i}`));
    sub.unsubscribe();
  });
});

describe('LIST items are bounded by maxLineBytes, as watch lines are', () => {
  it('an item over the limit destroys the request: EBODYTOOLARGE with the limit and the size seen', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, maxLineBytes: 300 });
    const error$ = errorOf(lw.list({}));
    const { res, closed } = await server.next();
    startWatch(res);
    res.write(`{"kind":"ConfigMapList","metadata":{"resourceVersion":"5"},"items":[${JSON.stringify(cm('small', '2'))},`);
    res.write(JSON.stringify({ metadata: { name: 'big', namespace: 'default', resourceVersion: '3', annotations: { a: 'x'.repeat(400) } } }));
    const error = await error$;
    expect(error).toMatchObject({ _tag: 'TransportError', verb: 'list', resource: 'configmaps', code: BODY_TOO_LARGE });
    expect(error.message).toMatch(/^list configmaps: an object of the response is larger than maxLineBytes \(300 bytes; \d+ seen\), so it was not read$/);
    await closed;
  });

  it('a LIST larger than any one item limit, trickled in small chunks, decodes whole', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, maxLineBytes: 300 });
    const page$ = lastValueFrom(lw.list({}));
    const { res } = await server.next();
    startWatch(res);
    const body = Buffer.from(JSON.stringify(bigList(40)));
    for (let i = 0; i < body.length; i += 97) res.write(body.subarray(i, i + 97));
    res.end();
    const page = await page$;
    expect(page.resourceVersion).toBe('50');
    expect(page.items.map((o) => o.metadata.name)).toEqual(Array.from({ length: 40 }, (_, i) => `item-${String(i).padStart(4, '0')}`));
  });
});

describe('watch lines are bounded by maxLineBytes', () => {
  it('defaults to 16 MiB, about 10 times the largest object etcd stores', () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(16 * 1024 * 1024);
  });

  it('events before the long line arrive; the long line errors the watch with ELINETOOLONG and its sizes', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, maxLineBytes: 200 });
    const seen: string[] = [];
    const error$ = errorOf(lw.watch({ resourceVersion: '1', allowWatchBookmarks: true }).pipe(tap((e) => seen.push(e._tag))));
    const { res, closed } = await server.next();
    startWatch(res);
    res.write(line('ADDED', cm('small', '2')));
    res.write(line('ADDED', { metadata: { name: 'big', namespace: 'default', resourceVersion: '3', annotations: { a: 'x'.repeat(300) } } }));
    const error = await error$;
    expect(seen).toEqual(['Added']);
    expect(error).toMatchObject({ _tag: 'TransportError', verb: 'watch', code: 'ELINETOOLONG' });
    expect(error.message).toMatch(/^watch configmaps: a line of the watch stream exceeds maxLineBytes \(200 bytes; \d+ seen\)$/);
    await closed;
  });
});

describe('error bodies and discovery documents are bounded too', () => {
  it('a huge non-Status error body on a watch: an HttpError with a short excerpt, the body not kept whole', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps });
    const error$ = errorOf(lw.watch({ resourceVersion: '1', allowWatchBookmarks: true }));
    const { res } = await server.next();
    res.writeHead(503, { 'Content-Type': 'text/html' });
    res.end(`<html>${'overloaded '.repeat(200_000)}</html>`);
    const error = await error$;
    expect(error).toMatchObject({ _tag: 'HttpError', code: 503, reason: 'ServiceUnavailable' });
    expect(error.message.length).toBeLessThan(400);
  });

  it('a discovery document over maxBodyBytes: a TransportError naming the path', async () => {
    const server = await track(httpServer((x) => { json(x.res, 200, x.url.pathname === '/api' ? { versions: ['v1'] } : { groups: [], padding: 'x'.repeat(5000) }); }));
    const error = await errorOf(resolveResource(kubeConfigFor(server.url), 'cm', { maxBodyBytes: 1024 }));
    expect(error).toMatchObject({ _tag: 'TransportError', verb: 'discovery', resource: '/apis', code: BODY_TOO_LARGE });
    expect(error.message).toMatch(/^discovery \/apis: the response body exceeds maxBodyBytes \(1024 bytes; /);
  });

  it('a Status error body is still decoded', async () => {
    const server = await track(httpServer((x) => { json(x.res, 403, status(403, 'Forbidden', 'no discovery for you')); }));
    const error = await errorOf(resolveResource(kubeConfigFor(server.url), 'cm', { maxBodyBytes: 1024 }));
    expect(error).toMatchObject({ _tag: 'HttpError', code: 403, reason: 'Forbidden' });
  });
});
