/**
 * The wire-level defaults against a real kube-apiserver 1.20.2: the streaming list of
 * `initialList: 'auto'` (refused by 1.20, which has no WatchList) falling back to paged LISTs for
 * good, and metadata-only informers (`PartialObjectMetadata`, which 1.20 serves).
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  httpListerWatcher,
  type InformerProblem,
  type KubeObject,
  type ListerWatcher,
  type ListOptions,
  type WatchOptions,
  resolveResource,
  sharedIndexInformer,
} from 'kube-rx';

import { until } from '../helpers/until.js';
import { type Kube, startKube } from './harness.js';
import { cm, createNamespace, keysOf, kubeConfigFrom, unique, waitFor } from './kubeFixtures.js';

const START_TIMEOUT_MS = 180_000;

/** `lw`, recording the options of every LIST and WATCH it is asked for. */
const recorded = <T>(lw: ListerWatcher<T>): ListerWatcher<T> & { readonly lists: ListOptions[]; readonly watches: WatchOptions[] } => {
  const lists: ListOptions[] = [];
  const watches: WatchOptions[] = [];
  return {
    lists,
    watches,
    list: (o) => {
      lists.push(o);
      return lw.list(o);
    },
    watch: (o) => {
      watches.push(o);
      return lw.watch(o);
    },
    ...(lw.supportsStreamingList === undefined ? {} : { supportsStreamingList: lw.supportsStreamingList }),
  };
};


describe('kube-apiserver 1.20.2 (watch cache off): streaming lists and metadata-only informers', () => {
  let kube: Kube;
  let kubeConfig: KubeConfig;
  let core: CoreV1Api;
  beforeAll(async () => {
    kube = await startKube({ watchCache: false });
    kubeConfig = kubeConfigFrom(kube.kubeconfigAdmin);
    core = kubeConfig.makeApiClient(CoreV1Api);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await kube.stop();
  });

  it('refuses a streaming-list WATCH with 422 Invalid, and ignores sendInitialEvents alone (no end bookmark)', async () => {
    const ns = unique('stream-probe');
    await createNamespace(core, ns);
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('a', {}) });
    const resource = await firstValueFrom(resolveResource(kubeConfig, 'configmaps'));
    const lw = httpListerWatcher({ kubeConfig, resource, namespace: ns });

    // what the reflector sends: rejected, as `resourceVersionMatch` on a watch is invalid in 1.20
    const refused = await lastValueFrom(lw.watch({ resourceVersion: '', allowWatchBookmarks: true, timeoutSeconds: 2, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' }).pipe(toArray())).catch((e: unknown) => e);
    expect(refused).toMatchObject({ _tag: 'HttpError', code: 422, reason: 'Invalid' });
    expect((refused as { message: string }).message).toContain('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch');

    // sendInitialEvents alone is an unknown parameter to 1.20: a plain watch from "now" with the
    // current objects as ADDED events (the old semantics of resourceVersion ""), and no bookmark
    // annotated k8s.io/initial-events-end
    const ignored = await lastValueFrom(lw.watch({ resourceVersion: '', allowWatchBookmarks: true, timeoutSeconds: 2, sendInitialEvents: true }).pipe(toArray()));
    expect(ignored.filter((e) => e._tag === 'Added').map((e) => (e._tag === 'Added' ? e.object.metadata.name : ''))).toEqual(['a']);
    expect(ignored.some((e) => e._tag === 'Bookmark' && e.initialEventsEnd)).toBe(false);
  });

  it("initialList 'auto' (the default): one StreamingListUnsupported, then paged LISTs only, also on the relist after a 410", async () => {
    const ns = unique('stream-auto');
    await createNamespace(core, ns);
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('kept', {}, { app: 'x' }) });
    const resource = await firstValueFrom(resolveResource(kubeConfig, 'configmaps'));
    const lw = recorded(httpListerWatcher({ kubeConfig, resource, namespace: ns, labelSelector: 'app=x' }));
    // each watch ends after 1-2 s and resumes from the selection's resourceVersion, which falls behind
    const informer = sharedIndexInformer(lw, { minWatchTimeoutSeconds: 1, backoff: { initialMs: 50, maxMs: 500 } });
    const problems: InformerProblem[] = [];
    const statuses: string[] = [];
    const p = informer.problems$.subscribe((x) => problems.push(x));
    const st = informer.status$.subscribe((s) => statuses.push(s._tag === 'Listing' ? `Listing ${s.cause}` : s._tag));
    const sub = informer.events$.subscribe();
    await waitFor(informer.synced$, Boolean);
    expect(informer.store.listKeys()).toEqual([`${ns}/kept`]);

    // objects outside the selection move etcd's revision on; after the compaction the informer's
    // next re-watch (within 2 s) is from a compacted revision: in-stream 410, relist
    for (let i = 0; i < 3; i++) await core.createNamespacedConfigMap({ namespace: ns, body: cm(`other-${i}`, {}) });
    await kube.compact();
    await until(() => statuses.includes('Listing Expired'), 60_000);
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('new', {}, { app: 'x' }) });
    await until(() => informer.store.has(`${ns}/new`), 30_000);
    const list = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'app=x' });
    expect(keysOf(informer.store.list())).toEqual(keysOf(list.items));

    const unsupported = problems.filter((x) => x._tag === 'ReflectorError' && x.error._tag === 'StreamingListUnsupported');
    expect(unsupported).toHaveLength(1);
    expect(unsupported[0]).toMatchObject({ next: 'list', error: { error: { _tag: 'HttpError', code: 422, reason: 'Invalid' } } });
    expect(lw.watches[0]).toMatchObject({ sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan', allowWatchBookmarks: true });
    expect(lw.watches.slice(1).filter((w) => w.sendInitialEvents !== undefined)).toEqual([]);
    expect(lw.lists.filter((l) => l.continue === undefined).length).toBeGreaterThanOrEqual(2);
    sub.unsubscribe();
    st.unsubscribe();
    p.unsubscribe();
  });

  it('a metadataOnly informer holds PartialObjectMetadata with the server’s keys and resourceVersions, from LIST and WATCH', async () => {
    const ns = unique('metadata');
    await createNamespace(core, ns);
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('a', { big: 'x'.repeat(4096) }) });
    const resource = await firstValueFrom(resolveResource(kubeConfig, 'configmaps'));
    const informer = sharedIndexInformer(httpListerWatcher({ kubeConfig, resource, namespace: ns, metadataOnly: true }));
    const sub = informer.events$.subscribe();
    await waitFor(informer.synced$, Boolean);
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('b', { big: 'y' }, { app: 'web' }) });
    await until(() => informer.store.has(`${ns}/b`), 30_000);

    const full = await core.listNamespacedConfigMap({ namespace: ns });
    expect(keysOf(informer.store.list())).toEqual(keysOf(full.items));
    for (const o of informer.store.list() as ReadonlyArray<KubeObject>) {
      expect(Object.keys(o).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
      expect(o).toMatchObject({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: { namespace: ns } });
    }
    expect(informer.store.get(`${ns}/b`)?.metadata.labels).toEqual({ app: 'web' });
    sub.unsubscribe();
  });
});
