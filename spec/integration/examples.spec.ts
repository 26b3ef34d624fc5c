/**
 * The reconcile functions of the controller examples, called directly: configMapToSecret over real
 * HTTP against the embedded API server (kube-rx's object client: server-side apply, delete preconditions), and
 * widgetController over the embedded API server too (finalizer, status by apply through the status subresource).
 * Both record Events through kube-rx's event recorder and object client; a failing or stalled event
 * sink changes nothing about the reconcile.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Event } from 'kubernetes-types/core/v1.js';
import { isRight } from 'fp-ts/lib/Either.js';
import { firstValueFrom, from, lastValueFrom, NEVER, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { configMapToSecret, type ConfigMap, MANAGED_BY, MANAGER, type Secret, SECRET_LABEL, SECRET_REASONS } from '../../examples/configMapToSecret.js';
import { events } from '../../lib/client/builtinResources.js';
import { clientEventSink } from '../../lib/events/clientEventSink.js';
import { type EventRecorder, eventRecorder } from '../../lib/events/eventRecorder.js';
import { objectClient } from '../../lib/client/objectClient.js';
import { type ReconcileContext, reconcileContext, type TrackedReconciler } from '../../lib/controller/writeTracker.js';
import {
  desiredStatus,
  reconcileWidget,
  type Widget,
  WIDGET_FINALIZER,
  WIDGET_MANAGER,
  WIDGET_REASONS,
  WIDGET_RESOURCE,
  WidgetCodec,
} from '../../examples/widgetController.js';
import type { ReconcileResult } from '../../lib/workqueue/index.js';
import { DEFAULT_RESOURCES } from '../../lib/testing/apiServer/resources.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import type { Store } from '../../lib/store/Store.js';
import { mapStore } from '../helpers/mapStore.js';
import { until } from '../helpers/until.js';

/** The context controllerManager gives a reconcile of controller `name` over `server`: clients with `name` as field manager. */
const contextOf = (server: EmbeddedApiServer, name: string): ReconcileContext => {
  const kc = new KubeConfig();
  kc.loadFromOptions(server.kubeConfigOptions());
  return reconcileContext({ name, client: (resource) => objectClient(resource, { kubeConfig: kc }) });
};

const run = (reconcile: TrackedReconciler, key: string, context: ReconcileContext): Promise<ReconcileResult | undefined> =>
  lastValueFrom(from(reconcile(key, new AbortController().signal, context) as Promise<ReconcileResult | undefined>), { defaultValue: undefined });

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** An event recorder of `component` writing through kube-rx's object client to `server`. */
const recorderOf = (server: EmbeddedApiServer, component: string): EventRecorder => {
  const kc = new KubeConfig();
  kc.loadFromOptions(server.kubeConfigOptions());
  return eventRecorder({ sink: clientEventSink(objectClient(events, { kubeConfig: kc })), component });
};

/** The Events `server` holds once `recorder` has written all it was given: `kind/name reason count`. */
const eventsOf = async (server: EmbeddedApiServer, recorder: EventRecorder): Promise<ReadonlyArray<string>> => {
  await until(() => recorder.pending() === 0);
  return (server.list('events') as ReadonlyArray<Event>).map((e) => `${e.involvedObject.kind ?? ''}/${e.involvedObject.name ?? ''} ${e.type ?? ''} ${e.reason ?? ''} ${String(e.count)}`).sort();
};

describe('configMapToSecret reconcile against the embedded API server', () => {
  let server: EmbeddedApiServer;
  let recorder: EventRecorder;
  const warnings: string[] = [];

  beforeEach(async () => {
    server = await startApiServer();
    const kc = new KubeConfig();
    kc.loadFromOptions(server.kubeConfigOptions());
    recorder = recorderOf(server, MANAGER);
    warnings.length = 0;
  });
  afterEach(async () => {
    recorder.close();
    await server.close();
  });

  /** The reconciler over a snapshot of the server taken now (the informers' caches), recording to `to`. */
  const reconcilerNow = (to: Pick<EventRecorder, 'record'> = recorder): TrackedReconciler => {
    const snapshot = <T>(resource: string): Map<string, T> =>
      new Map(server.list(resource, 'default').map((o) => [`default/${o.metadata.name}`, o as T]));
    const configMaps = snapshot<ConfigMap>('configmaps');
    for (const [k, cm] of configMaps) if (cm.metadata.labels?.[SECRET_LABEL] !== 'true') configMaps.delete(k);
    return configMapToSecret({
      configMaps: mapStore(configMaps),
      secrets: mapStore(snapshot<Secret>('secrets')),
      warn: (m) => warnings.push(m),
      recorder: to,
    });
  };
  const secret = (name: string): Secret | undefined => server.get('secrets', 'default', name);
  const labelled = (name: string, data: Record<string, string>): ConfigMap =>
    server.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { [SECRET_LABEL]: 'true' } }, data });

  it('creates the Secret (base64 data, controller ownerReference), then finds it up to date', async () => {
    const cm = labelled('a', { greeting: 'hello', empty: '' });
    expect(await run(reconcilerNow(), 'default/a', contextOf(server, MANAGER))).toEqual({ _tag: 'Done' });
    const s = secret('a');
    expect(s?.data).toEqual({ greeting: b64('hello'), empty: '' });
    expect(s?.type).toBe('Opaque');
    expect(s?.metadata.labels?.[MANAGED_BY]).toBe(MANAGER);
    expect(s?.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: cm.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    const rv = s?.metadata.resourceVersion;
    expect(await run(reconcilerNow(), 'default/a', contextOf(server, MANAGER))).toEqual({ _tag: 'Done' });
    expect(secret('a')?.metadata.resourceVersion).toBe(rv);
    // one Event about the ConfigMap; the second (up-to-date) reconcile records nothing
    expect(await eventsOf(server, recorder)).toEqual([`ConfigMap/a Normal ${SECRET_REASONS.created} 1`]);
    expect((server.list('events') as ReadonlyArray<Event>)[0]).toMatchObject({
      involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'default', uid: cm.metadata.uid },
      source: { component: MANAGER },
      message: 'created Secret a',
    });
  });

  it('repairs an edited Secret, and follows ConfigMap edits', async () => {
    labelled('a', { k: 'v1' });
    await run(reconcilerNow(), 'default/a', contextOf(server, MANAGER));
    server.patch('secrets', 'default', 'a', { data: { k: b64('tampered') } });
    await run(reconcilerNow(), 'default/a', contextOf(server, MANAGER));
    expect(secret('a')?.data).toEqual({ k: b64('v1') });
    server.patch('configmaps', 'default', 'a', { data: { k: 'v2' } });
    await run(reconcilerNow(), 'default/a', contextOf(server, MANAGER));
    expect(secret('a')?.data).toEqual({ k: b64('v2') });
    // the two updates are the same Event, counted (client-go's correlator)
    expect(await eventsOf(server, recorder)).toEqual([`ConfigMap/a Normal ${SECRET_REASONS.created} 1`, `ConfigMap/a Normal ${SECRET_REASONS.updated} 2`]);
  });

  it('converges from stale caches (apply needs no resourceVersion); a stale delete precondition requeues', async () => {
    labelled('a', { k: 'v1' });
    const empty = reconcilerNow(); // caches without the Secret
    await run(reconcilerNow(), 'default/a', contextOf(server, MANAGER));
    const rv = secret('a')?.metadata.resourceVersion;
    expect(await run(empty, 'default/a', contextOf(server, MANAGER))).toEqual({ _tag: 'Done' });
    expect(secret('a')?.metadata.resourceVersion).toBe(rv); // the same apply again: nothing written

    server.patch('configmaps', 'default', 'a', { data: { k: 'v2' } });
    const stale = reconcilerNow();
    server.patch('secrets', 'default', 'a', { metadata: { annotations: { touched: 'yes' } } });
    expect(await run(stale, 'default/a', contextOf(server, MANAGER))).toEqual({ _tag: 'Done' });
    expect(secret('a')?.data).toEqual({ k: b64('v2') });
    expect(secret('a')?.metadata.annotations).toEqual({ touched: 'yes' });

    // the ConfigMap goes; before the delete, the Secret is re-created (a new uid): the uid precondition refuses
    server.delete('configmaps', 'default', 'a');
    const cached = reconcilerNow();
    const old = secret('a');
    if (old === undefined) throw new Error('no Secret');
    server.delete('secrets', 'default', 'a');
    server.create('secrets', old);
    expect(secret('a')?.metadata.uid).not.toBe(old.metadata.uid);
    expect(await run(cached, 'default/a', contextOf(server, MANAGER))).toEqual({ _tag: 'Requeue' });
    expect(secret('a')).toBeDefined();
    expect(await run(reconcilerNow(), 'default/a', contextOf(server, MANAGER))).toEqual({ _tag: 'Done' });
    expect(secret('a')).toBeUndefined();
  });

  it('deletes its Secret when the ConfigMap goes; leaves Secrets it does not control alone', async () => {
    labelled('a', { k: 'v' });
    await run(reconcilerNow(), 'default/a', contextOf(server, MANAGER));
    server.delete('configmaps', 'default', 'a');
    expect(await run(reconcilerNow(), 'default/a', contextOf(server, MANAGER))).toEqual({ _tag: 'Done' });
    expect(secret('a')).toBeUndefined();

    labelled('b', { k: 'v' });
    server.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'b', namespace: 'default' }, data: { mine: b64('x') } });
    expect(await run(reconcilerNow(), 'default/b', contextOf(server, MANAGER))).toEqual({ _tag: 'Done' });
    expect(secret('b')?.data).toEqual({ mine: b64('x') });
    expect(warnings).toEqual([expect.stringContaining('has no controller')]);
    expect(await eventsOf(server, recorder)).toEqual([
      `ConfigMap/a Normal ${SECRET_REASONS.created} 1`,
      `ConfigMap/b Warning ${SECRET_REASONS.notOwned} 1`,
      `Secret/a Normal ${SECRET_REASONS.deleted} 1`,
    ]);
  });

  it('a failing or stalled event sink neither blocks nor fails the reconcile: the write is done, the drop reported', async () => {
    labelled('a', { k: 'v' });
    server.faults.respond({ verb: 'create', resource: 'events' }, 500);
    const dropped = firstValueFrom(recorder.problems$.pipe(timeout(10_000)));
    expect(await run(reconcilerNow(), 'default/a', contextOf(server, MANAGER))).toEqual({ _tag: 'Done' });
    expect(await dropped).toMatchObject({ _tag: 'EventDropped', reason: 'rejected', error: { _tag: 'HttpError', code: 500, verb: 'create' } });
    expect(secret('a')?.data).toEqual({ k: b64('v') });
    expect(server.list('events')).toEqual([]);

    // a sink that never answers: the reconcile still completes, the write waits in the recorder
    const stalled = eventRecorder({ sink: { create: () => NEVER, patch: () => NEVER }, component: MANAGER });
    server.patch('configmaps', 'default', 'a', { data: { k: 'v2' } });
    expect(await run(reconcilerNow(stalled), 'default/a', contextOf(server, MANAGER))).toEqual({ _tag: 'Done' });
    expect(secret('a')?.data).toEqual({ k: b64('v2') });
    expect(stalled.pending()).toBe(1);
    stalled.close();
  });
});

describe('widgetController reconcile', () => {
  const widget = (generation: number, status?: Widget['status']): Widget => {
    const decoded = WidgetCodec.decode({
      apiVersion: 'kube-rx.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', namespace: 'default', generation },
      spec: { size: 3 },
      ...(status === undefined ? {} : { status }),
    });
    if (!isRight(decoded)) throw new Error('the Widget codec refused a valid Widget');
    return decoded.right;
  };
  let server: EmbeddedApiServer;
  let recorder: EventRecorder;
  beforeEach(async () => {
    server = await startApiServer({ resources: [...DEFAULT_RESOURCES, { ...WIDGET_RESOURCE, statusSubresource: true }] });
    recorder = recorderOf(server, WIDGET_MANAGER);
  });
  afterEach(async () => {
    recorder.close();
    await server.close();
  });
  const cached = (): Store<Widget> => mapStore(new Map(server.list('widgets.kube-rx.example.com', 'default').map((o) => [`default/${o.metadata.name}`, o as Widget])));

  it('decodes Widgets and refuses ones without spec.size', () => {
    expect(desiredStatus(widget(4))).toEqual({ observedGeneration: 4, phase: 'Ready' });
    expect(isRight(WidgetCodec.decode({ metadata: { name: 'w' }, spec: {} }))).toBe(false);
  });

  it('adds the finalizer, applies the status when observedGeneration lags, and does nothing once it is current', async () => {
    server.create('widgets.kube-rx.example.com', { apiVersion: 'kube-rx.example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { size: 3 } });
    server.patch('widgets.kube-rx.example.com', 'default', 'w', { spec: { size: 4 } });
    const deps = { widgets: cached(), recorder };
    expect(await run(reconcileWidget(deps), 'default/w', contextOf(server, WIDGET_MANAGER))).toEqual({ _tag: 'Done' });
    const w = server.get('widgets.kube-rx.example.com', 'default', 'w') as Widget | undefined;
    expect(w).toMatchObject({ metadata: { generation: 2, finalizers: [WIDGET_FINALIZER] }, status: { observedGeneration: 2, phase: 'Ready' }, spec: { size: 4 } });
    const statusWrite = server.requests.filter((r) => r.method === 'PATCH').map((r) => r.path);
    expect(statusWrite).toEqual(['/apis/kube-rx.example.com/v1/namespaces/default/widgets/w', '/apis/kube-rx.example.com/v1/namespaces/default/widgets/w/status']);
    expect(await eventsOf(server, recorder)).toEqual([`Widget/w Normal ${WIDGET_REASONS.statusUpdated} 1`]);
    expect((server.list('events') as ReadonlyArray<Event>)[0]).toMatchObject({
      involvedObject: { apiVersion: 'kube-rx.example.com/v1', kind: 'Widget', name: 'w' },
      message: 'observedGeneration 2, phase Ready',
    });
    const rv = server.resourceVersion();
    expect(await run(reconcileWidget({ widgets: cached(), recorder }), 'default/w', contextOf(server, WIDGET_MANAGER))).toEqual({ _tag: 'Done' });
    expect(await run(reconcileWidget({ widgets: cached(), recorder }), 'default/gone', contextOf(server, WIDGET_MANAGER))).toEqual({ _tag: 'Done' });
    expect(server.resourceVersion()).toBe(rv);
  });

  it('cleans up a deleted Widget, then removes its finalizer so it goes', async () => {
    server.create('widgets.kube-rx.example.com', { apiVersion: 'kube-rx.example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { size: 3 } });
    await run(reconcileWidget({ widgets: cached() }), 'default/w', contextOf(server, WIDGET_MANAGER));
    server.delete('widgets.kube-rx.example.com', 'default', 'w');
    expect(server.get('widgets.kube-rx.example.com', 'default', 'w')?.metadata.deletionTimestamp).toBeDefined();
    const cleaned: string[] = [];
    expect(await run(reconcileWidget({ widgets: cached(), recorder, onCleanup: (x) => cleaned.push(x.metadata.name) }), 'default/w', contextOf(server, WIDGET_MANAGER))).toEqual({ _tag: 'Done' });
    expect(cleaned).toEqual(['w']);
    expect(server.get('widgets.kube-rx.example.com', 'default', 'w')).toBeUndefined();
    expect(await eventsOf(server, recorder)).toEqual([`Widget/w Normal ${WIDGET_REASONS.cleanedUp} 1`]);
  });
});
