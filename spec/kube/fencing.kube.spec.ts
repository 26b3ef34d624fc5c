/**
 * Two leader-elected replicas (spec/kube/fencedReplica.ts) as child processes against Kubernetes
 * 1.20.2 (issue 17):
 * - a paused leader (SIGSTOP past the lease duration, the other takes over, SIGCONT) performs no
 *   write after it resumes: the lease fence refuses it (and, as a control, without the fence it
 *   does write);
 * - a silent network partition (a TCP proxy that blackholes one replica's traffic, no reset):
 *   the idle-watch watchdog notices, the replica stops leading within the renew deadline, the
 *   other takes over, and after the heal both informers converge to the server with no key
 *   reconciled by both replicas at once.
 * The replicas authenticate with a bearer token, an exec credential plugin (the same token) and a
 * client certificate (the partitioned one); every captured output (stdout, stderr, logs, and each
 * replica's Prometheus metrics with their labels) is scanned for the token and the client key.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { configMaps, namespaces, objectClient } from 'kube-rx';

import { expectNoSecrets } from '../security/leaks.js';
import { type LinesChild, spawnTs } from '../helpers/spawnLines.js';
import { eventually, type Kube, startKube, startTcpProxy, type TcpProxy } from './harness.js';
import { reconcileOverlaps, readLog, type ReplicaLogLine } from './replicaLogs.js';

const LEASE_MS = 3000;
const RENEW_MS = 2000;
const RETRY_MS = 500;
/** Way beyond the lease duration, the renew deadline and the idle-watch timeout: a minute. */
const BLACKHOLE_MS = 60_000;
const WATCH_IDLE_MS = 4000;
/** Timer and scheduling slack of a loaded 2-core machine. */
const SLACK_MS = 1000;
const timingArgs = ['--lease-duration-ms', String(LEASE_MS), '--renew-deadline-ms', String(RENEW_MS), '--retry-period-ms', String(RETRY_MS)];
const REPLICA = 'spec/kube/fencedReplica.ts';
const LEASE = 'fenced';

const unique = (prefix: string): string => `${prefix}-${randomBytes(3).toString('hex')}`;

interface Replica extends LinesChild {
  readonly identity: string;
  readonly log: string;
}

describe('multi-replica reliability against kube-apiserver 1.20: lease fencing and partitions', () => {
  let kube: Kube;
  let kc: KubeConfig;
  let dir: string;
  let token: string;
  let execKubeconfig: string;
  const started: Replica[] = [];

  const start = (identity: string, args: readonly string[], kubeconfig = kube.kubeconfigAdmin): Replica => {
    const log = join(dir, `${identity}.jsonl`);
    const child = spawnTs(REPLICA, ['--kubeconfig', kubeconfig, '--identity', identity, '--log', log, '--lease', LEASE, ...timingArgs, ...args]);
    const r = { ...child, identity, log };
    started.push(r);
    return r;
  };

  const holder = async (namespace: string): Promise<string | undefined> =>
    (await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace, name: LEASE }).catch(() => undefined))?.spec?.holderIdentity;

  const createNamespace = async (): Promise<string> => {
    const name = unique('fence');
    await objectClient(namespaces, { kubeConfig: kc }).promise.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return name;
  };

  /** Creates `n` ConfigMaps, then updates one of them every 150 ms until stopped. */
  const churn = async (namespace: string, n: number): Promise<{ readonly stop: () => Promise<void> }> => {
    const client = objectClient(configMaps, { kubeConfig: kc, namespace, fieldManager: 'churn' });
    const names = Array.from({ length: n }, (_, i) => `cm-${i}`);
    await Promise.all(names.map((name) => client.promise.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v: '0' } })));
    const state = { stopped: false, failures: 0 };
    const loop = (async () => {
      for (let i = 1; !state.stopped; i++) {
        const name = names[i % n] ?? 'cm-0';
        // a failed write is counted and the churn goes on (the test asserts on the server's state, not on this)
        await client.promise.patch({ name }, { data: { v: String(i) } }).catch(() => {
          state.failures++;
        });
        await sleep(150); // pacing, not synchronisation
      }
    })();
    return {
      stop: async () => {
        state.stopped = true;
        await loop;
      },
    };
  };

  const linesOf = async (r: Replica, phase: string): Promise<ReplicaLogLine[]> => (await readLog(r.log)).filter((l) => l.phase === phase);
  const openReconciles = async (r: Replica): Promise<number> => {
    const lines = await readLog(r.log);
    return lines.filter((l) => l.phase === 'start').length - lines.filter((l) => l.phase === 'end').length;
  };

  beforeAll(async () => {
    kube = await startKube();
    kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigAdmin);
    token = kc.getCurrentUser()?.token ?? '';
    expect(token).not.toBe('');
    dir = await mkdtemp(join(tmpdir(), 'kube-rx-fencing-'));
    // the same user, its token given by an exec credential plugin (client.authentication.k8s.io)
    const cluster = kc.getCurrentCluster();
    execKubeconfig = join(dir, 'exec-kubeconfig.json');
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token } });
    await writeFile(
      execKubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'kube', cluster: { server: cluster?.server, 'certificate-authority': kube.caFile } }],
        users: [{ name: 'exec', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(credential)})`] } } }],
        contexts: [{ name: 'exec', context: { cluster: 'kube', user: 'exec' } }],
        'current-context': 'exec',
      }),
    );
  }, 200_000);

  afterAll(async () => {
    for (const r of started) r.child.kill('SIGKILL');
    await Promise.all(started.map((r) => r.exited));
    // every captured output: stdout, stderr, the logs (error messages included)
    if (started.length > 0) {
      const logs = await Promise.all(started.map((r) => readLog(r.log)));
      const metrics = await Promise.all(started.map((r) => readFile(`${r.log}.metrics`, 'utf8')));
      // real expositions, labels and all: every replica's (its first one is written before its informer
      // lists, so a replica killed within a second of listing may not show the list yet), and at
      // least one with the informer's labelled series
      for (const text of metrics) expect(text).toMatch(/^# HELP /m);
      expect(metrics.some((text) => /^reflector_lists_total\{name="configmaps"\} \d/m.test(text))).toBe(true);
      expectNoSecrets([...started.flatMap((r) => [...r.out, ...r.err]), ...logs.flat(), ...metrics], await kube.credentials());
    }
    await kube.stop();
    if (process.env['KUBE_RX_KEEP_DIR'] !== '1') await rm(dir, { recursive: true, force: true });
  }, 120_000);

  /**
   * The paused-leader scenario: returns the old leader's write attempts after it resumed, and the
   * Secrets' managedFields entries of its field manager written in or after the second it resumed.
   */
  const pausedLeader = async (fence: 'on' | 'off') => {
    const ns = await createNamespace();
    const args = ['--namespace', ns, '--work-ms', '1500', '--fence', fence];
    const a = start(`paused-a-${fence}`, args);
    await eventually('a leads', async () => (await holder(ns)) === a.identity);
    const b = start(`paused-b-${fence}`, args, execKubeconfig);
    const load = await churn(ns, 10);
    await eventually('a writes', async () => (await linesOf(a, 'write')).some((l) => l.outcome === 'sent'));
    await eventually('a is in the middle of a reconcile', async () => (await openReconciles(a)) > 0);
    a.child.kill('SIGSTOP');
    const stoppedAt = Date.now();
    await eventually('b takes over', async () => (await holder(ns)) === b.identity, LEASE_MS + 10_000);
    await eventually('b writes', async () => (await linesOf(b, 'write')).some((l) => l.outcome === 'sent' && l.t > stoppedAt));
    expect(Date.now() - stoppedAt).toBeGreaterThan(LEASE_MS);
    a.child.kill('SIGCONT');
    const resumedAt = Date.now();
    await eventually('a knows it stopped leading and finished its reconciles', async () =>
      (await linesOf(a, 'leader')).some((l) => l.state === 'Following' && l.t >= resumedAt) && (await openReconciles(a)) === 0,
    );
    await load.stop();
    const after = (await linesOf(a, 'write')).filter((l) => typeof l.attemptT === 'number' && l.attemptT >= resumedAt);
    const stamped = await kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns });
    const resumedSecond = Math.floor(resumedAt / 1000) * 1000;
    const lateEntries = stamped.items.flatMap((s) =>
      (s.metadata?.managedFields ?? [])
        .filter((f) => f.manager === `fenced-${a.identity}` && (f.time?.getTime() ?? 0) >= resumedSecond)
        .map((f) => `${s.metadata?.name ?? ''} ${f.time?.toISOString() ?? ''}`),
    );
    console.log(
      `paused leader (fence ${fence}): stopped ${resumedAt - stoppedAt} ms; after SIGCONT ${after.filter((l) => l.outcome === 'fenced').length} writes fenced, ${after.filter((l) => l.outcome === 'sent').length} sent; server entries of ${a.identity} since resume: ${lateEntries.length}`,
    );
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    return { after, lateEntries };
  };

  it('a paused leader (SIGSTOP past the lease duration) performs no write after SIGCONT: the fence refuses it', async () => {
    const { after, lateEntries } = await pausedLeader('on');
    expect(after.filter((l) => l.outcome !== 'fenced')).toEqual([]);
    // usually the reconcile it was paused in resumes into a write, which the fence refuses; when the
    // pause fell on a write already sent (the window docs/reliability.md names), nothing is
    // attempted after the resume: either way no write attempted after SIGCONT reaches the server
    console.log(`fenced attempts after SIGCONT: ${after.length}`);
    expect(lateEntries).toEqual([]);
  }, 120_000);

  it('control: without the fence the same pause makes the old leader write after the other took over', async () => {
    // a pause that falls on a write already sent leaves nothing to write after the resume: the
    // failure mode needs a pause inside the reconcile's work, so the scenario gets three tries
    let sent = 0;
    for (let attempt = 0; attempt < 3 && sent === 0; attempt++) {
      const { after } = await pausedLeader('off');
      sent = after.filter((l) => l.outcome === 'sent').length;
    }
    expect(sent).toBeGreaterThan(0);
  }, 300_000);

  it('a blackholed replica stops leading within the renew deadline, its idle watch is torn down, and after the heal both informers converge with no overlapping reconcile', async () => {
    const ns = await createNamespace();
    const proxy: TcpProxy = await startTcpProxy(kube.url);
    try {
      const args = ['--namespace', ns, '--work-ms', '200', '--abortable', '--watch-idle-ms', String(WATCH_IDLE_MS)];
      const a = start('partitioned-a', ['--server', proxy.url, ...args], kube.kubeconfigCertAdmin);
      await eventually('a leads', async () => (await holder(ns)) === a.identity);
      const b = start('partitioned-b', args, execKubeconfig);
      const load = await churn(ns, 10);
      await eventually('a writes', async () => (await linesOf(a, 'write')).some((l) => l.outcome === 'sent'));

      proxy.blackhole();
      const cutAt = Date.now();
      await eventually('a stops leading', async () => (await linesOf(a, 'leader')).some((l) => l.state === 'Following' && l.t >= cutAt), RENEW_MS + 10_000);
      const lostMs = ((await linesOf(a, 'leader')).find((l) => l.state === 'Following' && l.t >= cutAt)?.t ?? Number.POSITIVE_INFINITY) - cutAt;
      await eventually('b takes over', async () => (await holder(ns)) === b.identity, LEASE_MS + 10_000);
      await eventually('a’s idle watch is torn down', async () => (await linesOf(a, 'idle')).some((l) => l.t >= cutAt), WATCH_IDLE_MS + 10_000);
      const idleMs = ((await linesOf(a, 'idle')).find((l) => l.t >= cutAt)?.t ?? Number.POSITIVE_INFINITY) - cutAt;
      await sleep(Math.max(0, cutAt + BLACKHOLE_MS - Date.now())); // the partition lasts BLACKHOLE_MS
      proxy.heal();
      await load.stop();

      const server = await kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: ns });
      const truth = server.items.map((o) => `${o.metadata?.name ?? ''}@${o.metadata?.resourceVersion ?? ''}`).sort();
      for (const r of [a, b]) {
        await eventually(`${r.identity}'s informer converges to the server`, async () => {
          const asked = Date.now();
          r.child.kill('SIGUSR2');
          await sleep(100); // the next dump is looked for by the next probe
          const dump = (await linesOf(r, 'store')).filter((l) => l.t >= asked).at(-1);
          return JSON.stringify(dump?.objects) === JSON.stringify(truth);
        }, 60_000);
      }
      const report = reconcileOverlaps(await Promise.all([a, b].map(async (r) => ({ identity: r.identity, lines: await readLog(r.log) }))));
      console.log(
        `partition: blackholed ${BLACKHOLE_MS} ms; a stopped leading after ${lostMs} ms (renew deadline ${RENEW_MS}), its watch went idle after ${idleMs} ms (timeout ${WATCH_IDLE_MS}); ${report.checked} reconciles checked (${JSON.stringify(report.perIdentity)}); proxy accepted ${proxy.accepted()} connections`,
      );
      expect(lostMs).toBeLessThanOrEqual(RENEW_MS + SLACK_MS);
      expect(idleMs).toBeLessThanOrEqual(WATCH_IDLE_MS + SLACK_MS);
      expect(report.overlaps).toEqual([]);
      expect(report.perIdentity[b.identity] ?? 0).toBeGreaterThan(0);
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await a.exited).toBe(0);
      expect(await b.exited).toBe(0);
    } finally {
      await proxy.close();
    }
  }, 240_000);
});
