/**
 * Record and replay against the real kube-apiserver (1.20.2 + etcd): record the ListerWatcher input
 * of an informer and a small controller while ConfigMaps churn, then replay the recording in
 * virtual time under TestScheduler: the same store, the same informer events and the same sequence
 * of reconciles (each with what the controller read from the cache). Secrets recorded from the real
 * server (whose LIST items carry no `kind`) come out redacted.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CoreV1Api, KubeConfig, V1ConfigMap, V1Namespace, V1ObjectMeta, V1Secret } from '@kubernetes/client-node';
import { isRight } from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom, map, of, type SchedulerLike, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  type ApiResource,
  done,
  httpListerWatcher,
  type KubeObject,
  type ListerWatcher,
  reconcileWith,
  sharedIndexInformer,
} from 'kube-rx';
import { fileRecordingSink, parseRecording, readRecordingFile, recordingListerWatcher, replayListerWatcher } from 'kube-rx/testing';

import { newTestScheduler } from '../helpers/marbles.js';
import { until } from '../helpers/until.js';
import { type Kube, startKube } from './harness.js';

const START_TIMEOUT_MS = 180_000;

const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const secrets: ApiResource = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };

const unique = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

const meta = (name: string): V1ObjectMeta => {
  const m = new V1ObjectMeta();
  m.name = name;
  return m;
};

const cm = (name: string, data: Record<string, string>): V1ConfigMap => {
  const c = new V1ConfigMap();
  c.metadata = meta(name);
  c.data = data;
  return c;
};

const storeOf = (objects: ReadonlyArray<KubeObject>): string[] =>
  objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}@${o.metadata.resourceVersion ?? ''}`).sort();

/**
 * A small controller over `lw`: an informer whose keys go through reconcileWith; each reconcile
 * records the key and the resourceVersion it reads from the cache. Returns the informer, the
 * informer events and the reconciles, and a stop function.
 */
const controllerOver = (lw: ListerWatcher<KubeObject>, scheduler?: SchedulerLike) => {
  const informer = sharedIndexInformer(lw, { random: () => 0.5, backoff: { jitter: 0 }, ...(scheduler === undefined ? {} : { scheduler }) });
  const events: string[] = [];
  const reconciles: string[] = [];
  const sub = informer.events$
    .pipe(
      map((e) => {
        events.push(`${e._tag} ${e.key} rv=${e.object.metadata.resourceVersion ?? ''}${e.initial ? ' initial' : ''}`);
        return e.key;
      }),
      reconcileWith(
        (key) => {
          reconciles.push(`${key} sees rv=${informer.store.get(key)?.metadata.resourceVersion ?? 'gone'}`);
          return of(done);
        },
        { name: 'recorded', ...(scheduler === undefined ? {} : { scheduler }) },
      ),
    )
    .subscribe();
  return { informer, events, reconciles, stop: () => { sub.unsubscribe(); } };
};

describe('record against a real kube-apiserver, replay in virtual time', () => {
  let kube: Kube;
  let kubeConfig: KubeConfig;
  let core: CoreV1Api;
  let dir: string;
  beforeAll(async () => {
    kube = await startKube();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kube.kubeconfigAdmin);
    core = kubeConfig.makeApiClient(CoreV1Api);
    dir = mkdtempSync(join(tmpdir(), 'kube-rx-recording-'));
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await kube.stop();
  });

  it('replays ConfigMap churn to the same store, the same informer events and the same reconcile sequence', async () => {
    const ns = unique('record');
    const namespace = new V1Namespace();
    namespace.metadata = meta(ns);
    await core.createNamespace({ body: namespace });
    for (const name of ['a', 'b', 'c']) await core.createNamespacedConfigMap({ namespace: ns, body: cm(name, { v: '0' }) });

    const file = join(dir, 'configmaps.ndjson');
    const sink = fileRecordingSink(file);
    const lw = recordingListerWatcher(httpListerWatcher({ kubeConfig, resource: configMaps, namespace: ns }), sink, {
      resource: `configmaps in ${ns}`,
    });
    const live = controllerOver(lw);
    await firstValueFrom(live.informer.synced$.pipe(filter(Boolean), timeout(30_000)));

    // churn: creates, updates, deletes, some of them concurrent
    await Promise.all(['d', 'e', 'f'].map((name) => core.createNamespacedConfigMap({ namespace: ns, body: cm(name, { v: '1' }) })));
    for (let round = 1; round <= 3; round += 1) {
      await Promise.all(['a', 'b', 'd'].map((name) => core.replaceNamespacedConfigMap({ name, namespace: ns, body: cm(name, { v: String(round) }) })));
    }
    await core.deleteNamespacedConfigMap({ name: 'c', namespace: ns });
    await core.deleteNamespacedConfigMap({ name: 'e', namespace: ns });
    await core.createNamespacedConfigMap({ namespace: ns, body: cm('c', { v: 'again' }) });
    const expected = storeOf((await core.listNamespacedConfigMap({ namespace: ns })).items as KubeObject[]);
    await until(() => JSON.stringify(storeOf(live.informer.store.list())) === JSON.stringify(expected), 30_000);
    live.stop();
    await sink.close();
    expect(live.events.filter((e) => e.endsWith(' initial'))).toHaveLength(3);
    expect(live.events.filter((e) => e.startsWith('Deleted '))).toHaveLength(2);
    expect(live.reconciles.length).toBe(live.events.length);

    const text = readRecordingFile(file);
    const parsed = parseRecording(text);
    if (!isRight(parsed)) throw new Error(`the recording must parse: ${JSON.stringify(parsed.left)}`);
    const end = Math.max(...[...parsed.right.lists, ...parsed.right.watches].map((c) => c.at + (c.steps.at(-1)?.dt ?? 0))) + 1;

    const rx = newTestScheduler();
    let replayedStore: string[] = [];
    const replay = rx.run(() => {
      const r = replayListerWatcher(text, { scheduler: rx });
      if (!isRight(r)) throw new Error('the recording must replay');
      const replayed = controllerOver(r.right, rx);
      rx.schedule(() => {
        replayedStore = storeOf(replayed.informer.store.list());
        replayed.stop();
      }, end);
      return replayed;
    });
    expect(replayedStore).toEqual(expected);
    expect(replay.events).toEqual(live.events);
    expect(replay.reconciles).toEqual(live.reconciles);
  });

  it('redacts the data of Secrets listed and watched from the real server', async () => {
    const ns = unique('secrets');
    const namespace = new V1Namespace();
    namespace.metadata = meta(ns);
    await core.createNamespace({ body: namespace });
    const secret = (name: string, value: string): V1Secret => {
      const s = new V1Secret();
      s.metadata = meta(name);
      s.stringData = { password: value };
      return s;
    };
    await core.createNamespacedSecret({ namespace: ns, body: secret('listed', 'hunter2-listed') });
    const file = join(dir, 'secrets.ndjson');
    const sink = fileRecordingSink(file);
    const informer = sharedIndexInformer(recordingListerWatcher(httpListerWatcher({ kubeConfig, resource: secrets, namespace: ns }), sink));
    const sub = informer.events$.subscribe();
    await firstValueFrom(informer.synced$.pipe(filter(Boolean), timeout(30_000)));
    await core.createNamespacedSecret({ namespace: ns, body: secret('watched', 'hunter2-watched') });
    await until(() => informer.store.get(`${ns}/watched`) !== undefined, 30_000);
    sub.unsubscribe();
    await sink.close();
    const text = readFileSync(file, 'utf8');
    for (const value of ['hunter2-listed', 'hunter2-watched']) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString('base64'));
    }
    expect(text).toContain('"password":"<redacted>"');
  });
});
