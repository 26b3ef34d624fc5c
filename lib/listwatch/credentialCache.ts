import type { OutgoingHttpHeaders } from 'node:http';
import type { RequestOptions } from 'node:https';

import type { KubeConfig } from '@kubernetes/client-node';

/** What a request needs of a client-node KubeConfig (the same as `KubeConfigLike`). */
type KubeConfigLike = Pick<KubeConfig, 'getCurrentCluster' | 'applyToHTTPSOptions'>;

/** How long the options of an exec or auth-provider user are reused: client-node cannot tell us the credential's expiry. */
export const CREDENTIAL_TTL_MS = 60_000;

interface Entry {
  readonly at: number;
  /** The options `applyToHTTPSOptions` set, once it has run. */
  readonly applied: Promise<RequestOptions>;
}

/** The headers of request options as an object (kube-rx never builds them as an array). */
const headersOf = (options: RequestOptions): OutgoingHttpHeaders =>
  options.headers === undefined || Array.isArray(options.headers) ? {} : (options.headers as OutgoingHttpHeaders);

/** Sets on `options` what `applyToHTTPSOptions` set on `applied`, merging the headers. */
const copyInto = (options: RequestOptions, applied: RequestOptions): void => {
  Object.assign(options, { ...applied, headers: { ...headersOf(options), ...headersOf(applied) } });
};

/** The user of the current context, when the kubeConfig is client-node's (which has `getCurrentUser`). */
const currentUserOf = (kubeConfig: KubeConfigLike): { readonly name: string; readonly exec?: unknown; readonly authProvider?: unknown } | null => {
  const probe = kubeConfig as { readonly getCurrentUser?: () => { readonly name: string; readonly exec?: unknown; readonly authProvider?: unknown } | null };
  return typeof probe.getCurrentUser === 'function' ? probe.getCurrentUser.call(kubeConfig) : null;
};

/**
 * A cache of the TLS and credential options `applyToHTTPSOptions` gives, for users whose
 * credentials come from an exec plugin or an auth provider, so that kube-rx's requests do not run
 * the plugin once per request. client-node 1.4 caches an exec credential per user only while its
 * `expirationTimestamp` lies ahead, and so re-runs a plugin that sets none on every request;
 * client-node 2.x keeps such a credential for good. client-go keeps it until its expiry or the
 * first 401. Here the options of a context (server + user) are reused for `ttlMs` and dropped
 * at once when a request with them is answered 401. Tokens, certificates and basic auth from the
 * kubeconfig itself are cheap and are not cached (a token file is re-read per request, as
 * client-node does).
 *
 * Maps to client-go's `plugin/pkg/client/auth/exec` credential cache and client-node's
 * `ExecAuth.tokenCache`.
 *
 * State: per kubeConfig object (a `WeakMap`, so a dropped kubeConfig takes its entries with it),
 * per `server user`: the options applied and when.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx, used by every request
 * import { credentialCache } from './credentialCache.js';
 * const cache = credentialCache();
 * // await cache.apply(kubeConfig, options); ... on a 401: cache.invalidate(kubeConfig);
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const credentialCache = (ttlMs = CREDENTIAL_TTL_MS, now: () => number = Date.now) => {
  const entries = new WeakMap<KubeConfigLike, Map<string, Entry>>();
  const keyOf = (kubeConfig: KubeConfigLike): string | undefined => {
    const user = currentUserOf(kubeConfig);
    if (user === null || (user.exec === undefined && user.authProvider === undefined)) return undefined;
    return `${kubeConfig.getCurrentCluster()?.server ?? ''} ${user.name}`;
  };
  return {
    /** `applyToHTTPSOptions(options)`, or the options it gave within `ttlMs` for the same context. */
    apply: async (kubeConfig: KubeConfigLike, options: RequestOptions): Promise<void> => {
      const key = keyOf(kubeConfig);
      if (key === undefined) {
        await kubeConfig.applyToHTTPSOptions(options);
        return;
      }
      const perConfig = entries.get(kubeConfig) ?? new Map<string, Entry>();
      entries.set(kubeConfig, perConfig);
      let entry = perConfig.get(key);
      if (entry === undefined || now() - entry.at >= ttlMs) {
        // one run of the plugin for every request that needs it meanwhile (the first requests go out together)
        const applied: RequestOptions = { headers: {} };
        const fresh: Entry = { at: now(), applied: kubeConfig.applyToHTTPSOptions(applied).then(() => applied) };
        perConfig.set(key, fresh);
        fresh.applied.catch(() => {
          if (perConfig.get(key) === fresh) perConfig.delete(key);
        });
        entry = fresh;
      }
      copyInto(options, await entry.applied);
    },
    /** Drops the cached options of the kubeConfig's current context (after a 401). */
    invalidate: (kubeConfig: KubeConfigLike): void => {
      const key = keyOf(kubeConfig);
      if (key !== undefined) entries.get(kubeConfig)?.delete(key);
    },
  };
};
