import { lastValueFrom, type Observable, of } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { configMaps } from '../../lib/client/builtinResources.js';
import { KubeApiException } from '../../lib/client/ClientError.js';
import { type ObjectClient, promiseClient, type UnstructuredObject } from '../../lib/client/objectClient.js';
import { controllerClient } from '../../lib/controller/controllerClient.js';
import { isLeaseFenced } from '../../lib/leaderelection/leaseFence.js';
import { reconcileContext, untracked } from '../../lib/controller/writeTracker.js';
import type { TypedResource } from '../../lib/listwatch/TypedResource.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';

const answer = (rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default', uid: 'u1', resourceVersion: rv } });

/** A client answering every write with `answer(rv)` and remembering the options each call got. */
const fakeClient = <T extends KubeObject>(resource: TypedResource<T>, seen: unknown[]): ObjectClient<T> => {
  const write = (o: unknown) => {
    seen.push(o);
    return of(answer(String(seen.length)) as T);
  };
  const calls: Omit<ObjectClient<T>, 'promise'> = {
    resource,
    get: () => of(answer('0') as T),
    create: (_obj, o) => write(o),
    replace: (_obj, o) => write(o),
    patch: (_ref, _p, o) => write(o),
    jsonPatch: (_ref, _ops, o) => write(o),
    delete: (_ref, o) => {
      seen.push(o);
      return of({ _tag: 'Pending' as const, object: answer('d') as T });
    },
    apply: (_obj, o) => write(o),
    applyStatus: (_obj, o) => write(o),
    patchStatus: (_ref, _p, o) => write(o),
    replaceStatus: (_obj, o) => write(o),
  };
  return { ...calls, promise: promiseClient(calls) };
};

const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } } as const;

describe('controllerClient', () => {
  it('adds the field manager to every write without one, keeps an explicit one, and records each answer', async () => {
    const seen: unknown[] = [];
    const recorded: string[] = [];
    const client = controllerClient(fakeClient(configMaps, seen), { fieldManager: 'ctl', record: (o) => recorded.push(o.metadata.resourceVersion ?? '') });
    await lastValueFrom(client.apply(cm));
    await lastValueFrom(client.create(cm, { dryRun: true }));
    await lastValueFrom(client.patch(cm.metadata, {}, { fieldManager: 'mine' }));
    await client.promise.applyStatus(cm);
    await lastValueFrom(client.delete(cm.metadata));
    await lastValueFrom(client.get(cm.metadata));
    expect(seen).toEqual([{ fieldManager: 'ctl' }, { dryRun: true, fieldManager: 'ctl' }, { fieldManager: 'mine' }, { fieldManager: 'ctl' }, undefined]);
    expect(recorded).toEqual(['1', '2', '3', '4', 'd']); // the get records nothing
  });
});

describe('controllerClient with a fence', () => {
  it('checks the fence when a write is subscribed: refused writes send nothing and fail typed, reads are not fenced', async () => {
    const seen: unknown[] = [];
    let open = true;
    const checked: string[] = [];
    const fence = {
      check: (action: string) => {
        checked.push(action);
        return open ? undefined : { _tag: 'LeaseFenced' as const, action, now: 0, validUntil: undefined, message: `${action}: lease may be lost` };
      },
    };
    const client = controllerClient(fakeClient(configMaps, seen), { fieldManager: 'ctl', fence });
    const prepared = client.apply(cm); // built while open, subscribed after the fence closed
    await lastValueFrom(client.apply(cm));
    open = false;
    const refusals = await Promise.all(
      [
        prepared,
        client.create(cm),
        client.replace(cm as never),
        client.patch(cm.metadata, {}),
        client.jsonPatch(cm.metadata, []),
        client.applyStatus(cm),
        client.patchStatus(cm.metadata, {}),
        client.replaceStatus(cm as never),
        client.delete(cm.metadata),
      ].map((o) => lastValueFrom(o as Observable<unknown>).then(() => undefined, (e: unknown) => e)),
    );
    const described = (e: unknown): string => {
      const c = e as { readonly _tag?: string; readonly verb?: string };
      return `${c._tag ?? String(e)}:${c.verb ?? ''}:${isLeaseFenced(e) ? 'fence' : ''}`;
    };
    expect(refusals.map(described)).toEqual([
      'InvalidRequest:apply:fence',
      'InvalidRequest:create:fence',
      'InvalidRequest:update:fence',
      'InvalidRequest:patch:fence',
      'InvalidRequest:patch:fence',
      'InvalidRequest:applyStatus:fence',
      'InvalidRequest:patchStatus:fence',
      'InvalidRequest:updateStatus:fence',
      'InvalidRequest:delete:fence',
    ]);
    const rejected: unknown = await client.promise.apply(cm).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(KubeApiException);
    expect(rejected).toMatchObject({ _tag: 'InvalidRequest', field: 'fence', message: 'apply configmaps: lease may be lost' });
    expect(seen).toEqual([{ fieldManager: 'ctl' }]); // only the write made while the fence was open
    expect(await lastValueFrom(client.get(cm.metadata))).toMatchObject({ metadata: { resourceVersion: '0' } });
    expect(checked).toEqual(['apply configmaps', 'apply configmaps', 'create configmaps', 'update configmaps', 'patch configmaps', 'patch configmaps', 'applyStatus configmaps', 'patchStatus configmaps', 'updateStatus configmaps', 'delete configmaps', 'apply configmaps']);
  });
});

describe('reconcileContext', () => {
  it("records a context client's write once, even when the reconcile also pipes writes.record()", async () => {
    const recorded: string[] = [];
    const context = reconcileContext({
      name: 'ctl',
      client: (resource) => fakeClient(resource, []),
      writes: { record: () => (s) => s, recordObject: (o) => recorded.push(o.metadata.resourceVersion ?? '') },
    });
    await lastValueFrom(context.client(configMaps).apply(cm).pipe(context.writes.record()));
    context.writes.recordObject(answer('x'));
    expect(recorded).toEqual(['1', 'x']);
  });

  it('gives an unstructured client for an ApiResource without a codec', () => {
    const context = reconcileContext({ name: 'ctl', client: (resource) => fakeClient(resource, []) });
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- dropping the codec
    const { codec, ...untyped } = configMaps;
    const client: ObjectClient<UnstructuredObject> = context.client(untyped);
    expect(client.resource.plural).toBe('configmaps');
  });

  it('without a client factory, client() throws an InvalidRequest naming the `client` option', () => {
    expect(() => untracked.client(configMaps)).toThrow(KubeApiException);
    expect(() => untracked.client(configMaps)).toThrow(/`client` option/);
  });
});
