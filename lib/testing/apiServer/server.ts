import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

import * as E from 'fp-ts/lib/Either.js';
import { parse as parseYaml } from 'yaml';

import type { Status } from '../../codec/Status.js';
import { type KubeObject, KubeObjectCodec } from '../../meta/KubeObject.js';
import { messageOf } from '../../internal/messageOf.js';
import { failureStatus } from './apiStatus.js';
import { TEST_CA_PEM, TEST_SERVER_CERT_PEM, TEST_SERVER_KEY_PEM } from './certs.js';
import { decodeContinueToken, encodeContinueToken } from './continueToken.js';
import { apiGroupBody, apiGroupListBody, apiResourceListBody, apiVersionsBody } from './discovery.js';
import { type ApiVerb, createFaultState, type Faults, type RestartOptions } from './faults.js';
import { type KubeConfigOptions, kubeConfigOptionsFor, kubeConfigYamlFor } from './kubeConfig.js';
import { type ListQuery, parseListQuery } from './listQuery.js';
import { createObjectStore } from './ObjectStore.js';
import { type MetadataView, metadataView, partialObjectMetadata, partialWatchEvent } from './partialMetadata.js';
import { createRegistry, objectKey } from './registry.js';
import { apiVersionOf, DEFAULT_RESOURCES, resolveResource, resourceId, type ServedResource } from './resources.js';
import { seedingApi } from './seeding.js';
import { objectMatcher } from './selectors.js';
import { filterStoredEvent, openWatchConnection, type WatchConnection } from './watchConnection.js';

/**
 * Configuration of {@link startApiServer}.
 *
 * @category testing
 * @since 0.1.0
 */
export interface ApiServerConfig {
  /** HTTPS with the embedded test certificate (default); `false` serves plain HTTP. */
  readonly tls?: boolean;
  /** The resources served (default {@link DEFAULT_RESOURCES}); `serve`/`unserve` change them at run time. */
  readonly resources?: ReadonlyArray<ServedResource>;
  /** How many write events the watch history keeps (default 1000); a watch from an older resourceVersion gets `410 Expired`. */
  readonly historyLimit?: number;
  /** Period of BOOKMARK events on watches that asked `allowWatchBookmarks` (default 1000 ms; 0: none). */
  readonly bookmarkIntervalMs?: number;
  /** Continue tokens older than this are answered `410 Expired` (default 5 minutes). */
  readonly continueTokenTtlMs?: number;
  /** Bearer tokens and their role (default `{ 'admin-token': 'admin' }`); unknown or missing → 401, `forbidden` → 403. */
  readonly tokens?: Readonly<Record<string, 'admin' | 'forbidden'>>;
  /** Whether streaming lists (`sendInitialEvents`) are served (default true): kube's `WatchList` feature gate. */
  readonly watchList?: boolean;
  /** Events queued on a watch whose client does not read before the server drops it (default 10000). */
  readonly watchBufferLimit?: number;
}

/**
 * One request the server received, for assertions.
 *
 * @category testing
 * @since 0.1.0
 */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The verb, for resource requests. */
  readonly verb?: ApiVerb;
  /** The resource id (`configmaps`, `leases.coordination.k8s.io`), for resource requests. */
  readonly resource?: string;
  /** `Date.now()` when received. */
  readonly at: number;
}

/**
 * A running embedded API server. The seeding methods act synchronously, like API calls that
 * succeeded: each write bumps the global resourceVersion and is seen by open watches at once.
 * They throw an {@link ApiStatusError} where the HTTP API would answer with an error, and a
 * `TypeError` for a resource the server does not serve. `resource` accepts `plural`,
 * `plural.group`, kind, singular or short names.
 *
 * @category testing
 * @since 0.1.0
 */
export interface EmbeddedApiServer {
  /** `https://127.0.0.1:PORT` (or `http://` with `tls: false`). */
  readonly url: string;
  /** The CA that verifies the server certificate. */
  readonly caPem: string;
  /** A kubeconfig (TLS verification on) for `KubeConfig.loadFromOptions`; token default `admin-token` or the first admin token. */
  kubeConfigOptions(token?: string): KubeConfigOptions;
  /** The same kubeconfig as file text (JSON, a subset of YAML). */
  kubeConfigYaml(token?: string): string;
  /** Creates an object: sets resourceVersion, uid, creationTimestamp, generation, and namespace `default` when namespaced and absent. */
  create<T extends KubeObject>(resource: string, obj: T): T;
  /** Replaces an object (409 Conflict if `metadata.resourceVersion` is set and stale). */
  update<T extends KubeObject>(resource: string, obj: T): T;
  /** Applies a JSON merge patch (RFC 7386). */
  patch(resource: string, namespace: string | undefined, name: string, mergePatch: unknown): KubeObject;
  /** Deletes an object; returns its last state (with `deletionTimestamp` and still stored when finalizers hold it), or undefined if it did not exist. */
  delete(resource: string, namespace: string | undefined, name: string): KubeObject | undefined;
  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** The objects of a resource (in one namespace, or all), ordered by key. */
  list(resource: string, namespace?: string): ReadonlyArray<KubeObject>;
  /** The current global resourceVersion. */
  resourceVersion(): string;
  /** Forgets all history: a watch or continue from any older resourceVersion now gets 410. */
  compact(): void;
  readonly faults: Faults;
  /** Every request received so far, in order. */
  readonly requests: ReadonlyArray<RecordedRequest>;
  /** How many watch connections are open. */
  activeWatches(): number;
  /**
   * Starts serving `resource` (discovery, list, watch, writes), as kube-apiserver does once a
   * CRD is Established. Throws a `TypeError` if a resource with that group and plural is served.
   * @since 0.3.0
   */
  serve(resource: ServedResource): void;
  /**
   * Stops serving a resource, as kube-apiserver does when its CRD is deleted: every object is
   * deleted (watchers get `DELETED`), its open watches end, and discovery, list and watch answer
   * 404 from then on. Throws a `TypeError` for a resource not served.
   * @since 0.3.0
   */
  unserve(resource: string): void;
  /** Ends every watch, closes every socket and the listener; resolves when closed. Idempotent; a restart under way is cut short. */
  close(): Promise<void>;
}

/** The route of a request path. */
type Route =
  | { readonly _tag: 'Discovery'; readonly body: unknown }
  | {
      readonly _tag: 'Resource';
      readonly resource: ServedResource;
      readonly namespace: string | undefined;
      readonly name: string | undefined;
      /** `status` for `…/{name}/status` of a resource with a status subresource. */
      readonly subresource?: 'status';
    }
  | { readonly _tag: 'NotFound' };

const MAX_BODY = 3 * 1024 * 1024;
const CHUNK = 64 * 1024;

const sendJson = (res: ServerResponse, code: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void => {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
};

const sendStatus = (res: ServerResponse, status: Status, headers: Readonly<Record<string, string>> = {}): void => {
  sendJson(res, status.code ?? 500, status, headers);
};

/** Writes `parts` in chunks of about 64 KiB, waiting for `drain` when the socket is full. */
const writeChunked = async (res: ServerResponse, parts: ReadonlyArray<string>): Promise<void> => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  let chunk = '';
  for (const part of parts) {
    chunk += part;
    if (chunk.length >= CHUNK) {
      const ok = res.write(chunk);
      chunk = '';
      if (!ok) {
        // `once` also listens for 'error'; abort the loser so no listener is left behind
        const settled = new AbortController();
        try {
          await Promise.race([once(res, 'drain', { signal: settled.signal }), once(res, 'close', { signal: settled.signal })]);
        } finally {
          settled.abort();
        }
        if (res.destroyed) return;
      }
    }
  }
  res.end(chunk);
};

const readText = async (req: IncomingMessage): Promise<E.Either<Status, string>> => {
  const chunks: Array<Buffer> = [];
  let size = 0;
  for await (const c of req) {
    const buf = Buffer.isBuffer(c) ? c : Buffer.from(String(c));
    size += buf.length;
    if (size > MAX_BODY) return E.left(failureStatus(413, 'the request body is too large'));
    chunks.push(buf);
  }
  return E.right(Buffer.concat(chunks).toString('utf8'));
};

/** The body as JSON (`yaml`: as YAML, of which JSON is a subset, for server-side apply); an empty body is `undefined` when `optional`. */
const readBody = async (req: IncomingMessage, format: 'json' | 'yaml' = 'json', optional = false): Promise<E.Either<Status, unknown>> => {
  const text = await readText(req);
  if (E.isLeft(text)) return text;
  if (optional && text.right.trim() === '') return E.right(undefined);
  try {
    return E.right((format === 'yaml' ? parseYaml(text.right) : JSON.parse(text.right)) as unknown);
  } catch (e: unknown) {
    return E.left(failureStatus(400, `the body of the request was in an unknown format: ${messageOf(e)}`));
  }
};

/** Decodes a request body into an object; `metadata.name` may be absent (create with generateName). */
const decodeObjectBody = (body: unknown): E.Either<Status, KubeObject> => {
  const withName =
    typeof body === 'object' && body !== null && 'metadata' in body && typeof body.metadata === 'object' && body.metadata !== null && !('name' in body.metadata)
      ? { ...body, metadata: { ...body.metadata, name: '' } }
      : body;
  const decoded = KubeObjectCodec.decode(withName);
  return E.isLeft(decoded) ? E.left(failureStatus(400, 'the request body is not a Kubernetes object with metadata')) : E.right(decoded.right);
};

/**
 * Starts an embedded Kubernetes API server on a random loopback port: discovery, LIST (paging,
 * selectors, resourceVersion semantics), WATCH (history replay, 410 window, bookmarks,
 * `timeoutSeconds`, streaming lists with `sendInitialEvents`), GET, POST, PUT, merge PATCH and
 * DELETE, bearer-token authentication, and fault injection, all in JSON.
 *
 * Metadata-only reads (since 0.3.0): an `Accept` header asking for
 * `application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1` (LIST) or
 * `…;as=PartialObjectMetadata;…` (WATCH, GET) gets `PartialObjectMetadata(List)` objects, as from
 * kube-apiserver; a LIST asking for `PartialObjectMetadata` gets `406 NotAcceptable`.
 *
 * Writes (since 0.3.0): merge patch, JSON patch (RFC 6902, `test` included: a failed test is
 * `422 Invalid`), server-side apply (`application/apply-patch+yaml`, `fieldManager` required,
 * `force`), the `status` subresource of resources with `statusSubresource` (status writes never
 * bump `metadata.generation`; writes of the main resource keep the stored status), generation
 * bumps on changes outside metadata and status only, finalizers (a delete sets
 * `deletionTimestamp` and bumps the generation; the write that removes the last finalizer deletes; no new finalizer once
 * deleting), delete preconditions (`uid`, `resourceVersion`: 409 Conflict), 409 Conflict on a
 * stale `metadata.resourceVersion`, `dryRun=All`, and fault injection on every write verb
 * (`faults.respond({ verb: 'patch' }, 500)`; apply is the verb `patch`, as RBAC names it).
 *
 * Server-side apply is simplified: each manager (per subresource) owns a set of leaf field paths
 * (scalars, empty objects, atomic lists, a set's values, and each field of a list-map element by
 * its key), kept in `metadata.managedFields` in the real `FieldsV1` notation (`f:`, `k:{...}`,
 * `v:...`). Keyed lists: `metadata.ownerReferences` (by `uid`) and `metadata.finalizers` (a set)
 * in every object; in built-in kinds also `conditions` (by `type`), `containers`,
 * `initContainers`, `ephemeralContainers`, `env`, `volumes` (by `name`), `volumeMounts` (by
 * `mountPath`) and `ports` (by `containerPort`/`port` and `protocol`), wherever they occur; every
 * other list is atomic (a CRD schema's list markers are not read). An apply conflicts (409,
 * reason `Conflict`, one `FieldManagerConflict` cause per field) when it sets a leaf path another
 * manager owns to a different value; `force=true` takes the path over; an equal value is shared.
 * Fields the manager applied before and no longer applies are removed unless another manager
 * owns them, and a list-map element goes once no manager owns a field of it. Only apply records
 * ownership (updates and patches do not). Applying the same object again changes nothing (the
 * same resourceVersion).
 *
 * Maps to kube-apiserver + etcd + the watch cache, reduced to what informers and controllers
 * exercise; client-go's `fake.Clientset` and its `ObjectTracker` are the in-process analogue.
 * Not modelled: graceful deletion periods and garbage collection of dependents, strategic merge
 * (treated as a merge patch), protobuf, admission, validation beyond metadata, field selectors
 * other than `metadata.name`/`metadata.namespace`.
 *
 * ```
 * create a ─ create b ─ update a ─ delete b          (rv 2, 3, 4, 5)
 * watch?rv=3  :  MODIFIED a@4 ─ DELETED b@5 ─ BOOKMARK@5 ─ ...
 * watch?rv=1 after compact():  ERROR {code: 410, reason: Expired} |
 * ```
 *
 * @example
 * ```ts
 * import { startApiServer } from 'kube-rx/testing';
 * const server = await startApiServer({ bookmarkIntervalMs: 200 });
 * server.create('configmaps', { metadata: { name: 'a' }, data: { k: 'v' } });
 * const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, {
 *   headers: { Authorization: 'Bearer admin-token' },
 * }); // with TLS, pass server.caPem to your HTTPS agent (or use tls: false)
 * await server.close();
 * ```
 * @category testing
 * @since 0.1.0
 */
export const startApiServer = async (config: ApiServerConfig = {}): Promise<EmbeddedApiServer> => {
  const {
    tls = true,
    resources: initialResources = DEFAULT_RESOURCES,
    historyLimit = 1000,
    bookmarkIntervalMs = 1000,
    continueTokenTtlMs = 5 * 60 * 1000,
    tokens = { 'admin-token': 'admin' },
    watchList = true,
    watchBufferLimit = 10_000,
  } = config;
  // mutable: serve() and unserve() install and remove resources at run time, as CRDs do
  const resources: ServedResource[] = [...initialResources];
  const store = createObjectStore(historyLimit);
  const registry = createRegistry(store);
  const watches = new Set<WatchConnection>();
  const sockets = new Set<Socket>();
  const requests: Array<RecordedRequest> = [];
  const faults = createFaultState(
    (name) => {
      const r = resolveResource(resources, name);
      return r === undefined ? undefined : resourceId(r);
    },
    (midLine) => {
      const open = [...watches];
      for (const w of open) w.drop(midLine);
      return open.length;
    },
    (options) => restart(options),
  );
  let address = '127.0.0.1:0';

  const served = (name: string): ServedResource => {
    const r = resolveResource(resources, name);
    if (r === undefined) throw new TypeError(`the embedded API server does not serve a resource named "${name}"`);
    return r;
  };

  const route = (path: string): Route => {
    const seg = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    if (seg.length === 1 && seg[0] === 'api') return { _tag: 'Discovery', body: apiVersionsBody(address) };
    if (seg.length === 1 && seg[0] === 'apis') return { _tag: 'Discovery', body: apiGroupListBody(resources) };
    if (seg.length === 1 && seg[0] === 'version') {
      return { _tag: 'Discovery', body: { major: '1', minor: '31', gitVersion: 'v1.31.0-kube-rx-embedded', platform: `${process.platform}/${process.arch}` } };
    }
    let group: string;
    let version: string;
    let rest: ReadonlyArray<string>;
    if (seg[0] === 'api' && seg[1] !== undefined) {
      [group, version, rest] = ['', seg[1], seg.slice(2)];
    } else if (seg[0] === 'apis' && seg[1] !== undefined && seg[2] !== undefined) {
      [group, version, rest] = [seg[1], seg[2], seg.slice(3)];
    } else if (seg[0] === 'apis' && seg[1] !== undefined && seg.length === 2) {
      const body = apiGroupBody(resources, seg[1]);
      return body === undefined ? { _tag: 'NotFound' } : { _tag: 'Discovery', body };
    } else {
      return { _tag: 'NotFound' };
    }
    if (rest.length === 0) {
      const body = apiResourceListBody(resources, group, version);
      return body === undefined ? { _tag: 'NotFound' } : { _tag: 'Discovery', body };
    }
    const find = (plural: string | undefined): ServedResource | undefined =>
      resources.find((r) => r.group === group && r.version === version && r.plural === plural);
    const [a, b, c, d, e] = rest;
    if (a === 'namespaces' && b !== undefined && c !== undefined && rest.length <= 4) {
      const r = find(c);
      return r?.namespaced === true ? { _tag: 'Resource', resource: r, namespace: b, name: d } : { _tag: 'NotFound' };
    }
    if (a === 'namespaces' && b !== undefined && c !== undefined && d !== undefined && e === 'status' && rest.length === 5) {
      const r = find(c);
      return r?.namespaced === true && r.statusSubresource === true
        ? { _tag: 'Resource', resource: r, namespace: b, name: d, subresource: 'status' }
        : { _tag: 'NotFound' };
    }
    if (rest.length <= 2) {
      const r = find(a);
      if (r === undefined || (r.namespaced && b !== undefined)) return { _tag: 'NotFound' };
      return { _tag: 'Resource', resource: r, namespace: undefined, name: b };
    }
    if (rest.length === 3 && c === 'status' && b !== undefined) {
      const r = find(a);
      return r !== undefined && !r.namespaced && r.statusSubresource === true
        ? { _tag: 'Resource', resource: r, namespace: undefined, name: b, subresource: 'status' }
        : { _tag: 'NotFound' };
    }
    return { _tag: 'NotFound' };
  };

  const matcher = (resource: ServedResource, namespace: string | undefined, q: ListQuery) => objectMatcher(resource, namespace, q.labelSelector, q.fieldSelector);

  const expiredContinue = (): Status =>
    failureStatus(
      410,
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    );

  const handleList = async (res: ServerResponse, resource: ServedResource, namespace: string | undefined, q: ListQuery, view: MetadataView): Promise<void> => {
    const id = resourceId(resource);
    let listRv = store.currentRv();
    let entries: ReadonlyArray<readonly [string, KubeObject]>;
    if (q.continue !== undefined) {
      if (q.resourceVersion !== undefined && q.resourceVersion !== '0') {
        sendStatus(res, failureStatus(400, 'specifying resource version is not allowed when using continue'));
        return;
      }
      const token = decodeContinueToken(q.continue);
      if (E.isLeft(token)) {
        sendStatus(res, failureStatus(400, token.left));
        return;
      }
      const t = token.right;
      const snapshot = store.snapshotAt(id, t.rv);
      if (t.generation < faults.tokenGeneration() || Date.now() - t.at > continueTokenTtlMs || snapshot === undefined) {
        sendStatus(res, expiredContinue());
        return;
      }
      listRv = t.rv;
      entries = snapshot.filter(([key]) => key > t.start);
    } else if (
      q.resourceVersion !== undefined &&
      // Exact, asked for or implied: kube serves a paged list at a non-zero resourceVersion with
      // no resourceVersionMatch at exactly that version (410 once it is compacted away)
      (q.resourceVersionMatch === 'Exact' || (q.resourceVersionMatch === undefined && q.limit > 0 && q.resourceVersion !== '0')) &&
      Number(q.resourceVersion) < listRv
    ) {
      listRv = Number(q.resourceVersion);
      const snapshot = store.snapshotAt(id, listRv);
      if (snapshot === undefined) {
        sendStatus(res, failureStatus(410, `The resourceVersion for the provided list is too old.`));
        return;
      }
      entries = snapshot;
    } else {
      entries = store.list(id);
    }
    const matches = matcher(resource, namespace, q);
    const selected = entries.filter(([, o]) => matches(o));
    const page = q.limit > 0 ? selected.slice(0, q.limit) : selected;
    const last = page[page.length - 1];
    const more = page.length < selected.length && last !== undefined;
    const metadata = {
      resourceVersion: String(listRv),
      ...(more ? { continue: encodeContinueToken({ rv: listRv, start: last[0], at: Date.now(), generation: faults.tokenGeneration() }) } : {}),
      ...(more && !q.selective ? { remainingItemCount: selected.length - page.length } : {}),
    };
    const head = JSON.stringify(
      view._tag === 'Partial'
        ? { kind: 'PartialObjectMetadataList', apiVersion: view.apiVersion, metadata }
        : { kind: `${resource.kind}List`, apiVersion: apiVersionOf(resource), metadata },
    );
    const item = (o: KubeObject): string => JSON.stringify(view._tag === 'Partial' ? partialObjectMetadata(o, view.apiVersion) : o);
    const parts = [`${head.slice(0, -1)},"items":[`, ...page.map(([, o], i) => (i === 0 ? '' : ',') + item(o)), ']}'];
    await writeChunked(res, parts);
  };

  const handleWatch = (res: ServerResponse, resource: ServedResource, namespace: string | undefined, q: ListQuery, view: MetadataView): void => {
    const id = resourceId(resource);
    const bookmark = (rv: number, initialEventsEnd: boolean) => ({
      type: 'BOOKMARK' as const,
      object: {
        kind: resource.kind,
        apiVersion: apiVersionOf(resource),
        metadata: { resourceVersion: String(rv), ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) },
      },
    });
    if (faults.takeStall(id)) {
      const stalled = openWatchConnection({ res, resource: id, bufferLimit: 0, takeGarbage: () => false, onClose: () => watches.delete(stalled) });
      watches.add(stalled);
      return;
    }
    const matches = matcher(resource, namespace, q);
    const current = store.currentRv();
    const fromRv = q.resourceVersion === undefined || q.resourceVersion === '0' ? undefined : Number(q.resourceVersion);
    const initial = q.sendInitialEvents ?? fromRv === undefined;
    const replay = !initial && fromRv !== undefined ? store.eventsAfter(fromRv) : [];
    const initialItems = initial ? store.list(id).filter(([, o]) => matches(o)) : [];
    let unsubscribe = (): void => undefined;
    const raw = openWatchConnection({
      res,
      resource: id,
      bufferLimit: watchBufferLimit + initialItems.length + (replay?.length ?? 0),
      takeGarbage: () => faults.takeGarbage(id),
      delayOf: () => faults.watchEventDelay(id),
      onClose: () => {
        unsubscribe();
        watches.delete(raw);
      },
    });
    watches.add(raw);
    // a metadata-only watch (Accept: …;as=PartialObjectMetadata;…): every object as its metadata
    const conn: Pick<WatchConnection, 'send' | 'end' | 'own'> =
      view._tag === 'Partial'
        ? {
            send: (e) => {
              raw.send(partialWatchEvent(e, view.apiVersion));
            },
            end: () => {
              raw.end();
            },
            own: (timer) => {
              raw.own(timer);
            },
          }
        : raw;
    if (replay === undefined) {
      conn.send({
        type: 'ERROR',
        object: failureStatus(410, `too old resource version: ${String(fromRv)} (${String(store.floor())})`),
      });
      conn.end();
      return;
    }
    for (const [, o] of initialItems) conn.send({ type: 'ADDED', object: o });
    if (q.sendInitialEvents === true) conn.send(bookmark(Math.max(current, fromRv ?? 0), true));
    for (const e of replay) {
      if (e.resource !== id) continue;
      const w = filterStoredEvent(e, matches);
      if (w !== undefined) conn.send(w);
    }
    const startRv = initial ? current : (fromRv ?? current);
    unsubscribe = store.subscribe((e) => {
      if (e.resource !== id || e.rv <= startRv) return;
      const w = filterStoredEvent(e, matches);
      if (w !== undefined) conn.send(w);
    });
    if (q.allowWatchBookmarks && bookmarkIntervalMs > 0) {
      conn.own(
        setInterval(() => {
          conn.send(bookmark(Math.max(store.currentRv(), startRv), false));
        }, bookmarkIntervalMs),
      );
    }
    if (q.timeoutSeconds !== undefined && q.timeoutSeconds > 0) {
      conn.own(
        setTimeout(() => {
          conn.end();
        }, q.timeoutSeconds * 1000),
      );
    }
  };

  const PATCH_TYPES: Readonly<Record<string, 'merge' | 'json' | 'apply'>> = {
    'application/merge-patch+json': 'merge',
    'application/strategic-merge-patch+json': 'merge',
    'application/json-patch+json': 'json',
    'application/apply-patch+yaml': 'apply',
  };

  const handleWrite = async (
    req: IncomingMessage,
    res: ServerResponse,
    verb: 'create' | 'update' | 'patch',
    r: Extract<Route, { readonly _tag: 'Resource' }>,
    q: URLSearchParams,
  ): Promise<void> => {
    const { resource, namespace, name } = r;
    const options = {
      subresource: r.subresource ?? 'main',
      ...(q.get('dryRun') === 'All' ? { dryRun: true } : {}),
    } as const;
    const reply = (result: E.Either<Status, KubeObject>, code = 200): void => {
      if (E.isLeft(result)) sendStatus(res, result.left);
      else sendJson(res, code, result.right);
    };
    const dryRun = q.get('dryRun');
    if (dryRun !== null && dryRun !== 'All') {
      sendStatus(res, failureStatus(400, `Invalid dry run value "${dryRun}": the only valid value is "All"`));
      return;
    }
    if (verb === 'patch') {
      const type = PATCH_TYPES[(req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? ''];
      if (type === undefined) {
        sendStatus(res, failureStatus(415, `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`));
        return;
      }
      const body = await readBody(req, type === 'apply' ? 'yaml' : 'json');
      if (E.isLeft(body)) {
        sendStatus(res, body.left);
        return;
      }
      if (type !== 'apply') {
        reply(registry.patch(resource, namespace, name ?? '', body.right, { ...options, type }));
        return;
      }
      const manager = q.get('fieldManager') ?? '';
      if (manager === '') {
        sendStatus(res, failureStatus(400, 'PATCH, with content type application/apply-patch+yaml, requires the fieldManager query parameter'));
        return;
      }
      const existed = store.get(resourceId(resource), objectKey(resource, namespace, name ?? '')) !== undefined;
      reply(registry.apply(resource, namespace, name ?? '', body.right, { ...options, manager, force: q.get('force') === 'true' }), existed ? 200 : 201);
      return;
    }
    const body = await readBody(req);
    if (E.isLeft(body)) {
      sendStatus(res, body.left);
      return;
    }
    const obj = decodeObjectBody(body.right);
    if (E.isLeft(obj)) {
      sendStatus(res, obj.left);
      return;
    }
    if (verb === 'create') reply(registry.create(resource, namespace, obj.right, options), 201);
    else reply(registry.update(resource, namespace, name ?? '', obj.right, options));
  };

  const handleDelete = async (req: IncomingMessage, res: ServerResponse, resource: ServedResource, namespace: string | undefined, name: string, q: URLSearchParams): Promise<void> => {
    const body = await readBody(req, 'json', true);
    if (E.isLeft(body)) {
      sendStatus(res, body.left);
      return;
    }
    const raw: unknown = typeof body.right === 'object' && body.right !== null && 'preconditions' in body.right ? body.right.preconditions : undefined;
    const field = (k: string): string | undefined =>
      typeof raw === 'object' && raw !== null && k in raw && typeof (raw as Readonly<Record<string, unknown>>)[k] === 'string' ? ((raw as Readonly<Record<string, unknown>>)[k] as string) : undefined;
    const uid = field('uid');
    const resourceVersion = field('resourceVersion');
    const result = registry.delete(resource, namespace, name, {
      ...(q.get('dryRun') === 'All' ? { dryRun: true } : {}),
      preconditions: { ...(uid === undefined ? {} : { uid }), ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    });
    if (E.isLeft(result)) sendStatus(res, result.left);
    else if (!result.right.deleted) sendJson(res, 200, result.right.object);
    else {
      sendJson(res, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: result.right.object.metadata.name, group: resource.group, kind: resource.plural, uid: result.right.object.metadata.uid ?? '' },
      });
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const r = route(url.pathname);
    const q = url.searchParams;
    const isWatch = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb: ApiVerb | undefined =
      r._tag !== 'Resource' || (r.subresource !== undefined && method !== 'GET' && method !== 'PUT' && method !== 'PATCH')
        ? undefined
        : method === 'GET'
          ? r.name !== undefined ? 'get' : isWatch ? 'watch' : 'list'
          : method === 'POST' && r.name === undefined
            ? 'create'
            : method === 'PUT' && r.name !== undefined
              ? 'update'
              : method === 'PATCH' && r.name !== undefined
                ? 'patch'
                : method === 'DELETE' && r.name !== undefined
                  ? 'delete'
                  : undefined;
    const id = r._tag === 'Resource' ? resourceId(r.resource) : undefined;
    requests.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(q.entries()),
      ...(verb === undefined ? {} : { verb }),
      ...(id === undefined ? {} : { resource: id }),
      at: Date.now(),
    });

    const auth = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    const role = auth?.[1] === undefined ? undefined : tokens[auth[1].trim()];
    if (role === undefined) {
      sendStatus(res, failureStatus(401, 'Unauthorized'));
      return;
    }
    if (role === 'forbidden') {
      const user = 'kube-rx:forbidden';
      if (r._tag === 'Resource') {
        const where = r.resource.namespaced && r.namespace !== undefined ? `in the namespace "${r.namespace}"` : 'at the cluster scope';
        sendStatus(
          res,
          failureStatus(
            403,
            `${resourceId(r.resource)}${r.name === undefined ? '' : ` "${r.name}"`} is forbidden: User "${user}" cannot ${verb ?? method.toLowerCase()} resource "${r.resource.plural}" in API group "${r.resource.group}" ${where}`,
            { group: r.resource.group, kind: r.resource.plural, ...(r.name === undefined ? {} : { name: r.name }) },
          ),
        );
      } else {
        sendStatus(res, failureStatus(403, `forbidden: User "${user}" cannot ${method.toLowerCase()} path "${url.pathname}"`));
      }
      return;
    }
    const fault = faults.takeResponse(verb, id);
    if (fault !== undefined) {
      const retry = fault.options.retryAfterSeconds;
      sendStatus(
        res,
        failureStatus(
          fault.code,
          fault.options.message ?? `injected fault: ${String(fault.code)}`,
          retry === undefined ? undefined : { retryAfterSeconds: retry },
        ),
        retry === undefined ? {} : { 'Retry-After': String(retry) },
      );
      return;
    }
    if (r._tag === 'NotFound') {
      sendStatus(res, failureStatus(404, 'the server could not find the requested resource'));
      return;
    }
    if (r._tag === 'Discovery') {
      if (method !== 'GET') sendStatus(res, failureStatus(405, `the server does not allow this method on the requested resource`));
      else sendJson(res, 200, r.body);
      return;
    }
    const { resource, namespace, name } = r;
    switch (verb) {
      case 'get': {
        const obj = store.get(resourceId(resource), objectKey(resource, namespace, name ?? ''));
        const view = metadataView(req.headers.accept, 'get');
        if (obj === undefined) sendStatus(res, failureStatus(404, `${resourceId(resource)} "${name ?? ''}" not found`, { name: name ?? '', group: resource.group, kind: resource.plural }));
        else sendJson(res, 200, view._tag === 'Partial' ? partialObjectMetadata(obj, view.apiVersion) : obj);
        return;
      }
      case 'list':
      case 'watch': {
        const parsed = parseListQuery(q, watchList);
        const view = metadataView(req.headers.accept, verb);
        if (E.isLeft(parsed)) sendStatus(res, parsed.left);
        else if (view._tag === 'NotAcceptable') sendStatus(res, failureStatus(406, view.message));
        else if (verb === 'watch') handleWatch(res, resource, namespace, parsed.right, view);
        else await handleList(res, resource, namespace, parsed.right, view);
        return;
      }
      case 'create':
      case 'update':
      case 'patch':
        await handleWrite(req, res, verb, r, q);
        return;
      case 'delete':
        await handleDelete(req, res, resource, namespace, name ?? '', q);
        return;
      case undefined:
        sendStatus(res, failureStatus(405, `the server does not allow this method on the requested resource`));
        return;
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendStatus(res, failureStatus(500, `internal error: ${messageOf(e)}`));
      else res.destroy();
    });
  };
  const server = tls ? https.createServer({ cert: TEST_SERVER_CERT_PEM, key: TEST_SERVER_KEY_PEM }, listener) : http.createServer(listener);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${String(port)}`;
  const url = `${tls ? 'https' : 'http'}://${address}`;
  const defaultToken = Object.entries(tokens).find(([, role]) => role === 'admin')?.[0] ?? 'admin-token';
  let closing: Promise<void> | undefined;
  /** Set by close(): aborts a restart waiting to listen again. */
  const closed = new AbortController();
  /** Restarts run one after the other; close() waits for the one under way. */
  let lifecycle: Promise<void> = Promise.resolve();

  /** Drops every watch, destroys every socket and closes the listener; resolves when it is closed. */
  const stopListening = async (): Promise<void> => {
    for (const w of [...watches]) w.drop(false);
    const stopped = once(server, 'close');
    server.close();
    server.closeAllConnections();
    for (const s of sockets) s.destroy();
    await stopped;
  };

  const restart = ({ keepHistory = true, downForMs = 200 }: RestartOptions): Promise<void> => {
    const run = lifecycle.then(async () => {
      if (closed.signal.aborted) throw new Error('the embedded API server is closed; it cannot restart');
      await stopListening();
      try {
        await delay(downForMs, undefined, { signal: closed.signal });
      } catch {
        throw new Error('the embedded API server was closed while restarting');
      }
      if (!keepHistory) {
        // the new watch cache starts at the revision etcd has when the server comes up
        store.compact();
        faults.expireContinueTokens();
      }
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
    });
    lifecycle = run.catch(() => undefined);
    return run;
  };

  return {
    url,
    caPem: TEST_CA_PEM,
    kubeConfigOptions: (token = defaultToken) => kubeConfigOptionsFor(url, tls ? TEST_CA_PEM : undefined, token),
    kubeConfigYaml: (token = defaultToken) => kubeConfigYamlFor(kubeConfigOptionsFor(url, tls ? TEST_CA_PEM : undefined, token)),
    ...seedingApi(store, registry, served),
    compact: () => {
      store.compact();
    },
    faults,
    requests,
    activeWatches: () => watches.size,
    serve: (resource) => {
      if (resources.some((r) => resourceId(r) === resourceId(resource))) throw new TypeError(`the embedded API server already serves "${resourceId(resource)}"`);
      resources.push(resource);
    },
    unserve: (name) => {
      const r = served(name);
      const id = resourceId(r);
      for (const [key, obj] of store.list(id)) store.write(id, key, 'DELETED', (rv) => ({ ...obj, metadata: { ...obj.metadata, resourceVersion: rv } }));
      for (const w of [...watches]) if (w.resource === id) w.end();
      resources.splice(resources.indexOf(r), 1);
    },
    close: () => {
      closing ??= (async () => {
        closed.abort();
        await lifecycle;
        if (server.listening) await stopListening();
        // libuv releases closed handles in the close-callbacks phase, after the check phase:
        // two turns of setImmediate let every destroyed socket and the listener go.
        await new Promise<void>((resolve) => setImmediate(resolve));
        await new Promise<void>((resolve) => setImmediate(resolve));
      })();
      return closing;
    },
  };
};
