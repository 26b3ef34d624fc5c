/**
 * The randomized fault suite: many runs of random create/update/delete traffic on ConfigMaps in
 * two namespaces against the embedded API server, while faults are injected (connections cut,
 * mid-line too; garbage lines; stalled watches; 410 on watch and on continue; 429 with
 * Retry-After; 500; compaction; restarts with and without history). After each run the informer
 * must converge on the server, and its events must keep every invariant of informerInvariants.
 *
 * Each run draws its plan from a seed (faultPlan.ts). `KUBE_RX_FAULT_RUNS` sets the number of
 * runs (default 30, about a minute), `KUBE_RX_FAULT_SEED` the first seed (default below); run `i` uses seed
 * `first + i`. A failing run names its seed; replay it alone with
 * `KUBE_RX_FAULT_SEED=<seed> KUBE_RX_FAULT_RUNS=1 npx vitest run --project unit spec/reliability/faultSuite.spec.ts`.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import { tap } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';

import type { InformerProblem } from '../../lib/informer/InformerStatus.js';
import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import type { ListerWatcher } from '../../lib/listwatch/ListerWatcher.js';
import { isExpired, toListerWatcherError } from '../../lib/listwatch/ListerWatcherError.js';
import { metaNamespaceKeyFunc } from '../../lib/meta/keyFunc.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import type { TestConfigMap } from '../../lib/testing/builders.js';
import { checkInvariants, type Recorded, recordEvents, type Write } from '../helpers/informerInvariants.js';
import { until } from '../helpers/until.js';
import { type Fault, faultKind, planFor, type RunPlan } from './faultPlan.js';

const RUNS = Number(process.env['KUBE_RX_FAULT_RUNS'] ?? '30');
const FIRST_SEED = Number(process.env['KUBE_RX_FAULT_SEED'] ?? '7001');
/** How long a run may take to converge after its traffic (Retry-After, backoff and the idle watchdog all fit well within). */
const CONVERGE_MS = 30_000;
/** The byte-level watchdog of the ListerWatcher: a stalled watch is given up after this long. */
const WATCH_IDLE_MS = 600;

const RESOURCE = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true } as const;

/** What one run did and saw. */
interface RunResult {
  /** Every write and fault applied, in order: the schedule as executed. */
  readonly actions: ReadonlyArray<string>;
  readonly violations: ReadonlyArray<string>;
  /** `key@rv data` of the server's objects and of the informer's store at the end. */
  readonly server: ReadonlyArray<string>;
  readonly store: ReadonlyArray<string>;
  readonly operations: Readonly<Record<string, number>>;
  readonly faults: Readonly<Record<string, number>>;
  /** What the informer reported recovering from, the lists it made, the continue 410s it met, its Sync events. */
  readonly seen: Readonly<Record<string, number>>;
}

const count = (into: Record<string, number>, key: string, n = 1): void => {
  into[key] = (into[key] ?? 0) + n;
};

const stateOf = (objects: ReadonlyArray<KubeObject>): ReadonlyArray<string> =>
  objects
    .map((o) => `${metaNamespaceKeyFunc(o)}@${o.metadata.resourceVersion ?? ''} ${JSON.stringify((o as { readonly data?: unknown }).data ?? {})}`)
    .sort();

const sameKeysAndVersions = (a: ReadonlyArray<KubeObject>, b: ReadonlyArray<KubeObject>): boolean => {
  const keyed = (objs: ReadonlyArray<KubeObject>): string =>
    objs.map((o) => `${metaNamespaceKeyFunc(o)}@${o.metadata.resourceVersion ?? ''}`).sort().join(',');
  return keyed(a) === keyed(b);
};

/** A problem the informer reported, as counted in the summary: `WatchFailed ECONNRESET`, `ListFailed 429`, `WatchExpired 410`, ... */
const problemKind = (p: InformerProblem): string => {
  if (p._tag !== 'ReflectorError') return p._tag;
  const e = p.error;
  switch (e._tag) {
    case 'ListFailed':
    case 'WatchFailed':
    case 'StreamingListUnsupported':
      return `${e._tag} ${e.error._tag === 'HttpError' ? String(e.error.code) : (e.error.code ?? 'transport')}`;
    case 'WatchExpired':
    case 'WatchStatus':
      return `${e._tag} ${String(e.status?.code ?? '')}`.trim();
    case 'VeryShortWatch':
    case 'WatchIdle':
      return e._tag;
  }
};

const splitKey = (key: string): { readonly namespace: string; readonly name: string } => {
  const [namespace = '', name = ''] = key.split('/');
  return { namespace, name };
};

/** Runs one plan against a fresh server and informer; never throws for a violation (it is in the result). */
const runPlan = async (plan: RunPlan): Promise<RunResult> => {
  const server: EmbeddedApiServer = await startApiServer({ bookmarkIntervalMs: 100 });
  const actions: Array<string> = [];
  const writes: Array<Write> = [];
  const operations: Record<string, number> = {};
  const faults: Record<string, number> = {};
  const seen: Record<string, number> = {};
  const restarts: Array<Promise<void>> = [];
  let expireOnNextContinue = false;

  const write = (step: number, key: string, choice: number): void => {
    const { namespace, name } = splitKey(key);
    const data = { step: String(step) };
    const exists = server.get('configmaps', namespace, name) !== undefined;
    if (!exists) {
      const o = server.create<TestConfigMap>('configmaps', { metadata: { name, namespace }, data });
      writes.push({ key, type: 'ADDED', resourceVersion: o.metadata.resourceVersion ?? '' });
      count(operations, 'create');
      actions.push(`create ${key}`);
    } else if (choice < 70) {
      const o = server.update<TestConfigMap>('configmaps', { metadata: { name, namespace }, data });
      writes.push({ key, type: 'MODIFIED', resourceVersion: o.metadata.resourceVersion ?? '' });
      count(operations, 'update');
      actions.push(`update ${key}`);
    } else {
      const o = server.delete('configmaps', namespace, name);
      writes.push({ key, type: 'DELETED', resourceVersion: o?.metadata.resourceVersion ?? '' });
      count(operations, 'delete');
      actions.push(`delete ${key}`);
    }
  };

  const inject = (fault: Fault): void => {
    const f = server.faults;
    count(faults, faultKind(fault));
    actions.push(`fault ${JSON.stringify(fault)}`);
    switch (fault._tag) {
      case 'Drop':
        f.dropWatches({ midLine: fault.midLine });
        return;
      case 'GarbageLine':
        f.garbageLine({ resource: 'configmaps' });
        return;
      case 'Stall':
        f.stall({ verb: 'watch', resource: 'configmaps' });
        f.dropWatches();
        return;
      case 'Respond':
        f.respond({ verb: fault.verb, resource: 'configmaps' }, fault.code, fault.code === 429 ? { retryAfterSeconds: 1 } : {});
        if (fault.now && fault.verb === 'list') server.compact(); // the re-watch meets a 410 and relists
        if (fault.now) f.dropWatches();
        return;
      case 'ExpireContinue':
        // a relist is forced (twice: a streaming list falls back to a paged LIST on the second),
        // and the first continue token it holds is expired before it is used
        expireOnNextContinue = true;
        f.respond({ verb: 'watch', resource: 'configmaps' }, 410, { times: 2 });
        f.dropWatches();
        return;
      case 'Compact':
        server.compact();
        if (fault.drop) f.dropWatches();
        return;
      case 'Restart':
        restarts.push(f.restart({ keepHistory: fault.keepHistory, downForMs: fault.downForMs }));
        return;
    }
  };

  plan.keys.slice(0, plan.initialObjects).forEach((key, i) => {
    write(-1 - i, key, 0);
  });

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions(server.kubeConfigOptions());
  const http = httpListerWatcher({ kubeConfig, resource: RESOURCE, watchIdleTimeoutMs: WATCH_IDLE_MS });
  // the same ListerWatcher, with a hook that expires the continue tokens as soon as one arrives
  const lw: ListerWatcher<KubeObject> = {
    list: (options) =>
      http.list(options).pipe(
        tap({
          next: (page) => {
            if (expireOnNextContinue && page.continue !== undefined && page.continue !== '') {
              expireOnNextContinue = false;
              server.faults.expireContinueTokens();
            }
          },
          error: (e: unknown) => {
            if (options.continue !== undefined && isExpired(toListerWatcherError(e, 'list', 'configmaps'))) count(seen, 'continue410');
          },
        }),
      ),
    watch: (options) => http.watch(options),
  };
  const informer = sharedIndexInformer(lw, {
    pageSize: plan.pageSize,
    initialList: plan.initialList,
    order: plan.order,
    backoff: { initialMs: 10, maxMs: 250 },
    minWatchTimeoutSeconds: 2,
    defaultResyncPeriodMs: plan.resyncPeriodMs,
    minResyncPeriodMs: 10,
  });
  const problems = informer.problems$.subscribe((p) => {
    count(seen, problemKind(p));
  });
  const recorded = recordEvents(informer);
  let late: Recorded<KubeObject> | undefined;

  try {
    let index = 0;
    for (const step of plan.steps) {
      if (index === plan.lateSubscriberAt) late = recordEvents(informer);
      index += 1;
      if (step._tag === 'Write') write(index, plan.keys[step.key] ?? '', step.choice);
      else if (step._tag === 'Fault') inject(step.fault);
      else await delay(step.ms);
    }
    server.faults.clear();
    expireOnNextContinue = false;
    await Promise.all(restarts);
    try {
      await until(() => sameKeysAndVersions(informer.store.list(), server.list('configmaps')), CONVERGE_MS);
    } catch {
      // not converged: the invariants below say how the store differs
    }
    const store = informer.store.list();
    const serverObjects = server.list('configmaps');
    const violations = [
      ...checkInvariants({ events: [...recorded.events], store, server: serverObjects, writes }),
      ...(late === undefined ? [] : checkInvariants({ events: [...late.events], store, server: serverObjects, writes }).map((v) => `late subscriber: ${v}`)),
    ];
    count(seen, 'Sync', recorded.events.filter((e) => e._tag === 'Sync').length);
    count(seen, 'lists', server.requests.filter((r) => (r.verb === 'list' && r.query['continue'] === undefined) || r.query['sendInitialEvents'] === 'true').length);
    return { actions, violations, server: stateOf(serverObjects), store: stateOf(store), operations, faults, seen };
  } finally {
    late?.stop();
    recorded.stop();
    problems.unsubscribe();
    await server.close();
  }
};

const replayHint = (seed: number): string =>
  `replay with KUBE_RX_FAULT_SEED=${String(seed)} KUBE_RX_FAULT_RUNS=1 npx vitest run --project unit spec/reliability/faultSuite.spec.ts`;

const totals = { runs: 0, replays: 0, operations: {} as Record<string, number>, faults: {} as Record<string, number>, seen: {} as Record<string, number> };
const startedAt = Date.now();

const addUp = (r: RunResult): void => {
  totals.runs += 1;
  for (const [k, n] of Object.entries(r.operations)) count(totals.operations, k, n);
  for (const [k, n] of Object.entries(r.faults)) count(totals.faults, k, n);
  for (const [k, n] of Object.entries(r.seen)) count(totals.seen, k, n);
};

const sum = (r: Readonly<Record<string, number>>): number => Object.values(r).reduce((a, b) => a + b, 0);
const breakdown = (r: Readonly<Record<string, number>>): string =>
  Object.entries(r)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${String(n)}`)
    .join(', ');

const runSeed = async (seed: number, replay = false): Promise<RunResult> => {
  const result = await runPlan(planFor(seed));
  addUp(result);
  if (replay) totals.replays += 1;
  return result;
};

describe('fault suite: random traffic and faults against the embedded API server', () => {
  afterAll(() => {
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    console.log(
      `fault suite: ${String(totals.runs)} runs (${String(totals.replays)} of them replaying seed ${String(FIRST_SEED)}), ${String(sum(totals.operations))} operations (${breakdown(totals.operations)}), ` +
        `${String(sum(totals.faults))} faults (by kind: ${breakdown(totals.faults)}), seeds ${String(FIRST_SEED)}..${String(FIRST_SEED + RUNS - 1)}, ${seconds} s\n` +
        `  seen by the informer (problems recovered from, lists made, continue 410s met, Sync events): ${breakdown(totals.seen)}`,
    );
  });

  for (let i = 0; i < RUNS; i++) {
    const seed = FIRST_SEED + i;
    it(`run ${String(i + 1)}/${String(RUNS)} (seed ${String(seed)}): the informer converges and keeps every invariant`, async () => {
      const result = await runSeed(seed);
      expect(result.violations, `seed ${String(seed)} broke invariants; ${replayHint(seed)}`).toEqual([]);
    }, 120_000);
  }

  it('the same seed gives the same schedule, the same server state and the same store', async () => {
    const first = await runSeed(FIRST_SEED, true);
    const second = await runSeed(FIRST_SEED, true);
    expect(second.actions).toEqual(first.actions);
    expect(second.server).toEqual(first.server);
    expect(second.store).toEqual(first.store);
    expect(first.store).toEqual(first.server);
    expect(planFor(FIRST_SEED)).toEqual(planFor(FIRST_SEED));
    expect(planFor(FIRST_SEED + 1)).not.toEqual(planFor(FIRST_SEED));
  }, 240_000);
});
