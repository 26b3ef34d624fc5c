/**
 * A controller of a custom resource, built with kube-rx's controllerManager: the CRD
 * `widgets.kube-rx.example.com` (kind Widget, `spec.size`, a `status` subresource with
 * `observedGeneration` and `phase`). Each Widget gets the controller's finalizer first (a guarded
 * JSON patch, kube-rx's `finalizer`); then the reconciler writes its status by server-side apply
 * of the status subresource (identity and status only): `observedGeneration = metadata.generation`,
 * `phase: Ready`; a deleted Widget is cleaned up and its finalizer removed. Objects are decoded
 * with an io-ts codec (`WidgetCodec`, carried by the `WIDGETS` resource); the `generationChanged`
 * predicate keeps the controller's own status writes (which do not bump the generation) from
 * triggering it again.
 *
 * Run it against the cluster of your kubeconfig:
 *
 *   node --import tsx examples/widgetController.ts --install-crd --namespace default
 *   kubectl apply -f - <<< '{"apiVersion":"kube-rx.example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"size":3}}'
 *   kubectl get widget w -o jsonpath='{.status}'
 *
 * Flags:
 *   --kubeconfig PATH   default: KUBECONFIG, ~/.kube/config or in-cluster
 *   --namespace NS      default: default
 *   --install-crd       create the CRD (if absent) and wait until it is Established, then run
 *   --identity ID       the name written in the log (default: hostname-pid)
 *   --log PATH          append {t, identity, key, phase: 'start'|'end'} JSON lines around each reconcile
 * SIGTERM and SIGINT stop it (exit code 0).
 *
 * `reconcileWidget(...)`, `WidgetCodec`, `widgetCrd` and `installWidgetCrd(...)` are exported for tests.
 */
import { parseArgs } from 'node:util';

import {
  ApiextensionsV1Api,
  type KubeConfig,
  V1CustomResourceDefinition,
  V1CustomResourceDefinitionNames,
  V1CustomResourceDefinitionSpec,
  V1CustomResourceDefinitionVersion,
  V1CustomResourceSubresources,
  V1CustomResourceValidation,
  V1JSONSchemaProps,
  V1ObjectMeta,
} from '@kubernetes/client-node';
import * as t from 'io-ts';
import { catchError, map, type Observable, of, throwError } from 'rxjs';

import {
  type ApiResource,
  controllerManager,
  done,
  finalizer,
  generationChanged,
  isClientError,
  isNotFound,
  KubeObjectCodec,
  type ObjectClient,
  objectClient,
  type ReconcileResult,
  type Reconciler,
  type Store,
  type TypedResource,
} from 'kube-rx';

import { defaultIdentity, isMain, loadKubeConfig, loggedReconciler, make, runToExit, statusOf } from './support.js';

/** The Widget resource (what discovery would answer once the CRD is established). */
export const WIDGET_RESOURCE: ApiResource = { group: 'kube-rx.example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };

/** The finalizer the controller puts on every Widget it reconciles (removed after its cleanup). */
export const WIDGET_FINALIZER = 'kube-rx.example.com/cleanup';

/** The field manager of the controller's writes. */
export const WIDGET_MANAGER = 'kube-rx-widgets';

/** A Widget as the controller sees it: metadata, `spec.size`, and the status it writes. */
export const WidgetCodec = t.intersection([
  KubeObjectCodec,
  t.type({ spec: t.type({ size: t.number }) }),
  t.partial({ status: t.partial({ observedGeneration: t.number, phase: t.string }) }),
]);
export type Widget = t.TypeOf<typeof WidgetCodec>;

/** The Widget resource with its codec: the object client and the informer are typed by it. */
export const WIDGETS: TypedResource<Widget> = { ...WIDGET_RESOURCE, codec: WidgetCodec };

/** The Widget status the controller wants. */
export interface WidgetStatus {
  readonly observedGeneration: number;
  readonly phase: 'Ready';
}

/** The status `widget` should have: its generation observed, Ready. */
export const desiredStatus = (widget: Widget): WidgetStatus => ({ observedGeneration: widget.metadata.generation ?? 0, phase: 'Ready' });

const schema = (props: Partial<V1JSONSchemaProps>): V1JSONSchemaProps => make(V1JSONSchemaProps, props);

/** The CustomResourceDefinition of Widgets, with the status subresource. */
export const widgetCrd: V1CustomResourceDefinition = make(V1CustomResourceDefinition, {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: make(V1ObjectMeta, { name: `${WIDGET_RESOURCE.plural}.${WIDGET_RESOURCE.group}` }),
  spec: make(V1CustomResourceDefinitionSpec, {
    group: WIDGET_RESOURCE.group,
    scope: 'Namespaced',
    names: make(V1CustomResourceDefinitionNames, { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' }),
    versions: [
      make(V1CustomResourceDefinitionVersion, {
        name: WIDGET_RESOURCE.version,
        served: true,
        storage: true,
        subresources: make(V1CustomResourceSubresources, { status: {} }),
        schema: make(V1CustomResourceValidation, {
          openAPIV3Schema: schema({
            type: 'object',
            properties: {
              spec: schema({ type: 'object', required: ['size'], properties: { size: schema({ type: 'number', minimum: 0 }) } }),
              status: schema({
                type: 'object',
                properties: { observedGeneration: schema({ type: 'integer' }), phase: schema({ type: 'string' }) },
              }),
            },
          }),
        }),
      }),
    ],
  }),
});

/** Creates the Widget CRD unless it exists, and resolves once it is Established (or rejects after `timeoutMs`). */
export const installWidgetCrd = async (kubeConfig: KubeConfig, timeoutMs = 30_000): Promise<void> => {
  const api = kubeConfig.makeApiClient(ApiextensionsV1Api);
  try {
    await api.createCustomResourceDefinition({ body: widgetCrd });
  } catch (error) {
    if (statusOf(error) !== 409) throw error;
  }
  const name = widgetCrd.metadata?.name ?? '';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const crd = await api.readCustomResourceDefinition({ name });
    if ((crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True')) return;
    if (Date.now() > deadline) throw new Error(`CRD ${name} not Established within ${timeoutMs} ms`);
    await new Promise<void>((resolve) => setTimeout(resolve, 100));
  }
};

/** What the reconciler needs: the Widgets client to write with and the informer's cache. */
export interface WidgetDeps {
  readonly client: Pick<ObjectClient<Widget>, 'applyStatus' | 'jsonPatch'>;
  readonly widgets: Store<Widget>;
  /** Called by the cleanup of a deleted Widget (default: nothing); the place to release what lives outside the cluster. */
  readonly onCleanup?: (widget: Widget) => void;
}

/**
 * The reconcile function, behind the finalizer {@link WIDGET_FINALIZER}: a live Widget first gets
 * the finalizer, then, when its status is not `desiredStatus`, its status is written by
 * server-side apply of the status subresource (identity and status only); a deleted Widget is
 * cleaned up, then the finalizer is removed. A Widget that is gone (404 or absent from the cache)
 * is done. Returns an Observable: reconcileWith unsubscribes it (aborting the request) on shutdown.
 */
export const reconcileWidget =
  (deps: WidgetDeps): Reconciler =>
  (key) =>
    finalizer(deps.client, WIDGET_FINALIZER, deps.widgets.get(key), {
      apply: (widget): Observable<ReconcileResult> => {
        const want = desiredStatus(widget);
        if (widget.status?.observedGeneration === want.observedGeneration && widget.status.phase === want.phase) return of(done);
        return deps.client
          .applyStatus({ apiVersion: `${WIDGET_RESOURCE.group}/${WIDGET_RESOURCE.version}`, kind: 'Widget', metadata: widget.metadata, status: want })
          .pipe(
            map(() => done),
            catchError((e: unknown) => (isClientError(e) && isNotFound(e) ? of(done) : throwError(() => e))),
          );
      },
      cleanup: (widget) => {
        deps.onCleanup?.(widget);
        return of(done);
      },
    });

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string', default: 'default' },
      identity: { type: 'string' },
      'install-crd': { type: 'boolean', default: false },
      log: { type: 'string' },
    },
  });
  const identity = values.identity ?? defaultIdentity();
  const kubeConfig = loadKubeConfig(values.kubeconfig);
  if (values['install-crd']) await installWidgetCrd(kubeConfig);

  const mgr = controllerManager({ kubeConfig });
  const widgets = mgr.select('widgets', { resource: WIDGET_RESOURCE, namespace: values.namespace, codec: WidgetCodec });
  mgr.controller({
    name: 'widgets',
    for: widgets,
    predicates: [generationChanged],
    reconcile: loggedReconciler(
      reconcileWidget({
        client: objectClient(WIDGETS, { kubeConfig, namespace: values.namespace, fieldManager: WIDGET_MANAGER }),
        widgets: mgr.informer(widgets).store,
      }),
      identity,
      values.log,
    ),
  });
  runToExit(identity, mgr.run({ handleSignals: true }));
};

if (isMain(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
