import { map, mergeMap, type Observable, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { configMaps } from '../../lib/client/builtinResources.js';
import { isClientError } from '../../lib/client/ClientError.js';
import type { UnstructuredObject } from '../../lib/client/objectClient.js';
import { controllerManager } from '../../lib/controller/controllerManager.js';
import type { WatchEvent } from '../../lib/listwatch/ListerWatcher.js';
import { isConflict, isNotFound } from '../../lib/listwatch/ListerWatcherError.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { ApiStatusError } from '../../lib/testing/apiServer/apiStatus.js';
import type { ServedResource } from '../../lib/testing/apiServer/resources.js';
import { fakeCluster } from '../../lib/testing/fakeCluster.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { newTestScheduler } from '../helpers/marbles.js';

const gadgets: ServedResource = { group: 'example.com', version: 'v1', plural: 'gadgets', kind: 'Gadget', namespaced: true, statusSubresource: true };
const gadget = (name: string, extra: Readonly<Record<string, unknown>> = {}): UnstructuredObject => ({
  apiVersion: 'example.com/v1',
  kind: 'Gadget',
  metadata: { name, namespace: 'default' },
  ...extra,
});

/** A watch event as `type name@rv`. */
const brief = (e: WatchEvent<KubeObject>): string =>
  e._tag === 'Bookmark' ? `Bookmark@${e.resourceVersion}` : e._tag === 'Error' ? `Error ${String(e.status.code)}` : e._tag === 'Invalid' ? 'Invalid' : `${e._tag} ${e.object.metadata.name}@${e.object.metadata.resourceVersion ?? ''}`;
const briefly = (events: Observable<WatchEvent<KubeObject>>): Observable<string> => events.pipe(map(brief));

describe('fakeCluster', () => {
  it('lists and watches on the scheduler: replay from a resourceVersion, live writes of other actors, the end after timeoutSeconds', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const cluster = fakeCluster({ resources: [gadgets], scheduler: rx });
      cluster.create(gadgets, gadget('a')); // rv 2
      cluster.create(gadgets, gadget('b')); // rv 3
      rx.schedule(() => cluster.patch(gadgets, 'default', 'a', { spec: { size: 1 } }), 6); // rv 4
      rx.schedule(() => cluster.delete(gadgets, 'default', 'b'), 8); // rv 5
      const lw = cluster.listerWatcher(gadgets);
      expectObservable(lw.list({}).pipe(map((p) => `${p.resourceVersion}: ${p.items.map((o) => o.metadata.name).join(',')}`))).toBe('(p|)', { p: '3: a,b' });
      expectObservable(briefly(lw.watch({ resourceVersion: '2', allowWatchBookmarks: true, timeoutSeconds: 1 }))).toBe('b-----m-d 991ms |', {
        b: 'Added b@3',
        m: 'Modified a@4',
        d: 'Deleted b@5',
      });
      // a streaming list: the state, the end bookmark, then live events
      expectObservable(briefly(lw.watch({ resourceVersion: '', allowWatchBookmarks: true, sendInitialEvents: true })), '^ 10ms !').toBe('(abe)-m-d', {
        a: 'Added a@2',
        b: 'Added b@3',
        e: 'Bookmark@3',
        m: 'Modified a@4',
        d: 'Deleted b@5',
      });
    });
  });

  it('answers a watch from a compacted resourceVersion with an Error event 410', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const cluster = fakeCluster({ resources: [gadgets], scheduler: rx, historyLimit: 1 });
      cluster.create(gadgets, gadget('a'));
      cluster.create(gadgets, gadget('b'));
      expectObservable(briefly(cluster.listerWatcher(gadgets).watch({ resourceVersion: '1', allowWatchBookmarks: false }))).toBe('(e|)', { e: 'Error 410' });
    });
  });

  it('selects by label and namespace as the server does (a relabelled object leaves the watch as Deleted)', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const cluster = fakeCluster({ resources: [gadgets], scheduler: rx });
      cluster.create(gadgets, { ...gadget('a'), metadata: { name: 'a', namespace: 'default', labels: { app: 'x' } } });
      cluster.create(gadgets, { ...gadget('b'), metadata: { name: 'b', namespace: 'other', labels: { app: 'x' } } });
      rx.schedule(() => cluster.patch(gadgets, 'default', 'a', { metadata: { labels: { app: 'y' } } }), 2);
      const lw = cluster.listerWatcher(gadgets, { namespace: 'default', labelSelector: 'app=x' });
      expectObservable(briefly(lw.watch({ resourceVersion: '0', allowWatchBookmarks: false })), '^ 5ms !').toBe('a-d', { a: 'Added a@2', d: 'Deleted a@4' });
    });
  });

  it('writes through an ObjectClient on the scheduler, with the server rules and typed errors', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const cluster = fakeCluster({ resources: [gadgets, configMaps], scheduler: rx });
      const client = cluster.client(gadgets, { namespace: 'default', fieldManager: 'me' });
      const rvOf = (o: KubeObject): string => o.metadata.resourceVersion ?? '';
      // both creates run at frame 0; the second is AlreadyExists, the error value objectClient gives over HTTP
      expectObservable(client.create(gadget('a', { spec: { size: 1 } })).pipe(map(rvOf))).toBe('(r|)', { r: '2' });
      expectObservable(client.create(gadget('a'))).toBe('#', undefined, expect.objectContaining({ _tag: 'HttpError', verb: 'create', code: 409, reason: 'AlreadyExists' }) as unknown);
      rx.schedule(() => {
        const stored = cluster.get(gadgets, 'default', 'a');
        expect(stored?.metadata.creationTimestamp).toBe('1970-01-01T00:00:00Z');
        // a status write keeps the generation; a spec write bumps it
        cluster.patch(gadgets, 'default', 'a', { status: { phase: 'Ready' } }, 'status');
        expect(cluster.get(gadgets, 'default', 'a')?.metadata.generation).toBe(1);
        cluster.patch(gadgets, 'default', 'a', { spec: { size: 2 } });
        expect(cluster.get(gadgets, 'default', 'a')?.metadata.generation).toBe(2);
        // a stale resourceVersion is a Conflict for another actor too
        expect(() => cluster.update(gadgets, { ...gadget('a'), metadata: { name: 'a', namespace: 'default', resourceVersion: '2' } })).toThrow(ApiStatusError);
      }, 2);
      // a stale replace through the client: 409 Conflict at frame 3
      rx.schedule(() => {
        client.replace({ ...gadget('a'), metadata: { name: 'a', namespace: 'default', resourceVersion: '2' } }).subscribe({
          error: (e: unknown) => {
            expect(isClientError(e) && isConflict(e)).toBe(true);
          },
        });
        client.get({ name: 'nope' }).subscribe({
          error: (e: unknown) => {
            expect(isClientError(e) && isNotFound(e)).toBe(true);
          },
        });
      }, 3);
      // finalizers hold a delete: Pending, then the removal of the last one deletes
      rx.schedule(() => {
        cluster.patch(gadgets, 'default', 'a', { metadata: { finalizers: ['example.com/x'] } });
      }, 4);
      expectObservable(timer(5, rx).pipe(mergeMap(() => client.delete({ name: 'a' }).pipe(map((r) => r._tag))))).toBe('-----(p|)', { p: 'Pending' });
      // server-side apply of the status subresource
      expectObservable(
        client.applyStatus({ apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'a' }, status: { phase: 'Done' } }).pipe(map((o) => (o as KubeObject & { status?: unknown }).status)),
      ).toBe('(s|)', { s: { phase: 'Done' } });
    });
  });

  it('a write unsubscribed before the scheduler runs it never happens; validation refuses with 422', () => {
    const rx = newTestScheduler();
    rx.run(() => {
      const cluster = fakeCluster({ resources: [gadgets], scheduler: rx, validate: (_r, o) => (o.metadata.name.length > 3 ? 'metadata.name: Too long' : undefined) });
      const client = cluster.client(gadgets, { namespace: 'default' });
      client.create(gadget('a')).subscribe().unsubscribe();
      client.create(gadget('long-name')).subscribe({
        error: (e: unknown) => {
          expect(e).toMatchObject({ code: 422, reason: 'Invalid' });
        },
      });
      expect(() => cluster.create(gadgets, gadget('other'))).toThrow(/metadata.name: Too long/);
    });
    expect(() => fakeCluster({ resources: [gadgets] }).create('widgets', gadget('a'))).toThrow(TypeError);
  });

  it('feeds a controllerManager: a whole controller runs over it in virtual time', () => {
    const rx = newTestScheduler();
    const seen: Array<string> = [];
    rx.run(({ hot }) => {
      const cluster = fakeCluster({ resources: [configMaps], scheduler: rx });
      cluster.create(configMaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } });
      const mgr = controllerManager({ listerWatcher: cluster.managerListerWatcher, scheduler: rx });
      const cms = mgr.select('cms', { resource: configMaps });
      mgr.controller({
        name: 'c',
        for: cms,
        reconcile: (key) => {
          seen.push(`${String(rx.now())} ${key} ${mgr.informer(cms).store.get(key)?.data?.['k'] ?? '-'}`);
          return [done];
        },
      });
      rx.schedule(() => cluster.patch(configMaps, 'default', 'a', { data: { k: 'v' } }), 10);
      mgr.run({ shutdown$: hot('20ms x') }).subscribe();
    });
    expect(seen).toEqual(['0 default/a -', '10 default/a v']);
  });
});
