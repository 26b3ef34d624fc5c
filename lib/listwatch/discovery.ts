import { isLeft } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { catchError, concatMap, defer, forkJoin, from, map, mergeMap, type Observable, of, toArray } from 'rxjs';

import { failed } from '../internal/failed.js';
import { messageOf } from '../internal/messageOf.js';
import type { ApiResource } from './ApiResource.js';
import type { DiscoveryCache } from './discoveryCache.js';
import type { ListerWatcherError } from './ListerWatcherError.js';
import { notServed, SERVED, type ServedState } from './ServedState.js';
import { httpErrorOf, isSuccessStatus, type KubeConfigLike, kubeGet, type KubeRequest } from './kubeRequest.js';

const ApiVersionsCodec = t.type({ versions: t.array(t.string) });

const GroupVersionCodec = t.type({ groupVersion: t.string, version: t.string });

const ApiGroupListCodec = t.type({
  groups: t.array(
    t.intersection([
      t.type({ name: t.string, versions: t.array(GroupVersionCodec) }),
      t.partial({ preferredVersion: GroupVersionCodec }),
    ]),
  ),
});

const ApiResourceListCodec = t.type({
  resources: t.array(
    t.intersection([
      t.type({ name: t.string, namespaced: t.boolean, kind: t.string }),
      t.partial({ singularName: t.string, shortNames: t.array(t.string) }),
    ]),
  ),
});

type DiscoveredResource = t.TypeOf<typeof ApiResourceListCodec>['resources'][number];

const DEFAULT_MAX_DISCOVERY_BYTES = 16 * 1024 * 1024;

/**
 * Why {@link resolveResource} failed: a discovery request failed (a {@link ListerWatcherError}
 * with verb `'discovery'` and the path as its resource), or a `ResolveError`:
 *
 * - `NotFound`: no served resource has that name (the message lists the group versions whose
 *   discovery failed, since the resource may live there).
 * - `Ambiguous`: several resources outside the core group match equally well; `candidates` lists
 *   them, and the message shows the qualified names to use instead.
 * - `InvalidDiscovery`: `/api` or `/apis` answered with something that is not a discovery document.
 *
 * Maps to client-go's `meta.NoResourceMatchError` / `meta.AmbiguousResourceError` and
 * `discovery.ErrGroupDiscoveryFailed`.
 *
 * @example
 * ```ts
 * import type { ResolveResourceError } from 'kube-rx';
 * const e: ResolveResourceError = {
 *   _tag: 'ResolveError', reason: 'NotFound', name: 'widgets', candidates: [],
 *   message: 'the server doesn\'t have a resource type "widgets"',
 * };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export type ResolveResourceError =
  | ListerWatcherError
  | {
      readonly _tag: 'ResolveError';
      readonly reason: 'NotFound' | 'Ambiguous' | 'InvalidDiscovery';
      readonly name: string;
      readonly message: string;
      readonly candidates: ReadonlyArray<ApiResource>;
    };

/**
 * Settings of {@link resolveResource}.
 *
 * Maps to the `rest.Config` fields client-go's discovery client reads (`UserAgent`).
 *
 * @example
 * ```ts
 * import type { ResolveResourceConfig } from 'kube-rx';
 * const config: ResolveResourceConfig = { userAgent: 'my-controller/1.0', concurrency: 4 };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export interface ResolveResourceConfig {
  /** `User-Agent` header. Default `kube-rx`. */
  readonly userAgent?: string;
  /** How many `/apis/{group}/{version}` documents are fetched at once. Default 8. */
  readonly concurrency?: number;
  /** Byte-level watchdog of each discovery request, as in {@link KubeRequest}. Default 60 000 ms. */
  readonly idleTimeoutMs?: number;
  /**
   * Largest accepted discovery document in bytes; a larger one errors with `TransportError`
   * `EBODYTOOLARGE` (for `/api` or `/apis`) or skips that group version. Default 16 MiB (a
   * cluster with hundreds of API groups serves an `/apis` of well under 1 MiB).
   */
  readonly maxBodyBytes?: number;
  /**
   * Where discovery documents are kept between calls ({@link discoveryCache}); a name that does
   * not resolve from cached documents invalidates them and is resolved again from the server.
   * Default: no cache (every call asks the server).
   * @since 0.3.0
   */
  readonly cache?: DiscoveryCache;
}

/** What the name asks for: `resource` alone, `resource.group`, and/or `resource.version.group`. */
interface ParsedName {
  readonly resource: string;
  readonly groupResource?: { readonly group: string };
  readonly fullySpecified?: { readonly group: string; readonly version: string };
}

/** kubectl's `schema.ParseResourceArg`: `a.b.c` may be resource.version.group or resource.group. */
const parseName = (name: string): ParsedName => {
  const parts = name.split('.');
  const resource = (parts[0] ?? '').toLowerCase();
  const version = parts[1];
  return {
    resource,
    ...(parts.length >= 2 ? { groupResource: { group: parts.slice(1).join('.') } } : {}),
    ...(parts.length >= 3 && version !== undefined ? { fullySpecified: { group: parts.slice(2).join('.'), version } } : {}),
  };
};

interface Target {
  readonly group: string;
  readonly version: string;
}

type Fetched =
  | { readonly _tag: 'Ok'; readonly target: Target; readonly resources: ReadonlyArray<DiscoveredResource> }
  | { readonly _tag: 'Failed'; readonly target: Target; readonly message: string };

const pathOf = (target: Target): string => (target.group === '' ? `/api/${target.version}` : `/apis/${target.group}/${target.version}`);

const gvOf = (target: Target): string => (target.group === '' ? target.version : `${target.group}/${target.version}`);

const toApiResource = (target: Target, r: DiscoveredResource): ApiResource => ({
  group: target.group,
  version: target.version,
  plural: r.name,
  kind: r.kind,
  namespaced: r.namespaced,
});

/** `plural.version.group` (or `plural.version` in the core group): a name that resolves uniquely. */
const qualified = (r: ApiResource): string => (r.group === '' ? `${r.plural}.${r.version}` : `${r.plural}.${r.version}.${r.group}`);

/** 0: plural; 1: singular or kind; 2: short name; undefined: no match (case-insensitive). */
const rank = (query: string, r: DiscoveredResource): number | undefined => {
  if (r.name.includes('/')) return undefined; // a subresource
  if (r.name.toLowerCase() === query) return 0;
  if ((r.singularName ?? '').toLowerCase() === query || r.kind.toLowerCase() === query) return 1;
  if ((r.shortNames ?? []).some((s) => s.toLowerCase() === query)) return 2;
  return undefined;
};

const resolveError = (
  reason: 'NotFound' | 'Ambiguous' | 'InvalidDiscovery',
  name: string,
  message: string,
  candidates: ReadonlyArray<ApiResource> = [],
): ResolveResourceError => ({ _tag: 'ResolveError', reason, name, message, candidates });

/**
 * Picks the resource among what was discovered, in kubectl's order: a fully specified
 * `resource.version.group` that exists wins; otherwise the best match (plural, then singular or
 * kind, then short name) over the fetched group versions; the core group wins a tie (`events` is
 * `v1` events, not `events.k8s.io`); any other tie is ambiguous.
 */
const pick = (name: string, parsed: ParsedName, fetched: ReadonlyArray<Fetched>): Observable<ApiResource> => {
  const ok = fetched.filter((f): f is Extract<Fetched, { readonly _tag: 'Ok' }> => f._tag === 'Ok');
  const { fullySpecified } = parsed;
  if (fullySpecified !== undefined) {
    for (const f of ok) {
      if (f.target.group !== fullySpecified.group || f.target.version !== fullySpecified.version) continue;
      const hit = f.resources.find((r) => rank(parsed.resource, r) !== undefined);
      if (hit !== undefined) return of(toApiResource(f.target, hit));
    }
  }
  const groupWanted = parsed.groupResource?.group;
  let best: { rank: number; found: ApiResource[] } = { rank: Number.POSITIVE_INFINITY, found: [] };
  for (const f of ok) {
    if (groupWanted !== undefined && f.target.group !== groupWanted) continue;
    for (const r of f.resources) {
      const score = rank(parsed.resource, r);
      if (score === undefined || score > best.rank) continue;
      if (score < best.rank) best = { rank: score, found: [] };
      best.found.push(toApiResource(f.target, r));
    }
  }
  const core = best.found.filter((r) => r.group === '');
  const found = core.length > 0 ? core : best.found;
  const [only, ...others] = found;
  if (only !== undefined && others.length === 0) return of(only);
  if (only !== undefined) {
    return failed(
      resolveError(
        'Ambiguous',
        name,
        `"${name}" matches several resources: ${found.map(qualified).join(', ')}; use one of these names`,
        found,
      ),
    );
  }
  const broken = fetched.filter((f): f is Extract<Fetched, { readonly _tag: 'Failed' }> => f._tag === 'Failed');
  const note = broken.length === 0 ? '' : ` (discovery failed for ${broken.map((f) => `${gvOf(f.target)}: ${f.message}`).join('; ')})`;
  return failed(resolveError('NotFound', name, `the server doesn't have a resource type "${name}"${note}`));
};

/**
 * Resolves a resource name the way kubectl does into an {@link ApiResource}, from the server's
 * discovery documents: `configmaps` (plural), `configmap` (singular), `cm` (short name),
 * `ConfigMap` (kind), `deployments.apps` (resource.group), `deployments.v1.apps` and
 * `widgets.v1.example.com` (resource.version.group), `widgets.example.com`. Names are matched
 * case-insensitively; a group's preferred version is used unless the name gives one.
 *
 * Maps to client-go's `discovery.DiscoveryClient` (`ServerGroups`, `ServerResourcesForGroupVersion`)
 * plus `meta.RESTMapper` (`restmapper.NewShortcutExpander` over a `PriorityRESTMapper`), as
 * kubectl's `ResourceBuilder` uses them.
 *
 * ```
 * resolveResource(kc, 'cm'):   --(R|)     R = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true }
 * resolveResource(kc, 'nope'): --#        # = ResolveError NotFound
 * ```
 *
 * Algorithm:
 * 1. Parse the name: `a` → resource `a`; `a.b…` → resource `a` in group `b…`; `a.b.c…` also →
 *    resource `a`, version `b`, group `c…` (tried first).
 * 2. GET `/api` and `/apis` (in parallel).
 * 3. Choose the group versions to read: a bare name reads the core group (`/api/{first version}`)
 *    and every group's preferred version; a qualified name reads only the named groups (the
 *    named version of the `a.b.c` reading when the group serves it, and the preferred version).
 * 4. GET each `/api/{v}` or `/apis/{g}/{v}` (at most `concurrency` at once). A group version whose
 *    discovery fails is skipped (as kubectl does with an unavailable aggregated API) and named in
 *    a later NotFound message.
 * 5. Match, skipping subresources: the `resource.version.group` reading when it exists; else the
 *    best rank (plural, then singular or kind, then short name); the core group wins a tie; one
 *    match left → it; several → `Ambiguous`; none → `NotFound`.
 *
 * ## Recovery (errors)
 * Errors with a {@link ResolveResourceError}: `HttpError` / `TransportError` (verb `'discovery'`,
 * resource = the failing path, e.g. `/apis`) when `/api` or `/apis` cannot be read;
 * `ResolveError` `NotFound`, `Ambiguous` or `InvalidDiscovery` otherwise. Nothing is retried:
 * discovery runs once, before the informer starts; retry it with `retry({ count, delay })` if the
 * server may still be starting.
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { switchMap } from 'rxjs';
 * import { httpListerWatcher, listThenWatch, resolveResource } from 'kube-rx';
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * resolveResource(kubeConfig, 'deployments.apps')
 *   .pipe(switchMap((resource) => listThenWatch(httpListerWatcher({ kubeConfig, resource }))))
 *   .subscribe((e) => console.log(e._tag));
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const resolveResource = (
  kubeConfig: KubeConfigLike,
  name: string,
  config: ResolveResourceConfig = {},
): Observable<ApiResource> => {
  const { cache } = config;
  if (cache === undefined) return resolveFromServer(kubeConfig, name, config, undefined);
  return defer(() => resolveCached(kubeConfig, name, config, cache));
};

/** One resolution through `cache`: from cached documents, and once more from the server if that misses. */
const resolveCached = (kubeConfig: KubeConfigLike, name: string, config: ResolveResourceConfig, cache: DiscoveryCache): Observable<ApiResource> => {
  const context = discoveryContextOf(kubeConfig);
  let cacheHits = 0;
  const withCache: CachedGet = (path, fetch) => {
    const document = cache.get(context, path);
    if (document === undefined) return cache.fetch(context, path, fetch);
    cacheHits++;
    return of(document);
  };
  return resolveFromServer(kubeConfig, name, config, withCache).pipe(
    catchError((e: unknown) => {
      // a miss on cached documents: forget them and ask the server once (client-go's Fresh() / Invalidate())
      if (cacheHits === 0 || !isResolveError(e) || e.reason !== 'NotFound') return failed<ApiResource>(e);
      cache.invalidate(context);
      return resolveFromServer(kubeConfig, name, config, withCache);
    }),
  );
};

/** The cache key of a kubeconfig context: its server and its user. */
const discoveryContextOf = (kubeConfig: KubeConfigLike): string => {
  const probe = kubeConfig as { readonly getCurrentUser?: () => { readonly name: string } | null };
  const user = typeof probe.getCurrentUser === 'function' ? (probe.getCurrentUser.call(kubeConfig)?.name ?? '') : '';
  return `${kubeConfig.getCurrentCluster()?.server ?? ''} ${user}`;
};

const isResolveError = (e: unknown): e is Extract<ResolveResourceError, { readonly _tag: 'ResolveError' }> =>
  typeof e === 'object' && e !== null && '_tag' in e && e._tag === 'ResolveError';

/** A decoded discovery document of one context: from the cache, or `fetch`ed (shared with concurrent callers) and kept. */
type CachedGet = (path: string, fetch: () => Observable<unknown>) => Observable<unknown>;

/** The GET of one discovery document, with the settings of {@link ResolveResourceConfig}. */
const discoveryRequest = (
  kubeConfig: KubeConfigLike,
  path: string,
  config: Pick<ResolveResourceConfig, 'userAgent' | 'idleTimeoutMs' | 'maxBodyBytes'>,
): KubeRequest => {
  const { userAgent, idleTimeoutMs = 60_000, maxBodyBytes = DEFAULT_MAX_DISCOVERY_BYTES } = config;
  return { kubeConfig, verb: 'discovery', resource: path, path, idleTimeoutMs, maxBodyBytes, ...(userAgent === undefined ? {} : { userAgent }) };
};

const resolveFromServer = (
  kubeConfig: KubeConfigLike,
  name: string,
  config: ResolveResourceConfig,
  cached: CachedGet | undefined,
): Observable<ApiResource> => {
  const { concurrency = 8 } = config;
  const get = <A>(path: string, codec: t.Decoder<unknown, A>): Observable<A> => {
    if (cached === undefined) return fetchDocument(path, codec);
    // only documents decoded with this path's codec are ever kept
    return cached(path, () => fetchDocument(path, codec)) as Observable<A>;
  };
  const fetchDocument = <A>(path: string, codec: t.Decoder<unknown, A>): Observable<A> => {
    const request = discoveryRequest(kubeConfig, path, config);
    return kubeGet(request).pipe(
      concatMap((response) => {
        if (!isSuccessStatus(response.statusCode)) return failed<A>(httpErrorOf(request, response));
        let json: unknown;
        try {
          json = JSON.parse(response.body.toString('utf8'));
        } catch (e: unknown) {
          const why = messageOf(e);
          return failed<A>(resolveError('InvalidDiscovery', name, `discovery ${path}: the response is not JSON: ${why}`));
        }
        const decoded = codec.decode(json);
        return isLeft(decoded)
          ? failed<A>(
              resolveError('InvalidDiscovery', name, `discovery ${path}: unexpected document: ${PathReporter.report(decoded).join('; ')}`),
            )
          : of(decoded.right);
      }),
    );
  };

  const parsed = parseName(name);
  if (parsed.resource === '') return failed(resolveError('NotFound', name, 'an empty resource name'));

  return forkJoin([get('/api', ApiVersionsCodec), get('/apis', ApiGroupListCodec)]).pipe(
    concatMap(([core, { groups }]) => {
      const targets: Target[] = [];
      const add = (target: Target): void => {
        if (!targets.some((x) => x.group === target.group && x.version === target.version)) targets.push(target);
      };
      const preferred = (group: (typeof groups)[number]): string | undefined =>
        group.preferredVersion?.version ?? group.versions[0]?.version;
      const { groupResource, fullySpecified } = parsed;
      if (groupResource === undefined) {
        const coreVersion = core.versions[0];
        if (coreVersion !== undefined) add({ group: '', version: coreVersion });
        for (const g of groups) {
          const v = preferred(g);
          if (v !== undefined) add({ group: g.name, version: v });
        }
      } else {
        for (const g of groups) {
          if (fullySpecified !== undefined && g.name === fullySpecified.group && g.versions.some((v) => v.version === fullySpecified.version)) {
            add({ group: g.name, version: fullySpecified.version });
          }
          const v = preferred(g);
          if (g.name === groupResource.group && v !== undefined) add({ group: g.name, version: v });
        }
      }
      return from(targets).pipe(
        mergeMap(
          (target) =>
            get(pathOf(target), ApiResourceListCodec).pipe(
              map((list): Fetched => ({ _tag: 'Ok', target, resources: list.resources })),
              catchError((e: unknown) =>
                of<Fetched>({
                  _tag: 'Failed',
                  target,
                  message: typeof e === 'object' && e !== null && 'message' in e && typeof e.message === 'string' ? e.message : String(e),
                }),
              ),
            ),
          concurrency,
        ),
        toArray(),
        // mergeMap finishes in any order; match in discovery order (core first, then /apis order).
        map((fetched) => targets.flatMap((target) => fetched.filter((f) => f.target === target))),
        concatMap((fetched) => pick(name, parsed, fetched)),
      );
    }),
  );
};

/**
 * Asks discovery, once, whether the server serves `resource` now: GET `/api/{version}` or
 * `/apis/{group}/{version}` (never from a cache), `Served` when the document lists the plural,
 * `NotServed` when the group version is absent (404) or does not list it, `Unknown` with the
 * {@link ListerWatcherError} when the request failed otherwise. Never errors.
 *
 * Maps to client-go's `discovery.ServerResourcesForGroupVersion` as a RESTMapper re-reads it
 * after `Reset()` (controller-runtime's dynamic RESTMapper, on a `NoKindMatchError`).
 *
 * ```
 * servedByDiscovery(kc, widgets):  --(S|)     or --(N|) (404 / not listed)   or --(U|) (500, transport)
 * ```
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { servedByDiscovery } from 'kube-rx';
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * servedByDiscovery(kubeConfig, { group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true })
 *   .subscribe((s) => console.log(s._tag));
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const servedByDiscovery = (
  kubeConfig: KubeConfigLike,
  resource: ApiResource,
  config: Pick<ResolveResourceConfig, 'userAgent' | 'idleTimeoutMs' | 'maxBodyBytes'> = {},
): Observable<ServedState> => {
  const target: Target = { group: resource.group, version: resource.version };
  const path = pathOf(target);
  const request = discoveryRequest(kubeConfig, path, config);
  return kubeGet(request).pipe(
    map((response): ServedState => {
      if (response.statusCode === 404) return notServed(`the server does not serve ${gvOf(target)}`);
      if (!isSuccessStatus(response.statusCode)) return { _tag: 'Unknown', error: httpErrorOf(request, response) };
      let json: unknown;
      try {
        json = JSON.parse(response.body.toString('utf8'));
      } catch (e: unknown) {
        return { _tag: 'Unknown', error: resolveError('InvalidDiscovery', qualified(resource), `discovery ${path}: the response is not JSON: ${messageOf(e)}`) };
      }
      const decoded = ApiResourceListCodec.decode(json);
      if (isLeft(decoded)) {
        return { _tag: 'Unknown', error: resolveError('InvalidDiscovery', qualified(resource), `discovery ${path}: unexpected document: ${PathReporter.report(decoded).join('; ')}`) };
      }
      return decoded.right.resources.some((r) => r.name === resource.plural)
        ? SERVED
        : notServed(`the server doesn't have a resource type "${qualified(resource)}"`);
    }),
    catchError((error: unknown) => of<ServedState>({ _tag: 'Unknown', error })),
  );
};
