import { defer, finalize, type Observable, ReplaySubject, share, tap } from 'rxjs';

/**
 * A cache of discovery documents (`/api`, `/apis`, `/api/v1`, `/apis/{group}/{version}`) per
 * kubeconfig context: the server and the user (different users may see different resources).
 * {@link resolveResource} reads it before asking the server, and the controller manager shares
 * one across its selectors, so resolving many names costs one round of discovery.
 *
 * Maps to client-go's `discovery/cached/memory` (kept until `Invalidate()`) and kubectl's disk
 * cache (`discovery/cached/disk`, whose TTL kubectl sets to 6 hours; 10 minutes before Kubernetes
 * 1.25). Like both, a name that does not resolve from cached documents invalidates the context's
 * documents and is resolved again from the server once (a CRD installed meanwhile).
 *
 * State: per context, per path, the decoded document and the time it was fetched; an entry older
 * than `ttlMs` is fetched again. Requests in flight are shared by whoever asks meanwhile.
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { firstValueFrom } from 'rxjs';
 * import { discoveryCache, resolveResource } from 'kube-rx';
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const cache = discoveryCache();
 * const cm = await firstValueFrom(resolveResource(kubeConfig, 'cm', { cache }));
 * const deploy = await firstValueFrom(resolveResource(kubeConfig, 'deployments.apps', { cache })); // no request
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export interface DiscoveryCache {
  /** The document at `path` for `context`, if fetched less than `ttlMs` ago. */
  get(context: string, path: string): unknown;
  set(context: string, path: string, document: unknown): void;
  /**
   * Fetches the document at `path` for `context` and keeps it; callers asking for the same
   * document while it is in flight share that one request (selectors resolved at once).
   */
  fetch(context: string, path: string, fetch: () => Observable<unknown>): Observable<unknown>;
  /** Forgets every document of `context` (client-go `Invalidate()`). */
  invalidate(context: string): void;
}

/** kubectl's discovery cache TTL: 6 hours. */
export const DEFAULT_DISCOVERY_TTL_MS = 6 * 60 * 60 * 1000;

/**
 * Creates a {@link DiscoveryCache} whose entries live `ttlMs` (default 6 hours, kubectl's).
 *
 * @example
 * ```ts
 * import { discoveryCache } from 'kube-rx';
 * const cache = discoveryCache({ ttlMs: 10 * 60_000 });
 * cache.set('https://example:6443 admin', '/api', { versions: ['v1'] });
 * cache.get('https://example:6443 admin', '/api'); // { versions: ['v1'] }
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const discoveryCache = (options: { readonly ttlMs?: number; readonly now?: () => number } = {}): DiscoveryCache => {
  const { ttlMs = DEFAULT_DISCOVERY_TTL_MS, now = Date.now } = options;
  const contexts = new Map<string, Map<string, { readonly at: number; readonly document: unknown }>>();
  const inFlight = new Map<string, Observable<unknown>>();
  const set = (context: string, path: string, document: unknown): void => {
    const docs = contexts.get(context) ?? new Map<string, { readonly at: number; readonly document: unknown }>();
    docs.set(path, { at: now(), document });
    contexts.set(context, docs);
  };
  return {
    get: (context, path) => {
      const entry = contexts.get(context)?.get(path);
      return entry === undefined || now() - entry.at >= ttlMs ? undefined : entry.document;
    },
    set,
    fetch: (context, path, fetch) =>
      defer(() => {
        const key = `${context}\n${path}`;
        const pending =
          inFlight.get(key) ??
          fetch().pipe(
            tap((document) => {
              set(context, path, document);
            }),
            finalize(() => inFlight.delete(key)),
            share({ connector: () => new ReplaySubject<unknown>(1) }),
          );
        inFlight.set(key, pending);
        return pending;
      }),
    invalidate: (context) => {
      contexts.delete(context);
    },
  };
};
