// The event recorder against the embedded API server over real HTTP(S): Events are created,
// identical ones counted by a merge patch, a 404 (the Event expired) falls back to a create, and a
// rejected write is dropped and reported while the recorder goes on.
import { KubeConfig } from '@kubernetes/client-node';
import type { Event } from 'kubernetes-types/core/v1.js';
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { eventRecorder } from '../../lib/events/eventRecorder.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { httpEventSink } from './httpEventSink.js';

let server: EmbeddedApiServer;
let kubeConfig: KubeConfig;

beforeEach(async () => {
  server = await startApiServer();
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions(server.kubeConfigOptions());
});
afterEach(async () => {
  await server.close();
});

const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'apps', uid: 'u-1' } };
const stored = (): ReadonlyArray<Event> => server.list('events') as ReadonlyArray<Event>;

describe('eventRecorder over HTTP (embedded API server)', () => {
  it('creates an Event, raises its count by PATCH, and re-creates it after a 404', async () => {
    const recorder = eventRecorder({ sink: httpEventSink(kubeConfig), component: 'cm-controller', host: 'replica-1' });
    const written = (n: number) => firstValueFrom(recorder.written$.pipe(take(n), toArray(), timeout(10_000)));

    let next = written(1);
    recorder.record(cm, 'Warning', 'SyncFailed', 'secret missing');
    const [first] = await next;
    expect(stored()).toHaveLength(1);
    expect(stored()[0]).toMatchObject({ metadata: { namespace: 'apps', name: first?.metadata.name }, count: 1, reason: 'SyncFailed', source: { component: 'cm-controller', host: 'replica-1' } });

    next = written(2);
    recorder.record(cm, 'Warning', 'SyncFailed', 'secret missing');
    recorder.record(cm, 'Warning', 'SyncFailed', 'secret missing');
    await next;
    expect(stored()).toHaveLength(1);
    expect(stored()[0]?.count).toBe(3);
    expect(server.requests.filter((r) => r.resource === 'events').map((r) => r.verb)).toEqual(['create', 'patch', 'patch']);

    server.delete('events', 'apps', first?.metadata.name ?? '');
    next = written(1);
    recorder.record(cm, 'Warning', 'SyncFailed', 'secret missing');
    await next;
    expect(stored()).toMatchObject([{ metadata: { name: first?.metadata.name }, count: 4 }]);
    expect(server.requests.filter((r) => r.resource === 'events').map((r) => r.verb)).toEqual(['create', 'patch', 'patch', 'patch', 'create']);
    recorder.close();
  });

  it('drops and reports an Event the server rejects, then writes the next one; cluster-scoped objects go to default', async () => {
    const recorder = eventRecorder({ sink: httpEventSink(kubeConfig), component: 'ns-controller' });
    const problem = firstValueFrom(recorder.problems$.pipe(timeout(10_000)));
    server.faults.respond({ verb: 'create', resource: 'events' }, 403);
    recorder.record({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } }, 'Normal', 'Created', 'first');
    expect(await problem).toMatchObject({ _tag: 'EventDropped', reason: 'rejected', error: { _tag: 'HttpError', code: 403, verb: 'create' } });

    const written = firstValueFrom(recorder.written$.pipe(filter((e) => e.message === 'second'), timeout(10_000)));
    recorder.record({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } }, 'Normal', 'Created', 'second');
    await written;
    expect(stored()).toMatchObject([{ metadata: { namespace: 'default' }, involvedObject: { kind: 'Namespace', name: 'apps' }, message: 'second' }]);
    recorder.close();
  });
});
