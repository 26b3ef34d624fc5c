/**
 * Small fixtures the real kube-apiserver specs share: kubeconfigs from the tier's files, unique
 * names, ConfigMaps and namespaces through client-node, and waiting on a stream with a deadline.
 */
import { randomBytes } from 'node:crypto';

import { type CoreV1Api, KubeConfig, V1ConfigMap, V1Namespace, V1ObjectMeta } from '@kubernetes/client-node';
import { filter, firstValueFrom, type Observable, timeout } from 'rxjs';

/** The first value of `source` matching `p`; rejects after `ms` instead of hanging. */
export const waitFor = <T>(source: Observable<T>, p: (v: T) => boolean, ms = 30_000): Promise<T> =>
  firstValueFrom(source.pipe(filter(p), timeout(ms)));

/** A client-node KubeConfig loaded from one of the tier's kubeconfig files. */
export const kubeConfigFrom = (file: string): KubeConfig => {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
};

/** `prefix-xxxxxxxx`: a name no other test (or earlier run on the same tier) uses. */
export const unique = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export const meta = (name: string, labels: Record<string, string> = {}): V1ObjectMeta => {
  const m = new V1ObjectMeta();
  m.name = name;
  m.labels = labels;
  return m;
};

export const cm = (name: string, data: Record<string, string>, labels: Record<string, string> = {}): V1ConfigMap => {
  const c = new V1ConfigMap();
  c.metadata = meta(name, labels);
  c.data = data;
  return c;
};

/** Creates a namespace (no controller-manager runs on the tier: it is never deleted). */
export const createNamespace = async (api: CoreV1Api, name: string): Promise<void> => {
  const ns = new V1Namespace();
  ns.metadata = meta(name);
  await api.createNamespace({ body: ns });
};

/** `namespace/name@resourceVersion` of each object, sorted: compares a cache with a server list. */
export const keysOf = (items: ReadonlyArray<{ readonly metadata?: { readonly namespace?: string; readonly name?: string; readonly resourceVersion?: string } }>): string[] =>
  items.map((o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}@${o.metadata?.resourceVersion ?? ''}`).sort();
