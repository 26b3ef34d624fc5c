/**
 * One server-side apply scenario on the lists ObjectMeta declares keyed (`ownerReferences`, a map
 * by `uid`; `finalizers`, a set), run the same way against the embedded API server and the real
 * kube-apiserver, so both are held to the same expectations (`expectedListMerge`).
 */
import type { KubeConfig } from '@kubernetes/client-node';

import { configMaps } from '../../lib/client/builtinResources.js';
import type { ClientError } from '../../lib/client/ClientError.js';
import { objectClient } from '../../lib/client/objectClient.js';
import { isConflict } from '../../lib/listwatch/ListerWatcherError.js';
import { errorOf } from '../listwatch/testServer.js';

/** What the scenario saw after each step: owner uids (as owner names) and finalizers, sorted. */
export interface ListMergeResult {
  readonly afterBoth: { readonly owners: ReadonlyArray<string>; readonly finalizers: ReadonlyArray<string> };
  readonly conflict: { readonly isConflict: boolean; readonly message: string };
  readonly forcedController: ReadonlyArray<string>;
  readonly afterADrops: { readonly owners: ReadonlyArray<string>; readonly finalizers: ReadonlyArray<string> };
}

/** The outcome the real server gives (checked in spec/kube/client.kube.spec.ts). */
export const expectedListMerge: ListMergeResult = {
  afterBoth: { owners: ['owner-a', 'owner-b'], finalizers: ['example.com/a', 'example.com/b'] },
  conflict: { isConflict: true, message: 'conflict with "manager-a"' },
  // B forced owner-a's `controller` to false: B now owns that field, A keeps the rest of the element
  forcedController: ['owner-a:false', 'owner-b:undefined'],
  // A stops applying its reference and finalizer: the finalizer goes; owner-a's element stays, B owns a field of it
  afterADrops: { owners: ['owner-a', 'owner-b'], finalizers: ['example.com/b'] },
};

/**
 * Two field managers apply one ConfigMap: A with a controller reference to `owner-a` and
 * finalizer `example.com/a`, B with a reference to `owner-b` and `example.com/b` (both merged by
 * key); B then sets `controller: false` on A's reference (a conflict, then forced); then A applies
 * without its reference and finalizer.
 */
export const runListMerge = async (kubeConfig: KubeConfig, namespace: string, name: string): Promise<ListMergeResult> => {
  const a = objectClient(configMaps, { kubeConfig, namespace, fieldManager: 'manager-a' });
  const b = objectClient(configMaps, { kubeConfig, namespace, fieldManager: 'manager-b' });
  const owner = async (suffix: string) => {
    const o = await a.promise.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-owner-${suffix}` } });
    return { apiVersion: 'v1', kind: 'ConfigMap', name: `owner-${suffix}`, uid: o.metadata.uid ?? '' };
  };
  const [refA, refB] = await Promise.all([owner('a'), owner('b')]);
  const names = new Map([[refA.uid, refA.name], [refB.uid, refB.name]]);
  const cm = (ownerReferences: ReadonlyArray<Record<string, unknown>>, finalizers: ReadonlyArray<string>) =>
    ({
      apiVersion: 'v1' as const,
      kind: 'ConfigMap' as const,
      // a list left empty is left out: the scenario does not depend on how an empty list is owned
      metadata: { name, ...(ownerReferences.length === 0 ? {} : { ownerReferences: [...ownerReferences] }), ...(finalizers.length === 0 ? {} : { finalizers: [...finalizers] }) },
    }) as never;
  const view = (o: { readonly metadata: { readonly ownerReferences?: ReadonlyArray<{ readonly uid: string }>; readonly finalizers?: ReadonlyArray<string> } }) => ({
    owners: (o.metadata.ownerReferences ?? []).map((r) => names.get(r.uid) ?? r.uid).sort(),
    finalizers: [...(o.metadata.finalizers ?? [])].sort(),
  });

  await a.promise.apply(cm([{ ...refA, controller: true }], ['example.com/a']));
  const both = await b.promise.apply(cm([refB], ['example.com/b']));
  const conflict = await errorOf<ClientError>(b.apply(cm([{ ...refA, controller: false }, refB], ['example.com/b'])));
  const forced = await b.promise.apply(cm([{ ...refA, controller: false }, refB], ['example.com/b']), { force: true });
  const dropped = await a.promise.apply(cm([], []));
  // leave the ConfigMap deletable
  await b.promise.apply(cm([], []));
  return {
    afterBoth: view(both),
    conflict: { isConflict: isConflict(conflict), message: conflict.message.includes('conflict with "manager-a"') ? 'conflict with "manager-a"' : conflict.message },
    forcedController: (forced.metadata.ownerReferences ?? []).map((r) => `${names.get(r.uid) ?? r.uid}:${String(r.controller)}`).sort(),
    afterADrops: view(dropped),
  };
};
