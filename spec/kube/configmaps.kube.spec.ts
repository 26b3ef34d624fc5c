/**
 * The real kube-apiserver tier, first tests: ConfigMaps through @kubernetes/client-node's CoreV1Api
 * against Kubernetes 1.20.2 + etcd (see scripts/kube-apiserver.sh), plus the server behaviours the
 * informer tests will rely on: RBAC 403, verified TLS, watches, 410 after compaction, and an
 * apiserver restart.
 */
import { randomBytes } from 'node:crypto';
import { request, type RequestOptions } from 'node:https';
import { rootCertificates } from 'node:tls';

import { ApiException, CoreV1Api, KubeConfig, V1ConfigMap, V1Namespace, V1ObjectMeta } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startKube, type Kube } from './harness.js';

/** Starting a tier takes ~5 s; leave room for a loaded CI machine. */
const START_TIMEOUT_MS = 180_000;

const kubeConfigFrom = (file: string): KubeConfig => {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
};

const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

// client-node's models are classes (and the lint rules want real instances).
const metadata = (name: string, labels: Record<string, string> = {}, resourceVersion?: string): V1ObjectMeta => {
  const meta = new V1ObjectMeta();
  meta.name = name;
  meta.labels = labels;
  if (resourceVersion !== undefined) meta.resourceVersion = resourceVersion;
  return meta;
};

const namespace = (name: string): V1Namespace => {
  const ns = new V1Namespace();
  ns.metadata = metadata(name);
  return ns;
};

const configMap = (
  name: string,
  data: Record<string, string>,
  labels: Record<string, string> = {},
  resourceVersion?: string,
): V1ConfigMap => {
  const cm = new V1ConfigMap();
  cm.apiVersion = 'v1';
  cm.kind = 'ConfigMap';
  cm.metadata = metadata(name, labels, resourceVersion);
  cm.data = data;
  return cm;
};

const namesOf = (items: readonly V1ConfigMap[]): string[] => items.map((cm) => cm.metadata?.name ?? '').sort();

/** Resolves to the ApiException a call rejects with (fails the test if it resolves or throws anything else). */
async function apiError(call: Promise<unknown>): Promise<ApiException<unknown>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      return error as ApiException<unknown>;
    }
    throw error;
  }
  throw new Error('expected the call to fail with an ApiException');
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

interface WatchEvent {
  readonly type: string;
  readonly object: Record<string, unknown>;
}

/** A raw watch: the HTTP status, then the NDJSON events one at a time. */
interface RawWatch {
  readonly status: number;
  /** The next event; rejects if none arrives within `timeoutMs` or the stream ends first. */
  next(timeoutMs?: number): Promise<WatchEvent>;
  close(): void;
}

/**
 * Opens `GET path` (a `?watch=true` URL) with the kubeconfig's credentials and CA (verified TLS),
 * and streams the body as watch events. Raw https on purpose: it sees the stream exactly as the
 * server sends it, in-stream ERROR events included.
 */
async function openWatch(kc: KubeConfig, path: string): Promise<RawWatch> {
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined) {
    throw new Error('kubeconfig has no current cluster');
  }
  const url = new URL(path, server);
  const options: RequestOptions = {
    method: 'GET',
    hostname: url.hostname,
    port: url.port,
    path: `${url.pathname}${url.search}`,
    headers: { Accept: 'application/json' },
  };
  await kc.applyToHTTPSOptions(options);
  return new Promise<RawWatch>((resolve, reject) => {
    const req = request(options, (res) => {
      const events: WatchEvent[] = [];
      const waiters: (() => void)[] = [];
      let buffer = '';
      let ended = false;
      const wake = (): void => {
        for (const waiter of waiters.splice(0)) waiter();
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (line !== '') {
            const parsed: unknown = JSON.parse(line);
            if (isRecord(parsed) && typeof parsed['type'] === 'string' && isRecord(parsed['object'])) {
              events.push({ type: parsed['type'], object: parsed['object'] });
            } else {
              events.push({ type: 'UNPARSED', object: { line } });
            }
          }
          newline = buffer.indexOf('\n');
        }
        wake();
      });
      const finish = (): void => {
        ended = true;
        wake();
      };
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
      const next = async (timeoutMs = 15_000): Promise<WatchEvent> => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const event = events.shift();
          if (event !== undefined) return event;
          if (ended) throw new Error(`watch ${path} ended without another event`);
          const left = deadline - Date.now();
          if (left <= 0) throw new Error(`no watch event on ${path} within ${timeoutMs} ms`);
          await new Promise<void>((wakeUp) => {
            const timer = setTimeout(wakeUp, left);
            waiters.push(() => {
              clearTimeout(timer);
              wakeUp();
            });
          });
        }
      };
      resolve({ status: res.statusCode ?? 0, next, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

const objectName = (event: WatchEvent): string | undefined => {
  const metadata = event.object['metadata'];
  return isRecord(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : undefined;
};

describe('real kube-apiserver 1.20.2 (watch cache on): ConfigMaps with client-node', () => {
  let kube: Kube;
  let admin: KubeConfig;
  let core: CoreV1Api;
  const ns = uniqueName('kube-rx-cm');

  beforeAll(async () => {
    kube = await startKube();
    admin = kubeConfigFrom(kube.kubeconfigAdmin);
    core = admin.makeApiClient(CoreV1Api);
    // No controller-manager runs: namespaces other than `default` must be created.
    await core.createNamespace({ body: namespace(ns) });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    // `kube` is unset when beforeAll failed.
    await (kube as Kube | undefined)?.stop();
  }, START_TIMEOUT_MS);

  it('writes kubeconfigs with verified TLS and token auth', () => {
    const cluster = admin.getCurrentCluster();
    expect(cluster?.server).toBe(kube.url);
    expect(cluster?.caFile).toBe(kube.caFile);
    expect(cluster?.skipTLSVerify).toBeFalsy();
    expect(admin.getCurrentUser()?.token).toMatch(/^[0-9a-f]{48}$/);
  });

  it('creates, lists, updates and deletes ConfigMaps', async () => {
    const a = await core.createNamespacedConfigMap({
      namespace: ns,
      body: configMap('a', { k: '1' }, { app: 'kube-rx' }),
    });
    expect(a.metadata?.resourceVersion).toMatch(/^\d+$/);
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap('b', { k: '2' }, { app: 'kube-rx' }) });
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap('c', { k: '3' }, { app: 'other' }) });

    const all = await core.listNamespacedConfigMap({ namespace: ns });
    expect(namesOf(all.items)).toEqual(['a', 'b', 'c']);
    expect(all.metadata?.resourceVersion).toMatch(/^\d+$/);

    const selected = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'app=kube-rx' });
    expect(namesOf(selected.items)).toEqual(['a', 'b']);

    // Pages: limit 2 gives a continue token, the next page has the rest.
    const page1 = await core.listNamespacedConfigMap({ namespace: ns, limit: 2 });
    expect(page1.items).toHaveLength(2);
    expect(page1.metadata?._continue).toBeTruthy();
    const page2 = await core.listNamespacedConfigMap({ namespace: ns, limit: 2, _continue: page1.metadata?._continue ?? '' });
    expect(namesOf([...page1.items, ...page2.items])).toEqual(['a', 'b', 'c']);

    const replaced = await core.replaceNamespacedConfigMap({
      name: 'a',
      namespace: ns,
      body: configMap('a', { k: 'one' }, { app: 'kube-rx' }, a.metadata?.resourceVersion),
    });
    expect(replaced.data).toEqual({ k: 'one' });
    expect(replaced.metadata?.resourceVersion).not.toBe(a.metadata?.resourceVersion);

    // A stale resourceVersion is a 409 Conflict.
    const conflict = await apiError(
      core.replaceNamespacedConfigMap({
        name: 'a',
        namespace: ns,
        body: configMap('a', { k: 'stale' }, { app: 'kube-rx' }, a.metadata?.resourceVersion),
      }),
    );
    expect(conflict.code).toBe(409);

    await core.deleteNamespacedConfigMap({ name: 'b', namespace: ns });
    expect(namesOf((await core.listNamespacedConfigMap({ namespace: ns })).items)).toEqual(['a', 'c']);
    const gone = await apiError(core.readNamespacedConfigMap({ name: 'b', namespace: ns }));
    expect(gone.code).toBe(404);
    expect((await core.readNamespacedConfigMap({ name: 'a', namespace: ns })).data).toEqual({ k: 'one' });
  });

  it("forbids the 'nobody' user: 403 on list", async () => {
    const nobody = kubeConfigFrom(kube.kubeconfigNobody).makeApiClient(CoreV1Api);
    const error = await apiError(nobody.listNamespacedConfigMap({ namespace: ns }));
    expect(error.code).toBe(403);
    // client-node hands back an unexpected status's body as the raw JSON text.
    const status: unknown = JSON.parse(String(error.body));
    expect(status).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(isRecord(status) ? status['message'] : undefined).toContain('User "nobody" cannot list');
  });

  it('verifies TLS: the same server and token with the wrong CA fail', async () => {
    const token = admin.getCurrentUser()?.token ?? '';
    const wrongCa = rootCertificates[0] ?? '';
    expect(wrongCa).toContain('BEGIN CERTIFICATE');
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: kube.url, caData: Buffer.from(wrongCa).toString('base64'), skipTLSVerify: false }],
      users: [{ name: 'u', token }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const failure: unknown = await kc
      .makeApiClient(CoreV1Api)
      .listNamespacedConfigMap({ namespace: ns })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(ApiException);
    // client-node 1.4 (node-fetch) names the TLS failure in its message; 2.x (undici's fetch)
    // throws `fetch failed` with the TLS error as its cause
    const messages: string[] = [];
    for (let e: unknown = failure; e instanceof Error; e = e.cause) messages.push(e.message);
    expect(messages.join(' <- ')).toMatch(/certificate|self[- ]signed/i);
  });

  it('streams watch events from a list resourceVersion', async () => {
    const list = await core.listNamespacedConfigMap({ namespace: ns });
    const rv = list.metadata?.resourceVersion ?? '';
    const watch = await openWatch(admin, `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${rv}`);
    try {
      expect(watch.status).toBe(200);
      await core.createNamespacedConfigMap({ namespace: ns, body: configMap('watched', { k: 'w' }) });
      const event = await watch.next();
      expect(event.type).toBe('ADDED');
      expect(objectName(event)).toBe('watched');
    } finally {
      watch.close();
    }
  });

  it('answers 410 to an Exact LIST at a compacted resourceVersion', async () => {
    const old = (await core.listNamespacedConfigMap({ namespace: ns })).metadata?.resourceVersion ?? '';
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap('after-old-rv', { k: 'x' }) });
    const revision = await kube.compact();
    expect(Number(revision)).toBeGreaterThan(Number(old));
    const expired = await apiError(
      core.listNamespacedConfigMap({ namespace: ns, resourceVersion: old, resourceVersionMatch: 'Exact' }),
    );
    expect(expired.code).toBe(410);
  });

  it('restartApiserver(): the same kubeconfig works again and the data survived (etcd kept it)', async () => {
    await kube.restartApiserver();
    const again = kubeConfigFrom(kube.kubeconfigAdmin).makeApiClient(CoreV1Api);
    const list = await again.listNamespacedConfigMap({ namespace: ns });
    expect(namesOf(list.items)).toContain('a');
    await again.createNamespacedConfigMap({ namespace: ns, body: configMap('after-restart', { k: 'r' }) });
  });
});

describe('real kube-apiserver 1.20.2 (watch cache off): in-stream 410 after compaction', () => {
  let kube: Kube;
  let admin: KubeConfig;
  let core: CoreV1Api;
  const ns = uniqueName('kube-rx-410');

  beforeAll(async () => {
    kube = await startKube({ watchCache: false });
    admin = kubeConfigFrom(kube.kubeconfigAdmin);
    core = admin.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: namespace(ns) });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await (kube as Kube | undefined)?.stop();
  }, START_TIMEOUT_MS);

  it('a watch from an RV older than the compaction gets ERROR 410 Expired', async () => {
    await core.createNamespacedConfigMap({ namespace: ns, body: configMap('x', { v: '0' }) });
    const old = (await core.listNamespacedConfigMap({ namespace: ns })).metadata?.resourceVersion ?? '';
    for (const v of ['1', '2', '3']) {
      await core.patchNamespacedConfigMap(
        { name: 'x', namespace: ns, body: [{ op: 'replace', path: '/data/v', value: v }] },
      );
    }
    const path = `/api/v1/namespaces/${ns}/configmaps?watch=true&resourceVersion=${old}`;

    // Control: before compaction the same watch replays the updates since `old`.
    const before = await openWatch(admin, path);
    try {
      expect(before.status).toBe(200);
      const first = await before.next();
      expect(first.type).toBe('MODIFIED');
      expect(objectName(first)).toBe('x');
    } finally {
      before.close();
    }

    await kube.compact();

    const after = await openWatch(admin, path);
    try {
      // The watch itself is accepted (200); the expiry comes inside the stream.
      expect(after.status).toBe(200);
      const error = await after.next();
      expect(error.type).toBe('ERROR');
      expect(error.object).toMatchObject({ kind: 'Status', status: 'Failure', code: 410, reason: 'Expired' });
    } finally {
      after.close();
    }
  });
});
