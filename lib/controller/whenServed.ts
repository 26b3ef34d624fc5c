import { catchError, concat, defer, distinctUntilChanged, EMPTY, filter, map, merge, mergeMap, type Observable, of, type SchedulerLike } from 'rxjs';

import { KubeObjectCodec } from '../meta/KubeObject.js';
import type { ApiResource } from '../listwatch/ApiResource.js';
import { servedByDiscovery } from '../listwatch/discovery.js';
import { httpListerWatcher } from '../listwatch/httpListerWatcher.js';
import { isListerWatcherError } from '../listwatch/ListerWatcherError.js';
import type { KubeConfigLike } from '../listwatch/kubeRequest.js';
import { crdNameOf, crdServedState, sameServedState, type ServedState } from '../listwatch/ServedState.js';
import { pollServed } from '../informer/pollServed.js';
import { sharedIndexInformer } from '../informer/sharedIndexInformer.js';

/**
 * `apiextensions.k8s.io/v1` `customresourcedefinitions`, cluster-scoped.
 *
 * @category controller
 * @since 0.3.0
 */
export const CUSTOM_RESOURCE_DEFINITIONS: ApiResource = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
};

/**
 * Whether a group can hold custom resources: it has a dot and is not a Kubernetes-owned group
 * (`*.k8s.io`, `*.kubernetes.io`, which need an API approval to be defined by CRDs). The core
 * group and `apps`, `batch`, ... are built in.
 *
 * @example
 * ```ts
 * import { isCustomGroup } from 'kube-rx';
 * isCustomGroup('example.com'); // true
 * isCustomGroup('apps'); // false
 * isCustomGroup('metrics.k8s.io'); // false
 * ```
 * @category controller
 * @since 0.3.0
 */
export const isCustomGroup = (group: string): boolean =>
  group.includes('.') && !/(^|\.)(k8s\.io|kubernetes\.io)$/.test(group);

/**
 * Options of {@link whenServed}.
 *
 * @category controller
 * @since 0.3.0
 */
export interface WhenServedConfig {
  /**
   * `crd` (default for custom groups): watch the resource's CustomResourceDefinition with an
   * informer (one object, by field selector), falling back to `discovery` when that is not
   * allowed (403) or not served (404). `discovery`: poll the group version's discovery document.
   */
  readonly via?: 'crd' | 'discovery';
  /** Polling period of `discovery` (default 10 000 ms). */
  readonly pollIntervalMs?: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Whether the API server serves `resource`, as a stream of {@link ServedState} changes: the first
 * state as soon as it is known, then every change. For a custom resource it watches its
 * CustomResourceDefinition (`Served` once it is `Established` and serves the version, `NotServed`
 * when absent, not established or being deleted); where the CRD cannot be read (RBAC forbids
 * it, or the server has no apiextensions), or for a resource of another group, it polls
 * discovery ({@link pollServed} over {@link servedByDiscovery}). Drive an informer with it
 * (`served$` of {@link SharedIndexInformerConfig}); the controller manager does so for selectors
 * with `waitForResource`.
 *
 * Maps to controller-runtime's `source.Kind` waiting for a kind's CRD (issue #2983 and its
 * `RemoveInformer` follow-ups) and to client-go's dynamic informers, which cannot stop on CRD
 * deletion (kubernetes#79610) — here the informer stops cleanly and resumes.
 *
 * ```
 * CRD:     (absent)───created──Established──────deleted(Terminating)──gone──created──Established
 * result:  N──────────────────S──────────────────N──────────────────────────────────S
 * ```
 *
 * Algorithm (`crd`): a {@link sharedIndexInformer} on `customresourcedefinitions` with
 * `fieldSelector=metadata.name=<plural>.<group>` and `failFast`; once synced, after each event,
 * the state is {@link crdServedState} of the stored CRD; repeats are dropped. Each failed request of
 * that informer is emitted as `Unknown` (it retries with backoff); after a terminal one (401, 403, 400,
 * or 404 before the sync) the stream goes on with discovery polling.
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { httpListerWatcher, sharedIndexInformer, whenServed } from 'kube-rx';
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const widgets = { group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };
 * const informer = sharedIndexInformer(httpListerWatcher({ kubeConfig, resource: widgets }), {
 *   served$: whenServed(kubeConfig, widgets),
 * });
 * informer.status$.subscribe((s) => console.log(s)); // { _tag: 'Stopped', reason: 'NotServed', … } until the CRD is established
 * ```
 * @category controller
 * @since 0.3.0
 */
export const whenServed = (kubeConfig: KubeConfigLike, resource: ApiResource, config: WhenServedConfig = {}): Observable<ServedState> => {
  const { via = isCustomGroup(resource.group) ? 'crd' : 'discovery', pollIntervalMs, scheduler } = config;
  const poll$ = pollServed(() => servedByDiscovery(kubeConfig, resource), {
    ...(pollIntervalMs === undefined ? {} : { intervalMs: pollIntervalMs }),
    ...(scheduler === undefined ? {} : { scheduler }),
  });
  if (via === 'discovery') return poll$;
  return defer(() => {
    const name = crdNameOf(resource);
    const crds = sharedIndexInformer(
      httpListerWatcher({ kubeConfig, resource: CUSTOM_RESOURCE_DEFINITIONS, fieldSelector: `metadata.name=${name}`, codec: KubeObjectCodec }),
      { failFast: true, name: `crd ${name}`, keyFunc: (o) => o.metadata.name, ...(scheduler === undefined ? {} : { scheduler }) },
    );
    return merge(
      // failures of the CRD informer (retried by it) are reported as they come
      crds.problems$.pipe(
        mergeMap((p) =>
          // failed requests only: 410 relists and short watches are the reflector's routine
          p._tag === 'ReflectorError' && (p.error._tag === 'ListFailed' || p.error._tag === 'WatchFailed')
            ? of<ServedState>({ _tag: 'Unknown', error: p.error.error })
            : EMPTY,
        ),
      ),
      merge(crds.events$, crds.synced$).pipe(
        filter(() => crds.hasSynced()),
        map(() => crdServedState(crds.store.get(name), resource)),
        distinctUntilChanged(sameServedState),
      ),
    ).pipe(
      // the CRD cannot be read (reported on problems$ just before): ask discovery instead
      catchError((error: unknown) => (isListerWatcherError(error) ? poll$ : concat(of<ServedState>({ _tag: 'Unknown', error }), poll$))),
    );
  });
};
