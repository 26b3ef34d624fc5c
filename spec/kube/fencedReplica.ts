/**
 * A leader-elected replica for the multi-replica reliability tests (spec/kube/fencing.kube.spec.ts),
 * run as a child process: for every ConfigMap of a namespace it applies a Secret of the same name
 * stamped with its identity, through a field manager of its own (`fenced-IDENTITY`), so the
 * server's managedFields say who wrote what and when. Its reconciler "works" `--work-ms` before
 * writing and ignores its AbortSignal (as careless reconcilers do), so a replica paused mid-work
 * resumes straight into a write: only the lease fence (`--fence on`, the default) stops it. It
 * writes through the reconcile context's client, which the manager fences with the run's fence
 * (no fence option of its own).
 *
 * Every line of `--log` is JSON: `{t, identity, phase, ...}` with phase `start`/`end` (reconcile),
 * `write` (`outcome`: `sent` when the request went out and succeeded, `fenced` when refused before
 * sending, `error`), `leader` (`state`), `problem` (an informer problem) and `idle` (a watch the
 * idle watchdog tore down), and `store` (the informer's objects as `name@resourceVersion`, on SIGUSR2).
 * `LOG.metrics` holds the replica's Prometheus metrics (kube-rx/prometheus), rewritten every second.
 * `--abortable` makes the work and the write honour the AbortSignal instead.
 *
 * Flags: --kubeconfig PATH --server URL (overrides the kubeconfig's server, e.g. a proxy)
 * --namespace NS --identity ID --lease NAME --log PATH --work-ms N --fence on|off --abortable
 * --lease-duration-ms --renew-deadline-ms --retry-period-ms --watch-idle-ms
 */
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { tap } from 'rxjs';

import {
  controllerManager,
  done,
  httpLeaseClient,
  isLeaseFenced,
  KubeObjectCodec,
  leaderElection,
  leaseFence,
  secrets,
  splitMetaNamespaceKey,
} from 'kube-rx';
import { prometheusMetrics } from 'kube-rx/prometheus';

import { intFlag, loggedReconciler, runToExit } from '../../examples/support.js';

const { values } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    server: { type: 'string' },
    namespace: { type: 'string', default: 'default' },
    identity: { type: 'string', default: 'replica' },
    lease: { type: 'string', default: 'fenced' },
    log: { type: 'string' },
    'work-ms': { type: 'string' },
    fence: { type: 'string', default: 'on' },
    abortable: { type: 'boolean', default: false },
    'lease-duration-ms': { type: 'string' },
    'renew-deadline-ms': { type: 'string' },
    'retry-period-ms': { type: 'string' },
    'watch-idle-ms': { type: 'string' },
  },
});
const { namespace, identity } = values;
const logPath = values.log;
const log = (phase: string, fields: Record<string, unknown> = {}): void => {
  if (logPath !== undefined) appendFileSync(logPath, `${JSON.stringify({ t: Date.now(), identity, phase, ...fields })}\n`);
};

const file = new KubeConfig();
if (values.kubeconfig === undefined) file.loadFromDefault();
else file.loadFromFile(values.kubeconfig);
const server = values.server;
const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: server === undefined ? file.clusters : file.clusters.map((c) => ({ ...c, server })),
  users: file.users,
  contexts: file.contexts,
  currentContext: file.currentContext,
});

const workMs = intFlag('work-ms', values['work-ms'], 1);
const timings = {
  leaseDurationMs: intFlag('lease-duration-ms', values['lease-duration-ms'], 15_000),
  renewDeadlineMs: intFlag('renew-deadline-ms', values['renew-deadline-ms'], 10_000),
  retryPeriodMs: intFlag('retry-period-ms', values['retry-period-ms'], 2_000),
};
const watchIdleTimeoutMs = values['watch-idle-ms'] === undefined ? undefined : intFlag('watch-idle-ms', values['watch-idle-ms'], 1);
const fence = values.fence === 'off' ? undefined : leaseFence();
const abortable = values.abortable;

const registry = new Registry();
const mgr = controllerManager({ kubeConfig, metrics: prometheusMetrics({ registry }) });
// the Prometheus exposition, rewritten every second into LOG.metrics (the test scans its labels for
// credentials); written aside and renamed, so that a SIGKILL never leaves a truncated file
if (logPath !== undefined) {
  const dumpMetrics = (): void => {
    void registry.metrics().then((text) => {
      writeFileSync(`${logPath}.metrics.tmp`, text);
      renameSync(`${logPath}.metrics.tmp`, `${logPath}.metrics`);
    });
  };
  setInterval(dumpMetrics, 1000).unref();
  dumpMetrics();
}
const cms = mgr.select('configmaps', {
  resource: 'configmaps',
  namespace,
  codec: KubeObjectCodec,
  ...(watchIdleTimeoutMs === undefined ? {} : { informer: { watchIdleTimeoutMs } }),
});
const reconcile = loggedReconciler(
  async (key, signal, context) => {
    const cm = mgr.informer(cms).store.get(key);
    // deaf to the AbortSignal unless --abortable (as careless reconcilers are)
    await sleep(workMs, undefined, abortable ? { signal } : {});
    if (cm === undefined) return done;
    const { name } = splitMetaNamespaceKey(key);
    const attemptT = Date.now();
    try {
      // the context's client: field manager `fenced-IDENTITY` (the controller's), fenced by the run's fence
      await context.client(secrets).promise.apply(
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name, namespace, annotations: { 'kube-rx.io/written-by': identity, 'kube-rx.io/source-rv': cm.metadata.resourceVersion ?? '' } },
        },
        { force: true, ...(abortable ? { signal } : {}) },
      );
      log('write', { key, attemptT, outcome: 'sent' });
    } catch (error) {
      log('write', { key, attemptT, outcome: isLeaseFenced(error) ? 'fenced' : 'error', error: String(error) });
      throw error;
    }
    return done;
  },
  identity,
  logPath,
);
mgr.controller({ name: 'fenced', fieldManager: `fenced-${identity}`, for: cms, reconcile, readYourWrites: false });
// an observer keeps the informer running while this replica follows (warm cache, watchdog on)
mgr.observe(cms, (events$) => events$);

const leader$ = leaderElection({
  client: httpLeaseClient(kubeConfig),
  namespace,
  name: values.lease,
  identity,
  ...timings,
  ...(fence === undefined ? {} : { fence }),
});
mgr.informer(cms).problems$.subscribe((p) => {
  log(p._tag === 'ReflectorError' && p.error._tag === 'WatchIdle' ? 'idle' : 'problem', { problem: p._tag, detail: p._tag === 'ReflectorError' ? p.error._tag : '' });
});
// SIGUSR2: log the informer's store as `key@resourceVersion` (to compare with the server)
process.on('SIGUSR2', () => {
  log('store', { objects: mgr.informer(cms).store.list().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion ?? ''}`).sort() });
});
runToExit(
  identity,
  mgr.run({
    handleSignals: true,
    leader$: leader$.pipe(
      tap((s) => {
        log('leader', { state: s._tag });
      }),
    ),
    ...(fence === undefined ? {} : { fence }),
  }),
);
