import { combineLatest, filter, map, type Observable, take } from 'rxjs';

/**
 * Emits `true` once every given informer has synced, then completes. Does not start the
 * informers: subscribe to their events first.
 *
 * Maps to client-go's `cache.WaitForCacheSync` / `WaitForNamedCacheSync`.
 *
 * ```
 * a.synced$:  f----t------
 * b.synced$:  f-------t---
 * result:     --------(t|)
 * ```
 *
 * @example
 * ```ts
 * import { firstValueFrom } from 'rxjs';
 * import { waitForCacheSync, type SharedIndexInformer, type KubeObject } from 'kube-rx';
 * declare const pods: SharedIndexInformer<KubeObject>, nodes: SharedIndexInformer<KubeObject>;
 * await firstValueFrom(waitForCacheSync(pods, nodes));
 * ```
 * @category informer
 * @since 0.1.0
 */
export const waitForCacheSync = (...informers: ReadonlyArray<{ readonly synced$: Observable<boolean> }>): Observable<true> =>
  combineLatest(informers.map((i) => i.synced$)).pipe(
    filter((all) => all.every(Boolean)),
    take(1),
    map(() => true as const),
  );
