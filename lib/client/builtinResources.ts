import type * as t from 'io-ts';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { DaemonSet, Deployment, ReplicaSet, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type {
  ConfigMap,
  Endpoints,
  Event,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  Secret,
  Service,
  ServiceAccount,
} from 'kubernetes-types/core/v1.js';
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';

import type { TypedResource } from '../listwatch/TypedResource.js';
import { type KubeObject, KubeObjectCodec, type ObjectMeta } from '../meta/KubeObject.js';

/**
 * A wire-format type of the `kubernetes-types` package (whose `metadata` and `metadata.name` are
 * optional, as in an object being written) as the server returns it: `metadata` present, with a
 * name, read-only, so that it fits {@link KubeObject} and a store, an informer and the object
 * client take it without a cast. Everything else is the package's type unchanged.
 *
 * Maps to nothing in client-go (Go structs always have `ObjectMeta`); it bridges the types package
 * to kube-rx's `KubeObject` constraint.
 *
 * @example
 * ```ts
 * import type { ConfigMap } from 'kubernetes-types/core/v1.js';
 * import type { Stored } from 'kube-rx';
 * const cm: Stored<ConfigMap> = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } };
 * ```
 * @category client
 * @since 0.3.0
 */
export type Stored<T extends { readonly metadata?: object }> = Omit<T, 'metadata'> & {
  readonly metadata: NonNullable<T['metadata']> & ObjectMeta;
};

/**
 * An io-ts decoder for a built-in kind that checks what the machinery reads (the metadata, with
 * {@link KubeObjectCodec}'s rules and fast path: a name, string labels, well-formed owner references,
 * ...) and trusts the server for the rest of the object, typed as `T`. The object is returned
 * unchanged. Use a full codec (a custom resource's) where the body must be validated.
 *
 * Maps to client-go's typed decoding into `corev1.ConfigMap` etc. (which checks field types, not
 * presence); kube-rx checks only the part it depends on.
 *
 * @example
 * ```ts
 * import type { Pod } from 'kubernetes-types/core/v1.js';
 * import { metadataCodec, type Stored } from 'kube-rx';
 * const PodCodec = metadataCodec<Stored<Pod>>('Pod');
 * ```
 * @category client
 * @since 0.3.0
 */
export const metadataCodec = <T extends KubeObject>(kind: string): t.Decoder<unknown, T> => ({
  name: kind,
  // the objects of a built-in kind come from the server; only their metadata is checked
  validate: (u, c) => KubeObjectCodec.validate(u, c) as t.Validation<T>,
  decode: (u) => KubeObjectCodec.decode(u) as t.Validation<T>,
});

const builtin = <T extends { readonly metadata?: object }>(
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced: boolean,
): TypedResource<Stored<T>> => ({
  group,
  version,
  plural,
  kind,
  namespaced,
  codec: metadataCodec<Stored<T>>(kind),
});

/**
 * The core/v1 `configmaps` resource, typed with `kubernetes-types`' `ConfigMap` (its codec checks
 * metadata only: see {@link metadataCodec}).
 *
 * Maps to client-go's `CoreV1().ConfigMaps(ns)` and kube-rs's `Api<ConfigMap>`.
 *
 * @example
 * ```ts
 * import { configMaps, objectClient } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const cms = objectClient(configMaps, { kubeConfig, namespace: 'default', fieldManager: 'me' });
 * ```
 * @category client
 * @since 0.3.0
 */
export const configMaps = builtin<ConfigMap>('', 'v1', 'configmaps', 'ConfigMap', true);
/** core/v1 `secrets` (`Secret`; metadata checked only). Maps to client-go's `CoreV1().Secrets(ns)`. @example `objectClient(secrets, config)` @category client @since 0.3.0 */
export const secrets = builtin<Secret>('', 'v1', 'secrets', 'Secret', true);
/** core/v1 `pods` (`Pod`; metadata checked only). Maps to client-go's `CoreV1().Pods(ns)`. @example `objectClient(pods, config)` @category client @since 0.3.0 */
export const pods = builtin<Pod>('', 'v1', 'pods', 'Pod', true);
/** core/v1 `services` (`Service`; metadata checked only). Maps to client-go's `CoreV1().Services(ns)`. @example `objectClient(services, config)` @category client @since 0.3.0 */
export const services = builtin<Service>('', 'v1', 'services', 'Service', true);
/** core/v1 `serviceaccounts` (`ServiceAccount`; metadata checked only). Maps to client-go's `CoreV1().ServiceAccounts(ns)`. @example `objectClient(serviceAccounts, config)` @category client @since 0.3.0 */
export const serviceAccounts = builtin<ServiceAccount>('', 'v1', 'serviceaccounts', 'ServiceAccount', true);
/** core/v1 `endpoints` (`Endpoints`; metadata checked only). Maps to client-go's `CoreV1().Endpoints(ns)`. @example `objectClient(endpoints, config)` @category client @since 0.3.0 */
export const endpoints = builtin<Endpoints>('', 'v1', 'endpoints', 'Endpoints', true);
/** core/v1 `persistentvolumeclaims` (`PersistentVolumeClaim`; metadata checked only). Maps to client-go's `CoreV1().PersistentVolumeClaims(ns)`. @example `objectClient(persistentVolumeClaims, config)` @category client @since 0.3.0 */
export const persistentVolumeClaims = builtin<PersistentVolumeClaim>('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true);
/** core/v1 `persistentvolumes` (`PersistentVolume`, cluster-scoped; metadata checked only). Maps to client-go's `CoreV1().PersistentVolumes()`. @example `objectClient(persistentVolumes, config)` @category client @since 0.3.0 */
export const persistentVolumes = builtin<PersistentVolume>('', 'v1', 'persistentvolumes', 'PersistentVolume', false);
/** core/v1 `namespaces` (`Namespace`, cluster-scoped; metadata checked only). Maps to client-go's `CoreV1().Namespaces()`. @example `objectClient(namespaces, config)` @category client @since 0.3.0 */
export const namespaces = builtin<Namespace>('', 'v1', 'namespaces', 'Namespace', false);
/** core/v1 `nodes` (`Node`, cluster-scoped; metadata checked only). Maps to client-go's `CoreV1().Nodes()`. @example `objectClient(nodes, config)` @category client @since 0.3.0 */
export const nodes = builtin<Node>('', 'v1', 'nodes', 'Node', false);
/** core/v1 `events` (`Event`, what client-go's `EventRecorder` writes; metadata checked only). Maps to client-go's `CoreV1().Events(ns)`. @example `objectClient(events, config)` @category client @since 0.3.0 */
export const events = builtin<Event>('', 'v1', 'events', 'Event', true);
/** apps/v1 `deployments` (`Deployment`; metadata checked only). Maps to client-go's `AppsV1().Deployments(ns)`. @example `objectClient(deployments, config)` @category client @since 0.3.0 */
export const deployments = builtin<Deployment>('apps', 'v1', 'deployments', 'Deployment', true);
/** apps/v1 `statefulsets` (`StatefulSet`; metadata checked only). Maps to client-go's `AppsV1().StatefulSets(ns)`. @example `objectClient(statefulSets, config)` @category client @since 0.3.0 */
export const statefulSets = builtin<StatefulSet>('apps', 'v1', 'statefulsets', 'StatefulSet', true);
/** apps/v1 `daemonsets` (`DaemonSet`; metadata checked only). Maps to client-go's `AppsV1().DaemonSets(ns)`. @example `objectClient(daemonSets, config)` @category client @since 0.3.0 */
export const daemonSets = builtin<DaemonSet>('apps', 'v1', 'daemonsets', 'DaemonSet', true);
/** apps/v1 `replicasets` (`ReplicaSet`; metadata checked only). Maps to client-go's `AppsV1().ReplicaSets(ns)`. @example `objectClient(replicaSets, config)` @category client @since 0.3.0 */
export const replicaSets = builtin<ReplicaSet>('apps', 'v1', 'replicasets', 'ReplicaSet', true);
/** batch/v1 `jobs` (`Job`; metadata checked only). Maps to client-go's `BatchV1().Jobs(ns)`. @example `objectClient(jobs, config)` @category client @since 0.3.0 */
export const jobs = builtin<Job>('batch', 'v1', 'jobs', 'Job', true);
/** batch/v1 `cronjobs` (`CronJob`; metadata checked only). Maps to client-go's `BatchV1().CronJobs(ns)`. @example `objectClient(cronJobs, config)` @category client @since 0.3.0 */
export const cronJobs = builtin<CronJob>('batch', 'v1', 'cronjobs', 'CronJob', true);
/** networking.k8s.io/v1 `ingresses` (`Ingress`; metadata checked only). Maps to client-go's `NetworkingV1().Ingresses(ns)`. @example `objectClient(ingresses, config)` @category client @since 0.3.0 */
export const ingresses = builtin<Ingress>('networking.k8s.io', 'v1', 'ingresses', 'Ingress', true);
/** coordination.k8s.io/v1 `leases` (`Lease`; metadata checked only). Maps to client-go's `CoordinationV1().Leases(ns)`. @example `objectClient(leases, config)` @category client @since 0.3.0 */
export const leases = builtin<Lease>('coordination.k8s.io', 'v1', 'leases', 'Lease', true);
/**
 * apiextensions.k8s.io/v1 `customresourcedefinitions` (`CustomResourceDefinition`, cluster-scoped;
 * metadata checked only): server-side apply of `crdManifest(resource)` installs or updates a CRD.
 *
 * Maps to client-go's `ApiextensionsV1().CustomResourceDefinitions()` and kube-rs's
 * `Api<CustomResourceDefinition>`.
 *
 * @example
 * ```ts
 * import { crdManifest, customResourceDefinitions, objectClient, type CustomResource } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * declare const widgets: CustomResource;
 * objectClient(customResourceDefinitions, { kubeConfig, fieldManager: 'widget-controller' }).apply(crdManifest(widgets), { force: true });
 * ```
 * @category client
 * @since 0.3.0
 */
export const customResourceDefinitions = builtin<CustomResourceDefinition>('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false);
