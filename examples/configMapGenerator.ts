/**
 * kube-rs's `configmapgen_controller` example, ported to kube-rx. A ConfigMapGenerator custom
 * resource (`configmapgenerators.kube-rx.io`, short name `cmg`; the original's group is
 * `nullable.se`) asks for a ConfigMap of the same name whose `content` key holds its
 * `spec.content`. The controller server-side applies that ConfigMap (field manager
 * `configmapgenerator.kube-rx.io`, forced) with a controller owner reference to the generator, so
 * a cluster's garbage collector deletes it with the generator; changes to an owned ConfigMap
 * (an edit, a delete by hand) trigger the generator again (`ownerKeys`), as kube-rs's `.owns()`
 * does. Beyond the original: an Event (`Normal`, `ConfigMapApplied`) whenever the apply changed
 * the ConfigMap, and `status.observedGeneration` written through the status subresource. Like the
 * original, each generator is reconciled again every 5 minutes, and pressing Enter reconciles all.
 *
 * Run it against the cluster of your kubeconfig:
 *
 *   node --import tsx examples/configMapGenerator.ts --install-crd
 *   kubectl apply -f - <<< '{"apiVersion":"kube-rx.io/v1","kind":"ConfigMapGenerator","metadata":{"name":"g"},"spec":{"content":"hello"}}'
 *   kubectl get configmap g -o jsonpath='{.data.content}'
 *
 * (`npx kube-rx crd examples/configMapGenerator.ts | kubectl apply -f -` installs the CRD instead.)
 *
 * Flags:
 *   --kubeconfig PATH     default: KUBECONFIG, ~/.kube/config or in-cluster
 *   --namespace NS        watch one namespace (default: all, as the original)
 *   --install-crd         apply the CRD and wait until it is Established, then run
 *   --identity ID         this replica's name, in Events and the Lease (default: hostname-pid)
 *   --leader-elect NAME   run the controller only while holding the Lease NAME (in --lease-namespace, default `default`)
 * SIGTERM and SIGINT stop it (exit code 0).
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { fromEvent, map, mergeMap, type Observable, of, switchMap, tap, throwError } from 'rxjs';

import {
  clientEventSink,
  configMaps,
  constrained,
  type ControllerManager,
  controllerManager,
  customResource,
  described,
  done,
  type EventRecorder,
  eventRecorder,
  events,
  httpLeaseClient,
  type KubeConfigLike,
  leaderElection,
  objectClient,
  type ObjectOf,
  ownerKeys,
  type ReconcileResult,
  requeueAfter,
  setControllerReference,
  type Store,
  type Stored,
  terminalError,
  type TrackedReconciler,
  typeMeta,
} from 'kube-rx';

import { defaultIdentity, installCrd, isMain, loadKubeConfig, runToExit } from './support.js';

/** The ConfigMapGenerator resource: `spec.content`, a status subresource with `observedGeneration`. */
export const CONFIGMAP_GENERATOR = customResource({
  group: 'kube-rx.io',
  kind: 'ConfigMapGenerator',
  plural: 'configmapgenerators',
  shortNames: ['cmg'],
  scope: 'Namespaced',
  versions: [
    {
      name: 'v1',
      spec: t.type({ content: described(t.string, 'The value of the `content` key of the generated ConfigMap.') }),
      status: t.partial({ observedGeneration: constrained(t.number, { multipleOf: 1 }) }),
    },
  ],
});
export type ConfigMapGenerator = ObjectOf<typeof CONFIGMAP_GENERATOR>;

/** The field manager of every write. */
export const MANAGER = 'configmapgenerator.kube-rx.io';

/** How often a generator is reconciled again without a change (the original's `Action::requeue`). */
export const RESYNC_MS = 300_000;

/** What the reconciler reads (the informers' caches) and records Events with; it writes with the context's clients. */
export interface GeneratorDeps {
  readonly generators: Store<ConfigMapGenerator>;
  readonly configMaps: Store<Stored<ConfigMap>>;
  readonly recorder: Pick<EventRecorder, 'record'>;
}

/**
 * The reconcile function: apply the generator's ConfigMap (an Event when that changed it), then
 * its `status.observedGeneration` when it lags; requeue after {@link RESYNC_MS}. A generator gone
 * from the cache is done: the garbage collector removes its ConfigMap.
 */
export const reconcileGenerator =
  (deps: GeneratorDeps): TrackedReconciler =>
  (key, _signal, { client }): Observable<ReconcileResult> => {
    const generator = deps.generators.get(key);
    if (generator === undefined) return of(done);
    const { name, namespace, generation = 0 } = generator.metadata;
    const desired = setControllerReference(
      generator,
      { ...typeMeta(configMaps), metadata: { name, ...(namespace === undefined ? {} : { namespace }) }, data: { content: generator.spec.content } },
      CONFIGMAP_GENERATOR,
    );
    if (isLeft(desired)) return throwError(() => terminalError(desired.left.message));
    const before = deps.configMaps.get(key)?.metadata.resourceVersion;
    // the context's clients: field manager MANAGER (the controller's), writes recorded for read-your-writes
    return client(configMaps).apply(desired.right, { force: true }).pipe(
      tap((cm) => {
        if (cm.metadata.resourceVersion === before) return;
        const subject = { ...generator, ...typeMeta(CONFIGMAP_GENERATOR) };
        deps.recorder.record(subject, 'Normal', 'ConfigMapApplied', `ConfigMap ${name} holds content of ${generator.spec.content.length} characters`);
      }),
      switchMap(() =>
        generator.status?.observedGeneration === generation
          ? of(generator)
          : client(CONFIGMAP_GENERATOR).applyStatus({ ...typeMeta(CONFIGMAP_GENERATOR), metadata: generator.metadata, status: { observedGeneration: generation } }),
      ),
      map(() => requeueAfter(RESYNC_MS)),
    );
  };

/** What {@link configMapGeneratorManager} needs. */
export interface GeneratorManagerConfig {
  readonly kubeConfig: KubeConfigLike;
  /** Watch one namespace (default: all). */
  readonly namespace?: string;
  /** `reportingInstance` of the Events. */
  readonly identity: string;
  /** Each value reconciles every generator (the original's `reconcile_all_on`). */
  readonly reconcileAll$?: Observable<unknown>;
}

/**
 * The controller, wired: a manager with the generators and ConfigMaps informers and one
 * controller for generators, triggered by their owned ConfigMaps. `run()` it.
 */
export const configMapGeneratorManager = (config: GeneratorManagerConfig): ControllerManager => {
  const { kubeConfig, identity } = config;
  const scope = config.namespace === undefined ? {} : { namespace: config.namespace };
  const mgr = controllerManager({ kubeConfig });
  const generators = mgr.select('generators', { resource: CONFIGMAP_GENERATOR, ...scope });
  const cms = mgr.select('configmaps', { resource: configMaps, ...scope });
  const generatorStore = mgr.informer(generators).store;
  mgr.controller({
    name: 'configmapgenerator',
    fieldManager: MANAGER,
    // the ConfigMap depends on the generator only: the echo of its own apply is no new work
    readYourWrites: { suppressEchoes: true },
    for: generators,
    triggers: [{ selector: cms, keys: ownerKeys(CONFIGMAP_GENERATOR) }],
    keys: config.reconcileAll$ === undefined ? [] : [config.reconcileAll$.pipe(mergeMap(() => generatorStore.listKeys()))],
    reconcile: reconcileGenerator({
      generators: generatorStore,
      configMaps: mgr.informer(cms).store,
      recorder: eventRecorder({ sink: clientEventSink(objectClient(events, { kubeConfig })), component: MANAGER, host: identity }),
    }),
  });
  return mgr;
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      identity: { type: 'string' },
      'install-crd': { type: 'boolean', default: false },
      'leader-elect': { type: 'string' },
      'lease-namespace': { type: 'string', default: 'default' },
    },
  });
  const identity = values.identity ?? defaultIdentity();
  const kubeConfig = loadKubeConfig(values.kubeconfig);
  if (values['install-crd']) await installCrd(kubeConfig, CONFIGMAP_GENERATOR, MANAGER);
  const mgr = configMapGeneratorManager({
    kubeConfig,
    identity,
    ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
    reconcileAll$: fromEvent(createInterface({ input: process.stdin }), 'line'), // press Enter
  });
  const lease = values['leader-elect'];
  const leader$ = lease === undefined ? undefined : leaderElection({ client: httpLeaseClient(kubeConfig), namespace: values['lease-namespace'], name: lease, identity });
  runToExit(identity, mgr.run({ handleSignals: true, ...(leader$ === undefined ? {} : { leader$ }) }));
};

if (isMain(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
