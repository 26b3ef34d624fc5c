/**
 * The event recorder against the real kube-apiserver 1.20.2: repeated Events aggregate (the count
 * goes up on one object, by merge PATCH), similar ones are combined from the 10th distinct message
 * on, and an Event deleted on the server (expired) is created again with the next occurrence.
 * The sink is the object client's (clientEventSink over objectClient(events)).
 */
import { randomBytes } from 'node:crypto';

import { KubeConfig } from '@kubernetes/client-node';
import type { Event } from 'kubernetes-types/core/v1.js';
import { firstValueFrom, take, timeout, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type EventRecorder, eventRecorder } from '../../lib/events/eventRecorder.js';
import { kubeGet } from '../../lib/listwatch/kubeRequest.js';
import { httpEventSink } from '../events/httpEventSink.js';
import { namespaces } from '../../lib/client/builtinResources.js';
import { objectClient } from '../../lib/client/objectClient.js';
import { startKube, type Kube } from './harness.js';

const START_TIMEOUT_MS = 180_000;

describe('real kube-apiserver 1.20.2: the event recorder', () => {
  let kube: Kube;
  let admin: KubeConfig;
  const ns = `kube-rx-ev-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    kube = await startKube();
    admin = new KubeConfig();
    admin.loadFromFile(kube.kubeconfigAdmin);
    await objectClient(namespaces, { kubeConfig: admin }).promise.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await (kube as Kube | undefined)?.stop();
  }, START_TIMEOUT_MS);

  const events = async (): Promise<ReadonlyArray<Event>> => {
    const response = await firstValueFrom(kubeGet({ kubeConfig: admin, verb: 'list', resource: 'events', path: `/api/v1/namespaces/${ns}/events` }));
    return (JSON.parse(response.body.toString('utf8')) as { items: Event[] }).items;
  };
  const record = async (recorder: EventRecorder, times: number, object: string, reason: string, message: (i: number) => string): Promise<void> => {
    const written = firstValueFrom(recorder.written$.pipe(take(times), toArray(), timeout(30_000)));
    for (let i = 0; i < times; i++) recorder.record({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: object, namespace: ns } }, 'Warning', reason, message(i));
    await written;
  };

  it('raises the count of one Event for identical events, and creates it again after it was deleted', async () => {
    const recorder = eventRecorder({ sink: httpEventSink(admin), component: 'kube-rx-test' });
    // one at a time: the 2nd and 3rd would otherwise coalesce into one patch
    for (let i = 0; i < 3; i++) await record(recorder, 1, 'same', 'Failed', () => 'boom');
    const [one, ...more] = (await events()).filter((e) => e.involvedObject.name === 'same');
    expect(more).toEqual([]);
    expect(one).toMatchObject({ count: 3, message: 'boom', reason: 'Failed', type: 'Warning', source: { component: 'kube-rx-test' } });

    await firstValueFrom(kubeGet({ kubeConfig: admin, verb: 'list', operation: 'delete', resource: 'events', method: 'DELETE', path: `/api/v1/namespaces/${ns}/events/${one?.metadata.name ?? ''}` }));
    await record(recorder, 1, 'same', 'Failed', () => 'boom');
    const again = (await events()).filter((e) => e.involvedObject.name === 'same');
    expect(again).toMatchObject([{ metadata: { name: one?.metadata.name }, count: 4 }]);
    recorder.close();
  });

  it('combines similar events from the 10th distinct message on into one Event', async () => {
    const recorder = eventRecorder({ sink: httpEventSink(admin), component: 'kube-rx-test' });
    await record(recorder, 9, 'similar', 'BackOff', (i) => `attempt ${i}`);
    await record(recorder, 1, 'similar', 'BackOff', () => 'attempt 9');
    await record(recorder, 1, 'similar', 'BackOff', () => 'attempt 10');
    const similar = (await events()).filter((e) => e.involvedObject.name === 'similar');
    expect(similar).toHaveLength(10);
    const combined = similar.filter((e) => e.message?.startsWith('(combined from similar events): ') === true);
    expect(combined).toMatchObject([{ count: 2, message: '(combined from similar events): attempt 10' }]);
    recorder.close();
  });
});
