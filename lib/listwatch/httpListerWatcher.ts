import { isLeft } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { catchError, Observable, timeout } from 'rxjs';

import { type KubeObject, KubeObjectCodec } from '../meta/KubeObject.js';
import { type PartialObjectMetadata, PartialObjectMetadataCodec } from '../meta/PartialObjectMetadata.js';
import { failed } from '../internal/failed.js';
import { type ApiResource, collectionPath, resourceName } from './ApiResource.js';
import type { TypedResource } from './TypedResource.js';
import { decodeWatchLines } from './decodeWatchLine.js';
import type { ListerWatcher, ListItemReuse, ListOptions, ListPage, WatchEvent, WatchOptions } from './ListerWatcher.js';
import { httpError, STREAMING_LIST_SILENT, transportError } from './ListerWatcherError.js';
import { BODY_TOO_LARGE, type KubeConfigLike, type KubeRequest, kubeStream } from './kubeRequest.js';
import { listBodyDecoder } from './listBodyDecoder.js';
import { pagePrefetch } from './pagePrefetch.js';
import { DEFAULT_MAX_LINE_BYTES, type LineTooLong, splitLines } from './splitLines.js';

/**
 * Settings of {@link httpListerWatcher}.
 *
 * Maps to client-go's `cache.NewFilteredListWatchFromClient` arguments (client, resource,
 * namespace, `ListOptions` tweaks) plus transport limits client-go keeps in `rest.Config`.
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import type { HttpListerWatcherConfig, KubeObject } from 'kube-rx';
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const config: HttpListerWatcherConfig<KubeObject> = {
 *   kubeConfig,
 *   resource: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
 *   namespace: 'default',
 *   labelSelector: 'app=web',
 * };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export interface HttpListerWatcherConfig<T> {
  /**
   * A client-node `KubeConfig` (1.4 or 2.x): the current cluster's server URL, and
   * `applyToHTTPSOptions` for TLS, credentials (tokens, client certificates, exec/OIDC plugins)
   * and proxies. Called once per request, so refreshed tokens are picked up.
   */
  readonly kubeConfig: KubeConfigLike;
  /** The resource; a {@link TypedResource} also gives the object type `T` and its decoder. */
  readonly resource: ApiResource | TypedResource<T & KubeObject>;
  /**
   * Decoder of each object. Default: the `codec` of a {@link TypedResource}, else
   * `KubeObjectCodec` (metadata checked, everything else kept, typed `KubeObject`). The object
   * type comes from here or from the typed resource: `httpListerWatcher<ConfigMap>(...)` with
   * neither does not type-check, since only the metadata would have been checked.
   */
  readonly codec?: t.Decoder<unknown, T>;
  /** A namespaced resource: only this namespace. Absent (or `''`): all namespaces. Ignored for cluster-scoped resources. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /**
   * Byte-level watchdog: when no byte arrives for this long (counted from the start of the
   * request, then from the response head and each chunk), the request is destroyed and the
   * Observable errors with a `TransportError` with code `'ETIMEDOUT'` (never sooner, at most a
   * quarter of the limit later). It catches half-open TCP connections that would otherwise hang
   * forever. `Infinity`: no byte-level watchdog.
   *
   * Default: for a watch, `(timeoutSeconds + 30) * 1000` of that watch (330 000 ms without a
   * `timeoutSeconds`): the server closes the watch itself after `timeoutSeconds`, and bookmarks
   * keep a healthy quiet watch busy well before that, so only a dead connection stays silent
   * longer. For a LIST page: 330 000 ms.
   */
  readonly watchIdleTimeoutMs?: number;
  /**
   * How long a streaming-list WATCH (`sendInitialEvents=true`, the reflector's default
   * `initialList: 'auto'`) may stay without any event before this ListerWatcher gives up on it
   * with a `TransportError` {@link STREAMING_LIST_SILENT}, which the reflector takes as "the server
   * does not serve streaming lists" and lists in pages from then on. A server that serves them
   * sends the first initial event, or the initial-events-end bookmark of an empty list, as soon
   * as its cache is fresh; one that ignores the parameters watches from now and says nothing.
   * Default 5000 ms.
   * @since 0.3.0
   */
  readonly streamingListFirstEventMs?: number;
  /**
   * Longest accepted watch line (one event, so one object) in bytes (see {@link splitLines}); a
   * longer one errors the watch with `TransportError` `ELINETOOLONG`. Default 16 MiB: objects
   * are bounded by etcd's request size (1.5 MiB by default; kube-apiserver refuses request
   * bodies over 3 MiB), and even the JSON of a protobuf-stored object stays well below 16 MiB.
   * Raise it only for an aggregated API server that serves larger objects.
   */
  readonly maxLineBytes?: number;
  /**
   * Largest accepted LIST response (one page) in bytes; past it the request is destroyed and the
   * list errors with `TransportError` `EBODYTOOLARGE`, whose message suggests a smaller page size.
   * Lists, unlike objects, have no server-side bound (a LIST at resourceVersion 0 served from the
   * watch cache may even ignore `limit`). The body is decoded as it streams in, item by item
   * ({@link listBodyDecoder}), so no limit follows from V8's longest string; each item is bounded
   * by `maxLineBytes`. Default: no limit, as in client-go (the objects are cached anyway).
   */
  readonly maxListBytes?: number;
  /** `User-Agent` header. Default `kube-rx`. */
  readonly userAgent?: string;
  /**
   * Metadata only: ask the server for `PartialObjectMetadataList` pages and `PartialObjectMetadata`
   * watch events ({@link PARTIAL_OBJECT_METADATA_LIST_ACCEPT}, {@link PARTIAL_OBJECT_METADATA_ACCEPT}),
   * and decode them with {@link PartialObjectMetadataCodec}: the objects are
   * `PartialObjectMetadata` (no `spec`, `status` or `data` ever crosses the wire or reaches the
   * cache). Takes no `codec`. A server that answers with full objects anyway (the Accept header
   * falls back to `application/json`) still yields metadata only. Default `false`.
   *
   * Maps to client-go's metadata client (`metadata.NewForConfig`, used by
   * `metadatainformer.NewFilteredMetadataInformer`) and kube-rs's `metadata_watcher`.
   * @since 0.3.0
   */
  readonly metadataOnly?: boolean;
  /**
   * Paged LISTs fetch one page ahead: the next page is requested as soon as a page's continue
   * token arrives (with its first bytes), so the server prepares page n+1 while page n decodes.
   * The pages, their order and their errors are those of requests made one after the other; at
   * most two requests are in flight and one page is held ahead. Default `true`.
   *
   * Maps to nothing in client-go (its pager waits for each page); `false` pages as it does.
   * @since 0.3.0
   */
  readonly prefetchPages?: boolean;
}

/**
 * The `Accept` header of a metadata-only LIST: `PartialObjectMetadataList` in JSON, else plain
 * JSON (then {@link PartialObjectMetadataCodec} reduces each item to its metadata).
 *
 * Maps to the Accept header of client-go's metadata client `List` (without its protobuf
 * alternative) and kube-rs's `Request::list_metadata`.
 *
 * @example
 * ```ts
 * import { PARTIAL_OBJECT_METADATA_LIST_ACCEPT } from 'kube-rx/protocol';
 * PARTIAL_OBJECT_METADATA_LIST_ACCEPT; // 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json'
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const PARTIAL_OBJECT_METADATA_LIST_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/**
 * The `Accept` header of a metadata-only WATCH: each event's object as `PartialObjectMetadata`
 * in JSON, else plain JSON.
 *
 * Maps to the Accept header of client-go's metadata client `Watch` (without its protobuf
 * alternative) and kube-rs's `Request::watch_metadata`.
 *
 * @example
 * ```ts
 * import { PARTIAL_OBJECT_METADATA_ACCEPT } from 'kube-rx/protocol';
 * PARTIAL_OBJECT_METADATA_ACCEPT; // 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json'
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const PARTIAL_OBJECT_METADATA_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

const DEFAULT_IDLE_MS = 330_000;
const DEFAULT_STREAMING_LIST_FIRST_EVENT_MS = 5_000;

/** Code of the `TransportError` a watch errors with when one line exceeds `maxLineBytes`. */
const LINE_TOO_LONG = 'ELINETOOLONG';

const isLineTooLong = (e: unknown): e is LineTooLong =>
  typeof e === 'object' && e !== null && '_tag' in e && e._tag === 'LineTooLong';


const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);

/**
 * The query of a LIST page: `resourceVersion` (left out when `''`), `resourceVersionMatch`,
 * `limit` (left out when absent or 0), `continue`, and the selectors.
 */
const listQuery = (
  options: ListOptions,
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
): Record<string, string | undefined> => ({
  resourceVersion: nonEmpty(options.resourceVersion),
  resourceVersionMatch: options.resourceVersionMatch,
  limit: options.limit === undefined || options.limit <= 0 ? undefined : String(options.limit),
  continue: nonEmpty(options.continue),
  labelSelector: nonEmpty(labelSelector),
  fieldSelector: nonEmpty(fieldSelector),
});

/** The query of a WATCH: `watch=true` plus the options and selectors. */
const watchQuery = (
  options: WatchOptions,
  labelSelector: string | undefined,
  fieldSelector: string | undefined,
): Record<string, string | undefined> => ({
  watch: 'true',
  resourceVersion: nonEmpty(options.resourceVersion),
  allowWatchBookmarks: options.allowWatchBookmarks ? 'true' : undefined,
  timeoutSeconds: options.timeoutSeconds === undefined ? undefined : String(options.timeoutSeconds),
  sendInitialEvents: options.sendInitialEvents === undefined ? undefined : String(options.sendInitialEvents),
  resourceVersionMatch: options.resourceVersionMatch,
  labelSelector: nonEmpty(labelSelector),
  fieldSelector: nonEmpty(fieldSelector),
});

/**
 * One LIST request, decoded as its body streams in ({@link listBodyDecoder}): a 2xx answer emits
 * its page and completes; another status errors with the `HttpError` of `kubeStream`; a body that
 * is no list errors with an `HttpError` `InvalidBody`; a body over `maxListBytes`, or one item
 * over `maxItemBytes`, destroys the request and errors with `TransportError` `EBODYTOOLARGE`.
 */
const listRequest = <T>(
  request: KubeRequest,
  codec: t.Decoder<unknown, T>,
  maxListBytes: number,
  maxItemBytes: number,
  onContinue?: (token: string) => void,
  reuse?: ListItemReuse<T>,
): Observable<ListPage<T>> =>
  new Observable<ListPage<T>>((subscriber) => {
    const decoder = listBodyDecoder(codec, reuse === undefined ? { maxItemBytes } : { maxItemBytes, reuse });
    /** Whom to tell the continue token, until told. */
    let tell = onContinue;
    const tooLarge = (what: string): void => {
      subscriber.error(transportError('list', request.resource, `list ${request.resource}: ${what}`, BODY_TOO_LARGE));
    };
    const bounded = Number.isFinite(maxListBytes) ? { ...request, maxBodyBytes: maxListBytes } : request;
    return kubeStream(bounded).subscribe({
      next: (chunk) => {
        let accepted: boolean;
        try {
          accepted = decoder.write(chunk);
        } catch (e: unknown) {
          // only `reuse` throws: the error is the caller's own
          subscriber.error(e);
          return;
        }
        if (!accepted) {
          tooLarge(`an object of the response is larger than maxLineBytes (${maxItemBytes} bytes; ${decoder.oversized() ?? 0} seen), so it was not read`);
          return;
        }
        // asked once, when the items array begins (the token is final then; most pages have none)
        if (tell !== undefined && decoder.itemsBegun()) {
          const told = tell;
          tell = undefined;
          const token = decoder.continueToken();
          if (token !== undefined) told(token);
        }
      },
      error: (e: unknown) => {
        if (typeof e === 'object' && e !== null && (e as { code?: unknown }).code === BODY_TOO_LARGE) {
          tooLarge(
            `the response is larger than maxListBytes (${maxListBytes} bytes), so it was not read: ` +
              "ask for smaller pages (the reflector's pageSize, default 500), use initialList: 'stream', or raise maxListBytes",
          );
        } else {
          subscriber.error(e);
        }
      },
      complete: () => {
        let page: ReturnType<typeof decoder.end>;
        try {
          page = decoder.end();
        } catch (e: unknown) {
          subscriber.error(e);
          return;
        }
        if (isLeft(page)) {
          subscriber.error(
            httpError(request.verb, request.resource, 200, {
              reason: 'InvalidBody',
              message: `${request.verb} ${request.resource}: the response is not a list: ${page.left.errors.join('; ')}`,
            }),
          );
          return;
        }
        subscriber.next(page.right);
        subscriber.complete();
      },
    });
  });

/**
 * The decoder of a {@link HttpListerWatcherConfig} (or of a manager's selector): its `codec`, else
 * its typed resource's, else `KubeObjectCodec`. The signatures of {@link HttpListerWatcherFactory} let `T` be narrower than
 * `KubeObject` only with one of the first two, so the last one's `KubeObject` is `T` there.
 *
 * @category listwatch
 * @since 0.3.0
 */
export const codecOf = <T extends KubeObject>(config: {
  readonly resource: string | ApiResource | TypedResource<T>;
  readonly codec?: t.Decoder<unknown, T>;
}): t.Decoder<unknown, T> => {
  const { resource } = config;
  if (config.codec !== undefined) return config.codec;
  return typeof resource !== 'string' && 'codec' in resource ? resource.codec : (KubeObjectCodec as unknown as t.Decoder<unknown, T>);
};

/**
 * The signatures of {@link httpListerWatcher}: the object type comes from a {@link TypedResource}
 * or from a `codec`; with neither it is `KubeObject` (a type argument alone would be an unchecked
 * cast, so it is refused).
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { httpListerWatcher, type KubeObject, KubeObjectCodec, type TypedResource } from 'kube-rx';
 * const kubeConfig = new KubeConfig();
 * const widgets: TypedResource<KubeObject & { spec?: unknown }> = {
 *   group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true, codec: KubeObjectCodec,
 * };
 * const lw = httpListerWatcher({ kubeConfig, resource: widgets }); // ListerWatcher<KubeObject & { spec?: unknown }>
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export interface HttpListerWatcherFactory {
  /** `metadataOnly: true`: {@link PartialObjectMetadata}, whatever the resource (since 0.3.0). */
  (
    config: Omit<HttpListerWatcherConfig<PartialObjectMetadata>, 'resource' | 'codec' | 'metadataOnly'> & {
      readonly resource: ApiResource;
      readonly metadataOnly: true;
    },
  ): ListerWatcher<PartialObjectMetadata>;
  /** `T` from the typed resource (and its decoder, unless `codec` overrides it). */
  <T extends KubeObject>(
    config: Omit<HttpListerWatcherConfig<T>, 'resource' | 'codec' | 'metadataOnly'> & {
      readonly resource: TypedResource<T>;
      readonly codec?: t.Decoder<unknown, T>;
      readonly metadataOnly?: false;
    },
  ): ListerWatcher<T>;
  /** `T` from the codec. */
  <T extends KubeObject>(
    // eslint-disable-next-line @typescript-eslint/unified-signatures -- one signature per source of `T`: a union of the two configs defeats its inference
    config: Omit<HttpListerWatcherConfig<T>, 'codec' | 'metadataOnly'> & { readonly codec: t.Decoder<unknown, T>; readonly metadataOnly?: false },
  ): ListerWatcher<T>;
  /** No codec: `KubeObject`, metadata checked and the rest kept as the server sent it. */
  (config: HttpListerWatcherConfig<KubeObject>): ListerWatcher<KubeObject>;
}

/**
 * A {@link ListerWatcher} over HTTP for any resource: LIST pages and WATCH streams straight from
 * the API server with `node:http` / `node:https`, using the TLS material, credentials and proxy
 * that the client-node `KubeConfig` provides. Each `list` / `watch` call returns a cold
 * Observable: subscribing sends the request, unsubscribing destroys it (and its socket).
 *
 * Maps to client-go's `cache.NewListWatchFromClient` / `NewFilteredListWatchFromClient` over
 * `rest.Request.Do` (LIST) and `rest.Request.Watch` (WATCH, with `watch.StreamWatcher`).
 *
 * ```
 * list(o):      -------(P|)        P = ListPage (bad items in page.invalid, the page is kept)
 *               -------#           # = HttpError (non-2xx, or a body that is not a list) | TransportError
 * watch(o):     ---a--b-i--k---|   a,b = Added/Modified/Deleted, i = Invalid (bad line), k = Bookmark
 *                                  | = the server ended the response cleanly (timeoutSeconds)
 *               ---a--#            # = TransportError ECONNRESET (connection dropped, even mid-line)
 *               ---a------- idle #   # = TransportError ETIMEDOUT (no byte for watchIdleTimeoutMs)
 *               ---#               # = HttpError (401/403/404/410/429/5xx at watch start)
 * ```
 *
 * With `metadataOnly: true` both requests ask for `PartialObjectMetadata`
 * ({@link PARTIAL_OBJECT_METADATA_LIST_ACCEPT}, {@link PARTIAL_OBJECT_METADATA_ACCEPT}) and every
 * object is a {@link PartialObjectMetadata}: client-go's metadata informer, kube-rs's
 * `metadata_watcher`.
 *
 * Algorithm of `watch`:
 * 1. GET the collection with `watch=true` and the options (`resourceVersion` left out when `''`).
 * 2. A non-2xx answer: read its body, error with `HttpError` (Status, reason, Retry-After).
 * 3. A 2xx answer: body chunks → {@link splitLines} (`maxLineBytes`) → `decodeWatchLine` with
 *    the codec → `WatchEvent`s. A line that does not decode is an `Invalid` event and the stream
 *    goes on. In-stream `ERROR` events (a 410 Status, say) are `Error` events, not errors.
 * 4. The response ends cleanly: complete. It is cut: error with `TransportError`.
 *
 * ## Recovery (errors)
 * Errors are always a {@link ListerWatcherError} (verb `list` / `watch`, resource `plural.group`):
 * - `HttpError` with the server's code, its decoded `Status`, `reason`, and `retryAfterSeconds`
 *   (from `Retry-After`, else from `status.details.retryAfterSeconds`); the message names verb,
 *   resource and namespace plus the server's message, e.g.
 *   `watch configmaps in namespace "default": Forbidden: configmaps is forbidden: User "x" …`,
 *   and never contains a token or key. A 2xx LIST body that is not a list: `HttpError` with reason
 *   `InvalidBody`.
 * - `TransportError` with the system code: `ECONNREFUSED`, `ECONNRESET` (also for a response cut
 *   short), `ENOTFOUND`, TLS codes (`DEPTH_ZERO_SELF_SIGNED_CERT`, `SELF_SIGNED_CERT_IN_CHAIN`,
 *   `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, `ERR_TLS_CERT_ALTNAME_INVALID`, …), `ETIMEDOUT` for the
 *   byte-level watchdog, `ELINETOOLONG` for a watch line longer than `maxLineBytes`,
 *   `EBODYTOOLARGE` for a LIST response larger than `maxListBytes` (the message suggests a
 *   smaller page size), and
 *   `EKUBECONFIG` when the kubeconfig has no cluster or `applyToHTTPSOptions` fails (an exec
 *   plugin error, `http:` without `insecure-skip-tls-verify`).
 * All of these are retriable for {@link listThenWatch}: it backs off and re-watches (transport) or
 * relists (410), per `isRetriableWatchError` / `isExpired`; a `403 Forbidden` is retried with
 * the same backoff (never a storm). TLS verification stays on unless the kubeconfig says
 * `insecure-skip-tls-verify`, and then a one-time `KUBE_RX_INSECURE_TLS` process warning says so.
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { httpListerWatcher, listThenWatch } from 'kube-rx';
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const lw = httpListerWatcher({
 *   kubeConfig,
 *   resource: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
 *   namespace: 'default',
 * });
 * const sub = listThenWatch(lw).subscribe((e) => console.log(e._tag));
 * // later: sub.unsubscribe() aborts the watch in flight
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const httpListerWatcher: HttpListerWatcherFactory = <T extends KubeObject>(config: HttpListerWatcherConfig<T>): ListerWatcher<T> => {
  const { kubeConfig, resource, namespace, labelSelector, fieldSelector, watchIdleTimeoutMs, userAgent, metadataOnly = false } = config;
  const firstEventMs = config.streamingListFirstEventMs ?? DEFAULT_STREAMING_LIST_FIRST_EVENT_MS;
  const maxLineBytes = config.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const maxListBytes = config.maxListBytes ?? Number.POSITIVE_INFINITY;
  // metadataOnly: the factory's signatures make T PartialObjectMetadata then
  const codec = metadataOnly ? (PartialObjectMetadataCodec as unknown as t.Decoder<unknown, T>) : codecOf(config);
  const label = resourceName(resource);
  const path = collectionPath(resource, namespace);
  const requestFor = (
    verb: 'list' | 'watch',
    query: Record<string, string | undefined>,
    idleTimeoutMs: number,
  ): KubeRequest => ({
    kubeConfig,
    verb,
    ...(metadataOnly ? { accept: verb === 'list' ? PARTIAL_OBJECT_METADATA_LIST_ACCEPT : PARTIAL_OBJECT_METADATA_ACCEPT } : {}),
    resource: label,
    namespaced: resource.namespaced,
    ...(resource.namespaced && namespace !== undefined && namespace !== '' ? { namespace } : {}),
    path,
    query,
    idleTimeoutMs,
    ...(userAgent === undefined ? {} : { userAgent }),
  });

  const fetchPage = (options: ListOptions, onContinue?: (token: string) => void, reuse?: ListItemReuse<T>): Observable<ListPage<T>> =>
    listRequest(requestFor('list', listQuery(options, labelSelector, fieldSelector), watchIdleTimeoutMs ?? DEFAULT_IDLE_MS), codec, maxListBytes, maxLineBytes, onContinue, reuse);
  const list = config.prefetchPages === false ? (options: ListOptions, reuse?: ListItemReuse<T>) => fetchPage(options, undefined, reuse) : pagePrefetch<T>(fetchPage);

  return {
    list,
    watch: (options: WatchOptions): Observable<WatchEvent<T>> => {
      const idle =
        watchIdleTimeoutMs ?? (options.timeoutSeconds === undefined ? DEFAULT_IDLE_MS : (options.timeoutSeconds + 30) * 1000);
      const request = requestFor('watch', watchQuery(options, labelSelector, fieldSelector), idle);
      return kubeStream(request).pipe(
        splitLines({ maxLineBytes }),
        catchError((e: unknown) =>
          failed<string>(
            isLineTooLong(e)
              ? transportError(
                  'watch',
                  label,
                  `watch ${label}: a line of the watch stream exceeds maxLineBytes (${e.limit} bytes; ${e.length} seen)`,
                  LINE_TOO_LONG,
                )
              : e,
          ),
        ),
        decodeWatchLines(codec),
        // a streaming list answered with silence: the server ignores sendInitialEvents
        options.sendInitialEvents === true
          ? timeout<WatchEvent<T>, Observable<WatchEvent<T>>>({
              first: firstEventMs,
              with: () =>
                failed<WatchEvent<T>>(
                  transportError(
                    'watch',
                    label,
                    `watch ${label}: no event within ${firstEventMs} ms of a streaming list request (the server does not serve streaming lists)`,
                    STREAMING_LIST_SILENT,
                  ),
                ),
            })
          : (events$: Observable<WatchEvent<T>>) => events$,
      );
    },
    // a real API server: the reflector may ask it for streaming lists (and falls back on refusal)
    supportsStreamingList: true,
  };
};
