/**
 * A controller built with kube-rx's controllerManager: for every ConfigMap labelled
 * `kube-rx.io/secret=true` in a namespace it keeps a Secret of the same name holding the same data
 * (base64), controlled by the ConfigMap (an ownerReference with `controller: true`). Secrets are a
 * trigger of their owner (`ownerKeys`), so a Secret deleted or edited by hand is repaired at once;
 * when the ConfigMap goes (or loses its label) the Secret it made (labelled
 * `app.kubernetes.io/managed-by=kube-rx-configmap-to-secret`) is deleted. Writes use client-node's
 * CoreV1Api (create / replace with the cached resourceVersion; a 409 Conflict requeues the key).
 *
 * Run it against the cluster of your kubeconfig:
 *
 *   node --import tsx examples/configMapToSecret.ts --namespace default
 *   kubectl create configmap demo --from-literal=greeting=hello
 *   kubectl label configmap demo kube-rx.io/secret=true
 *   kubectl get secret demo -o yaml
 *
 * Flags:
 *   --kubeconfig PATH      default: KUBECONFIG, ~/.kube/config or in-cluster
 *   --namespace NS         default: default
 *   --identity ID          this replica's name (default: hostname-pid)
 *   --leader-elect NAME    run the controller only while holding the Lease NAME (leaderElection)
 *   --shards N --shard-lease NAME
 *                          split keys in N shards, each a Lease NAME-shard-i; reconcile only the
 *                          keys of shards this replica holds (sharding, the controller's `shards`)
 *   --lease-namespace NS   where the Leases live (default: --namespace)
 *   --lease-duration-ms, --renew-deadline-ms, --retry-period-ms   election timings (15000/10000/2000)
 *   --log PATH             append {t, identity, key, phase: 'start'|'end'} JSON lines around each reconcile
 * SIGTERM and SIGINT stop it (exit code 0).
 *
 * `configMapToSecret(...)` is the reconcile function, exported for tests.
 */
import { parseArgs } from 'node:util';

import { CoreV1Api, V1DeleteOptions, V1ObjectMeta, V1OwnerReference, V1Preconditions, V1Secret } from '@kubernetes/client-node';
import * as t from 'io-ts';
import { ReplaySubject, share } from 'rxjs';

import {
  controllerManager,
  done,
  httpLeaseClient,
  KubeObjectCodec,
  leaderElection,
  ownerKeys,
  type ReconcileResult,
  type Reconciler,
  requeue,
  sharding,
  splitMetaNamespaceKey,
  type Store,
} from 'kube-rx';

import { defaultIdentity, intFlag, isMain, loadKubeConfig, loggedReconciler, make, runToExit, statusOf } from './support.js';

/** The label that asks for a Secret copy of a ConfigMap. */
export const SECRET_LABEL = 'kube-rx.io/secret';

/** The label marking the Secrets this controller made (only those are ever deleted). */
export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGER = 'kube-rx-configmap-to-secret';

/** The ConfigMaps we read: metadata plus `data` and `binaryData`. */
export const ConfigMapCodec = t.intersection([
  KubeObjectCodec,
  t.partial({ data: t.record(t.string, t.string), binaryData: t.record(t.string, t.string) }),
]);
export type ConfigMap = t.TypeOf<typeof ConfigMapCodec>;

/** The Secrets we read: metadata plus `type` and `data` (base64 values). */
export const SecretCodec = t.intersection([KubeObjectCodec, t.partial({ type: t.string, data: t.record(t.string, t.string) })]);
export type Secret = t.TypeOf<typeof SecretCodec>;

/** The Secret data a ConfigMap asks for: `data` base64-encoded, `binaryData` as it is (already base64). */
export const desiredSecretData = (cm: ConfigMap): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(cm.data ?? {})) out[k] = Buffer.from(v, 'utf8').toString('base64');
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out[k] = v;
  return out;
};

const sameData = (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
};

/** The controlling ConfigMap ownerReference of a Secret, if any. */
const controllerRefOf = (secret: Secret): { readonly kind: string; readonly name: string; readonly uid: string } | undefined =>
  (secret.metadata.ownerReferences ?? []).find((r) => r.controller === true);

/** What the reconciler needs: the API to write with and the informers' caches to read from. */
export interface ConfigMapToSecretDeps {
  readonly core: CoreV1Api;
  readonly configMaps: Store<ConfigMap>;
  readonly secrets: Store<Secret>;
  /** Where to say why a key was left alone (default: stderr). */
  readonly warn?: (message: string) => void;
}

/**
 * The reconcile function: make the Secret `key` match the labelled ConfigMap `key` (both read from
 * the informers' caches). Creates it, replaces it when its data, type or owner differ, deletes it
 * when the ConfigMap is gone; leaves alone a Secret of that name controlled by something else.
 * A 409 (the cache was stale, or someone wrote at the same time) or a 404 on replace requeues.
 */
export const configMapToSecret =
  (deps: ConfigMapToSecretDeps): Reconciler =>
  async (key, signal): Promise<ReconcileResult> => {
    const { core, configMaps, secrets } = deps;
    const warn = deps.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cm = configMaps.get(key);
    const secret = secrets.get(key);
    const owner = secret === undefined ? undefined : controllerRefOf(secret);
    const ownedByAConfigMap = owner !== undefined && owner.kind === 'ConfigMap' && owner.name === name;
    const managedByUs = secret?.metadata.labels?.[MANAGED_BY] === MANAGER;

    const write = async (request: () => Promise<unknown>): Promise<ReconcileResult> => {
      if (signal.aborted) return done;
      try {
        await request();
        return done;
      } catch (error) {
        const status = statusOf(error);
        if (status === 409 || status === 404) return requeue;
        throw error;
      }
    };

    if (cm === undefined || cm.metadata.deletionTimestamp !== undefined) {
      // The ConfigMap is gone or no longer labelled: remove the Secret we made for it (no GC needed).
      if (secret === undefined || !ownedByAConfigMap || !managedByUs || cm !== undefined) return done;
      const uid = secret.metadata.uid;
      return write(() =>
        core.deleteNamespacedSecret({
          name,
          namespace,
          ...(uid === undefined ? {} : { body: make(V1DeleteOptions, { preconditions: make(V1Preconditions, { uid }) }) }),
        }),
      );
    }

    const uid = cm.metadata.uid ?? '';
    const data = desiredSecretData(cm);
    const ownerReference = make(V1OwnerReference, { apiVersion: 'v1', kind: 'ConfigMap', name, uid, controller: true });
    const body = (resourceVersion: string | undefined, base: Secret | undefined): V1Secret =>
      make(V1Secret, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: make(V1ObjectMeta, {
          name,
          namespace,
          ...(resourceVersion === undefined ? {} : { resourceVersion }),
          labels: { ...base?.metadata.labels, [MANAGED_BY]: MANAGER },
          ...(base?.metadata.annotations === undefined ? {} : { annotations: { ...base.metadata.annotations } }),
          ownerReferences: [
            ...(base?.metadata.ownerReferences ?? []).filter((r) => r.controller !== true).map((r) => make(V1OwnerReference, r)),
            ownerReference,
          ],
        }),
        type: 'Opaque',
        data,
      });

    if (secret === undefined) return write(() => core.createNamespacedSecret({ namespace, body: body(undefined, undefined) }));
    if (owner !== undefined && !ownedByAConfigMap) {
      warn(`${key}: the Secret is controlled by ${owner.kind} "${owner.name}", not by the ConfigMap; left alone`);
      return done;
    }
    if (owner === undefined) {
      warn(`${key}: a Secret of that name exists and has no controller; left alone`);
      return done;
    }
    const upToDate = owner.uid === uid && managedByUs && (secret.type ?? 'Opaque') === 'Opaque' && sameData(secret.data ?? {}, data);
    if (upToDate) return done;
    return write(() => core.replaceNamespacedSecret({ name, namespace, body: body(secret.metadata.resourceVersion, secret) }));
  };

const main = (): void => {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      identity: { type: 'string' },
      'leader-elect': { type: 'string' },
      shards: { type: 'string' },
      'shard-lease': { type: 'string' },
      'lease-namespace': { type: 'string' },
      'lease-duration-ms': { type: 'string' },
      'renew-deadline-ms': { type: 'string' },
      'retry-period-ms': { type: 'string' },
      log: { type: 'string' },
    },
  });
  const namespace = values.namespace;
  const identity = values.identity ?? defaultIdentity();
  const kubeConfig = loadKubeConfig(values.kubeconfig);
  const timings = {
    leaseDurationMs: intFlag('lease-duration-ms', values['lease-duration-ms'], 15_000),
    renewDeadlineMs: intFlag('renew-deadline-ms', values['renew-deadline-ms'], 10_000),
    retryPeriodMs: intFlag('retry-period-ms', values['retry-period-ms'], 2_000),
  };
  const leaseNamespace = values['lease-namespace'] ?? namespace;
  if (values['leader-elect'] !== undefined && values.shards !== undefined) {
    process.stderr.write('--leader-elect and --shards exclude each other\n');
    process.exit(2);
  }

  const mgr = controllerManager({ kubeConfig });
  const cms = mgr.select('configmaps', { resource: 'configmaps', namespace, labelSelector: `${SECRET_LABEL}=true`, codec: ConfigMapCodec });
  const secrets = mgr.select('secrets', { resource: 'secrets', namespace, codec: SecretCodec });
  const reconcile = loggedReconciler(
    configMapToSecret({ core: kubeConfig.makeApiClient(CoreV1Api), configMaps: mgr.informer(cms).store, secrets: mgr.informer(secrets).store }),
    identity,
    values.log,
  );

  // with --shards, this replica reconciles only the keys of the shards it holds (a Lease per
  // shard); the manager runs one work queue per held shard, replaying the caches when it gains one
  const shards =
    values.shards === undefined
      ? undefined
      : {
          count: intFlag('shards', values.shards, 1),
          owned$: sharding({
            client: httpLeaseClient(kubeConfig),
            namespace: leaseNamespace,
            name: values['shard-lease'] ?? 'configmap-to-secret',
            identity,
            shardCount: intFlag('shards', values.shards, 1),
            ...timings,
          }).pipe(share({ connector: () => new ReplaySubject<ReadonlySet<number>>(1) })),
        };
  mgr.controller({
    name: 'configmap-to-secret',
    for: cms,
    triggers: [{ selector: secrets, keys: ownerKeys({ kind: 'ConfigMap', group: '' }) }],
    reconcile,
    ...(shards === undefined ? {} : { shards }),
  });

  const leader$ =
    values['leader-elect'] === undefined
      ? undefined
      : leaderElection({ client: httpLeaseClient(kubeConfig), namespace: leaseNamespace, name: values['leader-elect'], identity, ...timings });
  runToExit(identity, mgr.run({ handleSignals: true, ...(leader$ === undefined ? {} : { leader$ }) }));
};

if (isMain(import.meta.url)) main();
