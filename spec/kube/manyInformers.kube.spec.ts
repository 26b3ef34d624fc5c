/**
 * Many informers in one process against Kubernetes 1.20.2 (issue 17), opt-in
 * (`KUBE_RX_MANY_INFORMERS=1`; `KUBE_RX_MANY_INFORMERS_SECONDS`, default 20, sets the churn time):
 * 5 resources × 10 namespaces = 50 informers in a child process (spec/kube/manyInformers.ts),
 * while this process writes to all 50 (resource, namespace) pairs at up to 1,000 writes/s
 * combined. No event may be lost: each informer sees exactly one event per write, and its store
 * ends equal to the server's. It prints a report (rate achieved, heap, RSS and CPU per informer,
 * sockets open); nothing about speed is asserted. The informers authenticate with a client
 * certificate, and nothing they print may hold a credential of the tier.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface, type Interface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

import { KubeConfig } from '@kubernetes/client-node';
import { lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { configMaps, endpoints, leases, namespaces, objectClient, secrets, serviceAccounts, type TypedResource } from 'kube-rx';
import { kubeGet } from 'kube-rx/protocol';

import { root } from '../helpers/repo.js';
import { expectNoSecrets } from '../security/leaks.js';
import { eventually, type Kube, startKube } from './harness.js';

const ENABLED = process.env['KUBE_RX_MANY_INFORMERS'] === '1';
const SECONDS = Number(process.env['KUBE_RX_MANY_INFORMERS_SECONDS'] ?? '20');
const TARGET_PER_SECOND = 1000;
const IN_FLIGHT = 48;
const OBJECTS_PER_PAIR = 10;
const RESOURCES: Readonly<Record<string, TypedResource>> = { configmaps: configMaps, secrets, serviceaccounts: serviceAccounts, endpoints, leases };
const NAMESPACES = Array.from({ length: 10 }, (_, i) => `many-${i}-${randomBytes(2).toString('hex')}`);

interface Report {
  readonly informers: ReadonlyArray<{
    readonly name: string;
    readonly synced: boolean;
    readonly events: number;
    readonly lists: number;
    readonly problems: ReadonlyArray<string>;
    readonly store: ReadonlyArray<string>;
  }>;
  readonly elapsedMs: number;
  readonly cpuMs: number;
  readonly heapBytes: number;
  readonly rssBytes: number;
  readonly sockets: number;
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

describe.skipIf(!ENABLED)('50 informers in one process against kube-apiserver 1.20 (opt-in)', () => {
  let kube: Kube;
  let kc: KubeConfig;
  let child: ChildProcessWithoutNullStreams;
  let lines: Interface;

  const report = async (): Promise<Report> => {
    const next = new Promise<string>((resolve) => lines.once('line', resolve));
    child.stdin.write('report\n');
    return JSON.parse(await next) as Report;
  };

  beforeAll(async () => {
    kube = await startKube();
    kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigAdmin);
    const ns = objectClient(namespaces, { kubeConfig: kc });
    await Promise.all(NAMESPACES.map((name) => ns.promise.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })));
  }, 200_000);

  afterAll(async () => {
    child.kill('SIGKILL');
    await kube.stop();
  }, 120_000);

  it('every informer sees every write and ends equal to the server; resources per informer reported', async () => {
    child = spawn(
      process.execPath,
      // the informers authenticate with a client certificate; everything they print is scanned for it
      ['--expose-gc', '--import', 'tsx', 'spec/kube/manyInformers.ts', '--kubeconfig', kube.kubeconfigCertAdmin, '--resources', Object.keys(RESOURCES).join(','), '--namespaces', NAMESPACES.join(',')],
      { cwd: root },
    );
    lines = createInterface({ input: child.stdout });
    const printed: string[] = [];
    lines.on('line', (line) => printed.push(line));
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    await eventually('50 informers synced', async () => (await report()).informers.every((i) => i.synced), 60_000);
    const synced = await report();
    expect(synced.informers).toHaveLength(50);

    const pairs = Object.entries(RESOURCES).flatMap(([r, resource]) =>
      NAMESPACES.map((namespace) => ({ name: `${r}/${namespace}`, resource, client: objectClient(resource, { kubeConfig: kc, namespace, fieldManager: 'many' }), writes: 0 })),
    );
    const body = (p: (typeof pairs)[number], name: string) => ({
      apiVersion: p.resource.group === '' ? p.resource.version : `${p.resource.group}/${p.resource.version}`,
      kind: p.resource.kind,
      metadata: { name, labels: { v: '0' } },
    });
    // creates, then label updates round-robin at up to TARGET_PER_SECOND, IN_FLIGHT at a time
    await Promise.all(
      pairs.map(async (p) => {
        for (let i = 0; i < OBJECTS_PER_PAIR; i++) {
          await p.client.promise.create(body(p, `o-${i}`));
          p.writes++;
        }
      }),
    );
    const startedAt = Date.now();
    const endAt = startedAt + SECONDS * 1000;
    let sent = 0;
    let failures = 0;
    const worker = async (w: number): Promise<void> => {
      for (let k = w; Date.now() < endAt; k += IN_FLIGHT) {
        const due = startedAt + (sent * 1000) / TARGET_PER_SECOND;
        if (due > Date.now()) await sleep(due - Date.now()); // pacing to the target rate
        sent++;
        const p = pairs[k % pairs.length];
        if (p === undefined) continue;
        await p.client.promise
          .patch({ name: `o-${Math.floor(k / pairs.length) % OBJECTS_PER_PAIR}` }, { metadata: { labels: { v: String(k + 1) } } }) // never '0', the created value (a no-op patch has no event)
          .then(() => {
            p.writes++;
          })
          .catch(() => {
            failures++;
          });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)));
    const churnMs = Date.now() - startedAt;
    const updates = pairs.reduce((n, p) => n + p.writes, 0) - pairs.length * OBJECTS_PER_PAIR;

    const truth = new Map<string, string>();
    const final = await (async () => {
      let last: Report | undefined;
      await eventually(
        'every informer has every event and the server’s objects',
        async () => {
          last = await report();
          return last.informers.every((i) => i.lists > 1 || i.events === (pairs.find((p) => p.name === i.name)?.writes ?? -1));
        },
        60_000,
      ).catch(() => undefined);
      return last ?? (await report());
    })();
    // the server's state, per pair, from a LIST
    for (const p of pairs) {
      const path = `${p.resource.group === '' ? '/api' : `/apis/${p.resource.group}`}/${p.resource.version}/namespaces/${p.name.split('/')[1] ?? ''}/${p.resource.plural}`;
      const response = await fetchList(kc, path);
      truth.set(p.name, JSON.stringify(response));
    }
    const perInformer = final.informers.map((i) => ({ ...i, expected: pairs.find((p) => p.name === i.name)?.writes }));
    console.log(
      [
        `many informers: 50 informers (5 resources × 10 namespaces), ${updates} updates in ${churnMs} ms = ${Math.round((updates * 1000) / churnMs)} writes/s (target ${TARGET_PER_SECOND}; ${failures} failed), ${pairs.length * OBJECTS_PER_PAIR} creates`,
        `  events seen ${final.informers.reduce((n, i) => n + i.events, 0)} of ${pairs.reduce((n, p) => n + p.writes, 0)} written; relists ${final.informers.reduce((n, i) => n + i.lists - 1, 0)} (${[...new Set(final.informers.flatMap((i) => i.problems))].join(', ') || 'no problems'})`,
        `  informer process: CPU ${Math.round(final.cpuMs)} ms over ${final.elapsedMs} ms (${(final.cpuMs / 50).toFixed(0)} ms per informer), heap after GC +${mb(final.heapBytes)} MB (${(final.heapBytes / 50 / 1024).toFixed(0)} KB per informer), RSS +${mb(final.rssBytes)} MB, sockets open ${final.sockets}`,
      ].join('\n'),
    );
    expect(stderr).toBe('');
    expectNoSecrets([...printed, stderr], await kube.credentials());
    // one event per write on an unbroken watch; a relist (410: the watch cache's window passed) coalesces
    // what it missed into the state it lists, so there the store's equality with the server is the check
    expect(perInformer.filter((i) => (i.lists === 1 ? i.events !== i.expected : i.events > (i.expected ?? 0))).map((i) => `${i.name}: ${i.events} events, ${i.expected ?? '?'} writes, ${i.lists} lists`)).toEqual([]);
    for (const i of final.informers) expect(JSON.stringify(i.store), i.name).toBe(truth.get(i.name));
  }, SECONDS * 1000 + 240_000);
});

/** `name@resourceVersion` of every item of a LIST at `path`, sorted. */
const fetchList = async (kc: KubeConfig, path: string): Promise<string[]> => {
  const response = await lastValueFrom(kubeGet({ kubeConfig: kc, verb: 'list', resource: path, path }));
  const list = JSON.parse(response.body.toString('utf8')) as { readonly items: ReadonlyArray<{ readonly metadata: { readonly name: string; readonly resourceVersion?: string } }> };
  return list.items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion ?? ''}`).sort();
};
