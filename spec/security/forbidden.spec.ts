// 403 Forbidden is a typed error in the reflector's events, status$ and problems$, with the
// server's message; a permanently forbidden resource is retried with the backoff growing to its
// cap (client-go's behaviour), never in a storm. All in virtual time.
import { filter } from 'rxjs';
import { describe, expect, it } from 'vitest';

import type { InformerProblem, InformerStatus } from '../../lib/informer/InformerStatus.js';
import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import type { ListPage, WatchEvent } from '../../lib/listwatch/ListerWatcher.js';
import { isForbidden, type ListerWatcherError } from '../../lib/listwatch/ListerWatcherError.js';
import { httpErrorOf, type KubeConfigLike } from '../../lib/listwatch/kubeRequest.js';
import { listThenWatch, type ReflectorConfig } from '../../lib/reflector/listThenWatch.js';
import type { ReflectorEvent } from '../../lib/reflector/ReflectorEvent.js';
import { configMap, listPage, type TestConfigMap as Cm } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { newTestScheduler } from '../helpers/marbles.js';

const SERVER_MESSAGE = 'configmaps is forbidden: User "system:serviceaccount:ns:app" cannot list resource "configmaps" in API group "" at the cluster scope';

const kubeConfig: KubeConfigLike = { getCurrentCluster: () => null, applyToHTTPSOptions: () => Promise.resolve() };

/** The error an HTTP ListerWatcher gives for the API server's 403 answer. */
const forbiddenOf = (verb: 'list' | 'watch'): ListerWatcherError =>
  httpErrorOf(
    { kubeConfig, verb, resource: 'configmaps', namespaced: true, path: '/api/v1/configmaps' },
    {
      statusCode: 403,
      headers: {},
      body: Buffer.from(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: SERVER_MESSAGE, reason: 'Forbidden', code: 403 })),
    },
  );
const forbiddenList = forbiddenOf('list');
const forbiddenWatch = forbiddenOf('watch');

const TEN_MINUTES = 600_000;
/** Request latency of the fake server. */
const LATENCY = 10;

/**
 * The most requests a permanently failing resource may cost in 10 minutes with the default
 * backoff (800 ms doubling to 30 s) and the jitter at its lowest (random = 0, the most requests):
 * 0, 0.81 s, 2.42 s, 5.63 s, 12.04 s, 24.85 s, 50.46 s, then one per 30.01 s: 25. Without the
 * backoff it would be one every 10 ms: 60 000.
 */
const MAX_ATTEMPTS_IN_TEN_MINUTES = 25;

const cfg = (rx: ReturnType<typeof newTestScheduler>, random: () => number): ReflectorConfig => ({ scheduler: rx, random });

type Ev = ReflectorEvent<Cm>;

describe('Forbidden (403)', () => {
  it('marble: a forbidden LIST is an Error{ListFailed, Forbidden} and is retried after 0.8 s, 1.6 s, 3.2 s, …', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<Cm>({ lists: () => cold<ListPage<Cm>>(`${LATENCY}ms #`, undefined, forbiddenList) });
      const backoff = (delayMs: number, attempt: number): Ev => ({ _tag: 'Backoff', delayMs, attempt, next: 'list' });
      expectObservable(listThenWatch(lw, cfg(rx, () => 0)), '^ 5700ms !').toBe(
        'L 9ms (Ea) 796ms K 9ms (Eb) 1596ms K 9ms (Ec) 3196ms K 9ms (Ed)',
        {
          L: { _tag: 'Listing', resourceVersion: '0', cause: 'Initial' },
          K: { _tag: 'Listing', resourceVersion: '0', cause: 'Error' },
          E: { _tag: 'Error', error: { _tag: 'ListFailed', error: forbiddenList }, next: 'list' },
          a: backoff(800, 1),
          b: backoff(1600, 2),
          c: backoff(3200, 3),
          d: backoff(6400, 4),
        } satisfies Record<string, Ev>,
      );
    });
    expect(forbiddenList).toMatchObject({ _tag: 'HttpError', code: 403, reason: 'Forbidden' });
    expect(forbiddenList.message).toBe(`list configmaps in all namespaces: Forbidden: ${SERVER_MESSAGE}`);
    expect(isForbidden(forbiddenList)).toBe(true);
  });

  it.each([
    { jitter: 'lowest (most requests)', random: () => 0, expected: MAX_ATTEMPTS_IN_TEN_MINUTES },
    { jitter: 'halfway', random: () => 0.5, expected: 18 },
  ])('a permanently forbidden LIST costs at most 25 requests in 10 virtual minutes (jitter $jitter)', ({ random, expected }) => {
    const rx = newTestScheduler();
    const at: number[] = [];
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<Cm>({
        lists: () => {
          at.push(rx.now());
          return cold<ListPage<Cm>>(`${LATENCY}ms #`, undefined, forbiddenList);
        },
      });
      // nothing but lifecycle events: no data ever reaches the cache
      expectObservable(
        listThenWatch(lw, cfg(rx, random)).pipe(filter((e) => e._tag === 'Replace' || e._tag === 'Watching')),
        `^ ${TEN_MINUTES}ms !`,
      ).toBe('');
    });
    expect(at).toHaveLength(expected);
    expect(at.length).toBeLessThanOrEqual(MAX_ATTEMPTS_IN_TEN_MINUTES);
    const gaps = at.slice(1).map((t, i) => t - (at[i] ?? 0));
    // the waits grow and then stay at the cap: 30 s (up to 60 s with jitter) plus the latency
    gaps.slice(1).forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(gaps[i] ?? 0);
    });
    expect(gaps.at(-1)).toBeGreaterThanOrEqual(30_000 + LATENCY);
  });

  it('list allowed but watch forbidden (a common RBAC slip): list + watch at most once per backoff', () => {
    const rx = newTestScheduler();
    const lists: number[] = [];
    const watches: number[] = [];
    rx.run(({ cold }) => {
      const lw = fakeListerWatcher<Cm>({
        lists: () => {
          lists.push(rx.now());
          return cold<ListPage<Cm>>(`${LATENCY}ms (p|)`, { p: listPage('100', [configMap('a', '90')]) });
        },
        watches: () => {
          watches.push(rx.now());
          return cold<WatchEvent<Cm>>(`${LATENCY}ms #`, undefined, forbiddenWatch);
        },
      });
      const sub = listThenWatch(lw, cfg(rx, () => 0)).subscribe();
      rx.schedule(() => {
        sub.unsubscribe();
      }, TEN_MINUTES);
    });
    expect(watches.length).toBeLessThanOrEqual(MAX_ATTEMPTS_IN_TEN_MINUTES);
    expect(lists.length).toBeLessThanOrEqual(MAX_ATTEMPTS_IN_TEN_MINUTES);
    expect(watches.length).toBeGreaterThan(10); // it keeps trying (the permission may be granted)
  });

  it('status$ says BackingOff with the typed Forbidden error; problems$ carries it with the server message', () => {
    const rx = newTestScheduler();
    const statuses: InformerStatus[] = [];
    const problems: InformerProblem[] = [];
    rx.run(({ cold }) => {
      const lw = fakeListerWatcher<Cm>({ lists: () => cold<ListPage<Cm>>(`${LATENCY}ms #`, undefined, forbiddenList) });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0 });
      const subs = [
        informer.status$.subscribe((s) => statuses.push(s)),
        informer.problems$.subscribe((p) => problems.push(p)),
        informer.events$.subscribe(),
      ];
      rx.schedule(() => {
        for (const s of subs) s.unsubscribe();
      }, 3_000);
    });
    const backingOff = statuses.filter((s): s is Extract<InformerStatus, { _tag: 'BackingOff' }> => s._tag === 'BackingOff');
    expect(backingOff.map((s) => [s.delayMs, s.attempt])).toEqual([
      [800, 1],
      [1600, 2],
      [3200, 3],
    ]);
    expect(backingOff[0]?.error).toEqual({ _tag: 'ListFailed', error: forbiddenList });
    const errors = problems.map((p) => (p._tag === 'ReflectorError' && p.error._tag === 'ListFailed' ? p.error.error : undefined));
    expect(errors).toHaveLength(3);
    expect(errors.every((e) => e !== undefined && isForbidden(e) && e.message.includes(SERVER_MESSAGE))).toBe(true);
    expect(problems.map((p) => (p._tag === 'ReflectorError' ? p.next : ''))).toEqual(['list', 'list', 'list']);
    expect(statuses.map((s) => s._tag).filter((t) => t === 'Synced' || t === 'Watching')).toEqual([]);
  });
});
