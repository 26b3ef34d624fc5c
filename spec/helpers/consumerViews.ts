import { KubeConfig } from '@kubernetes/client-node';
import { filter, firstValueFrom, type Observable, timeout } from 'rxjs';

import type { ResourceEvent } from '../../lib/informer/ResourceEvent.js';
import { type SharedIndexInformer, type SharedIndexInformerConfig, sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import type { KubeConfigOptions } from '../../lib/testing/apiServer/kubeConfig.js';
import { type TestConfigMap, TestConfigMapCodec } from '../../lib/testing/builders.js';

export type Ev = ResourceEvent<TestConfigMap>;

const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

/** A ConfigMap informer over HTTP for the kubeconfig of an embedded API server (short backoff). */
export const configMapInformer = (
  options: KubeConfigOptions,
  config: SharedIndexInformerConfig<TestConfigMap> = {},
): SharedIndexInformer<TestConfigMap> => {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions(options);
  return sharedIndexInformer(httpListerWatcher({ codec: TestConfigMapCodec, kubeConfig, resource: configMaps }), {
    backoff: { initialMs: 20, maxMs: 200 },
    ...config,
  });
};

/** Resolves when the informer has synced; fails after 10 s instead of hanging. */
export const synced = (informer: SharedIndexInformer<TestConfigMap>): Promise<boolean> =>
  firstValueFrom(informer.synced$.pipe(filter(Boolean), timeout(10_000)));

/** What one subscriber has seen: its own picture of the cache, built from its events only. */
export interface View {
  /** key → resourceVersion of the live objects. */
  readonly objects: Map<string, string>;
  /** key → the highest resourceVersion seen (also after a delete). */
  readonly lastRv: Map<string, number>;
  /** Added (not initial), Updated and Deleted events. */
  live: number;
  syncs: number;
  /** Events whose resourceVersion was not above the last one seen for their key: must stay empty. */
  readonly outOfOrder: string[];
}

export const emptyView = (): View => ({ objects: new Map(), lastRv: new Map(), live: 0, syncs: 0, outOfOrder: [] });

/** Applies one event to a view (the embedded server's resourceVersions are increasing integers). */
export const see = (view: View, e: Ev): void => {
  if (e._tag === 'Sync') {
    view.syncs += 1;
    return;
  }
  if (!e.initial) view.live += 1;
  const rv = Number(e.object.metadata.resourceVersion);
  if (rv <= (view.lastRv.get(e.key) ?? 0)) view.outOfOrder.push(`${e._tag} ${e.key}@${rv}`);
  view.lastRv.set(e.key, rv);
  if (e._tag === 'Deleted') view.objects.delete(e.key);
  else view.objects.set(e.key, String(rv));
};

/** Subscribes, calling `before` first on each event (it may throw or block), and keeps a view. */
export const track = (events$: Observable<Ev>, before: (e: Ev) => void = () => undefined): { readonly view: View; unsubscribe: () => void } => {
  const view = emptyView();
  const sub = events$.subscribe((e) => {
    before(e);
    see(view, e);
  });
  return {
    view,
    unsubscribe: () => {
      sub.unsubscribe();
    },
  };
};

/** A view as `ns/name@rv`, sorted: comparable with `snapshotOf(server objects)`. */
export const snapshotOfView = (view: View): string[] => [...view.objects].map(([key, rv]) => `${key}@${rv}`).sort();
