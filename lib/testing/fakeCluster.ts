import * as E from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { asyncScheduler, Observable, type SchedulerLike } from 'rxjs';

import type { ClientError, ClientVerb } from '../client/ClientError.js';
import { type ApplyObject, type DeleteResult, type ObjectClient, type UnstructuredObject, withPromises } from '../client/objectClient.js';
import { decodeFailure } from '../codec/decodeObject.js';
import type { DecodeFailure } from '../codec/DecodeFailure.js';
import type { Status } from '../codec/Status.js';
import type { Selector } from '../controller/controllerManager.js';
import type { ApiResource } from '../listwatch/ApiResource.js';
import { codecOf } from '../listwatch/httpListerWatcher.js';
import type { ListerWatcher, ListPage, WatchEvent } from '../listwatch/ListerWatcher.js';
import type { TypedResource } from '../listwatch/TypedResource.js';
import type { KubeObject } from '../meta/KubeObject.js';
import { failureStatus } from './apiServer/apiStatus.js';
import { createObjectStore, type StoredEvent } from './apiServer/ObjectStore.js';
import { createRegistry, notFoundStatus, objectKey, type RegistryOptions } from './apiServer/registry.js';
import { resolveResource, resourceId, type ServedResource } from './apiServer/resources.js';
import { type FieldSelector, type LabelSelector, objectMatcher, parseFieldSelector, parseLabelSelector } from './apiServer/selectors.js';
import { type Seeding, seedingApi } from './apiServer/seeding.js';
import { filterStoredEvent } from './apiServer/watchConnection.js';

/**
 * Configuration of {@link fakeCluster}.
 *
 * @category testing
 * @since 0.3.0
 */
export interface FakeClusterConfig {
  /** The resources the cluster serves (a `statusSubresource` flag gives one a status subresource). */
  readonly resources: ReadonlyArray<ServedResource>;
  /** Every answer, watch event and timestamp is on it (default `asyncScheduler`; a `TestScheduler` in marble tests). */
  readonly scheduler?: SchedulerLike;
  /** How many writes the watch history keeps (default 1000); a watch from an older resourceVersion gets an Error event 410. */
  readonly historyLimit?: number;
  /** Refuses a written object with `422 Invalid` when it returns a message (the server's validation and admission). */
  readonly validate?: RegistryOptions['validate'];
}

/**
 * Where a ListerWatcher of a fake cluster looks: one namespace (default all) and selectors in
 * the API's syntax.
 *
 * @category testing
 * @since 0.3.0
 */
export interface FakeListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

/**
 * The default namespace and field manager of a fake cluster's object client, as
 * `objectClient`'s `ClientConfig` has them.
 *
 * @category testing
 * @since 0.3.0
 */
export interface FakeClientConfig {
  readonly namespace?: string;
  readonly fieldManager?: string;
}

/**
 * An in-process Kubernetes API for whole-controller tests in virtual time: the embedded API
 * server's own storage and write rules (its registry: defaulting, generation bumps, the status
 * subresource, merge and JSON patches, server-side apply, finalizers and `deletionTimestamp`,
 * delete preconditions, `409 Conflict` / `AlreadyExists`, `404`, validation), without HTTP.
 *
 * - `listerWatcher` / `managerListerWatcher`: list + watch of one resource, each answer and watch
 *   event delivered on the scheduler (a watch honours `timeoutSeconds`, replays from its
 *   resourceVersion, answers an expired one with an Error event 410, and serves streaming lists).
 *   A list is one page at the current resourceVersion (`limit`, `continue` and list resourceVersions
 *   are not modelled: the embedded API server has them over HTTP).
 * - `client`: an {@link ObjectClient} whose calls run when the scheduler gets to them (one action
 *   per call, cancelled by unsubscribing) and fail with the same `ClientError` values as over HTTP.
 * - `create`, `update`, `patch`, `delete`, `get`, `list`: synchronous writes and reads as another
 *   actor (a user with kubectl, the kubelet, kube-controller-manager setting a Job's status); a
 *   refused one throws an `ApiStatusError`.
 *
 * Timestamps (`creationTimestamp`, `deletionTimestamp`) come from `scheduler.now()`.
 *
 * Maps to controller-runtime's fake client (`fake.NewClientBuilder().WithStatusSubresource(...)`)
 * and envtest together, and to client-go's `fake.Clientset` with its `ObjectTracker`.
 *
 * ```
 * client.create(job):      -(j|)            the write happens when the scheduler runs it
 * listerWatcher.watch(rv): -a-m---d---|     each write since rv, then live; ends after timeoutSeconds
 * ```
 *
 * @example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { configMaps, controllerManager } from 'kube-rx';
 * import { fakeCluster } from 'kube-rx/testing';
 * const rx = new TestScheduler((a, b) => { if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error('differ'); });
 * rx.run(() => {
 *   const cluster = fakeCluster({ resources: [configMaps], scheduler: rx });
 *   const mgr = controllerManager({ listerWatcher: cluster.managerListerWatcher, scheduler: rx });
 *   const cms = cluster.client(configMaps, { namespace: 'default', fieldManager: 'me' });
 *   cluster.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } });
 * });
 * ```
 * @category testing
 * @since 0.3.0
 */
export interface FakeCluster extends Seeding<ApiResource | string> {
  readonly scheduler: SchedulerLike;
  /** List and watch of a resource (typed by its codec when it has one). */
  listerWatcher<T extends KubeObject>(resource: TypedResource<T>, options?: FakeListOptions): ListerWatcher<T>;
  listerWatcher(resource: ApiResource | string, options?: FakeListOptions): ListerWatcher<KubeObject>;
  /** The `listerWatcher` of `controllerManager`'s config: a selector's resource, namespace, selectors and codec. */
  readonly managerListerWatcher: <T extends KubeObject>(selector: Selector<T>) => ListerWatcher<T>;
  /** An object client of a resource, as `objectClient(resource, config)` over HTTP. */
  client<T extends KubeObject>(resource: TypedResource<T>, config?: FakeClientConfig): ObjectClient<T>;
  client(resource: ApiResource, config?: FakeClientConfig): ObjectClient<UnstructuredObject>;
}

/** The error a client call fails with, as `objectClient` builds it from the server's Status. */
const clientErrorOf = (verb: ClientVerb, resource: string, status: Status): ClientError => ({
  _tag: 'HttpError',
  verb,
  resource,
  code: status.code ?? 500,
  ...(status.reason === undefined ? {} : { reason: status.reason }),
  message: `${verb} ${resource}: ${status.message ?? `HTTP ${String(status.code ?? 500)}`}`,
  status,
});

/**
 * Creates a {@link FakeCluster}: an empty store of the given resources whose answers come on the
 * scheduler. See {@link FakeCluster} for what it serves.
 *
 * @example
 * ```ts
 * import { jobs } from 'kube-rx';
 * import { fakeCluster } from 'kube-rx/testing';
 * const cluster = fakeCluster({ resources: [{ ...jobs, statusSubresource: true }] });
 * cluster.create(jobs, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'default' } });
 * cluster.patch(jobs, 'default', 'j', { status: { active: 1 } }, 'status');
 * ```
 * @category testing
 * @since 0.3.0
 */
export const fakeCluster = (config: FakeClusterConfig): FakeCluster => {
  const { resources, scheduler = asyncScheduler, historyLimit = 1000 } = config;
  const store = createObjectStore(historyLimit);
  const registry = createRegistry(store, { now: () => scheduler.now(), ...(config.validate === undefined ? {} : { validate: config.validate }) });

  const served = (resource: ApiResource | string): ServedResource => {
    const found =
      typeof resource === 'string'
        ? resolveResource(resources, resource)
        : resources.find((r) => r.group === resource.group && r.version === resource.version && r.plural === resource.plural);
    if (found === undefined) {
      throw new TypeError(`the fake cluster does not serve ${typeof resource === 'string' ? `"${resource}"` : resourceId(resource)}`);
    }
    return found;
  };

  /** One call answered on the scheduler: `run` happens when the action runs (not if unsubscribed before). */
  const onScheduler = <A>(run: () => E.Either<ClientError, A>): Observable<A> =>
    new Observable<A>((subscriber) =>
      scheduler.schedule(() => {
        const result = run();
        if (E.isLeft(result)) {
          subscriber.error(result.left);
          return;
        }
        subscriber.next(result.right);
        subscriber.complete();
      }),
    );

  const selection = (options: FakeListOptions): { readonly labels: LabelSelector; readonly fields: FieldSelector } => {
    const labels = parseLabelSelector(options.labelSelector ?? '');
    const fields = parseFieldSelector(options.fieldSelector ?? '');
    if (E.isLeft(labels)) throw new TypeError(`invalid label selector: ${labels.left}`);
    if (E.isLeft(fields)) throw new TypeError(`invalid field selector: ${fields.left}`);
    return { labels: labels.right, fields: fields.right };
  };

  const listerWatcherOf = <T extends KubeObject>(resource: ServedResource, codec: t.Decoder<unknown, T>, options: FakeListOptions): ListerWatcher<T> => {
    const id = resourceId(resource);
    const { labels, fields } = selection(options);
    const matches = objectMatcher(resource, options.namespace, labels, fields);
    const decoded = (source: DecodeFailure['source'], raw: KubeObject, eventType?: string): E.Either<DecodeFailure, T> => {
      const result = codec.decode(raw);
      return E.isRight(result) ? result : E.left(decodeFailure(source, raw, PathReporter.report(result), eventType));
    };
    const watchEvent = (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): WatchEvent<T> => {
      const d = decoded('watch', object, type);
      if (E.isLeft(d)) return { _tag: 'Invalid', failure: d.left };
      return { _tag: type === 'ADDED' ? 'Added' : type === 'MODIFIED' ? 'Modified' : 'Deleted', object: d.right };
    };
    return {
      list: () =>
        onScheduler(() => {
          const items: Array<T> = [];
          const invalid: Array<DecodeFailure> = [];
          for (const [, o] of store.list(id)) {
            if (!matches(o)) continue;
            const d = decoded('list', o);
            if (E.isRight(d)) items.push(d.right);
            else invalid.push(d.left);
          }
          return E.right<ClientError, ListPage<T>>({ resourceVersion: String(store.currentRv()), items, invalid });
        }),
      watch: (options) =>
        new Observable<WatchEvent<T>>((subscriber) => {
          /** Emits on the scheduler, in order. */
          const emit = (e: WatchEvent<T>): void => {
            subscriber.add(scheduler.schedule(() => { subscriber.next(e); }));
          };
          subscriber.add(
            scheduler.schedule(() => {
              const current = store.currentRv();
              const asked = options.resourceVersion === '' || options.resourceVersion === '0' ? undefined : Number(options.resourceVersion);
              const initial = options.sendInitialEvents ?? asked === undefined;
              const replay = !initial && asked !== undefined ? store.eventsAfter(asked) : [];
              if (replay === undefined) {
                subscriber.next({ _tag: 'Error', status: failureStatus(410, `too old resource version: ${String(asked)} (${String(store.floor())})`) });
                subscriber.complete();
                return;
              }
              if (initial) for (const [, o] of store.list(id)) if (matches(o)) subscriber.next(watchEvent('ADDED', o));
              if (options.sendInitialEvents === true) subscriber.next({ _tag: 'Bookmark', resourceVersion: String(current), initialEventsEnd: true });
              const send = (e: StoredEvent): void => {
                if (e.resource !== id) return;
                const w = filterStoredEvent(e, matches);
                if (w !== undefined && w.type !== 'BOOKMARK' && w.type !== 'ERROR') emit(watchEvent(w.type, w.object as KubeObject));
              };
              for (const e of replay) send(e);
              subscriber.add(store.subscribe(send));
              if (options.timeoutSeconds !== undefined && options.timeoutSeconds > 0) {
                subscriber.add(scheduler.schedule(() => { subscriber.complete(); }, options.timeoutSeconds * 1000));
              }
            }),
          );
        }),
    };
  };

  const clientOf = <T extends KubeObject>(resource: ServedResource, codec: t.Decoder<unknown, T>, clientConfig: FakeClientConfig): ObjectClient<T> => {
    const id = resourceId(resource);
    const namespaceOf = (given: string | undefined): string | undefined =>
      resource.namespaced ? (given !== undefined && given !== '' ? given : (clientConfig.namespace ?? 'default')) : undefined;
    /** Runs a registry call on the scheduler and decodes its answer with the resource's codec. */
    const call = <A>(verb: ClientVerb, run: () => E.Either<Status, A>, decode: (a: A) => E.Either<string, unknown>): Observable<never> | Observable<unknown> =>
      onScheduler(() => {
        const result = run();
        if (E.isLeft(result)) return E.left(clientErrorOf(verb, id, result.left));
        const out = decode(result.right);
        return E.isLeft(out) ? E.left(clientErrorOf(verb, id, failureStatus(500, out.left, undefined, 'InvalidBody'))) : E.right(out.right);
      });
    const asT = (o: KubeObject): E.Either<string, T> => {
      const d = codec.decode(o);
      return E.isRight(d) ? E.right(d.right) : E.left(`the response is not a ${resource.kind}: ${PathReporter.report(d).join('; ')}`);
    };
    const forObject = (verb: ClientVerb, run: () => E.Either<Status, KubeObject>): Observable<T> => call(verb, run, asT) as Observable<T>;
    const managerOf = (given: string | undefined): string | undefined => given ?? clientConfig.fieldManager;
    const applyCall = (verb: 'apply' | 'applyStatus', obj: ApplyObject<T>, options: { readonly fieldManager?: string; readonly force?: boolean; readonly dryRun?: boolean } | undefined): Observable<T> => {
      const manager = managerOf(options?.fieldManager);
      const { name, namespace } = obj.metadata;
      const body =
        verb === 'apply' ? obj : { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }) }, ...('status' in obj ? { status: obj.status } : {}) };
      return forObject(verb, () =>
        manager === undefined || manager === ''
          ? E.left(failureStatus(400, 'server-side apply needs a field manager (the fieldManager option or the client config)'))
          : registry.apply(resource, namespaceOf(namespace), name, body, {
              subresource: verb === 'apply' ? 'main' : 'status',
              manager,
              force: options?.force === true,
              ...(options?.dryRun === true ? { dryRun: true } : {}),
            }),
      );
    };
    const dry = (options: { readonly dryRun?: boolean } | undefined): { readonly dryRun?: true } => (options?.dryRun === true ? { dryRun: true } : {});
    const client: Omit<ObjectClient<T>, 'promise'> = {
      resource,
      get: (ref) =>
        forObject('get', () => {
          const o = store.get(id, objectKey(resource, namespaceOf(ref.namespace), ref.name));
          return o === undefined ? E.left(notFoundStatus(resource, ref.name)) : E.right(o);
        }),
      create: (obj, options) => forObject('create', () => registry.create(resource, namespaceOf(obj.metadata.namespace), obj, { subresource: 'main', ...dry(options) })),
      replace: (obj, options) => forObject('update', () => registry.update(resource, namespaceOf(obj.metadata.namespace), obj.metadata.name, obj, { subresource: 'main', ...dry(options) })),
      patch: (ref, patch, options) => forObject('patch', () => registry.patch(resource, namespaceOf(ref.namespace), ref.name, patch, { subresource: 'main', type: 'merge', ...dry(options) })),
      jsonPatch: (ref, operations, options) =>
        forObject('patch', () => registry.patch(resource, namespaceOf(ref.namespace), ref.name, operations, { subresource: 'main', type: 'json', ...dry(options) })),
      delete: (ref, options) =>
        call(
          'delete',
          () =>
            registry.delete(resource, namespaceOf(ref.namespace), ref.name, {
              ...dry(options),
              ...(options?.preconditions === undefined ? {} : { preconditions: options.preconditions }),
            }),
          (r): E.Either<string, DeleteResult<T>> => {
            const object = asT(r.object);
            if (E.isLeft(object)) return object;
            return E.right(r.deleted ? { _tag: 'Deleted', object: object.right } : { _tag: 'Pending', object: object.right });
          },
        ) as Observable<DeleteResult<T>>,
      apply: (obj, options) => applyCall('apply', obj, options),
      applyStatus: (obj, options) => applyCall('applyStatus', obj, options),
      patchStatus: (ref, patch, options) =>
        forObject('patchStatus', () => registry.patch(resource, namespaceOf(ref.namespace), ref.name, patch, { subresource: 'status', type: 'merge', ...dry(options) })),
      replaceStatus: (obj, options) =>
        forObject('updateStatus', () => registry.update(resource, namespaceOf(obj.metadata.namespace), obj.metadata.name, obj, { subresource: 'status', ...dry(options) })),
    };
    return withPromises(client);
  };

  const codecFor = <T extends KubeObject>(resource: ApiResource | string): t.Decoder<unknown, T> =>
    codecOf<T>({ resource: resource });

  return {
    scheduler,
    listerWatcher: <T extends KubeObject>(resource: ApiResource | string, options: FakeListOptions = {}): ListerWatcher<T> =>
      listerWatcherOf(served(resource), codecFor<T>(resource), options),
    managerListerWatcher: <T extends KubeObject>(selector: Selector<T>): ListerWatcher<T> => {
      const { spec } = selector;
      return listerWatcherOf(served(spec.resource), codecOf<T>(spec), {
        ...(spec.namespace === undefined ? {} : { namespace: spec.namespace }),
        ...(spec.labelSelector === undefined ? {} : { labelSelector: spec.labelSelector }),
        ...(spec.fieldSelector === undefined ? {} : { fieldSelector: spec.fieldSelector }),
      });
    },
    client: <T extends KubeObject>(resource: ApiResource, clientConfig: FakeClientConfig = {}): ObjectClient<T> =>
      clientOf(served(resource), codecFor<T>(resource), clientConfig),
    ...seedingApi(store, registry, served),
  };
};

