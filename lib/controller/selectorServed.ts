import { catchError, concatWith, defer, EMPTY, map, type Observable, of, type SchedulerLike, takeWhile, tap } from 'rxjs';

import { pollServed } from '../informer/pollServed.js';
import { isCustomGroup, whenServed } from './whenServed.js';
import type { ApiResource } from '../listwatch/ApiResource.js';
import { resolveResource } from '../listwatch/discovery.js';
import type { DiscoveryCache } from '../listwatch/discoveryCache.js';
import type { KubeConfigLike } from '../listwatch/kubeRequest.js';
import { notServed, SERVED, type ServedState } from '../listwatch/ServedState.js';

/**
 * Whether a selector's informer waits for its resource by default: yes for a custom resource
 * (a group with a dot outside `*.k8s.io` and `*.kubernetes.io`: what a CRD can define), named by
 * an {@link ApiResource} or by a name qualified with such a group (`widgets.example.com`,
 * `widgets.v1.example.com`); no for built-in resources, which are always served, and for bare
 * names (`widgets`), which the server alone can place.
 *
 * @example
 * ```ts
 * import { waitsForResourceByDefault } from 'kube-rx';
 * waitsForResourceByDefault('widgets.example.com'); // true
 * waitsForResourceByDefault('deployments.apps'); // false
 * ```
 * @category controller
 * @since 0.3.0
 */
export const waitsForResourceByDefault = (resource: string | ApiResource): boolean => {
  if (typeof resource !== 'string') return isCustomGroup(resource.group);
  const dot = resource.indexOf('.');
  return dot > 0 && isCustomGroup(resource.slice(dot + 1));
};

const isNotFound = (e: unknown): e is { readonly message: string } =>
  typeof e === 'object' && e !== null && '_tag' in e && e._tag === 'ResolveError' && 'reason' in e && e.reason === 'NotFound' && 'message' in e && typeof e.message === 'string';

/**
 * Whether the resource of a selector is served ({@link whenServed}); a resource given by name is
 * first resolved through discovery every `pollIntervalMs` until it resolves (`NotServed` while the
 * server has no such resource type), then watched as an {@link ApiResource}.
 *
 * Maps to controller-runtime's `source.Kind` retrying a kind with no REST mapping yet.
 *
 * ```
 * resolve 'widgets.example.com':  #(NotFound)──#──R
 * result:                         N───────────────S (whenServed of R)─…
 * ```
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { selectorServed } from 'kube-rx';
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * selectorServed(kubeConfig, 'widgets.example.com').subscribe((s) => console.log(s._tag));
 * ```
 * @category controller
 * @since 0.3.0
 */
export const selectorServed = (
  kubeConfig: KubeConfigLike,
  resource: string | ApiResource,
  options: { readonly cache?: DiscoveryCache; readonly pollIntervalMs?: number; readonly scheduler?: SchedulerLike } = {},
): Observable<ServedState> => {
  const { cache, pollIntervalMs, scheduler } = options;
  const timing = { ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }), ...(scheduler === undefined ? {} : { scheduler }) };
  if (typeof resource !== 'string') return whenServed(kubeConfig, resource, timing);
  return defer(() => {
    let resolved: ApiResource | undefined;
    const probe = (): Observable<ServedState> =>
      resolveResource(kubeConfig, resource, cache === undefined ? {} : { cache }).pipe(
        tap((r) => {
          resolved = r;
        }),
        map(() => SERVED),
        catchError((e: unknown) => of<ServedState>(isNotFound(e) ? notServed(e.message) : { _tag: 'Unknown', error: e })),
      );
    return pollServed(probe, { ...(pollIntervalMs === undefined ? {} : { intervalMs: pollIntervalMs }), ...(scheduler === undefined ? {} : { scheduler }) }).pipe(
      takeWhile((s) => s._tag !== 'Served'),
      concatWith(defer(() => (resolved === undefined ? EMPTY : whenServed(kubeConfig, resolved, timing)))),
    );
  });
};
