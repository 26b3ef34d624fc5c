// Failures retrying cannot fix: the pure classification, an informer with failFast in virtual
// time, and the same over real HTTP against the embedded API server (a forbidden token, a bad
// selector, an unknown resource through the manager), plus the manager's default warning.
import { KubeConfig } from '@kubernetes/client-node';
import { lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { controllerManager } from '../../lib/controller/controllerManager.js';
import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import { terminalFailure } from '../../lib/informer/terminalFailure.js';
import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import type { ListPage } from '../../lib/listwatch/ListerWatcher.js';
import { httpError, transportError } from '../../lib/listwatch/ListerWatcherError.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { configMap, listPage, type TestConfigMap } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { newTestScheduler } from '../helpers/marbles.js';

const forbidden = httpError('list', 'configmaps', 403, { reason: 'Forbidden', message: 'list configmaps: Forbidden: configmaps is forbidden' });

describe('terminalFailure', () => {
  it('is the HTTP error of 400, 401, 403, and of 404 before the first sync; undefined for everything retrying can fix', () => {
    for (const code of [400, 401, 403]) {
      const e = httpError('watch', 'configmaps', code);
      expect(terminalFailure({ _tag: 'WatchFailed', error: e }, true)).toBe(e);
    }
    const notFound = httpError('list', 'widgets.example.com', 404);
    expect(terminalFailure({ _tag: 'ListFailed', error: notFound }, false)).toBe(notFound);
    expect(terminalFailure({ _tag: 'ListFailed', error: notFound }, true)).toBeUndefined();
    for (const code of [410, 429, 500, 503]) expect(terminalFailure({ _tag: 'ListFailed', error: httpError('list', 'configmaps', code) }, false)).toBeUndefined();
    expect(terminalFailure({ _tag: 'ListFailed', error: transportError('list', 'configmaps', 'refused', 'ECONNREFUSED') }, false)).toBeUndefined();
    expect(terminalFailure({ _tag: 'VeryShortWatch', resourceVersion: '1' }, true)).toBeUndefined();
  });
});

describe('sharedIndexInformer failFast (virtual time)', () => {
  it('errors events$ with the typed error on a 403 LIST, after reporting it on problems$; the LIST is not retried', () => {
    const rx = newTestScheduler();
    const problems: string[] = [];
    const lw = rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<TestConfigMap>({ lists: () => cold<ListPage<TestConfigMap>>('5ms #', undefined, forbidden) });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0, failFast: true });
      informer.problems$.subscribe((p) => problems.push(p._tag));
      expectObservable(informer.events$).toBe('5ms #', undefined, forbidden);
      return lw;
    });
    expect(problems).toEqual(['ReflectorError']);
    expect(lw.listCalls).toHaveLength(1);
  });

  it('without failFast the same 403 is retried with backoff (client-go), and a 503 is retried even with failFast', () => {
    const rx = newTestScheduler();
    const unavailable = httpError('list', 'configmaps', 503);
    const [retried, unavailableLw] = rx.run(({ cold, expectObservable }) => {
      const retried = fakeListerWatcher<TestConfigMap>({ lists: () => cold<ListPage<TestConfigMap>>('5ms #', undefined, forbidden) });
      expectObservable(sharedIndexInformer(retried, { scheduler: rx, random: () => 0 }).events$, '^ 3000ms !').toBe('');
      const unavailableLw = fakeListerWatcher<TestConfigMap>({
        lists: (_, call) => (call < 2 ? cold<ListPage<TestConfigMap>>('5ms #', undefined, unavailable) : cold('5ms (p|)', { p: listPage('7', [configMap('a', '7')]) })),
      });
      expectObservable(sharedIndexInformer(unavailableLw, { scheduler: rx, random: () => 0, failFast: true }).events$, '^ 3000ms !').toBe(
        '2415ms a',
        { a: { _tag: 'Added', key: 'default/a', object: configMap('a', '7'), initial: true } },
      );
      return [retried, unavailableLw];
    });
    expect(retried.listCalls.length).toBeGreaterThan(2);
    expect(unavailableLw.listCalls).toHaveLength(3);
  });
});

describe('failFast over HTTP (embedded API server)', () => {
  let server: EmbeddedApiServer | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await server?.close();
    server = undefined;
  });
  const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
  const kubeConfigOf = (s: EmbeddedApiServer, token?: string): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromOptions(s.kubeConfigOptions(token));
    return kc;
  };

  it('a forbidden token: the informer fails with the 403 HttpError and the server’s message', async () => {
    server = await startApiServer({ tokens: { 'admin-token': 'admin', 'no-rights': 'forbidden' } });
    const informer = sharedIndexInformer(httpListerWatcher({ kubeConfig: kubeConfigOf(server, 'no-rights'), resource: configMaps }), { failFast: true });
    await expect(lastValueFrom(informer.events$)).rejects.toMatchObject({
      _tag: 'HttpError',
      code: 403,
      reason: 'Forbidden',
      // initialList 'auto': the first request is the streaming-list WATCH
      message: expect.stringContaining('cannot watch resource "configmaps"') as unknown,
    });
  });

  it('a malformed label selector: the informer fails with the 400 HttpError', async () => {
    server = await startApiServer();
    const lw = httpListerWatcher({ kubeConfig: kubeConfigOf(server), resource: configMaps, labelSelector: 'app in (web' });
    await expect(lastValueFrom(sharedIndexInformer(lw, { failFast: true }).events$)).rejects.toMatchObject({ _tag: 'HttpError', code: 400 });
  });

  it('a manager with failFast and a resource the server does not serve: run() fails with the 404; without failFast it warns once on stderr', async () => {
    server = await startApiServer();
    const kubeConfig = kubeConfigOf(server);
    const mgr = controllerManager({ kubeConfig, failFast: true });
    mgr.observe(mgr.select('typo', { resource: 'configmapz' }), (events$) => events$);
    await expect(lastValueFrom(mgr.run())).rejects.toMatchObject({ _tag: 'HttpError', code: 404, message: expect.stringContaining('configmapz') as unknown });

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const quiet = controllerManager({ kubeConfig });
    // paged lists only: one kind of failure (ListFailed 404), so one warning line
    quiet.observe(quiet.select('typo', { resource: 'configmapz', informer: { initialList: 'list', backoff: { initialMs: 5, maxMs: 10, jitter: 0 } } }), (events$) => events$);
    const stop = new AbortController();
    const problems = new Promise<number>((resolve) => {
      let n = 0;
      quiet.run({ signal: stop.signal }).subscribe((e) => {
        if (e._tag === 'Problem' && ++n === 4) resolve(n);
      });
    });
    expect(await problems).toBe(4);
    stop.abort();
    // four failures, one warning line, marked as the first of its kind
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toBe('informer error');
    expect(warn.mock.calls[0]?.[1]).toMatchObject({ informer: 'typo', code: 404, firstOccurrence: true });
  });
});
