/**
 * The object client against the real kube-apiserver 1.20.2: server-side apply (idempotent, field
 * manager conflicts and force), the status subresource of a CRD (no generation bump), finalizers,
 * optimistic concurrency with a retried reconcile, JSON patch tests, RBAC 403 on a write, and
 * apply merging ownerReferences by uid and finalizers as a set (the embedded server is held to the
 * same expectations in spec/testing/apiServer/serverSideApply.spec.ts).
 */
import { randomBytes } from 'node:crypto';

import { KubeConfig } from '@kubernetes/client-node';
import { catchError, concat, defer, from, lastValueFrom, map, mergeMap, NEVER, of, takeWhile, throwError, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { configMaps, metadataCodec, namespaces } from '../../lib/client/builtinResources.js';
import type { ClientError } from '../../lib/client/ClientError.js';
import { finalizer } from '../../lib/client/finalizer.js';
import { objectClient } from '../../lib/client/objectClient.js';
import { itemExponentialFailureRateLimiter } from '../../lib/workqueue/rateLimiter.js';
import { reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { done, requeue } from '../../lib/workqueue/ReconcileResult.js';
import { isConflict, isForbidden, isInvalid, isNotFound } from '../../lib/listwatch/ListerWatcherError.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { errorOf } from '../listwatch/testServer.js';
import { expectedListMerge, runListMerge } from '../helpers/applyListMerge.js';
import { recordingFinalizerHandlers } from '../helpers/recordingFinalizerHandlers.js';
import { eventually, type Kube, startKube } from './harness.js';

const START_TIMEOUT_MS = 180_000;
const NAME = 'kube-rx.example.com/cleanup';

const kubeConfigFrom = (file: string): KubeConfig => {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
};

const unique = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

type Gadget = KubeObject & { readonly spec?: { readonly size?: number }; readonly status?: { readonly phase?: string } };
const GROUP = 'kube-rx-client.example.com';
const gadgets = { group: GROUP, version: 'v1', plural: 'gadgets', kind: 'Gadget', namespaced: true, codec: metadataCodec<Gadget>('Gadget') };
const crds = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };

describe('object client against kube-apiserver', () => {
  let kube: Kube;
  let kc: KubeConfig;
  let ns: string;
  const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1' as const, kind: 'ConfigMap' as const, metadata: { name }, data });

  beforeAll(async () => {
    kube = await startKube();
    kc = kubeConfigFrom(kube.kubeconfigAdmin);
    ns = unique('client');
    await objectClient(namespaces, { kubeConfig: kc, fieldManager: 'kube-rx-test' }).promise.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const crdClient = objectClient(crds, { kubeConfig: kc, fieldManager: 'kube-rx-test' });
    await crdClient.promise.apply({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `gadgets.${GROUP}` },
      spec: {
        group: GROUP,
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            subresources: { status: {} },
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer', minimum: 0 } } },
                  status: { type: 'object', properties: { phase: { type: 'string' } } },
                },
              },
            },
          },
        ],
      },
    });
    await eventually('the Gadget CRD is established', async () => {
      const crd = await crdClient.promise.get({ name: `gadgets.${GROUP}` });
      return JSON.stringify(crd['status'] ?? {}).includes('"type":"Established","status":"True"');
    });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await kube.stop();
  }, START_TIMEOUT_MS);

  it('a second identical apply leaves the resourceVersion unchanged', async () => {
    const client = objectClient(configMaps, { kubeConfig: kc, namespace: ns, fieldManager: 'owner' });
    const first = await client.promise.apply(cm('idempotent', { k: 'v' }));
    const second = await client.promise.apply(cm('idempotent', { k: 'v' }));
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    const changed = await client.promise.apply(cm('idempotent', { k: 'w' }));
    expect(changed.metadata.resourceVersion).not.toBe(first.metadata.resourceVersion);
  });

  it('apply merges ownerReferences by uid and finalizers as a set, per field manager (as the embedded server does)', async () => {
    expect(await runListMerge(kc, ns, 'merged')).toEqual(expectedListMerge);
  });

  it("another manager's conflicting apply gets a typed 409 without force and wins with force", async () => {
    const owner = objectClient(configMaps, { kubeConfig: kc, namespace: ns, fieldManager: 'owner' });
    const other = objectClient(configMaps, { kubeConfig: kc, namespace: ns, fieldManager: 'other' });
    await owner.promise.apply(cm('contested', { k: 'v' }));
    const conflict = await errorOf<ClientError>(other.apply(cm('contested', { k: 'theirs' })));
    expect(conflict).toMatchObject({ _tag: 'HttpError', verb: 'apply', code: 409, reason: 'Conflict' });
    expect(isConflict(conflict)).toBe(true);
    expect(conflict.message).toContain('owner');
    const forced = await other.promise.apply(cm('contested', { k: 'theirs' }), { force: true });
    expect(forced.data).toEqual({ k: 'theirs' });
  });

  it('a status write does not bump metadata.generation; a spec write does', async () => {
    const client = objectClient(gadgets, { kubeConfig: kc, namespace: ns, fieldManager: 'gadget-controller' });
    const created = await client.promise.apply({ apiVersion: `${GROUP}/v1`, kind: 'Gadget', metadata: { name: 'g' }, spec: { size: 1 } });
    expect(created.metadata.generation).toBe(1);
    const status = await client.promise.applyStatus({ apiVersion: `${GROUP}/v1`, kind: 'Gadget', metadata: { name: 'g' }, status: { phase: 'Ready' } });
    expect(status).toMatchObject({ status: { phase: 'Ready' }, metadata: { generation: 1 } });
    const patched = await client.promise.patchStatus({ name: 'g' }, { status: { phase: 'Patched' } });
    expect(patched).toMatchObject({ status: { phase: 'Patched' }, metadata: { generation: 1 } });
    const replaced = await client.promise.replaceStatus({ ...patched, status: { phase: 'Replaced' } });
    expect(replaced).toMatchObject({ status: { phase: 'Replaced' }, metadata: { generation: 1 } });
    const spec = await client.promise.apply({ apiVersion: `${GROUP}/v1`, kind: 'Gadget', metadata: { name: 'g' }, spec: { size: 2 } });
    expect(spec.metadata.generation).toBe(2);
    // a delete held by a finalizer sets deletionTimestamp and bumps the generation (rest.BeforeDelete)
    await client.promise.jsonPatch({ name: 'g' }, [{ op: 'add', path: '/metadata/finalizers', value: ['example.com/hold'] }]);
    const pending = await client.promise.delete({ name: 'g' });
    expect(pending._tag === 'Pending' ? pending.object.metadata.generation : undefined).toBe(3);
    await client.promise.jsonPatch({ name: 'g' }, [{ op: 'remove', path: '/metadata/finalizers' }]);
    await client.promise.apply({ apiVersion: `${GROUP}/v1`, kind: 'Gadget', metadata: { name: 'g' }, spec: { size: 2 } });
    const invalid = await errorOf<ClientError>(client.apply({ apiVersion: `${GROUP}/v1`, kind: 'Gadget', metadata: { name: 'g' }, spec: { size: -1 } }));
    expect(invalid).toMatchObject({ code: 422 });
    expect(isInvalid(invalid)).toBe(true);
  });

  it('a replace with a stale resourceVersion is a typed Conflict; a JSON patch whose test fails is 422 Invalid', async () => {
    const client = objectClient(configMaps, { kubeConfig: kc, namespace: ns, fieldManager: 'replacer' });
    const created = await client.promise.create(cm('stale', { n: '0' }));
    await client.promise.replace({ ...created, data: { n: '1' } });
    const stale = await errorOf<ClientError>(client.replace({ ...created, data: { n: 'lost' } }));
    expect(stale).toMatchObject({ _tag: 'HttpError', verb: 'update', code: 409, reason: 'Conflict' });
    const failedTest = await errorOf<ClientError>(client.jsonPatch({ name: 'stale' }, [{ op: 'test', path: '/metadata/resourceVersion', value: created.metadata.resourceVersion }]));
    expect(failedTest).toMatchObject({ verb: 'patch', code: 422 });
    expect(isInvalid(failedTest)).toBe(true);
  });

  it('deletes with preconditions; finalizers hold the object until the last one is removed', async () => {
    const client = objectClient(configMaps, { kubeConfig: kc, namespace: ns, fieldManager: 'finalizing' });
    const created = await client.promise.create({ ...cm('held', {}), metadata: { name: 'held', finalizers: ['example.com/a'] } });
    expect(await errorOf<ClientError>(client.delete({ name: 'held' }, { preconditions: { uid: 'not-the-uid' } }))).toMatchObject({ code: 409, reason: 'Conflict' });
    const pending = await client.promise.delete({ name: 'held' }, { preconditions: { uid: created.metadata.uid ?? '' } });
    expect(pending._tag).toBe('Pending');
    const held = await client.promise.get({ name: 'held' });
    expect(typeof held.metadata.deletionTimestamp).toBe('string');
    await client.promise.jsonPatch({ name: 'held' }, [{ op: 'remove', path: '/metadata/finalizers/0' }]);
    await eventually('the object is gone', async () => isNotFound(await errorOf<ClientError>(client.get({ name: 'held' }))));
  });

  it('the finalizer helper holds a deleted object until its cleanup has run, then removes only its finalizer', async () => {
    const client = objectClient(configMaps, { kubeConfig: kc, namespace: ns, fieldManager: 'finalizing' });
    const handlers = recordingFinalizerHandlers();
    await client.promise.create({ ...cm('guarded', { k: 'v' }), metadata: { name: 'guarded', finalizers: ['example.com/other'] } });
    expect(await lastValueFrom(finalizer(client, NAME, await client.promise.get({ name: 'guarded' }), handlers))).toEqual(done);
    expect((await client.promise.get({ name: 'guarded' })).metadata.finalizers).toEqual(['example.com/other', NAME]);

    expect((await client.promise.delete({ name: 'guarded' }))._tag).toBe('Pending');
    const deleting = await client.promise.get({ name: 'guarded' });
    expect(handlers.cleaned).toEqual([]);
    // a stale copy (someone wrote meanwhile) is refused by the resourceVersion test: requeue, nothing removed
    await client.promise.patch({ name: 'guarded' }, { metadata: { labels: { touched: 'yes' } } });
    expect(await lastValueFrom(finalizer(client, NAME, deleting, handlers))).toEqual(requeue);
    expect((await client.promise.get({ name: 'guarded' })).metadata.finalizers).toEqual(['example.com/other', NAME]);

    expect(await lastValueFrom(finalizer(client, NAME, await client.promise.get({ name: 'guarded' }), handlers))).toEqual(done);
    expect(handlers.cleaned).toEqual(['guarded', 'guarded']);
    const held = await client.promise.get({ name: 'guarded' });
    expect(held.metadata.finalizers).toEqual(['example.com/other']);
    // another controller's finalizer: ours is not there, so the helper ignores it and the object waits for the other
    expect(await lastValueFrom(finalizer(client, NAME, held, handlers))).toEqual(done);
    await client.promise.jsonPatch({ name: 'guarded' }, [{ op: 'remove', path: '/metadata/finalizers/0' }]);
    await eventually('the object is gone', async () => isNotFound(await errorOf<ClientError>(client.get({ name: 'guarded' }))));
  });

  it('a replace with a stale resourceVersion is a Conflict, and reconcileWith retries the reconcile until it succeeds', async () => {
    const client = objectClient(configMaps, { kubeConfig: kc, namespace: ns, fieldManager: 'counter' });
    const created = await client.promise.create(cm('counted', { n: '0' }));
    // a stale cache: the first reconcile replaces from the object as first read, after someone else wrote
    await client.promise.patch({ name: 'counted' }, { data: { other: 'writer' } });
    let cached = created;
    const errors: unknown[] = [];
    const events = await lastValueFrom(
      concat(of('counted'), NEVER).pipe(
        reconcileWith(
          (key) =>
            defer(() => client.replace({ ...cached, data: { ...cached.data, n: String(Number(cached.data?.['n'] ?? '0') + 1) } })).pipe(
              map(() => done),
              catchError((e: unknown) => {
                errors.push(e);
                // the informer would bring the fresh object; here the retry reads it
                return from(client.promise.get({ name: key })).pipe(
                  mergeMap((fresh) => {
                    cached = fresh;
                    return throwError(() => new Error('conflict', { cause: e }));
                  }),
                );
              }),
            ),
          { rateLimiter: itemExponentialFailureRateLimiter(10, 1000) },
        ),
        takeWhile((e) => e._tag !== 'Succeeded', true),
        toArray(),
      ),
    );
    expect(errors).toHaveLength(1);
    expect(isConflict(errors[0] as ClientError)).toBe(true);
    expect(events.map((e) => e._tag)).toEqual(['Started', 'Failed', 'Requeued', 'Started', 'Succeeded']);
    expect((await client.promise.get({ name: 'counted' })).data).toEqual({ n: '1', other: 'writer' });
  });

  it('a 403 on a write is a typed Forbidden', async () => {
    const nobody = objectClient(configMaps, { kubeConfig: kubeConfigFrom(kube.kubeconfigNobody), namespace: ns, fieldManager: 'nobody' });
    const forbidden = await errorOf<ClientError>(nobody.apply(cm('nope', {})));
    expect(forbidden).toMatchObject({ _tag: 'HttpError', verb: 'apply', code: 403, reason: 'Forbidden' });
    expect(isForbidden(forbidden)).toBe(true);
  });
});
