import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { lastValueFrom, type Observable, of } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { configMaps } from '../../lib/client/builtinResources.js';
import { addFinalizerPatch, finalizer, finalizerAction, removeFinalizerPatch } from '../../lib/client/finalizer.js';
import type { JsonPatchOperation } from '../../lib/client/objectClient.js';
import { objectClient } from '../../lib/client/objectClient.js';
import { itemExponentialFailureRateLimiter } from '../../lib/workqueue/rateLimiter.js';
import type { ReconcileEvent } from '../../lib/workqueue/ReconcileEvent.js';
import { reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { done, type ReconcileResult, requeue, requeueAfter } from '../../lib/workqueue/ReconcileResult.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { applyJsonPatch } from '../../lib/testing/apiServer/jsonPatch.js';
import { embeddedKubeConfig, embeddedServerPerTest } from '../helpers/embeddedKubeConfig.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { recordingFinalizerHandlers } from '../helpers/recordingFinalizerHandlers.js';

const NAME = 'example.com/cleanup';
const obj = (finalizers: ReadonlyArray<string> | undefined, deleting: boolean, rv = '5'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'a',
    namespace: 'ns',
    resourceVersion: rv,
    ...(finalizers === undefined ? {} : { finalizers: [...finalizers] }),
    ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
});
const conflict = { _tag: 'HttpError', verb: 'patch', resource: 'configmaps', code: 409, reason: 'Conflict', message: 'stale' } as const;
const testFailed = { ...conflict, code: 422, reason: 'Invalid', message: 'the test failed' } as const;
const notFound = { ...conflict, code: 404, reason: 'NotFound', message: 'gone' } as const;
const forbidden = { ...conflict, code: 403, reason: 'Forbidden', message: 'no' } as const;

describe('finalizer state machine (pure)', () => {
  const finalizers = fc.option(fc.array(fc.constantFrom(NAME, 'other/a', 'other/b'), { maxLength: 4 }), { nil: undefined });

  it('property: the action follows from deletionTimestamp and whether our finalizer is there', () => {
    fc.assert(
      fc.property(finalizers, fc.boolean(), (fs, deleting) => {
        const ours = (fs ?? []).includes(NAME);
        expect(finalizerAction(obj(fs, deleting), NAME)).toBe(deleting ? (ours ? 'Cleanup' : 'Ignore') : ours ? 'Apply' : 'AddFinalizer');
      }),
    );
  });

  it('property: the add patch appends ours and keeps the others; the remove patch removes only ours, in order; both fail on a stale object', () => {
    fc.assert(
      fc.property(finalizers, fc.constantFrom('5', '6'), (fs, serverRv) => {
        const read = obj(fs, false);
        const onServer = obj(fs, false, serverRv);
        const added = applyJsonPatch(onServer, addFinalizerPatch(read, NAME));
        const removed = applyJsonPatch(onServer, removeFinalizerPatch(read, NAME));
        if (serverRv !== '5') {
          expect(E.isLeft(added) && added.left.code).toBe(422);
          if ((fs ?? []).includes(NAME)) expect(E.isLeft(removed) && removed.left.code).toBe(422);
          return;
        }
        expect(added).toEqual(E.right({ ...onServer, metadata: { ...onServer.metadata, finalizers: [...(fs ?? []), NAME] } }));
        const others = (fs ?? []).filter((f) => f !== NAME);
        const expected = (fs ?? []).includes(NAME) ? { ...onServer, metadata: { ...onServer.metadata, finalizers: others } } : onServer;
        expect(removed).toEqual(E.right(expected));
      }),
    );
  });
});

/** A client whose jsonPatch answers with the given Observables, in turn, and records the operations. */
const fakeClient = (answers: ReadonlyArray<Observable<KubeObject>>) => {
  const patches: Array<ReadonlyArray<JsonPatchOperation>> = [];
  let i = 0;
  return {
    patches,
    client: {
      jsonPatch: (_ref: unknown, ops: ReadonlyArray<JsonPatchOperation>): Observable<KubeObject> => {
        patches.push(ops);
        const answer = answers[i++];
        if (answer === undefined) throw new Error('unexpected patch');
        return answer;
      },
    },
  };
};

describe('finalizer (marbles)', () => {
  it('adds the finalizer before the first apply, and applies the patched object', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const patched = obj([NAME], false, '6');
      const patch = cold('   --p|', { p: patched });
      const apply = cold('     ---r|', { r: requeueAfter(60_000) });
      const patchSubs = '    ^-!';
      const applySubs = '    --^--!';
      const expected = '     -----(r|)';
      const seen: KubeObject[] = [];
      const { client, patches } = fakeClient([patch]);
      const out = finalizer(client, NAME, obj(undefined, false), { apply: (o) => (seen.push(o), apply), cleanup: () => of(done) });
      expectObservable(out).toBe(expected, { r: requeueAfter(60_000) });
      expectSubscriptions(patch.subscriptions).toBe(patchSubs);
      expectSubscriptions(apply.subscriptions).toBe(applySubs);
      rx.flush();
      expect(patches).toEqual([addFinalizerPatch(obj(undefined, false), NAME)]);
      expect(seen).toEqual([patched]);
    });
  });

  it('applies an object that has the finalizer, without any patch', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const { client, patches } = fakeClient([]);
      expectObservable(finalizer(client, NAME, obj([NAME], false), { apply: () => cold<ReconcileResult>('-|'), cleanup: () => of(done) })).toBe('-(d|)', { d: done });
      rx.flush();
      expect(patches).toEqual([]);
    });
  });

  it('on deletion runs the cleanup, then removes only our finalizer; an object deleted without it, or gone, is Done at once', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const cleanup = cold('  --c|', { c: undefined });
      const patch = cold('      -p|', { p: obj(['other/a'], true, '7') });
      const cleanupSubs = '   ^-!';
      const patchSubs = '     --^!';
      const { client, patches } = fakeClient([patch]);
      const deleting = obj(['other/a', NAME], true);
      expectObservable(finalizer(client, NAME, deleting, { apply: () => of(done), cleanup: () => cleanup })).toBe('---(d|)', { d: done });
      expectSubscriptions(cleanup.subscriptions).toBe(cleanupSubs);
      expectSubscriptions(patch.subscriptions).toBe(patchSubs);
      expectObservable(finalizer(client, NAME, obj(['other/a'], true), { apply: () => of(requeue), cleanup: () => of(requeue) })).toBe('(d|)', { d: done });
      expectObservable(finalizer(client, NAME, undefined, { apply: () => of(requeue), cleanup: () => of(requeue) })).toBe('(d|)', { d: done });
      rx.flush();
      expect(patches).toEqual([removeFinalizerPatch(deleting, NAME)]);
    });
  });

  it('a stale object (409, failed test 422) requeues; 404 is Done; another failure errors; apply errors pass through', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const handlers = { apply: () => of(done), cleanup: () => of(done) };
      const fresh = obj(undefined, false);
      const deleting = obj([NAME], true);
      expectObservable(finalizer(fakeClient([cold('-#', {}, conflict)]).client, NAME, fresh, handlers)).toBe('-(q|)', { q: requeue });
      expectObservable(finalizer(fakeClient([cold('-#', {}, testFailed)]).client, NAME, deleting, handlers)).toBe('-(q|)', { q: requeue });
      expectObservable(finalizer(fakeClient([cold('-#', {}, notFound)]).client, NAME, deleting, handlers)).toBe('-(d|)', { d: done });
      expectObservable(finalizer(fakeClient([cold('-#', {}, forbidden)]).client, NAME, fresh, handlers)).toBe('-#', {}, forbidden);
      expectObservable(finalizer(fakeClient([]).client, NAME, obj([NAME], false), { ...handlers, apply: () => cold<ReconcileResult>('#', {}, conflict) })).toBe('#', {}, conflict);
    });
  });

  it('a failing cleanup is retried by reconcileWith with backoff; the finalizer is removed once, after it succeeds', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, hot, expectObservable }) => {
      let cleanups = 0;
      const keys = hot('a----------------------------------');
      const { client, patches } = fakeClient([cold('-p|', { p: obj([], true, '9') })]);
      const deleting = obj([NAME], true);
      const boom = new Error('cloud API down');
      const events = keys.pipe(
        reconcileWith(
          () =>
            finalizer(client, NAME, deleting, {
              apply: () => of(done),
              cleanup: () => {
                cleanups += 1;
                return cold<ReconcileResult | undefined>(cleanups <= 2 ? '-#' : '-c|', { c: undefined }, boom);
              },
            }),
          { scheduler: rx, rateLimiter: itemExponentialFailureRateLimiter(10, 1000) },
        ),
      );
      // fails at 1 (retry in 10) and at 12 (retry in 20); the third run cleans up (33) and removes the finalizer (34)
      expectObservable(events).toBe('s(fr)------u(gh)----------------t-o', {
        s: { _tag: 'Started', key: 'a', attempt: 0 },
        f: { _tag: 'Failed', key: 'a', error: boom, retryInMs: 10, durationMs: 1 },
        r: { _tag: 'Requeued', key: 'a', delayMs: 10, reason: 'Failed' },
        u: { _tag: 'Started', key: 'a', attempt: 1 },
        g: { _tag: 'Failed', key: 'a', error: boom, retryInMs: 20, durationMs: 1 },
        h: { _tag: 'Requeued', key: 'a', delayMs: 20, reason: 'Failed' },
        t: { _tag: 'Started', key: 'a', attempt: 2 },
        o: { _tag: 'Succeeded', key: 'a', result: done, durationMs: 2 },
      } satisfies Record<string, ReconcileEvent>);
      rx.flush();
      expect(patches).toEqual([removeFinalizerPatch(deleting, NAME)]);
      expect(cleanups).toBe(3);
    });
  });
});

describe('finalizer over the embedded API server (real HTTP)', () => {
  const current = embeddedServerPerTest();

  it('holds a deleted object until the cleanup has run, then lets it go; another finalizer is kept', async () => {
    const server = current();
    const client = objectClient(configMaps, { kubeConfig: embeddedKubeConfig(server), namespace: 'ns', fieldManager: 'cm-controller' });
    const handlers = recordingFinalizerHandlers();
    server.create('configmaps', { metadata: { name: 'a', namespace: 'ns', finalizers: ['other/keep'] } });
    const read = () => server.get('configmaps', 'ns', 'a');
    expect(await lastValueFrom(finalizer(client, NAME, read(), handlers))).toEqual(done);
    expect(server.get('configmaps', 'ns', 'a')?.metadata.finalizers).toEqual(['other/keep', NAME]);

    // a stale copy: the guard refuses, the reconcile requeues
    const stale = read();
    server.patch('configmaps', 'ns', 'a', { metadata: { labels: { touched: 'yes' } } });
    server.delete('configmaps', 'ns', 'a');
    expect(await lastValueFrom(finalizer(client, NAME, stale === undefined ? undefined : { ...stale, metadata: { ...stale.metadata, deletionTimestamp: 'x' } }, handlers))).toEqual(requeue);
    expect(server.get('configmaps', 'ns', 'a')?.metadata.finalizers).toEqual(['other/keep', NAME]);

    expect(await lastValueFrom(finalizer(client, NAME, read(), handlers))).toEqual(done);
    expect(server.get('configmaps', 'ns', 'a')?.metadata.finalizers).toEqual(['other/keep']);
    expect(handlers.cleaned).toEqual(['a', 'a']);
    server.patch('configmaps', 'ns', 'a', { metadata: { finalizers: null } });
    expect(server.get('configmaps', 'ns', 'a')).toBeUndefined();
  });
});
