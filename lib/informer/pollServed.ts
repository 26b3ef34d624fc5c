import { asyncScheduler, catchError, distinctUntilChanged, exhaustMap, type Observable, of, type SchedulerLike, take, timer } from 'rxjs';

import { sameServedState, type ServedState } from '../listwatch/ServedState.js';

/**
 * Options of {@link pollServed}.
 *
 * @category informer
 * @since 0.3.0
 */
export interface PollServedOptions {
  /** Time between the starts of two checks. Default 10 000 ms (controller-runtime's `source.Kind` retry period). */
  readonly intervalMs?: number;
  readonly scheduler?: SchedulerLike;
}

/** controller-runtime retries `GetInformer` for a kind not yet served every 10 s. */
const DEFAULT_POLL_INTERVAL_MS = 10_000;

/**
 * Whether a resource is served, by asking `probe` (e.g. {@link servedByDiscovery}) now and every
 * `intervalMs` after: emits the first answer and then every change (`Unknown` every time: each is
 * a failure to report). A check that errors counts as `Unknown`; a check still running when the
 * next is due is not doubled; only a check's first value counts.
 *
 * Maps to controller-runtime's `source.Kind.Start`, which retries `GetInformer` every 10 s while
 * the kind has no match (a CRD not installed), and to kubectl's `wait --for=condition=established`
 * polling; kube-rs has no built-in equivalent.
 *
 * ```
 * probe():  S (first 2 checks), N after
 * interval: 10
 * result:   S-------------------N---   (checks at 0, 10, 20; no repeat of S at 10)
 * ```
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { pollServed, servedByDiscovery } from 'kube-rx';
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const widgets = { group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };
 * pollServed(() => servedByDiscovery(kubeConfig, widgets), { intervalMs: 5000 }).subscribe((s) => console.log(s._tag));
 * ```
 * @category informer
 * @since 0.3.0
 */
export const pollServed = (probe: () => Observable<ServedState>, options: PollServedOptions = {}): Observable<ServedState> => {
  const { intervalMs = DEFAULT_POLL_INTERVAL_MS, scheduler = asyncScheduler } = options;
  return timer(0, intervalMs, scheduler).pipe(
    exhaustMap(() =>
      probe().pipe(
        take(1),
        catchError((error: unknown) => of<ServedState>({ _tag: 'Unknown', error })),
      ),
    ),
    distinctUntilChanged(sameServedState),
  );
};
