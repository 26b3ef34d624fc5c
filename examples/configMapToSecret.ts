/**
 * A controller built with kube-rx's controllerManager: for every ConfigMap labelled
 * `kube-rx.io/secret=true` in a namespace it keeps a Secret of the same name holding the same data
 * (base64), controlled by the ConfigMap (an ownerReference with `controller: true`). Secrets are a
 * trigger of their owner (`ownerKeys`), so a Secret deleted or edited by hand is repaired at once;
 * when the ConfigMap goes (or loses its label) the Secret it made (labelled
 * `app.kubernetes.io/managed-by=kube-rx-configmap-to-secret`) is deleted. Writes use kube-rx's object
 * client: the Secret is written by server-side apply (field manager `kube-rx-configmap-to-secret`,
 * forced, as a controller owns its child's fields), its controller reference set by
 * `setControllerReference`; the delete carries a uid precondition (a 409 or 404 requeues the key).
 * What it does is recorded as core/v1 Events (kube-rx's `eventRecorder` writing through the object
 * client): `SecretCreated` / `SecretUpdated` on the ConfigMap, `SecretDeleted` on the Secret it
 * removed, a `SecretNotOwned` Warning on a ConfigMap whose Secret it leaves alone
 * (`kubectl get events` or `kubectl describe configmap demo` shows them).
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

import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { ReplaySubject, share } from 'rxjs';

import {
  configMaps as configMapsResource,
  controllerManager,
  done,
  type EventRecorder,
  type EventSubject,
  httpLeaseClient,
  isConflict,
  isNotFound,
  KubeApiException,
  KubeObjectCodec,
  leaderElection,
  ownerKeys,
  type ReconcileResult,
  requeue,
  secrets as secretsResource,
  setControllerReference,
  sharding,
  splitMetaNamespaceKey,
  type Store,
  type TrackedReconciler,
} from 'kube-rx';

import { exampleRecorder } from './exampleRecorder.js';
import { defaultIdentity, intFlag, isMain, loadKubeConfig, loggedReconciler, runToExit } from './support.js';

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

/** What the reconciler reads: the informers' caches (it writes with the context's Secrets client). */
export interface ConfigMapToSecretDeps {
  readonly configMaps: Store<ConfigMap>;
  readonly secrets: Store<Secret>;
  /** Where to say why a key was left alone (default: stderr). */
  readonly warn?: (message: string) => void;
  /** Where the Events about what it did go (default: none recorded). */
  readonly recorder?: Pick<EventRecorder, 'record'>;
}

/** The Event reasons the controller records. */
export const SECRET_REASONS = {
  created: 'SecretCreated',
  updated: 'SecretUpdated',
  deleted: 'SecretDeleted',
  notOwned: 'SecretNotOwned',
} as const;

/** An Event subject of a cached object: LIST items have no apiVersion and kind, the resource gives them. */
const subject = (kind: 'ConfigMap' | 'Secret', metadata: ConfigMap['metadata']): EventSubject => ({ apiVersion: 'v1', kind, metadata });

/**
 * The reconcile function: make the Secret `key` match the labelled ConfigMap `key` (both read from
 * the informers' caches). Applies it (server-side apply, forced: a repeated apply of the same
 * Secret changes nothing) when it is missing or its data, type or owner differ, deletes it when the
 * ConfigMap is gone; leaves alone a Secret of that name controlled by something else. A 409 (the
 * uid precondition of a delete failed) or a 404 requeues. Each write that succeeded, and each
 * Secret left alone, is recorded as an Event (recording never blocks nor fails the reconcile).
 */
export const configMapToSecret =
  (deps: ConfigMapToSecretDeps): TrackedReconciler =>
  async (key, signal, context): Promise<ReconcileResult> => {
    const { configMaps, secrets } = deps;
    // field manager: the controller's; every write recorded for read-your-writes
    const client = context.client(secretsResource);
    const warn = deps.warn ?? ((m: string) => process.stderr.write(`${m}\n`));
    const record = (about: EventSubject, type: 'Normal' | 'Warning', reason: string, message: string): void => {
      deps.recorder?.record(about, type, reason, message);
    };
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cm = configMaps.get(key);
    const secret = secrets.get(key);
    const owner = secret === undefined ? undefined : controllerRefOf(secret);
    const ownedByAConfigMap = owner !== undefined && owner.kind === 'ConfigMap' && owner.name === name;
    const managedByUs = secret?.metadata.labels?.[MANAGED_BY] === MANAGER;

    const write = async (request: () => Promise<unknown>, recordDone: () => void): Promise<ReconcileResult> => {
      if (signal.aborted) return done;
      try {
        await request();
        recordDone();
        return done;
      } catch (error) {
        if (error instanceof KubeApiException && (isConflict(error) || isNotFound(error))) return requeue;
        throw error;
      }
    };

    if (cm === undefined || cm.metadata.deletionTimestamp !== undefined) {
      // The ConfigMap is gone or no longer labelled: remove the Secret we made for it (no GC needed).
      if (secret === undefined || !ownedByAConfigMap || !managedByUs || cm !== undefined) return done;
      const uid = secret.metadata.uid;
      return write(
        () => client.promise.delete({ name, namespace }, { signal, ...(uid === undefined ? {} : { preconditions: { uid } }) }),
        () => {
          record(subject('Secret', secret.metadata), 'Normal', SECRET_REASONS.deleted, `deleted Secret ${name}: its ConfigMap is gone or no longer labelled ${SECRET_LABEL}=true`);
        },
      );
    }

    if (secret !== undefined && owner !== undefined && !ownedByAConfigMap) {
      warn(`${key}: the Secret is controlled by ${owner.kind} "${owner.name}", not by the ConfigMap; left alone`);
      record(subject('ConfigMap', cm.metadata), 'Warning', SECRET_REASONS.notOwned, `Secret ${name} is controlled by ${owner.kind} "${owner.name}"; left alone`);
      return done;
    }
    if (secret !== undefined && owner === undefined) {
      warn(`${key}: a Secret of that name exists and has no controller; left alone`);
      record(subject('ConfigMap', cm.metadata), 'Warning', SECRET_REASONS.notOwned, `Secret ${name} exists and has no controller; left alone`);
      return done;
    }
    const data = desiredSecretData(cm);
    const upToDate =
      secret !== undefined && owner?.uid === cm.metadata.uid && managedByUs && (secret.type ?? 'Opaque') === 'Opaque' && sameData(secret.data ?? {}, data);
    if (upToDate) return done;
    // the cached ConfigMap (a LIST item) has no apiVersion/kind: the resource gives them
    const desired = setControllerReference(cm, {
      apiVersion: 'v1' as const,
      kind: 'Secret' as const,
      metadata: { name, namespace, labels: { [MANAGED_BY]: MANAGER } },
      type: 'Opaque',
      data,
    }, configMapsResource);
    if (isLeft(desired)) throw new Error(`${key}: ${desired.left.message}`);
    return write(
      () => client.promise.apply(desired.right, { force: true, signal }),
      () => {
        const [reason, verb] = secret === undefined ? [SECRET_REASONS.created, 'created'] : [SECRET_REASONS.updated, 'updated'];
        record(subject('ConfigMap', cm.metadata), 'Normal', reason, `${verb} Secret ${name}`);
      },
    );
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
  const recorder = exampleRecorder(kubeConfig, namespace, MANAGER, identity);
  const reconcile = loggedReconciler(
    configMapToSecret({
      configMaps: mgr.informer(cms).store,
      secrets: mgr.informer(secrets).store,
      recorder,
    }),
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
    fieldManager: MANAGER,
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
