import { mergeMap, type OperatorFunction } from 'rxjs';

import type { ResourceEvent } from '../informer/ResourceEvent.js';
import type { KubeObject } from '../meta/KubeObject.js';

/**
 * Maps an object to the keys of the objects it should trigger (`namespace/name`, or `name` for
 * cluster-scoped ones).
 *
 * Maps to controller-runtime's `handler.MapFunc` and kube-rs's `watches` mappers.
 *
 * @category controller
 * @since 0.1.0
 */
export type KeyMapper<T> = (obj: T) => ReadonlyArray<string>;

/** The API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → `''`). */
const groupOf = (apiVersion: string): string => {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
};

/**
 * The keys of an object's owners of one kind, from its `ownerReferences`. Owners live in the
 * object's namespace (Kubernetes forbids cross-namespace owners), so the key is
 * `namespace/ownerName`; pass `clusterScoped` for cluster-scoped owner kinds. By default only the
 * controlling owner (`controller: true`) counts, as with controller-runtime's `OnlyControllerOwner`.
 * The owner's resource itself may be passed (a built-in kind such as `configMaps`, a
 * `customResource`): its `kind` and `group` are used, and `namespaced: false` means cluster-scoped.
 *
 * Maps to controller-runtime's `handler.EnqueueRequestForOwner` and kube-rs's `trigger_owners`.
 *
 * @example
 * ```ts
 * import { ownerKeys } from 'kube-rx';
 * const toDeployment = ownerKeys({ kind: 'ReplicaSet', group: 'apps' });
 * toDeployment({
 *   metadata: { name: 'rs-1', namespace: 'ns', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u', controller: true }] },
 * }); // ['ns/web']
 * declare const Widget: import('kube-rx').CustomResource; // a cluster-scoped one gives keys without a namespace
 * const toWidget = ownerKeys(Widget);
 * ```
 * @category controller
 * @since 0.1.0
 */
export const ownerKeys =
  (owner: {
    readonly kind: string;
    readonly group: string;
    readonly controllerOnly?: boolean;
    readonly clusterScoped?: boolean;
    /** From an owner's resource: `false` means cluster-scoped (`clusterScoped` wins when both are given). */
    readonly namespaced?: boolean;
  }): KeyMapper<KubeObject> =>
  (obj) => {
    const { controllerOnly = true, clusterScoped = owner.namespaced === false } = owner;
    const ns = obj.metadata.namespace ?? '';
    return (obj.metadata.ownerReferences ?? [])
      .filter(
        (ref) =>
          ref.kind === owner.kind && groupOf(ref.apiVersion) === owner.group && (!controllerOnly || ref.controller === true),
      )
      .map((ref) => (clusterScoped || ns === '' ? ref.name : `${ns}/${ref.name}`));
  };

/**
 * Turns informer events into the keys a controller should reconcile, through a mapper. For an
 * update, both the old and the new object are mapped (an object that changed owner triggers both
 * owners), and each key is emitted once.
 *
 * Maps to controller-runtime's `handler.EnqueueRequestsFromMapFunc` (and `EnqueueRequestForOwner`
 * with {@link ownerKeys}).
 *
 * ```
 * secrets events:  -A(owner cm/a)--U(owner a→b)-
 * mapKeys(ownerKeys({ kind: 'ConfigMap', group: '' }))
 * keys:            -a--------------(ab)-
 * ```
 *
 * @example
 * ```ts
 * import { mapKeys, ownerKeys, type SharedIndexInformer, type KubeObject } from 'kube-rx';
 * declare const secrets: SharedIndexInformer<KubeObject>;
 * const ownerKeys$ = secrets.events$.pipe(mapKeys(ownerKeys({ kind: 'ConfigMap', group: '' })));
 * ```
 * @category controller
 * @since 0.1.0
 */
export const mapKeys = <T>(mapper: KeyMapper<T>): OperatorFunction<ResourceEvent<T>, string> =>
  mergeMap((e) => {
    const keys = mapper(e.object);
    if (e._tag !== 'Updated') return keys;
    const all = new Set(mapper(e.old));
    for (const k of keys) all.add(k);
    return [...all];
  });

/**
 * The events' own keys: the controller reconciles the object that changed.
 *
 * Maps to controller-runtime's `handler.EnqueueRequestForObject` (`For(...)`).
 *
 * @example
 * ```ts
 * import { ownKeys, type SharedIndexInformer, type KubeObject } from 'kube-rx';
 * declare const configMaps: SharedIndexInformer<KubeObject>;
 * const keys$ = configMaps.events$.pipe(ownKeys());
 * ```
 * @category controller
 * @since 0.1.0
 */
export const ownKeys = <T>(): OperatorFunction<ResourceEvent<T>, string> => mergeMap((e) => [e.key]);
