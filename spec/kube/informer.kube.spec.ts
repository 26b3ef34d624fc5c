/**
 * The real kube-apiserver tier, through kube-rx's public API only: the same informer code that runs
 * against the embedded API server, here against Kubernetes 1.20.2 + etcd (scripts/kube-apiserver.sh).
 */
import {
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
} from '@kubernetes/client-node';
import * as t from 'io-ts';
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  httpListerWatcher,
  type InformerProblem,
  KubeObjectCodec,
  type KubeObject,
  resolveResource,
  sharedIndexInformer,
  type SharedIndexInformerConfig,
} from 'kube-rx';
import { TEST_CA_PEM } from 'kube-rx/testing';

import { until } from '../helpers/until.js';
import { type Kube, startKube } from './harness.js';
import { cm, createNamespace, keysOf, kubeConfigFrom, meta, unique, waitFor } from './kubeFixtures.js';

const START_TIMEOUT_MS = 180_000;

const fastBackoff: Partial<SharedIndexInformerConfig<KubeObject>> = { backoff: { initialMs: 50, maxMs: 1000 } };

/** The informer for `resource` in `namespace`, built from a kubeconfig file as a user would. */
const informerOn = async (
  kubeconfig: string,
  resource: string,
  options: { namespace?: string; labelSelector?: string } = {},
) => {
  const kubeConfig = kubeConfigFrom(kubeconfig);
  const res = await firstValueFrom(resolveResource(kubeConfig, resource));
  return sharedIndexInformer(httpListerWatcher({ kubeConfig, resource: res, ...options }), fastBackoff);
};


describe('informers against a real kube-apiserver (watch cache on)', () => {
  let kube: Kube;
  let core: CoreV1Api;
  beforeAll(async () => {
    kube = await startKube();
    core = kubeConfigFrom(kube.kubeconfigAdmin).makeApiClient(CoreV1Api);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await kube.stop();
  });

  it('sees ConfigMaps created, updated and deleted; the store ends equal to the server list', async () => {
    const ns = unique('informer');
    await createNamespace(core, ns);
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('a', { v: '1' }) });
    const informer = await informerOn(kube.kubeconfigAdmin, 'configmaps', { namespace: ns });
    const events: string[] = [];
    const sub = informer.events$.subscribe((e) => events.push(`${e._tag} ${e.key}`));
    await waitFor(informer.synced$, Boolean);
    expect(events).toEqual([`Added ${ns}/a`]);

    await core.createNamespacedConfigMap({ namespace: ns, body: cm('b', { v: '1' }) });
    await core.replaceNamespacedConfigMap({ name: 'a', namespace: ns, body: cm('a', { v: '2' }) });
    await core.deleteNamespacedConfigMap({ name: 'b', namespace: ns });
    // the event may arrive before the delete call returns: wait on what the subscriber recorded
    await until(() => events.includes(`Deleted ${ns}/b`), 30_000);
    expect(events).toEqual([`Added ${ns}/a`, `Added ${ns}/b`, `Updated ${ns}/a`, `Deleted ${ns}/b`]);
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    expect(keysOf(informer.store.list())).toEqual(keysOf(list.items));
    sub.unsubscribe();
  });

  it('label-selected informers see only their selection, as objects enter and leave it', async () => {
    const ns = unique('labels');
    await createNamespace(core, ns);
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('web', {}, { app: 'web' }) });
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('db', {}, { app: 'db' }) });
    const informer = await informerOn(kube.kubeconfigAdmin, 'configmaps', { namespace: ns, labelSelector: 'app=web' });
    const sub = informer.events$.subscribe();
    await waitFor(informer.synced$, Boolean);
    expect(informer.store.listKeys()).toEqual([`${ns}/web`]);
    await core.replaceNamespacedConfigMap({ name: 'db', namespace: ns, body: cm('db', {}, { app: 'web' }) });
    await waitFor(informer.events$, (e) => e._tag === 'Added' && e.key === `${ns}/db`);
    expect([...informer.store.listKeys()].sort()).toEqual([`${ns}/db`, `${ns}/web`]);
    sub.unsubscribe();
  });

  it('decodes a CRD with its io-ts codec, and surfaces an object that fails it without stopping', async () => {
    const kc = kubeConfigFrom(kube.kubeconfigAdmin);
    const objects = kc.makeApiClient(KubernetesObjectApi);
    // client-node serializes known kinds from its models' attribute names (x_kubernetes_…)
    await objects.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: meta('gadgets.kube-rx.example.com'),
      spec: {
        group: 'kube-rx.example.com',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
          },
        ],
      },
    } as KubernetesObject);
    const GadgetCodec = t.intersection([KubeObjectCodec, t.type({ spec: t.type({ size: t.number }) })]);
    const create = async (name: string, spec: unknown): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const metadata = meta(name);
          metadata.namespace = 'default';
          await objects.create({ apiVersion: 'kube-rx.example.com/v1', kind: 'Gadget', metadata, spec } as KubernetesObject);
          return;
        } catch (e: unknown) {
          // the new CRD takes a moment to be served
          if (attempt > 100) throw e;
          await new Promise<void>((r) => {
            setTimeout(r, 100);
          });
        }
      }
    };
    // discovery of a new CRD takes a moment: resolve it once it is served
    await create('good', { size: 3 });
    await create('bad', { size: 'large' });
    const resource = await firstValueFrom(resolveResource(kc, 'gadgets.kube-rx.example.com'));
    const lw = httpListerWatcher({ kubeConfig: kc, resource, codec: GadgetCodec, namespace: 'default' });
    // the informer's first LIST (resourceVersion 0) is served from the watch cache, which for a CRD
    // created a moment ago may not hold both objects yet: wait until it does, so that the bad one
    // is met by the LIST (not by the watch)
    for (let attempt = 0; ; attempt++) {
      const pages = await firstValueFrom(lw.list({ resourceVersion: '0' }).pipe(toArray()));
      if (pages.reduce((n, page) => n + page.items.length + page.invalid.length, 0) === 2) break;
      if (attempt > 100) throw new Error('the watch cache never held both Gadgets');
      await new Promise<void>((r) => {
        setTimeout(r, 100);
      });
    }
    const informer = sharedIndexInformer(lw);
    const problems: InformerProblem[] = [];
    const p = informer.problems$.subscribe((x) => problems.push(x));
    const sub = informer.events$.subscribe();
    await waitFor(informer.synced$, Boolean);
    expect(informer.store.listKeys()).toEqual(['default/good']);
    expect(informer.store.get('default/good')?.spec.size).toBe(3);
    // initialList 'auto': 1.20 refuses the streaming list (once), then the paged LIST finds the bad object
    expect(problems.map((x) => (x._tag === 'ReflectorError' ? x.error._tag : x._tag))).toEqual(['StreamingListUnsupported', 'DecodeFailure']);
    expect(problems[1]).toMatchObject({ _tag: 'DecodeFailure', source: 'list', key: 'default/bad' });
    // a later good object still arrives
    await create('later', { size: 5 });
    await waitFor(informer.events$, (e) => e.key === 'default/later');
    sub.unsubscribe();
    p.unsubscribe();
  });

  it("gives a token without RBAC rights a clear Forbidden, retried with growing backoff (no storm)", async () => {
    const kubeConfig = kubeConfigFrom(kube.kubeconfigNobody);
    const configmaps = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
    const forbidden = sharedIndexInformer(httpListerWatcher({ kubeConfig, resource: configmaps }), fastBackoff);
    const statuses = firstValueFrom(
      forbidden.status$.pipe(
        filter((s) => s._tag === 'BackingOff'),
        take(4),
        toArray(),
        timeout(30_000),
      ),
    );
    const sub = forbidden.events$.subscribe();
    const backoffs = await statuses;
    sub.unsubscribe();
    const first = backoffs[0];
    expect(first?.error?._tag === 'ListFailed' ? first.error.error.message : '').toMatch(
      /list configmaps in all namespaces: Forbidden: .*cannot list resource "configmaps"/,
    );
    const delays = backoffs.map((s) => s.delayMs);
    // 50 ms doubling, jitter up to +100%: every wait at least the base of its step
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(50 * 2 ** i);
    });
    expect(JSON.stringify(backoffs)).not.toMatch(/token/i);
  });

  it('keeps TLS verification on: a kubeconfig with the wrong CA fails with a certificate error', async () => {
    const kc = kubeConfigFrom(kube.kubeconfigAdmin);
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (cluster === null || user === null) throw new Error('kubeconfig without a cluster or user');
    const wrong = new KubeConfig();
    wrong.loadFromOptions({
      clusters: [{ name: 'c', server: cluster.server, caData: Buffer.from(TEST_CA_PEM).toString('base64'), skipTLSVerify: false }],
      users: [user],
      contexts: [{ name: 'x', cluster: 'c', user: user.name }],
      currentContext: 'x',
    });
    const configmaps = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
    const informer = sharedIndexInformer(httpListerWatcher({ kubeConfig: wrong, resource: configmaps }), fastBackoff);
    const problem = firstValueFrom(informer.problems$.pipe(timeout(30_000)));
    const sub = informer.events$.subscribe();
    const p = await problem;
    sub.unsubscribe();
    // initialList 'auto': the first request is the streaming-list WATCH
    expect(p).toMatchObject({ _tag: 'ReflectorError', error: { _tag: 'WatchFailed', error: { _tag: 'TransportError' } } });
    const code = p._tag === 'ReflectorError' && p.error._tag === 'WatchFailed' && p.error.error._tag === 'TransportError' ? p.error.error.code : '';
    expect(code).toMatch(/CERT|SIGNATURE|UNABLE_TO_VERIFY/);
  });
});

describe('informers against a real kube-apiserver (watch cache off, etcd compaction, restarts)', () => {
  let kube: Kube;
  let core: CoreV1Api;
  beforeAll(async () => {
    kube = await startKube({ watchCache: false });
    core = kubeConfigFrom(kube.kubeconfigAdmin).makeApiClient(CoreV1Api);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await kube.stop();
  });

  it('a watch resumed from a compacted resourceVersion relists; killing the apiserver mid-watch recovers; nothing lost', async () => {
    const ns = unique('compact');
    await createNamespace(core, ns);
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('kept', {}, { app: 'x' }) });
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('gone', {}, { app: 'x' }) });
    // the selection sees no event for other objects, so its resourceVersion falls behind
    const informer = await informerOn(kube.kubeconfigAdmin, 'configmaps', { namespace: ns, labelSelector: 'app=x' });
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    const statuses: string[] = [];
    const st = informer.status$.subscribe((s) => statuses.push(s._tag === 'Listing' ? `Listing ${s.cause}` : s._tag));
    const sub = informer.events$.subscribe((e) => {
      if (e._tag === 'Added' && seen.has(e.key)) duplicates.push(e.key);
      if (e._tag === 'Deleted') seen.delete(e.key);
      else seen.set(e.key, e.object.metadata.resourceVersion ?? '');
    });
    await waitFor(informer.status$, (s) => s._tag === 'Watching');
    for (let i = 0; i < 5; i++) await core.createNamespacedConfigMap({ namespace: ns, body: cm(`other-${i}`, {}) });
    await kube.compact();
    // the apiserver dies mid-watch: the informer re-watches from its old resourceVersion, which
    // etcd has compacted away, gets 410 and relists
    await kube.restartApiserver();
    await core.deleteNamespacedConfigMap({ name: 'gone', namespace: ns });
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('new', {}, { app: 'x' }) });
    await until(() => statuses.includes('Listing Expired'), 60_000);
    await until(() => informer.store.has(`${ns}/new`) && !informer.store.has(`${ns}/gone`), 60_000);
    const list = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'app=x' });
    expect(keysOf(informer.store.list())).toEqual(keysOf(list.items));
    expect([...seen.keys()].sort()).toEqual([`${ns}/kept`, `${ns}/new`]);
    expect(duplicates).toEqual([]);
    sub.unsubscribe();
    st.unsubscribe();
  });
});
