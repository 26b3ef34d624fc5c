import { KubeConfig } from '@kubernetes/client-node';
import { filter, firstValueFrom, type Observable, take, timeout, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import { STREAMING_LIST_SILENT } from '../../lib/listwatch/ListerWatcherError.js';
import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { resolveResource } from '../../lib/listwatch/discovery.js';
import type { InformerProblem, InformerStatus } from '../../lib/informer/InformerStatus.js';
import { sharedIndexInformer, type SharedIndexInformerConfig } from '../../lib/informer/sharedIndexInformer.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { configMap, type TestConfigMap, TestConfigMapCodec } from '../../lib/testing/builders.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { until } from '../helpers/until.js';

const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

/** Waits for the first value matching `p`, failing the test after `ms` instead of hanging. */
const waitFor = <T>(source: Observable<T>, p: (v: T) => boolean, ms = 10_000): Promise<T> =>
  firstValueFrom(source.pipe(filter(p), timeout(ms)));

const kubeConfigFor = (server: EmbeddedApiServer, token?: string): KubeConfig => {
  const kc = new KubeConfig();
  kc.loadFromOptions(server.kubeConfigOptions(token));
  return kc;
};

const names = (objs: ReadonlyArray<KubeObject>): string[] =>
  objs.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}@${o.metadata.resourceVersion ?? ''}`).sort();

describe('informer over HTTP against the embedded API server', () => {
  let server: EmbeddedApiServer;
  beforeEach(async () => {
    server = await startApiServer({ bookmarkIntervalMs: 200 });
  });
  afterEach(async () => {
    await server.close();
  });

  const informerFor = (config: Partial<SharedIndexInformerConfig<TestConfigMap>> & { token?: string; labelSelector?: string } = {}) => {
    const { token, labelSelector, ...rest } = config;
    const lw = httpListerWatcher({
      kubeConfig: kubeConfigFor(server, token),
      resource: configMaps,
      codec: TestConfigMapCodec,
      ...(labelSelector === undefined ? {} : { labelSelector }),
    });
    return sharedIndexInformer(lw, { backoff: { initialMs: 20, maxMs: 200 }, ...rest });
  };

  it('lists, then sees creates, updates and deletes; the store ends equal to the server', async () => {
    server.create('configmaps', configMap('a', '', 'default', { v: '1' }));
    server.create('configmaps', configMap('b', '', 'other', { v: '1' }));
    const informer = informerFor();
    const events: string[] = [];
    const sub = informer.events$.subscribe((e) => events.push(`${e._tag} ${e.key}`));
    await waitFor(informer.synced$, Boolean);
    expect(events.sort()).toEqual(['Added default/a', 'Added other/b']);

    server.create('configmaps', configMap('c', '', 'default'));
    server.patch('configmaps', 'default', 'a', { data: { v: '2' } });
    server.delete('configmaps', 'other', 'b');
    await waitFor(informer.events$, (e) => e._tag === 'Deleted' && e.key === 'other/b');
    expect(events.slice(2)).toEqual(['Added default/c', 'Updated default/a', 'Deleted other/b']);
    expect(names(informer.store.list())).toEqual(names(server.list('configmaps')));
    sub.unsubscribe();
    await until(() => server.activeWatches() === 0);
  });

  it('shares one list and one watch among subscribers and closes the watch when the last leaves', async () => {
    server.create('configmaps', configMap('a', ''));
    const informer = informerFor();
    const s1 = informer.events$.subscribe();
    const s2 = informer.events$.subscribe();
    await until(() => server.activeWatches() === 1);
    const s3 = informer.events$.subscribe();
    // initialList 'auto': the list is a streaming list, i.e. the one WATCH, and no LIST
    expect(server.requests.filter((r) => r.verb === 'list')).toHaveLength(0);
    expect(server.requests.filter((r) => r.verb === 'watch')).toHaveLength(1);
    s1.unsubscribe();
    s2.unsubscribe();
    expect(server.activeWatches()).toBe(1);
    s3.unsubscribe();
    await until(() => server.activeWatches() === 0);
  });

  it('honours label selectors on list and watch: objects entering and leaving the selection', async () => {
    server.create('configmaps', configMap('in', '', 'default', undefined, { app: 'web' }));
    server.create('configmaps', configMap('out', '', 'default', undefined, { app: 'db' }));
    const informer = informerFor({ labelSelector: 'app=web' });
    const sub = informer.events$.subscribe();
    await waitFor(informer.synced$, Boolean);
    expect(informer.store.listKeys()).toEqual(['default/in']);
    server.patch('configmaps', 'default', 'out', { metadata: { labels: { app: 'web' } } });
    await waitFor(informer.events$, (e) => e._tag === 'Added' && e.key === 'default/out');
    server.patch('configmaps', 'default', 'in', { metadata: { labels: { app: 'db' } } });
    await waitFor(informer.events$, (e) => e._tag === 'Deleted' && e.key === 'default/in');
    expect(informer.store.listKeys()).toEqual(['default/out']);
    sub.unsubscribe();
  });

  it('recovers from a dropped watch over a compacted history by relisting, with nothing lost or duplicated', async () => {
    for (const n of ['a', 'b', 'c']) server.create('configmaps', configMap(n, ''));
    const informer = informerFor();
    const seen = new Map<string, string>();
    const problems: string[] = [];
    const sub = informer.events$.subscribe((e) => {
      if (e._tag === 'Added' && seen.has(e.key)) problems.push(`duplicate add ${e.key}`);
      if (e._tag === 'Deleted') seen.delete(e.key);
      else seen.set(e.key, e.object.metadata.resourceVersion ?? '');
    });
    await waitFor(informer.status$, (s) => s._tag === 'Watching');
    // while the watch is down: changes, then the history is compacted away
    server.faults.stall();
    server.faults.dropWatches({ midLine: true });
    server.delete('configmaps', 'default', 'a');
    server.patch('configmaps', 'default', 'b', { data: { x: 'y' } });
    server.create('configmaps', configMap('d', ''));
    server.compact();
    server.faults.clear();
    await waitFor(informer.status$, (s) => s._tag === 'Listing' && s.cause === 'Expired');
    await waitFor(informer.status$, (s) => s._tag === 'Watching');
    expect(problems).toEqual([]);
    expect(names(informer.store.list())).toEqual(names(server.list('configmaps')));
    expect([...seen.keys()].sort()).toEqual(['default/b', 'default/c', 'default/d']);
    sub.unsubscribe();
  });

  it('surfaces a garbage line as a problem and keeps the watch going', async () => {
    const informer = informerFor();
    const problems: InformerProblem[] = [];
    const p = informer.problems$.subscribe((x) => problems.push(x));
    const sub = informer.events$.subscribe();
    await waitFor(informer.status$, (s) => s._tag === 'Watching');
    server.faults.garbageLine();
    server.create('configmaps', configMap('after', ''));
    await waitFor(informer.events$, (e) => e.key === 'default/after');
    expect(problems.map((x) => x._tag)).toEqual(['DecodeFailure']);
    sub.unsubscribe();
    p.unsubscribe();
  });

  it('reports Forbidden clearly, backs off between attempts (no retry storm) and never leaks the token', async () => {
    await server.close();
    server = await startApiServer({ tokens: { 'admin-token': 'admin', 'secret-nobody-token': 'forbidden' } });
    const informer = informerFor({ token: 'secret-nobody-token' });
    const problems = firstValueFrom(informer.problems$.pipe(take(4), toArray()));
    const sub = informer.events$.subscribe();
    const got = await problems;
    sub.unsubscribe();
    const messages = got.map((x) => (x._tag === 'ReflectorError' && 'error' in x.error ? x.error.error.message : ''));
    // initialList 'auto': a streaming-list WATCH first, then the LIST it falls back to
    expect(messages[0]).toMatch(/watch configmaps in all namespaces: Forbidden/);
    expect(messages[1]).toMatch(/list configmaps in all namespaces: Forbidden/);
    expect(JSON.stringify(got)).not.toContain('secret-nobody-token');
    const lists = server.requests.filter((r) => r.verb === 'list').map((r) => r.at);
    const gaps = lists.slice(1).map((t, i) => t - (lists[i] ?? t));
    // 20 ms doubling (jitter adds up to 100%): each wait at least the base delay
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(20 * 2 ** i - 5);
    });
  });

  it('runs a streaming list (sendInitialEvents) and falls back to LIST where the server refuses it', async () => {
    server.create('configmaps', configMap('a', ''));
    const streaming = informerFor({ initialList: 'stream' });
    const s1 = streaming.events$.subscribe();
    await waitFor(streaming.synced$, Boolean);
    expect(streaming.store.listKeys()).toEqual(['default/a']);
    expect(server.requests.filter((r) => r.verb === 'list')).toHaveLength(0);
    s1.unsubscribe();

    await server.close();
    server = await startApiServer({ watchList: false });
    server.create('configmaps', configMap('b', ''));
    const fallback = informerFor({ initialList: 'stream' });
    const s2 = fallback.events$.subscribe();
    await waitFor(fallback.synced$, Boolean);
    expect(fallback.store.listKeys()).toEqual(['default/b']);
    expect(server.requests.filter((r) => r.verb === 'list')).toHaveLength(1);
    s2.unsubscribe();
  });

  it("initialList 'auto' (the default) streams where the server serves it, and lists once refused, for good", async () => {
    server.create('configmaps', configMap('a', ''));
    const streaming = informerFor();
    const statuses: string[] = [];
    const s1 = streaming.status$.subscribe((s) => statuses.push(s._tag));
    const s1e = streaming.events$.subscribe();
    await waitFor(streaming.synced$, Boolean);
    expect(streaming.store.listKeys()).toEqual(['default/a']);
    expect(server.requests.filter((r) => r.verb === 'list')).toHaveLength(0);
    expect(server.requests.filter((r) => r.verb === 'watch').map((r) => r.query['sendInitialEvents'])).toEqual(['true']);
    s1.unsubscribe();
    s1e.unsubscribe();

    await server.close();
    server = await startApiServer({ watchList: false, bookmarkIntervalMs: 200 });
    server.create('configmaps', configMap('b', ''));
    const fallback = informerFor();
    const problems: InformerProblem[] = [];
    const p2 = fallback.problems$.subscribe((p) => problems.push(p));
    const listings: Array<Extract<InformerStatus, { readonly _tag: 'Listing' }>> = [];
    const st2 = fallback.status$.subscribe((s) => {
      if (s._tag === 'Listing') listings.push(s);
    });
    const s2 = fallback.events$.subscribe();
    await waitFor(fallback.synced$, Boolean);
    expect(fallback.store.listKeys()).toEqual(['default/b']);
    // force a relist: drop the watch after a compaction, so that the re-watch gets 410
    server.create('configmaps', configMap('c', ''));
    server.compact();
    server.faults.dropWatches();
    await until(() => server.requests.filter((r) => r.verb === 'list').length === 2 && server.activeWatches() === 1, 10_000);
    expect(fallback.store.listKeys()).toEqual(['default/b', 'default/c']);
    const watches = server.requests.filter((r) => r.verb === 'watch');
    expect(watches[0]?.query['sendInitialEvents']).toBe('true');
    expect(watches.slice(1).every((r) => r.query['sendInitialEvents'] === undefined)).toBe(true);
    const unsupported = problems.filter((p) => p._tag === 'ReflectorError' && p.error._tag === 'StreamingListUnsupported');
    expect(unsupported).toHaveLength(1);
    expect(unsupported[0]).toMatchObject({ error: { error: { code: 422 } }, next: 'list' });
    // status$ says it once: the streaming attempt, the paged list that replaces it, the relist after 410
    expect(listings.map((l) => [l.cause, l.fallback])).toEqual([
      ['Initial', undefined],
      ['Initial', 'StreamingListUnsupported'],
      ['Expired', undefined],
    ]);
    st2.unsubscribe();
    s2.unsubscribe();
    p2.unsubscribe();
  });

  it("a streaming list answered with silence (a server ignoring sendInitialEvents) falls back to paged LISTs, for good", async () => {
    server.create('configmaps', configMap('a', ''));
    server.faults.stall({ verb: 'watch' });
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server), resource: configMaps, codec: TestConfigMapCodec, streamingListFirstEventMs: 100 });
    expect(lw.supportsStreamingList).toBe(true);
    const informer = sharedIndexInformer(lw, { backoff: { initialMs: 20, maxMs: 200 } });
    const problems: InformerProblem[] = [];
    const p = informer.problems$.subscribe((x) => problems.push(x));
    const sub = informer.events$.subscribe();
    await waitFor(informer.synced$, Boolean);
    expect(informer.store.listKeys()).toEqual(['default/a']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ _tag: 'ReflectorError', error: { _tag: 'StreamingListUnsupported', error: { _tag: 'TransportError', code: STREAMING_LIST_SILENT } }, next: 'list' });
    // a relist after 410 lists in pages at once: the silence was remembered
    server.create('configmaps', configMap('b', ''));
    server.compact();
    server.faults.dropWatches();
    await until(() => server.requests.filter((r) => r.verb === 'list').length === 2 && informer.store.listKeys().length === 2, 10_000);
    const watches = server.requests.filter((r) => r.verb === 'watch');
    expect(watches[0]?.query['sendInitialEvents']).toBe('true');
    expect(watches.slice(1).every((r) => r.query['sendInitialEvents'] === undefined)).toBe(true);
    sub.unsubscribe();
    p.unsubscribe();
  });

  it('a metadataOnly ListerWatcher caches PartialObjectMetadata only, from LIST and WATCH alike', async () => {
    server.create('configmaps', configMap('a', '', 'default', { big: 'x'.repeat(1000) }));
    const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server), resource: configMaps, metadataOnly: true });
    const informer = sharedIndexInformer(lw, { initialList: 'list' });
    const sub = informer.events$.subscribe();
    await waitFor(informer.synced$, Boolean);
    server.create('configmaps', configMap('b', '', 'default', { big: 'y' }));
    await until(() => informer.store.listKeys().length === 2);
    for (const o of informer.store.list()) {
      expect(Object.keys(o).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
      expect(o).toMatchObject({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata' });
    }
    expect(informer.store.get('default/a')?.metadata.resourceVersion).toBe(server.get('configmaps', 'default', 'a')?.metadata.resourceVersion);
    const reads = server.requests.filter((r) => r.verb === 'list' || r.verb === 'watch');
    expect(reads.map((r) => r.verb)).toEqual(['list', 'watch']);
    sub.unsubscribe();
  });

  it('resolves resource names through discovery as kubectl does', async () => {
    const kc = kubeConfigFor(server);
    await expect(firstValueFrom(resolveResource(kc, 'cm'))).resolves.toEqual(configMaps);
    await expect(firstValueFrom(resolveResource(kc, 'leases.coordination.k8s.io'))).resolves.toMatchObject({
      group: 'coordination.k8s.io',
      plural: 'leases',
    });
    await expect(firstValueFrom(resolveResource(kc, 'widgets.v1.example.com'))).resolves.toMatchObject({ kind: 'Widget' });
  });
});
