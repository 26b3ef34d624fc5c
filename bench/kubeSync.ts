/**
 * Initial sync against a real kube-apiserver (issue 23): the suite's contenders
 * (bench/suite/contender.ts: raw node:https, kube-rx, client-node) list the same Pods from etcd
 * through kube-apiserver, side by side, interleaved over the repetitions, medians reported.
 *
 * The suite's loopback server answers a page in well under a millisecond, so there kube-rx's page
 * prefetch (page n+1 is requested while page n decodes) has little to hide. A real API server reads
 * every page of a consistent LIST from etcd, decodes and converts it and encodes it as JSON; that
 * time is what the prefetch overlaps with the client's decoding. The tier is
 * scripts/kube-apiserver.sh's (the kube test tier's etcd + kube-apiserver, on this machine
 * Debian's 1.20) with the watch cache off, so that every LIST, resourceVersion 0 included, is
 * served from etcd and honours `limit` (with the watch cache on, 1.20 answers a resourceVersion-0
 * LIST from the cache in one piece whatever its limit).
 *
 *   npm run bench:kube -- [--objects 10000] [--reps 5] [--page-size 500] [--only <contender/mode prefix>]
 *                         [--node-flags="<flags for every contender>"]
 *
 * Pods are the suite's (bench/suite/podGenerator.ts, 100 namespaces), created once through the API
 * (the server adds its own managedFields; status is dropped on create; `automountServiceAccountToken:
 * false`, as no controller-manager makes service-account tokens here). The tier's processes run
 * on the same 2 cores as the contender: the server's CPU per run is reported beside the client's.
 * Writes bench/results/kubeSync.json and kubeSync.md (kubeSync-partial.* with --only or --node-flags).
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { KubeConfig } from '@kubernetes/client-node';
import { firstValueFrom } from 'rxjs';

import { namespaces, objectClient, pods, serviceAccounts } from '../lib/index.js';
import { kubeGet } from '../lib/listwatch/kubeRequest.js';
import type { Contender, ListMode, RealServer, RunConfig, RunResult } from './suite/contender.js';
import { podAt } from './suite/podGenerator.js';
import { BUSY_FOREIGN_CORES, MAX_SPREAD, processCpuMs, type RunLoad, runContender } from './suite/runContender.js';
import { median } from './sample.js';
import { startKube } from '../spec/kube/harness.js';

const { values } = parseArgs({
  options: {
    objects: { type: 'string', default: '10000' },
    reps: { type: 'string', default: '5' },
    'page-size': { type: 'string', default: '500' },
    only: { type: 'string' },
    'node-flags': { type: 'string' },
  },
});
const objects = Number(values.objects);
const reps = Number(values.reps);
const pageSize = Number(values['page-size']);
const NAMESPACES = 100;
const CREATE_CONCURRENCY = 16;

interface Variant {
  readonly contender: Contender;
  readonly listMode: ListMode;
  readonly prefetchPages?: boolean;
}
const variants: ReadonlyArray<Variant> = [
  { contender: 'raw', listMode: 'page' },
  { contender: 'kube-rx', listMode: 'page' },
  { contender: 'kube-rx', listMode: 'page', prefetchPages: false },
  { contender: 'client-node', listMode: 'page' },
  { contender: 'raw', listMode: 'list' },
  { contender: 'kube-rx', listMode: 'list' },
  { contender: 'client-node', listMode: 'list' },
];
const label = (v: Variant): string => `${v.contender}/${v.listMode}${v.prefetchPages === false ? '/noprefetch' : ''}`;
const chosen = variants.filter((v) => values.only === undefined || label(v).startsWith(values.only));
const nodeFlags = values['node-flags']?.split(' ').filter((f) => f !== '') ?? [];

/** The suite's Pod `i` as a create request: what the server sets itself (uid, resourceVersion, managedFields, status) left out. */
const podBody = (i: number): Record<string, unknown> => {
  const pod = podAt({ seed: 1, managedFields: false, namespaces: NAMESPACES }, i, i + 1) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  const serverSet = new Set(['uid', 'resourceVersion', 'creationTimestamp', 'managedFields']);
  const metadata = Object.fromEntries(Object.entries(pod.metadata).filter(([field]) => !serverSet.has(field)));
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: { ...pod.spec, automountServiceAccountToken: false } };
};

/** One GET of the tier's API as the admin (set-up, not measured): the response body as JSON. */
const getJson = async (kubeConfig: KubeConfig, path: string, query: Readonly<Record<string, string>> = {}): Promise<unknown> =>
  JSON.parse((await firstValueFrom(kubeGet({ kubeConfig, verb: 'discovery', resource: path, path, query }))).body.toString('utf8'));

/** Creates the namespaces, their service accounts and the Pods through kube-rx's own client. */
const populate = async (kubeConfig: KubeConfig): Promise<void> => {
  const t0 = performance.now();
  for (let n = 0; n < NAMESPACES; n++) {
    await objectClient(namespaces, { kubeConfig }).promise.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } });
    // the ServiceAccount admission plugin wants the Pods' service account to exist (no controller-manager
    // makes it here), and a token Secret unless the Pod mounts none (automountServiceAccountToken: false)
    await objectClient(serviceAccounts, { kubeConfig, namespace: `ns-${n}` }).promise.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
  }
  const podClient = objectClient(pods, { kubeConfig });
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < objects; i = next++) await podClient.promise.create(podBody(i) as unknown as Parameters<typeof podClient.promise.create>[0]);
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  const list = (await getJson(kubeConfig, '/api/v1/pods', { limit: '1' })) as { metadata?: { remainingItemCount?: number } };
  const count = (list.metadata?.remainingItemCount ?? 0) + 1;
  if (count !== objects) throw new Error(`the server lists ${count} Pods, not ${objects}`);
  console.log(`created ${objects} Pods in ${NAMESPACES} namespaces in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
};

type Sample = RunResult & RunLoad & { readonly serverCpuMs: number };

const main = async (): Promise<void> => {
  const kube = await startKube({ watchCache: false });
  try {
    const server: RealServer = { url: kube.url, token: kube.adminToken, caFile: kube.caFile };
    const serverPids = await kube.serverPids();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kube.kubeconfigAdmin);
    const version = (await getJson(kubeConfig, '/version')) as { gitVersion?: string };
    await populate(kubeConfig);
    const samples = new Map<string, Sample[]>(chosen.map((v) => [label(v), []]));
    // round 0 warms the tier up (etcd's and the API server's caches, the Go heap) and is not counted
    for (let r = 0; r <= reps; r++) {
      for (const v of chosen) {
        const config: RunConfig = {
          contender: v.contender, port: 0, objects, events: 0, listMode: v.listMode, pageSize, subscribers: 1, server,
          ...(v.prefetchPages === undefined ? {} : { prefetchPages: v.prefetchPages }),
        };
        const server0 = serverPids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
        const res = await runContender(config, { nodeBin: process.execPath, execArgv: ['--import', 'tsx', '--expose-gc', '--max-old-space-size=8192', ...nodeFlags], timeoutMs: 300_000, serverPids });
        const serverCpuMs = serverPids.reduce((sum, pid) => sum + processCpuMs(pid), 0) - server0;
        if (r > 0) samples.get(label(v))?.push({ ...res, serverCpuMs });
        console.log(`  ${r === 0 ? 'warm-up' : `rep ${r}`} ${label(v).padEnd(24)} ${res.ok ? `sync ${res.syncMs.toFixed(0)} ms, server CPU ${serverCpuMs.toFixed(0)} ms` : `FAILED ${res.error ?? ''}`}`);
      }
    }
    const rows = chosen.map((v) => {
      const all = samples.get(label(v)) ?? [];
      const ok = all.filter((s) => s.ok);
      const of = (k: 'syncMs' | 'syncCpuMsPer1k' | 'syncGcMs' | 'eldP99Ms' | 'eldMaxMs' | 'serverCpuMs' | 'heapBytesPerObject'): number => median(ok.map((s) => s[k]));
      const syncs = ok.map((s) => s.syncMs);
      return {
        variant: label(v), listMode: v.listMode, syncMs: of('syncMs'), cpuMsPer1k: of('syncCpuMsPer1k'), gcMs: of('syncGcMs'),
        serverCpuMs: of('serverCpuMs'), eldP99Ms: of('eldP99Ms'), eldMaxMs: of('eldMaxMs'), heapBytesPerObject: of('heapBytesPerObject'),
        failed: all.length - ok.length, runs: all.length, spread: syncs.length === 0 ? NaN : Math.max(...syncs) / Math.min(...syncs),
        busy: all.filter((s) => s.foreignCores > BUSY_FOREIGN_CORES).length,
      };
    });
    const rawOf = (mode: ListMode): number => rows.find((x) => x.variant === `raw/${mode}`)?.syncMs ?? NaN;
    const f = (x: number, d = 0): string => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
    const md = [
      `Initial sync of ${objects} Pods from a real kube-apiserver ${version.gitVersion ?? '?'} (watch cache off: every LIST from etcd), page size ${pageSize}; ${reps} interleaved repetitions, medians. Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${new Date().toISOString()}, load average after ${loadavg().map((x) => x.toFixed(2)).join(' ')}. \`npm run bench:kube\` (bench/kubeSync.ts).`,
      '',
      `Trust: ${rows.reduce((n, x) => n + x.busy, 0)} of ${rows.reduce((n, x) => n + x.runs, 0)} runs on a busy machine (processes other than the tier's and the contender's used more than ${BUSY_FOREIGN_CORES} core); spread above ${MAX_SPREAD}: ${rows.filter((x) => x.spread > MAX_SPREAD).map((x) => `${x.variant} (${f(x.spread, 2)})`).join(', ') || 'none'}. A ratio is confirmed only by a run with neither.`,
      '',
      '| contender | list mode | sync ms | × raw | client CPU ms / 1k obj | GC ms | server CPU ms (apiserver + etcd) | loop delay p99 ms | loop delay max ms | failed runs | spread max/min | busy runs |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (x) =>
          `| ${x.variant.replace(/\/(page|list)/, '').replace('/noprefetch', ' without prefetch')} | ${x.listMode} | ${f(x.syncMs)} | ${f(x.syncMs / rawOf(x.listMode), 2)} | ${f(x.cpuMsPer1k, 1)} | ${f(x.gcMs)} | ${f(x.serverCpuMs)} | ${f(x.eldP99Ms, 1)} | ${f(x.eldMaxMs, 1)} | ${x.failed}/${x.runs} | ${f(x.spread, 2)} | ${x.busy} |`,
      ),
      '',
    ].join('\n');
    console.log(`\n${md}`);
    const results = new URL('./results/', import.meta.url);
    const suffix = values.only !== undefined || nodeFlags.length > 0 ? '-partial' : '';
    writeFileSync(new URL(`kubeSync${suffix}.md`, results), md);
    writeFileSync(new URL(`kubeSync${suffix}.json`, results), `${JSON.stringify({ objects, pageSize, reps, server: version.gitVersion, node: process.version, date: new Date().toISOString(), rows, samples: Object.fromEntries(samples) }, null, 2)}\n`);
  } finally {
    await kube.stop();
  }
};

await main();
