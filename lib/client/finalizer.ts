import { catchError, defaultIfEmpty, defer, from, map, mergeMap, type Observable, type ObservableInput, of, take, throwError } from 'rxjs';

import { done, requeue, type ReconcileResult } from '../workqueue/ReconcileResult.js';
import { isConflict, isInvalid, isNotFound } from '../listwatch/ListerWatcherError.js';
import type { KubeObject } from '../meta/KubeObject.js';
import { isClientError } from './ClientError.js';
import type { JsonPatchOperation, ObjectClient } from './objectClient.js';

/**
 * What the finalizer helper does with an object, decided from the object alone:
 * - `AddFinalizer`: not being deleted and without our finalizer: add it (then `Apply`);
 * - `Apply`: not being deleted, our finalizer present: reconcile it;
 * - `Cleanup`: being deleted (`deletionTimestamp` set) with our finalizer: clean up, then remove
 *   our finalizer;
 * - `Ignore`: being deleted without our finalizer (we never finalized it, or already did): nothing,
 *   so we never hold up its deletion.
 *
 * Maps to the branches of kube-rs's `runtime::finalizer` (`Event::Apply` / `Event::Cleanup`) and
 * controller-runtime's `controllerutil.ContainsFinalizer` checks.
 *
 * @example
 * ```ts
 * import type { FinalizerAction } from 'kube-rx';
 * const a: FinalizerAction = 'Cleanup';
 * ```
 * @category client
 * @since 0.3.0
 */
export type FinalizerAction = 'AddFinalizer' | 'Apply' | 'Cleanup' | 'Ignore';

/**
 * The pure state machine of the finalizer helper: the next {@link FinalizerAction} for `obj` and
 * the finalizer `name`.
 *
 * ```
 *            deletionTimestamp unset          deletionTimestamp set
 * ours absent   AddFinalizer ──► (event) Apply   Ignore
 * ours present  Apply                          Cleanup ──► remove ours ──► (gone, or Ignore)
 * ```
 *
 * Maps to kube-rs's `finalizer()` decision table.
 *
 * @example
 * ```ts
 * import { finalizerAction } from 'kube-rx';
 * finalizerAction({ metadata: { name: 'a' } }, 'example.com/cleanup'); // 'AddFinalizer'
 * finalizerAction({ metadata: { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z' } }, 'example.com/cleanup'); // 'Ignore'
 * ```
 * @category client
 * @since 0.3.0
 */
export const finalizerAction = (obj: KubeObject, name: string): FinalizerAction => {
  const ours = (obj.metadata.finalizers ?? []).includes(name);
  const deleting = obj.metadata.deletionTimestamp !== undefined && obj.metadata.deletionTimestamp !== null;
  return deleting ? (ours ? 'Cleanup' : 'Ignore') : ours ? 'Apply' : 'AddFinalizer';
};

/** The `test` that makes a patch fail (409/422) when anyone wrote the object since we read it. */
const guard = (obj: KubeObject): JsonPatchOperation => ({ op: 'test', path: '/metadata/resourceVersion', value: obj.metadata.resourceVersion ?? '' });

/**
 * The JSON patch that adds finalizer `name` to `obj`, guarded by a `test` of
 * `metadata.resourceVersion` so that it never overwrites another writer's change to the
 * finalizers (the server refuses it if the object changed since it was read). Pure.
 *
 * Maps to kube-rs's finalizer add patch and controller-runtime's `controllerutil.AddFinalizer`
 * followed by an optimistic-lock patch.
 *
 * @example
 * ```ts
 * import { addFinalizerPatch } from 'kube-rx';
 * addFinalizerPatch({ metadata: { name: 'a', resourceVersion: '7' } }, 'example.com/x');
 * // [{ op: 'test', path: '/metadata/resourceVersion', value: '7' }, { op: 'add', path: '/metadata/finalizers', value: ['example.com/x'] }]
 * ```
 * @category client
 * @since 0.3.0
 */
export const addFinalizerPatch = (obj: KubeObject, name: string): ReadonlyArray<JsonPatchOperation> => [
  guard(obj),
  obj.metadata.finalizers === undefined
    ? { op: 'add', path: '/metadata/finalizers', value: [name] }
    : { op: 'add', path: '/metadata/finalizers/-', value: name },
];

/**
 * The JSON patch that removes finalizer `name` (every occurrence, last first so the indexes hold)
 * and nothing else from `obj`, guarded like {@link addFinalizerPatch}. Empty when `obj` does not
 * have it. Pure.
 *
 * Maps to kube-rs's finalizer removal patch and controller-runtime's
 * `controllerutil.RemoveFinalizer`.
 *
 * @example
 * ```ts
 * import { removeFinalizerPatch } from 'kube-rx';
 * removeFinalizerPatch({ metadata: { name: 'a', resourceVersion: '8', finalizers: ['other', 'example.com/x'] } }, 'example.com/x');
 * // [{ op: 'test', path: '/metadata/resourceVersion', value: '8' }, { op: 'remove', path: '/metadata/finalizers/1' }]
 * ```
 * @category client
 * @since 0.3.0
 */
export const removeFinalizerPatch = (obj: KubeObject, name: string): ReadonlyArray<JsonPatchOperation> => {
  const indexes = (obj.metadata.finalizers ?? []).flatMap((f, i) => (f === name ? [i] : []));
  if (indexes.length === 0) return [];
  return [guard(obj), ...indexes.reverse().map((i): JsonPatchOperation => ({ op: 'remove', path: `/metadata/finalizers/${String(i)}` }))];
};

/**
 * What a finalizer handler returns: what a {@link Reconciler} returns (a result, or nothing for `Done`).
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { requeueAfter, type HandlerResult } from 'kube-rx';
 * const r: HandlerResult = of(requeueAfter(60_000));
 * ```
 * @category client
 * @since 0.3.0
 */
export type HandlerResult = ObservableInput<ReconcileResult> | ObservableInput<void> | ObservableInput<ReconcileResult | undefined>;

/**
 * The two halves of a finalized reconcile: `apply` for an object that lives (it has our
 * finalizer), `cleanup` for one being deleted (release what `apply` created outside of
 * Kubernetes' garbage collection). Both must be idempotent: `cleanup` runs again if removing the
 * finalizer fails. Each returns what a {@link Reconciler} returns.
 *
 * Maps to kube-rs's `finalizer::Event::{Apply, Cleanup}` closure.
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import type { FinalizerHandlers, KubeObject } from 'kube-rx';
 * const handlers: FinalizerHandlers<KubeObject> = { apply: () => of(undefined), cleanup: () => of(undefined) };
 * ```
 * @category client
 * @since 0.3.0
 */
export interface FinalizerHandlers<T extends KubeObject> {
  readonly apply: (obj: T) => HandlerResult;
  readonly cleanup: (obj: T) => HandlerResult;
}

/** The first value of a handler (`Done` when it completes empty). */
const firstResult = (input: () => HandlerResult): Observable<ReconcileResult> =>
  defer((): Observable<unknown> => from(input())).pipe(
    take(1),
    map((r): ReconcileResult => (r === undefined ? done : (r as ReconcileResult))),
    defaultIfEmpty(done),
  );

/**
 * Runs a reconcile behind finalizer `name`, as a cold Observable of the reconcile's result:
 * 1. `obj` undefined (gone from the cache) → `Done`.
 * 2. {@link finalizerAction}:
 *    - `AddFinalizer`: JSON-patch our finalizer in ({@link addFinalizerPatch}), then `apply` the
 *      patched object: the finalizer is on the server before any side effect.
 *    - `Apply`: `apply(obj)`.
 *    - `Cleanup`: `cleanup(obj)`; when it succeeds, JSON-patch our finalizer out
 *      ({@link removeFinalizerPatch}); the object goes once no finalizer is left. A failing cleanup
 *      errors, so {@link reconcileWith} retries it with backoff, and the finalizer stays.
 *    - `Ignore`: `Done`.
 * 3. The guarded patches: a failed `test` or a stale object (409 Conflict, 422 Invalid) →
 *    `Requeue` (the informer brings the fresh object); 404 (already gone) → `Done`; anything else
 *    errors (retried with backoff). Errors of `apply` and `cleanup` pass through unchanged.
 *
 * Maps to kube-rs's `kube::runtime::finalizer(api, name, obj, reconcile)` and controller-runtime's
 * finalizer pattern (`controllerutil.AddFinalizer` / `RemoveFinalizer` + `Update`).
 *
 * ```
 * new object:      patch(add)──apply(obj')──r|          r = apply's result
 * deleted object:  cleanup(obj)──patch(remove)──(Done|)
 * cleanup fails:   cleanup(obj)──#                      reconcileWith retries with backoff
 * stale (409/422): patch──(Requeue|)
 * ```
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import { finalizer, objectClient, configMaps, type Reconciler } from 'kube-rx';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * declare const store: import('kube-rx').Store<import('kube-rx').Stored<import('kubernetes-types/core/v1.js').ConfigMap>>;
 * const client = objectClient(configMaps, { kubeConfig, fieldManager: 'cm-controller' });
 * const reconcile: Reconciler = (key) =>
 *   finalizer(client, 'example.com/cleanup', store.get(key), {
 *     apply: (cm) => of(undefined),   // create what the ConfigMap asks for
 *     cleanup: (cm) => of(undefined), // delete it again
 *   });
 * ```
 * @category client
 * @since 0.3.0
 */
export const finalizer = <T extends KubeObject>(
  client: Pick<ObjectClient<T>, 'jsonPatch'>,
  name: string,
  obj: T | undefined,
  handlers: FinalizerHandlers<T>,
): Observable<ReconcileResult> =>
  defer((): Observable<ReconcileResult> => {
    if (obj === undefined) return of(done);
    const patch = (operations: ReadonlyArray<JsonPatchOperation>, then: (patched: T) => Observable<ReconcileResult>): Observable<ReconcileResult> =>
      client.jsonPatch(obj.metadata, operations).pipe(
        take(1),
        map((patched): { readonly patched: T } | { readonly result: ReconcileResult } => ({ patched })),
        catchError((e: unknown) =>
          isGuardFailure(e) ? of({ result: requeue }) : isGone(e) ? of({ result: done }) : throwError(() => e),
        ),
        mergeMap((o) => ('result' in o ? of(o.result) : then(o.patched))),
      );
    switch (finalizerAction(obj, name)) {
      case 'AddFinalizer':
        return patch(addFinalizerPatch(obj, name), (patched) => firstResult(() => handlers.apply(patched)));
      case 'Apply':
        return firstResult(() => handlers.apply(obj));
      case 'Cleanup':
        return firstResult(() => handlers.cleanup(obj)).pipe(
          mergeMap((result) => patch(removeFinalizerPatch(obj, name), () => of(result))),
        );
      case 'Ignore':
        return of(done);
    }
  });

const isGuardFailure = (e: unknown): boolean => isClientError(e) && (isConflict(e) || isInvalid(e));
const isGone = (e: unknown): boolean => isClientError(e) && isNotFound(e);
