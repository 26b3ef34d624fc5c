/**
 * A controller of a custom resource, built with kube-rx's controllerManager: the CRD
 * `widgets.kube-rx.example.com` (kind Widget, `spec.size`, a `status` subresource with
 * `observedGeneration` and `phase`). Each Widget gets the controller's finalizer first (a guarded
 * JSON patch, kube-rx's `finalizer`); then the reconciler writes its status by server-side apply
 * of the status subresource (identity and status only): `observedGeneration = metadata.generation`,
 * `phase: Ready`; a deleted Widget is cleaned up and its finalizer removed. Objects are decoded
 * with an io-ts codec (`WidgetCodec`, carried by the `WIDGETS` resource); the `generationChanged`
 * predicate keeps the controller's own status writes (which do not bump the generation) from
 * triggering it again. What it does is recorded as core/v1 Events on the Widget (kube-rx's
 * `eventRecorder` through the object client): `StatusUpdated` after a status write, `CleanedUp`
 * once a deleted Widget's cleanup ran (`kubectl describe widget w` shows them).
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

import type { KubeConfig } from '@kubernetes/client-node';
import * as t from 'io-ts';
import { catchError, map, type Observable, of, throwError } from 'rxjs';

import {
  constrained,
  controllerManager,
  crdManifest,
  customResource,
  described,
  done,
  type EventRecorder,
  type EventSubject,
  finalizer,
  generationChanged,
  isClientError,
  isNotFound,
  type ObjectOf,
  type ReconcileResult,
  type Store,
  type TrackedReconciler,
  type TypedResource,
} from 'kube-rx';

import { exampleRecorder } from './exampleRecorder.js';
import { defaultIdentity, installCrd, isMain, loadKubeConfig, loggedReconciler, runToExit } from './support.js';

// -------------------------------------------------------------------------------------------
// The Widget custom resource, defined once: its object type, its runtime codec and its CRD all
// come from this definition (`kube-rx crd examples/widgetController.ts` prints the CRD).
// -------------------------------------------------------------------------------------------

/** The Widget resource: `spec.size` (>= 0), a status subresource with `observedGeneration` and `phase`. */
export const WIDGET_RESOURCE = customResource({
  group: 'kube-rx.example.com',
  kind: 'Widget',
  plural: 'widgets',
  scope: 'Namespaced',
  versions: [
    {
      name: 'v1',
      spec: t.type({ size: described(constrained(t.number, { minimum: 0 }), 'How big the widget is.') }),
      // observedGeneration: a whole number (multipleOf 1) typed as a plain `number`
      status: t.partial({ observedGeneration: constrained(t.number, { multipleOf: 1 }), phase: t.string }),
      printerColumns: [
        { name: 'Size', type: 'number', jsonPath: '.spec.size' },
        { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      ],
    },
  ],
});

/** The finalizer the controller puts on every Widget it reconciles (removed after its cleanup). */
export const WIDGET_FINALIZER = 'kube-rx.example.com/cleanup';

/** The field manager of the controller's writes. */
export const WIDGET_MANAGER = 'kube-rx-widgets';

/** A Widget as the controller sees it: metadata, `spec.size`, and the status it writes. */
export const WidgetCodec = WIDGET_RESOURCE.codec;
export type Widget = ObjectOf<typeof WIDGET_RESOURCE>;

/** The CustomResourceDefinition of Widgets, with the status subresource. */
export const widgetCrd = crdManifest(WIDGET_RESOURCE);

// -------------------------------------------------------------------------------------------

/** The Widget resource (its codec included): the object client and the informer are typed by it. */
export const WIDGETS: TypedResource<Widget> = WIDGET_RESOURCE;

/** The Widget status the controller wants. */
export interface WidgetStatus {
  readonly observedGeneration: number;
  readonly phase: 'Ready';
}

/** The status `widget` should have: its generation observed, Ready. */
export const desiredStatus = (widget: Widget): WidgetStatus => ({ observedGeneration: widget.metadata.generation ?? 0, phase: 'Ready' });

/** Creates the Widget CRD unless it exists, and resolves once it is Established (or rejects after `timeoutMs`). */
export const installWidgetCrd = async (kubeConfig: KubeConfig, timeoutMs = 30_000): Promise<void> => {
  await installCrd(kubeConfig, WIDGET_RESOURCE, WIDGET_MANAGER, timeoutMs);
};

/** What the reconciler needs: the informer's cache (it writes with the context's Widgets client). */
export interface WidgetDeps {
  readonly widgets: Store<Widget>;
  /** Called by the cleanup of a deleted Widget (default: nothing); the place to release what lives outside the cluster. */
  readonly onCleanup?: (widget: Widget) => void;
  /** Where the Events about what it did go (default: none recorded). */
  readonly recorder?: Pick<EventRecorder, 'record'>;
}

/** The Event reasons the controller records. */
export const WIDGET_REASONS = { statusUpdated: 'StatusUpdated', cleanedUp: 'CleanedUp' } as const;

/** The Widget as an Event subject: a cached Widget (a LIST item) has no apiVersion and kind, the resource gives them. */
const subject = (widget: Widget): EventSubject => ({ apiVersion: `${WIDGET_RESOURCE.group}/${WIDGET_RESOURCE.version}`, kind: 'Widget', metadata: widget.metadata });

/**
 * The reconcile function, behind the finalizer {@link WIDGET_FINALIZER}: a live Widget first gets
 * the finalizer, then, when its status is not `desiredStatus`, its status is written by
 * server-side apply of the status subresource (identity and status only); a deleted Widget is
 * cleaned up, then the finalizer is removed. A Widget that is gone (404 or absent from the cache)
 * is done. A status write and a cleanup are recorded as Events (recording never blocks nor fails the
 * reconcile). Returns an Observable: reconcileWith unsubscribes it (aborting the request) on shutdown.
 */
export const reconcileWidget =
  (deps: WidgetDeps): TrackedReconciler =>
  (key, _signal, context) => {
    // field manager: the controller's; every write recorded for read-your-writes
    const client = context.client(WIDGETS);
    return finalizer(client, WIDGET_FINALIZER, deps.widgets.get(key), {
      apply: (widget): Observable<ReconcileResult> => {
        const want = desiredStatus(widget);
        if (widget.status?.observedGeneration === want.observedGeneration && widget.status.phase === want.phase) return of(done);
        return client
          .applyStatus({ apiVersion: `${WIDGET_RESOURCE.group}/${WIDGET_RESOURCE.version}`, kind: 'Widget', metadata: widget.metadata, status: want })
          .pipe(
            map(() => {
              deps.recorder?.record(subject(widget), 'Normal', WIDGET_REASONS.statusUpdated, `observedGeneration ${want.observedGeneration}, phase ${want.phase}`);
              return done;
            }),
            catchError((e: unknown) => (isClientError(e) && isNotFound(e) ? of(done) : throwError(() => e))),
          );
      },
      cleanup: (widget) => {
        deps.onCleanup?.(widget);
        deps.recorder?.record(subject(widget), 'Normal', WIDGET_REASONS.cleanedUp, `cleaned up ${widget.metadata.name}; removing finalizer ${WIDGET_FINALIZER}`);
        return of(done);
      },
    });
  };

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
  const widgets = mgr.select('widgets', { resource: WIDGETS, namespace: values.namespace });
  const recorder = exampleRecorder(kubeConfig, values.namespace, WIDGET_MANAGER, identity);
  mgr.controller({
    name: 'widgets',
    fieldManager: WIDGET_MANAGER,
    for: widgets,
    predicates: [generationChanged],
    reconcile: loggedReconciler(
      reconcileWidget({
        widgets: mgr.informer(widgets).store,
        recorder,
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
