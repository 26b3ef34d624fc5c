/**
 * Multi-replica soak against a real kube-apiserver (issue 17), opt-in and not part of `npm test`:
 *
 *   npm run soak -- --minutes 30 [--kill-every-s 180] [--writes-per-s 10] [--spare] [--out bench/results]
 *
 * Starts its own etcd + kube-apiserver (scripts/kube-apiserver.sh, as the kube test tier), runs 3
 * sharded replicas of examples/configMapToSecret.ts (6 shards) under steady ConfigMap churn
 * (updates, creates, deletes), and SIGKILLs one replica (round robin) every `--kill-every-s`,
 * restarting it at once with the same identity; with `--spare`, `soak-a` is never killed (the kills
 * rotate over the other two), so one process lives the whole run and its heap can be read over it. Each replica process loads scripts/soakProbe.ts,
 * which samples its heap after GC (and RSS) and, at the end, counts its open sockets and timers.
 *
 * Reports: heap per replica process over time and its least-squares slope (after a warm-up of a
 * quarter of its life, at most 60 s), open sockets and timers of the survivors at the end,
 * reconcile counts per identity, overlaps (one key reconciled by two replicas at once: must be
 * 0), and whether the final state equals the server's (every labelled ConfigMap has its Secret with
 * the same data, and no managed Secret outlives its ConfigMap). Writes `soak-<stamp>.json` and an
 * ASCII plot `soak-<stamp>.txt` into `--out`; exits 1 when overlaps > 0 or the state did not
 * converge.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { KubeConfig } from '@kubernetes/client-node';

import { configMaps, namespaces, objectClient, secrets } from 'kube-rx';

import { eventually, startKube } from '../spec/kube/harness.js';
import { readLog, reconcileOverlaps, type ReplicaRun } from '../spec/kube/replicaLogs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    'kill-every-s': { type: 'string' },
    'writes-per-s': { type: 'string', default: '10' },
    spare: { type: 'boolean', default: false },
    out: { type: 'string', default: join(root, 'bench/results') },
  },
});
const minutes = Number(values.minutes);
const killEveryMs = Number(values['kill-every-s'] ?? String(Math.max(30, Math.round((minutes * 60) / 10)))) * 1000;
const writesPerSecond = Number(values['writes-per-s']);
const SHARDS = 6;
const LIVE = 60;
const LABEL = 'kube-rx.io/secret';
const MANAGED_BY = 'app.kubernetes.io/managed-by';
const timingArgs = ['--lease-duration-ms', '4000', '--renew-deadline-ms', '3000', '--retry-period-ms', '1000'];

interface Incarnation {
  readonly identity: string;
  readonly n: number;
  readonly log: string;
  readonly probe: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly startedAt: number;
  endedAt?: number;
  stderr: string;
}

interface Sample {
  readonly t: number;
  readonly heap?: number;
  readonly rss?: number;
  readonly resources?: Readonly<Record<string, number>>;
}

/** Least-squares slope of (t ms, y bytes) in MB per minute. */
const slopeMbPerMin = (points: ReadonlyArray<readonly [number, number]>): number => {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mt = points.reduce((s, [t]) => s + t, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [t, y]) => s + (t - mt) * (y - my), 0);
  const den = points.reduce((s, [t]) => s + (t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60_000 / 1024 / 1024;
};

/** An ASCII plot of series of (t, MB), one letter per series. */
const asciiPlot = (series: ReadonlyArray<{ readonly label: string; readonly points: ReadonlyArray<readonly [number, number]> }>, t0: number, width = 72, height = 16): string => {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return '(no samples)';
  const tMax = Math.max(...all.map(([t]) => t - t0), 1);
  const yMin = Math.min(...all.map(([, y]) => y));
  const yMax = Math.max(...all.map(([, y]) => y), yMin + 1);
  const grid = Array.from({ length: height }, () => Array.from({ length: width }, () => ' '));
  series.forEach((s, i) => {
    const mark = String.fromCharCode(97 + (i % 26));
    for (const [t, y] of s.points) {
      const x = Math.min(width - 1, Math.round(((t - t0) / tMax) * (width - 1)));
      const row = height - 1 - Math.round(((y - yMin) / (yMax - yMin)) * (height - 1));
      const line = grid[row];
      if (line !== undefined) line[x] = mark;
    }
  });
  const rows = grid.map((r, i) => `${(yMax - ((yMax - yMin) * i) / (height - 1)).toFixed(1).padStart(7)} |${r.join('')}`);
  const legend = series.map((s, i) => `${String.fromCharCode(97 + (i % 26))} = ${s.label}`).join(', ');
  return [`heap after GC (MB) after each process's warm-up, over ${(tMax / 1000).toFixed(0)} s`, ...rows, `${' '.repeat(8)}+${'-'.repeat(width)}`, legend].join('\n');
};

const main = async (): Promise<void> => {
  const dir = await mkdtemp(join(tmpdir(), 'kube-rx-soak-'));
  const kube = await startKube();
  const startedAt = Date.now();
  const stamp = new Date(startedAt).toISOString().replace(/[:.]/g, '-');
  const incarnations: Incarnation[] = [];
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigAdmin);
    const credentials = await kube.credentials();
    const ns = `soak-${randomBytes(3).toString('hex')}`;
    await objectClient(namespaces, { kubeConfig: kc }).promise.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const cms = objectClient(configMaps, { kubeConfig: kc, namespace: ns, fieldManager: 'soak' });

    // soak-c authenticates with a client certificate, the others with the bearer token
    const kubeconfigOf = (identity: string): string => (identity === 'soak-c' ? kube.kubeconfigCertAdmin : kube.kubeconfigAdmin);
    const launch = (identity: string): Incarnation => {
      const n = incarnations.filter((i) => i.identity === identity).length;
      const log = join(dir, `${identity}-${n}.jsonl`);
      const probe = join(dir, `${identity}-${n}.probe.jsonl`);
      const child = spawn(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', '--import', './scripts/soakProbe.ts', 'examples/configMapToSecret.ts', '--kubeconfig', kubeconfigOf(identity), '--namespace', ns,
          '--identity', identity, '--log', log, '--shards', String(SHARDS), '--shard-lease', 'soak', ...timingArgs],
        { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, KUBE_RX_SOAK_PROBE: probe } },
      );
      const inc: Incarnation = { identity, n, log, probe, child, startedAt: Date.now(), stderr: '', exited: new Promise((resolve) => child.once('exit', resolve)) };
      child.stderr.on('data', (c: Buffer) => {
        inc.stderr += c.toString('utf8');
      });
      incarnations.push(inc);
      return inc;
    };
    const identities = ['soak-a', 'soak-b', 'soak-c'];
    const live = new Map(identities.map((id) => [id, launch(id)]));

    // churn: ConfigMaps cm-0..LIVE-1 updated, deleted and re-created at writesPerSecond
    const desired = new Map<string, Record<string, string>>();
    let writes = 0;
    let failedWrites = 0;
    const churnUntil = startedAt + minutes * 60_000;
    const churn = (async () => {
      for (let i = 0; Date.now() < churnUntil; i++) {
        const name = `cm-${i % LIVE}`;
        const data = { v: String(i) };
        const op = !desired.has(name) ? 'create' : i % 11 === 0 ? 'delete' : 'update';
        const write =
          op === 'create'
            ? cms.promise.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { [LABEL]: 'true' } }, data })
            : op === 'delete'
              ? cms.promise.delete({ name })
              : cms.promise.patch({ name }, { data });
        await write.then(
          () => {
            writes++;
            if (op === 'delete') desired.delete(name);
            else desired.set(name, data);
          },
          () => {
            failedWrites++;
          },
        );
        await sleep(1000 / writesPerSecond); // pacing
      }
    })();

    // kills: round robin (without soak-a under --spare), restarted at once with the same identity
    const victims = values.spare ? identities.slice(1) : identities;
    let kills = 0;
    while (Date.now() + killEveryMs < churnUntil) {
      await sleep(killEveryMs);
      const identity = victims[kills % victims.length] ?? 'soak-b';
      const victim = live.get(identity);
      if (victim !== undefined) {
        victim.child.kill('SIGKILL');
        await victim.exited;
        victim.endedAt = Date.now();
      }
      kills++;
      live.set(identity, launch(identity));
      process.stdout.write(`soak: ${Math.round((Date.now() - startedAt) / 1000)} s, killed and restarted ${identity} (${kills} kills, ${writes} writes)\n`);
    }
    await churn;

    // convergence: every ConfigMap has its Secret with the same data; no managed Secret without a ConfigMap
    const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
    const secretClient = objectClient(secrets, { kubeConfig: kc, namespace: ns });
    const convergence = { converged: true };
    await eventually(
      'the Secrets match the ConfigMaps',
      async () => {
        const results = await Promise.all(
          [...desired].map(async ([name, data]) => {
            const s = await secretClient.promise.get({ name }).catch(() => undefined);
            return s !== undefined && JSON.stringify(s.data) === JSON.stringify(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])));
          }),
        );
        const gone = await Promise.all(
          Array.from({ length: LIVE }, (_, i) => `cm-${i}`)
            .filter((name) => !desired.has(name))
            .map(async (name) => (await secretClient.promise.get({ name }).catch(() => undefined))?.metadata.labels?.[MANAGED_BY] === undefined),
        );
        return results.every(Boolean) && gone.every(Boolean);
      },
      120_000,
    ).catch(() => {
      convergence.converged = false;
    });
    const { converged } = convergence;

    // the survivors' open sockets and timers
    for (const inc of live.values()) inc.child.kill('SIGUSR2');
    await sleep(1000); // the probe appends synchronously on the signal
    const survivors = await Promise.all(
      [...live.values()].map(async (inc) => ({ identity: inc.identity, resources: (await readLog(inc.probe) as unknown as Sample[]).filter((s) => s.resources !== undefined).at(-1)?.resources })),
    );
    for (const inc of live.values()) inc.child.kill('SIGTERM');
    const exitCodes = await Promise.all([...live.values()].map((inc) => inc.exited));
    for (const inc of live.values()) inc.endedAt ??= Date.now();

    const runs: ReplicaRun[] = await Promise.all(
      incarnations.map(async (inc) => ({ identity: inc.identity, lines: await readLog(inc.log), ...(inc.endedAt === undefined ? {} : { endedAt: inc.endedAt }) })),
    );
    const overlaps = reconcileOverlaps(runs);
    const heaps = await Promise.all(
      incarnations.map(async (inc) => {
        const samples = (await readLog(inc.probe) as unknown as Sample[]).filter((s) => s.heap !== undefined);
        const life = (inc.endedAt ?? Date.now()) - inc.startedAt;
        const warm = inc.startedAt + Math.min(60_000, life / 4);
        const points = samples.filter((s) => s.t >= warm).map((s): readonly [number, number] => [s.t, s.heap ?? 0]);
        return {
          process: `${inc.identity}#${inc.n}`,
          lifeS: Math.round(life / 1000),
          samples: samples.length,
          firstMb: (samples[0]?.heap ?? 0) / 1024 / 1024,
          lastMb: (samples.at(-1)?.heap ?? 0) / 1024 / 1024,
          slopeMbPerMin: slopeMbPerMin(points),
          // plotted after the warm-up, as the slope is (the first samples are of a process still loading)
          points: points.map(([t, heap]): readonly [number, number] => [t, heap / 1024 / 1024]),
        };
      }),
    );
    const outputs = [...incarnations.map((i) => i.stderr), ...runs.flatMap((r) => r.lines.map((l) => JSON.stringify(l)))].join('\n');
    const leaked = credentials.some((c) => outputs.includes(c));
    const result = {
      stamp,
      minutes,
      killEveryS: killEveryMs / 1000,
      spare: values.spare,
      writesPerSecond,
      writes,
      failedWrites,
      kills,
      processes: incarnations.length,
      reconciles: overlaps.perIdentity,
      reconcilesChecked: overlaps.checked,
      overlaps: overlaps.overlaps,
      converged,
      exitCodes,
      survivors,
      credentialsInOutput: leaked,
      heaps: heaps.map((h) => ({ process: h.process, lifeS: h.lifeS, samples: h.samples, firstMb: h.firstMb, lastMb: h.lastMb, slopeMbPerMin: h.slopeMbPerMin })),
    };
    const plot = asciiPlot(heaps.map((h) => ({ label: h.process, points: h.points })), startedAt);
    const summary = [
      `soak: ${minutes} min, 3 replicas × ${SHARDS} shards, ${writes} writes (${failedWrites} failed), ${kills} kills (every ${killEveryMs / 1000} s), ${incarnations.length} processes`,
      `reconciles: ${JSON.stringify(overlaps.perIdentity)} (${overlaps.checked} checked), overlaps: ${overlaps.overlaps.length}, converged: ${converged}, credentials in output: ${leaked}`,
      ...heaps.map((h) => `heap ${h.process}: ${h.firstMb.toFixed(1)} → ${h.lastMb.toFixed(1)} MB over ${h.lifeS} s, slope after warm-up ${Number.isNaN(h.slopeMbPerMin) ? 'n/a' : `${(h.slopeMbPerMin * 1024).toFixed(0)} KB/min`}`),
      ...survivors.map((s) => `at the end ${s.identity}: ${JSON.stringify(s.resources ?? {})}`),
      '',
      plot,
    ].join('\n');
    await mkdir(values.out, { recursive: true });
    await writeFile(join(values.out, `soak-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
    await writeFile(join(values.out, `soak-${stamp}.txt`), `${summary}\n`);
    process.stdout.write(`${summary}\nwritten: ${join(values.out, `soak-${stamp}.json`)} and .txt\n`);
    if (overlaps.overlaps.length > 0 || !converged || leaked) process.exitCode = 1;
  } finally {
    for (const inc of incarnations) if (inc.endedAt === undefined) inc.child.kill('SIGKILL');
    await kube.stop();
    await rm(dir, { recursive: true, force: true });
  }
};

void main();
