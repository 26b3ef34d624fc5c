import { TLSSocket } from 'node:tls';
import { firstValueFrom, lastValueFrom, type Observable, type Subscription, toArray } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import {
  type ApiResource,
  type KubeObject,
  type ListerWatcher,
  listThenWatch,
  type ReflectorEvent,
  type WatchEvent,
} from '../../lib/index.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import { parseRetryAfter } from '../../lib/listwatch/kubeRequest.js';
import { closedAfterEach, cm, configMaps, type Exchange, httpServer, httpsServer, json, kubeConfigFor, line, startWatch, status, tls, TOKEN } from './testServer.js';

const deployments: ApiResource = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true };

const track = closedAfterEach();

/** Values of an Observable as they arrive, and how it ended. */
interface Recording<A> {
  readonly values: A[];
  readonly sub: Subscription;
  readonly ended: Promise<{ readonly error?: unknown; readonly completed: boolean }>;
  /** Resolves once at least `n` values arrived. */
  count(n: number): Promise<void>;
}
const record = <A>(o: Observable<A>): Recording<A> => {
  const values: A[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let settle: (r: { readonly error?: unknown; readonly completed: boolean }) => void = () => undefined;
  const ended = new Promise<{ readonly error?: unknown; readonly completed: boolean }>((resolve) => {
    settle = resolve;
  });
  const sub = o.subscribe({
    next: (a) => {
      values.push(a);
      for (const w of waiters.filter((x) => values.length >= x.n)) w.resolve();
    },
    error: (error: unknown) => {
      settle({ error, completed: false });
    },
    complete: () => {
      settle({ completed: true });
    },
  });
  return {
    values,
    sub,
    ended,
    count: (n) =>
      values.length >= n
        ? Promise.resolve()
        : new Promise((resolve) => {
            waiters.push({ n, resolve });
          }),
  };
};

const errorOf = async <A>(o: Observable<A>): Promise<unknown> => {
  const { error, completed } = await record(o).ended;
  expect(completed).toBe(false);
  return error;
};

const events = (lw: ListerWatcher<KubeObject>): Recording<WatchEvent<KubeObject>> =>
  record(lw.watch({ resourceVersion: '10', allowWatchBookmarks: true, timeoutSeconds: 300 }));

const tick = (): Promise<void> =>
  new Promise((resolve) => {
    setImmediate(resolve);
  });

describe('httpListerWatcher: list', () => {
  it('sends the list query, the token and the user agent, and decodes the page (bad item → invalid)', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({
      kubeConfig: kubeConfigFor(server.url),
      resource: configMaps,
      namespace: 'default',
      labelSelector: 'app=web',
      fieldSelector: 'metadata.name!=x',
      userAgent: 'kube-rx-spec',
    });
    const page$ = firstValueFrom(lw.list({ resourceVersion: '0', limit: 500, resourceVersionMatch: 'NotOlderThan' }));
    const { req, res, url } = await server.next();
    expect(url.pathname).toBe('/api/v1/namespaces/default/configmaps');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      resourceVersion: '0',
      resourceVersionMatch: 'NotOlderThan',
      limit: '500',
      labelSelector: 'app=web',
      fieldSelector: 'metadata.name!=x',
    });
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['user-agent']).toBe('kube-rx-spec');
    expect(req.headers.accept).toBe('application/json');
    json(res, 200, {
      kind: 'ConfigMapList',
      metadata: { resourceVersion: '42', continue: 'next-page', remainingItemCount: 3 },
      items: [cm('a', '40'), { metadata: { namespace: 'default', resourceVersion: '41' } }],
    });
    const page = await page$;
    expect(page.resourceVersion).toBe('42');
    expect(page.continue).toBe('next-page');
    expect(page.remainingItemCount).toBe(3);
    expect(page.items).toEqual([cm('a', '40')]);
    expect(page.invalid).toHaveLength(1);
    expect(page.invalid[0]).toMatchObject({ _tag: 'DecodeFailure', source: 'list', resourceVersion: '41' });
  });

  it('sends continue pages without a resourceVersion; all namespaces and API groups get the right path', async () => {
    const server = await track(httpServer());
    const kubeConfig = kubeConfigFor(server.url);
    const all = httpListerWatcher({ kubeConfig, resource: configMaps });
    const page$ = firstValueFrom(all.list({ limit: 2, continue: 'tok-1' }));
    const first = await server.next();
    expect(first.url.pathname).toBe('/api/v1/configmaps');
    expect(Object.fromEntries(first.url.searchParams)).toEqual({ limit: '2', continue: 'tok-1' });
    json(first.res, 200, { metadata: { resourceVersion: '7' }, items: null });
    expect(await page$).toEqual({ resourceVersion: '7', items: [], invalid: [] });

    const deps = httpListerWatcher({ kubeConfig, resource: deployments, namespace: 'prod' });
    const deps$ = firstValueFrom(deps.list({ resourceVersion: '' }));
    const second = await server.next();
    expect(second.url.pathname).toBe('/apis/apps/v1/namespaces/prod/deployments');
    expect(second.url.search).toBe('');
    json(second.res, 200, { metadata: { resourceVersion: '8' }, items: [] });
    expect((await deps$).resourceVersion).toBe('8');
  });

  it('keeps the path prefix of the server URL', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(`${server.url}/k8s/clusters/c-1/`), resource: configMaps });
    const page$ = firstValueFrom(lw.list({}));
    const { url, res } = await server.next();
    expect(url.pathname).toBe('/k8s/clusters/c-1/api/v1/configmaps');
    json(res, 200, { metadata: {}, items: [] });
    expect((await page$).resourceVersion).toBe('');
  });

  it('refuses a 2xx body that is not JSON or not a list', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps });
    const e1$ = errorOf(lw.list({}));
    const a = await server.next();
    a.res.end('{"items": [');
    expect(await e1$).toMatchObject({ _tag: 'HttpError', verb: 'list', code: 200, reason: 'InvalidBody' });
    const e2$ = errorOf(lw.list({}));
    const b = await server.next();
    json(b.res, 200, status(200, 'Whatever', 'not a list'));
    expect(await e2$).toMatchObject({ _tag: 'HttpError', reason: 'InvalidBody' });
  });

  describe('HTTP errors', () => {
    const cases: ReadonlyArray<{
      readonly code: number;
      readonly reason: string;
      readonly headers?: Record<string, string>;
      readonly details?: Record<string, unknown>;
      readonly retryAfterSeconds?: number;
    }> = [
      { code: 401, reason: 'Unauthorized' },
      { code: 403, reason: 'Forbidden' },
      { code: 404, reason: 'NotFound' },
      { code: 410, reason: 'Expired' },
      { code: 429, reason: 'TooManyRequests', headers: { 'Retry-After': '7' }, retryAfterSeconds: 7 },
      { code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: 3 }, retryAfterSeconds: 3 },
      { code: 500, reason: 'InternalError' },
    ];
    it.each(cases)('$code $reason → HttpError with the decoded Status', async ({ code, reason, headers, details, retryAfterSeconds }) => {
      const server = await track(httpServer());
      const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, namespace: 'default' });
      const error$ = errorOf(lw.list({ resourceVersion: '0' }));
      const { res } = await server.next();
      json(res, code, status(code, reason, `server says ${reason}`, details), headers);
      const error = await error$;
      expect(error).toMatchObject({
        _tag: 'HttpError',
        verb: 'list',
        resource: 'configmaps',
        code,
        reason,
        message: `list configmaps in namespace "default": ${reason}: server says ${reason}`,
        status: { kind: 'Status', code, reason },
      });
      if (retryAfterSeconds === undefined) expect(error).not.toHaveProperty('retryAfterSeconds');
      else expect(error).toHaveProperty('retryAfterSeconds', retryAfterSeconds);
    });

    it('403 on a watch names verb, resource and namespace with the server message, never the token', async () => {
      const server = await track(httpServer());
      const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: deployments, namespace: 'default' });
      const error$ = errorOf(lw.watch({ resourceVersion: '5', allowWatchBookmarks: true }));
      const { res } = await server.next();
      const msg = 'deployments.apps is forbidden: User "x" cannot watch resource "deployments" in API group "apps" in the namespace "default"';
      json(res, 403, status(403, 'Forbidden', msg));
      const error = await error$;
      expect(error).toMatchObject({ _tag: 'HttpError', verb: 'watch', resource: 'deployments.apps', code: 403 });
      expect((error as { message: string }).message).toBe(`watch deployments.apps in namespace "default": Forbidden: ${msg}`);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
    });

    it('a non-Status error body (a proxy page) is quoted in the message', async () => {
      const server = await track(httpServer());
      const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps });
      const error$ = errorOf(lw.list({}));
      const { res } = await server.next();
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html>\n  Bad   gateway</html>');
      expect(await error$).toEqual({
        _tag: 'HttpError',
        verb: 'list',
        resource: 'configmaps',
        code: 502,
        message: 'list configmaps in all namespaces: HTTP 502: <html> Bad gateway</html>',
      });
    });
  });

  it('connection refused → TransportError ECONNREFUSED', async () => {
    const server = await httpServer();
    const url = server.url;
    await server.close();
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(url), resource: configMaps });
    expect(await errorOf(lw.list({}))).toMatchObject({ _tag: 'TransportError', verb: 'list', resource: 'configmaps', code: 'ECONNREFUSED' });
  });

  it('an http: server without insecure-skip-tls-verify is refused by the kubeconfig → EKUBECONFIG', async () => {
    const server = await track(httpServer());
    const kc = kubeConfigFor(server.url);
    kc.loadFromOptions({ ...JSON.parse(kc.exportConfig()), clusters: [{ name: 'test', server: server.url, skipTLSVerify: false }] });
    const lw = httpListerWatcher({ kubeConfig: kc, resource: configMaps });
    expect(await errorOf(lw.list({}))).toMatchObject({ _tag: 'TransportError', code: 'EKUBECONFIG' });
    expect(server.pending()).toBe(0);
  });
});

describe('httpListerWatcher: metadataOnly', () => {
  it("sends client-go's metadata Accept headers and decodes PartialObjectMetadata, also from a server that sent full objects", async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, namespace: 'default', metadataOnly: true });
    const page$ = firstValueFrom(lw.list({ resourceVersion: '0', limit: 500 }));
    const list = await server.next();
    expect(list.req.headers.accept).toBe('application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json');
    const partial = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'a', namespace: 'default', resourceVersion: '40' } };
    // the second item as a server that fell back to plain JSON would send it
    json(list.res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '42' }, items: [partial, cm('b', '41')] });
    const page = await page$;
    expect(page.items).toEqual([partial, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm('b', '41').metadata }]);

    const rec = record(lw.watch({ resourceVersion: '42', allowWatchBookmarks: true }));
    const watch = await server.next();
    expect(watch.req.headers.accept).toBe('application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json');
    startWatch(watch.res);
    watch.res.end(line('MODIFIED', { ...partial, metadata: { ...partial.metadata, resourceVersion: '43' } }));
    expect(await rec.ended).toEqual({ completed: true });
    expect(rec.values).toEqual([{ _tag: 'Modified', object: { ...partial, metadata: { ...partial.metadata, resourceVersion: '43' } } }]);
  });
});

describe('httpListerWatcher: watch', () => {
  it('sends the watch query and decodes NDJSON written byte by byte', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, namespace: 'default', labelSelector: 'a=b' });
    const rec = record(
      lw.watch({ resourceVersion: '10', allowWatchBookmarks: true, timeoutSeconds: 321, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' }),
    );
    const { url, res } = await server.next();
    expect(url.pathname).toBe('/api/v1/namespaces/default/configmaps');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      watch: 'true',
      resourceVersion: '10',
      allowWatchBookmarks: 'true',
      timeoutSeconds: '321',
      sendInitialEvents: 'true',
      resourceVersionMatch: 'NotOlderThan',
      labelSelector: 'a=b',
    });
    startWatch(res);
    const text =
      line('ADDED', { metadata: { name: 'é-ü', namespace: 'default', resourceVersion: '11' } }) +
      line('MODIFIED', cm('a', '12')) +
      line('BOOKMARK', { metadata: { resourceVersion: '13', annotations: { 'k8s.io/initial-events-end': 'true' } } }) +
      line('DELETED', cm('a', '14'));
    for (const byte of Buffer.from(text)) {
      res.write(Buffer.from([byte]));
      await tick();
    }
    res.end();
    expect(await rec.ended).toEqual({ completed: true });
    expect(rec.values).toEqual([
      { _tag: 'Added', object: { metadata: { name: 'é-ü', namespace: 'default', resourceVersion: '11' } } },
      { _tag: 'Modified', object: cm('a', '12') },
      { _tag: 'Bookmark', resourceVersion: '13', initialEventsEnd: true },
      { _tag: 'Deleted', object: cm('a', '14') },
    ]);
  });

  it('decodes many lines per chunk; a garbage line is an Invalid event and the stream goes on', async () => {
    const server = await track(httpServer());
    const rec = events(httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps }));
    const { res } = await server.next();
    startWatch(res);
    const lines = Array.from({ length: 200 }, (_, i) => line('ADDED', cm(`cm-${i}`, String(100 + i))));
    lines.splice(100, 0, 'this is { not json\n');
    res.write(lines.join(''));
    await rec.count(201);
    res.write(line('ERROR', status(410, 'Expired', 'too old resource version')));
    res.end();
    expect(await rec.ended).toEqual({ completed: true });
    expect(rec.values).toHaveLength(202);
    expect(rec.values[100]).toMatchObject({ _tag: 'Invalid', failure: { source: 'watch', raw: 'this is { not json' } });
    expect(rec.values[101]).toEqual({ _tag: 'Added', object: cm('cm-100', '200') });
    expect(rec.values[201]).toMatchObject({ _tag: 'Error', status: { code: 410, reason: 'Expired' } });
  });

  it('a socket destroyed mid-line errors with TransportError ECONNRESET', async () => {
    const server = await track(httpServer());
    const rec = events(httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps }));
    const { res } = await server.next();
    startWatch(res);
    res.write(line('ADDED', cm('a', '11')) + '{"type":"ADDED","obj');
    await rec.count(1);
    res.socket?.destroy();
    const { error } = await rec.ended;
    expect(error).toMatchObject({ _tag: 'TransportError', verb: 'watch', resource: 'configmaps', code: 'ECONNRESET' });
    expect(rec.values).toEqual([{ _tag: 'Added', object: cm('a', '11') }]);
  });

  it('the byte-level watchdog fires when the server stalls, and the request is closed', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, watchIdleTimeoutMs: 150 });
    const rec = events(lw);
    const { res, closed } = await server.next();
    startWatch(res);
    res.write(line('ADDED', cm('a', '11')));
    const { error } = await rec.ended;
    expect(error).toMatchObject({ _tag: 'TransportError', verb: 'watch', code: 'ETIMEDOUT' });
    expect((error as { message: string }).message).toContain('no bytes received for 150 ms');
    expect(rec.values).toHaveLength(1);
    await closed;
  });

  it('the byte-level watchdog counts from the last chunk: a slow but steady stream lives past it, a stall after it fails', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, watchIdleTimeoutMs: 150 });
    const rec = events(lw);
    const { res, closed } = await server.next();
    startWatch(res);
    // six chunks 60 ms apart: 300 ms in all, twice the idle timeout, never 150 ms without a byte
    let lastWrite = 0;
    for (let i = 0; i < 6; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 60));
      res.write(line('ADDED', cm(`cm-${i}`, String(10 + i))));
      lastWrite = performance.now();
      await rec.count(i + 1);
    }
    const { error } = await rec.ended;
    const quiet = performance.now() - lastWrite;
    expect(error).toMatchObject({ _tag: 'TransportError', verb: 'watch', code: 'ETIMEDOUT' });
    expect(rec.values).toHaveLength(6);
    // timers may fire a millisecond early against performance.now()
    expect(quiet).toBeGreaterThanOrEqual(148);
    // it looks four times per limit: at most a quarter late (plus the timers' own lateness)
    expect(quiet).toBeLessThan(150 * 1.25 + 80);
    await closed;
  });

  it('watchIdleTimeoutMs Infinity arms no byte-level watchdog (no timer that Node would cut to 1 ms)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w.name);
    };
    process.on('warning', onWarning);
    try {
      const server = await track(httpServer());
      const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, watchIdleTimeoutMs: Number.POSITIVE_INFINITY });
      const rec = events(lw);
      const { res } = await server.next();
      startWatch(res);
      res.write(line('ADDED', cm('a', '11')));
      await rec.count(1);
      res.end();
      expect(await rec.ended).toEqual({ completed: true });
      expect(rec.values).toEqual([{ _tag: 'Added', object: cm('a', '11') }]);
      expect(warnings).not.toContain('TimeoutOverflowWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('a line longer than maxLineBytes errors with TransportError ELINETOOLONG', async () => {
    const server = await track(httpServer());
    const rec = events(httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, maxLineBytes: 64 }));
    const { res, closed } = await server.next();
    startWatch(res);
    res.write(line('ADDED', { metadata: { name: 'x'.repeat(100) } }));
    const { error } = await rec.ended;
    expect(error).toMatchObject({ _tag: 'TransportError', code: 'ELINETOOLONG' });
    await closed;
  });

  it('410 at watch start → HttpError Expired', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps });
    const error$ = errorOf(lw.watch({ resourceVersion: '1', allowWatchBookmarks: false }));
    const { res, url } = await server.next();
    expect(url.searchParams.has('allowWatchBookmarks')).toBe(false);
    json(res, 410, status(410, 'Expired', 'too old resource version: 1 (20)'));
    expect(await error$).toMatchObject({ _tag: 'HttpError', code: 410, reason: 'Expired' });
  });

  it('unsubscribe aborts the request: the server sees it closed, and no socket or timer is left', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps });
    const countOf = (name: string): number => process.getActiveResourcesInfo().filter((r) => r === name).length;
    const timersBefore = countOf('Timeout');
    const rec = events(lw);
    const { res, closed } = await server.next();
    startWatch(res);
    res.write(line('ADDED', cm('a', '11')));
    await rec.count(1);
    expect(countOf('Timeout')).toBe(timersBefore + 1); // the byte-level watchdog
    const socketsDuring = countOf('TCPSocketWrap'); // includes the client and the server end of this watch
    rec.sub.unsubscribe();
    await closed;
    await vi.waitFor(async () => {
      expect(await server.connections()).toBe(0);
      expect(countOf('TCPSocketWrap')).toBeLessThanOrEqual(socketsDuring - 2);
    });
    expect(countOf('Timeout')).toBe(timersBefore);
  });

  it('unsubscribing before the response arrives destroys the request too', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps });
    const sub = lw.list({}).subscribe();
    const { closed } = await server.next();
    sub.unsubscribe();
    await closed;
    await vi.waitFor(async () => {
      expect(await server.connections()).toBe(0);
    });
  });
});

describe('httpListerWatcher: TLS', () => {
  it('trusts a server signed by the kubeconfig CA, with token auth', async () => {
    const server = await track(httpsServer({ cert: tls.serverCert, key: tls.serverKey }));
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url, { caData: tls.ca }), resource: configMaps });
    const page$ = firstValueFrom(lw.list({}));
    const { req, res } = await server.next();
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    json(res, 200, { metadata: { resourceVersion: '1' }, items: [cm('a', '1')] });
    expect((await page$).items).toHaveLength(1);
  });

  it('authenticates with a client certificate and watches over TLS', async () => {
    const server = await track(
      httpsServer({ cert: tls.serverCert, key: tls.serverKey, ca: tls.ca, requestCert: true, rejectUnauthorized: true }),
    );
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url, { caData: tls.ca, clientCert: true }), resource: configMaps });
    const rec = events(lw);
    const { req, res } = await server.next();
    expect(req.headers.authorization).toBeUndefined();
    expect(req.socket).toBeInstanceOf(TLSSocket);
    if (req.socket instanceof TLSSocket) expect(req.socket.getPeerCertificate().subject.CN).toBe('kube-rx-test-user');
    startWatch(res);
    res.end(line('ADDED', cm('a', '2')));
    expect(await rec.ended).toEqual({ completed: true });
    expect(rec.values).toEqual([{ _tag: 'Added', object: cm('a', '2') }]);
  });

  it('an untrusted self-signed certificate → TransportError with the TLS code (verification stays on)', async () => {
    const server = await track(httpsServer({ cert: tls.selfSignedCert, key: tls.selfSignedKey }));
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url, { caData: tls.ca }), resource: configMaps });
    const error = await errorOf(lw.list({}));
    expect(error).toMatchObject({ _tag: 'TransportError', verb: 'list', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(server.pending()).toBe(0);
  });
});

describe('listThenWatch over the HTTP ListerWatcher', () => {
  it('lists, watches, and relists after an in-stream 410', async () => {
    const server = await track(httpServer());
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, namespace: 'default' });
    // paged LISTs: this test scripts the server's answers to LIST and WATCH requests
    const reflector$ = listThenWatch(lw, { initialList: 'list', backoff: { initialMs: 1, jitter: 0 }, random: () => 0 });
    const rec = record(reflector$);
    const tags = (): string[] => rec.values.map((e: ReflectorEvent<KubeObject>) => e._tag);

    const list1 = await server.next();
    expect(Object.fromEntries(list1.url.searchParams)).toEqual({ resourceVersion: '0', limit: '500' });
    json(list1.res, 200, { metadata: { resourceVersion: '10' }, items: [cm('a', '9')] });

    const watch1 = await server.next();
    expect(watch1.url.searchParams.get('watch')).toBe('true');
    expect(watch1.url.searchParams.get('resourceVersion')).toBe('10');
    expect(watch1.url.searchParams.get('allowWatchBookmarks')).toBe('true');
    startWatch(watch1.res);
    watch1.res.write(line('ADDED', cm('b', '11')));
    watch1.res.write(line('ERROR', status(410, 'Expired', 'too old resource version: 10 (30)')));

    const list2 = await server.next();
    await watch1.closed; // the reflector dropped the first watch
    expect(list2.url.searchParams.has('resourceVersion')).toBe(false); // a consistent relist
    json(list2.res, 200, { metadata: { resourceVersion: '30' }, items: [cm('a', '9'), cm('b', '11'), cm('c', '25')] });

    const watch2 = await server.next();
    expect(watch2.url.searchParams.get('resourceVersion')).toBe('30');
    startWatch(watch2.res);
    watch2.res.write(line('DELETED', cm('c', '31')));
    await rec.count(10);
    rec.sub.unsubscribe();
    await watch2.closed;

    expect(tags()).toEqual(['Listing', 'Replace', 'Watching', 'Added', 'Error', 'Backoff', 'Listing', 'Replace', 'Watching', 'Deleted']);
    expect(rec.values[4]).toMatchObject({ _tag: 'Error', error: { _tag: 'WatchExpired' }, next: 'list' });
    expect(rec.values[7]).toMatchObject({ _tag: 'Replace', resourceVersion: '30' });
    expect(rec.values[9]).toMatchObject({ _tag: 'Deleted', resourceVersion: '31' });
  });
});

describe('httpListerWatcher: list completes after one page', () => {
  it('emits exactly one page', async () => {
    const server = await track(httpServer((x: Exchange) => {
      json(x.res, 200, { metadata: { resourceVersion: '3' }, items: [] });
    }));
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps });
    expect(await lastValueFrom(lw.list({}).pipe(toArray()))).toHaveLength(1);
  });
});

describe('httpListerWatcher: list with reuse', () => {
  it('applies reuse to each decoded item, with and without prefetching (the page holds its answers); an error it throws fails the list with that error', async () => {
    const pages = [
      { metadata: { resourceVersion: '3', continue: 'c2' }, items: [cm('a', '1'), cm('b', '2')] },
      { metadata: { resourceVersion: '3' }, items: [cm('c', '3')] },
    ];
    const server = await track(httpServer((x: Exchange) => {
      json(x.res, 200, x.url.searchParams.get('continue') === 'c2' ? pages[1] : pages[0]);
    }));
    for (const prefetchPages of [true, false]) {
      const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url), resource: configMaps, prefetchPages });
      const kept = new Map<string, KubeObject>();
      const reuse = (o: KubeObject): KubeObject => {
        const copy = { ...o };
        kept.set(o.metadata.name, copy);
        return copy;
      };
      const first = await firstValueFrom(lw.list({ limit: 2 }, reuse));
      const second = await firstValueFrom(lw.list({ limit: 2, continue: first.continue ?? '' }, reuse));
      const items = [...first.items, ...second.items];
      expect(items.map((o) => o.metadata.name)).toEqual(['a', 'b', 'c']);
      items.forEach((o) => {
        expect(o).toBe(kept.get(o.metadata.name));
      });
      const boom = new Error('reuse failed');
      expect(
        await errorOf(
          lw.list({}, () => {
            throw boom;
          }),
        ),
      ).toBe(boom);
    }
  });
});

describe('parseRetryAfter', () => {
  it('reads delay seconds and HTTP dates, and refuses anything else', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
