/**
 * The controller examples (examples/configMapToSecret.ts, examples/widgetController.ts) run as
 * real processes, exactly as a user runs them, against Kubernetes 1.20.2: convergence and repair,
 * the CRD status subresource without self-triggering, leader election with a SIGKILLed leader, and
 * sharding across three replicas with no key reconciled by two replicas at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  V1ConfigMap,
  V1Namespace,
  V1ObjectMeta,
  type V1Secret,
} from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { shardOf } from 'kube-rx';

import { SECRET_REASONS } from '../../examples/configMapToSecret.js';
import { WIDGET_REASONS, WIDGET_RESOURCE, widgetCrd } from '../../examples/widgetController.js';
import { type ReconcileLogLine } from '../../examples/support.js';
import { eventually, type Kube, startKube } from './harness.js';
import { reconcileOverlaps } from './replicaLogs.js';
import { root } from '../helpers/repo.js';

const LABEL = 'kube-rx.io/secret';
/** Election timings of the leader-election and sharding tests (ms). */
const LEASE_MS = 3000;
const RENEW_MS = 2000;
const RETRY_MS = 500;
const timingArgs = ['--lease-duration-ms', String(LEASE_MS), '--renew-deadline-ms', String(RENEW_MS), '--retry-period-ms', String(RETRY_MS)];

const unique = (prefix: string): string => `${prefix}-${randomBytes(3).toString('hex')}`;
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

interface Running {
  readonly identity: string;
  readonly log: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr: string;
}

describe('controller examples against kube-apiserver 1.20', () => {
  let kube: Kube;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let logDir: string;
  const running = new Set<Running>();

  const start = (script: string, identity: string, args: readonly string[]): Running => {
    const log = join(logDir, `${identity}.jsonl`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, '--kubeconfig', kube.kubeconfigAdmin, '--identity', identity, '--log', log, ...args],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
      resolve(code);
    }));
    const r: Running = { identity, log, child, exited, stderr: '' };
    child.stderr.on('data', (chunk: Buffer) => {
      r.stderr += chunk.toString('utf8');
    });
    running.add(r);
    return r;
  };

  const kill9 = async (r: Running): Promise<void> => {
    r.child.kill('SIGKILL');
    await r.exited;
  };

  const logOf = async (r: Running): Promise<ReconcileLogLine[]> => {
    const text = await readFile(r.log, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as ReconcileLogLine);
  };

  const createNamespace = async (): Promise<string> => {
    const name = unique('ex');
    const ns = new V1Namespace();
    ns.metadata = new V1ObjectMeta();
    ns.metadata.name = name;
    await core.createNamespace({ body: ns });
    return name;
  };

  const createConfigMap = async (namespace: string, name: string, data: Record<string, string>, labelled = true): Promise<V1ConfigMap> => {
    const cm = new V1ConfigMap();
    cm.metadata = new V1ObjectMeta();
    cm.metadata.name = name;
    cm.metadata.labels = labelled ? { [LABEL]: 'true' } : {};
    cm.data = data;
    return core.createNamespacedConfigMap({ namespace, body: cm });
  };

  const patchConfigMapData = (namespace: string, name: string, data: Record<string, string>): Promise<V1ConfigMap> =>
    core.patchNamespacedConfigMap({ namespace, name, body: { data } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));

  const readSecret = (namespace: string, name: string): Promise<V1Secret | undefined> =>
    core.readNamespacedSecret({ namespace, name }).catch(() => undefined);

  /** The Secret of ConfigMap `name` holds `data` (base64) and is controlled by that ConfigMap. */
  const secretMatches = async (namespace: string, name: string, data: Record<string, string>): Promise<boolean> => {
    const [cm, secret] = await Promise.all([core.readNamespacedConfigMap({ namespace, name }), readSecret(namespace, name)]);
    if (secret === undefined) return false;
    const want = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)]));
    const owner = (secret.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
    return JSON.stringify(secret.data ?? {}) === JSON.stringify(want) && owner?.kind === 'ConfigMap' && owner.uid === cm.metadata?.uid;
  };

  const eventsIn = async (namespace: string) => (await core.listNamespacedEvent({ namespace })).items;

  const allConverged = async (namespace: string, expected: ReadonlyMap<string, Record<string, string>>): Promise<boolean> => {
    const results = await Promise.all([...expected].map(([name, data]) => secretMatches(namespace, name, data)));
    return results.every(Boolean);
  };

  beforeAll(async () => {
    kube = await startKube();
    kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigAdmin);
    core = kc.makeApiClient(CoreV1Api);
    logDir = await mkdtemp(join(tmpdir(), 'kube-rx-examples-'));
  });

  afterEach(async () => {
    await Promise.all([...running].map((r) => (r.child.exitCode === null && r.child.signalCode === null ? kill9(r) : r.exited)));
    running.clear();
  });

  afterAll(async () => {
    await Promise.all([...running].map(kill9));
    await rm(logDir, { recursive: true, force: true });
    await kube.stop();
  });

  it('configMapToSecret: converges, repairs deleted and edited Secrets, follows ConfigMap edits, exits 0 on SIGTERM', async () => {
    const ns = await createNamespace();
    const r = start('examples/configMapToSecret.ts', 'solo', ['--namespace', ns]);
    const expected = new Map<string, Record<string, string>>([
      ['a', { greeting: 'hello' }],
      ['b', { x: '1', y: 'two' }],
      ['c', {}],
    ]);
    await Promise.all([...expected].map(([name, data]) => createConfigMap(ns, name, data)));
    await createConfigMap(ns, 'unlabelled', { k: 'v' }, false);
    await eventually('the Secrets of a, b, c', () => allConverged(ns, expected));

    // deleted by hand → re-created
    const before = await readSecret(ns, 'a');
    await core.deleteNamespacedSecret({ namespace: ns, name: 'a' });
    await eventually('Secret a re-created', async () => {
      const s = await readSecret(ns, 'a');
      return s !== undefined && s.metadata?.uid !== before?.metadata?.uid && (await secretMatches(ns, 'a', { greeting: 'hello' }));
    });

    // edited by hand → repaired
    await core.patchNamespacedSecret(
      { namespace: ns, name: 'b', body: { data: { x: b64('tampered') } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await eventually('Secret b repaired', () => secretMatches(ns, 'b', { x: '1', y: 'two' }));

    // ConfigMap edited → Secret follows
    await patchConfigMapData(ns, 'c', { added: 'later' });
    await eventually('Secret c updated', () => secretMatches(ns, 'c', { added: 'later' }));

    expect(await readSecret(ns, 'unlabelled')).toBeUndefined();
    // what it did is recorded as Events on the ConfigMaps (the recorder writes in the background)
    await eventually('SecretCreated Events for a, b, c and SecretUpdated for b and c', async () => {
      const seen = new Set((await eventsIn(ns)).map((e) => `${e.involvedObject.kind ?? ''}/${e.involvedObject.name ?? ''} ${e.reason ?? ''}`));
      return ['a', 'b', 'c'].every((n) => seen.has(`ConfigMap/${n} ${SECRET_REASONS.created}`)) && ['b', 'c'].every((n) => seen.has(`ConfigMap/${n} ${SECRET_REASONS.updated}`));
    });
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  });

  it('widgetController: installs the CRD, writes status via the subresource, follows spec changes, does not loop', async () => {
    const ns = await createNamespace();
    const r = start('examples/widgetController.ts', 'widgets', ['--namespace', ns, '--install-crd']);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const { group, version, plural } = WIDGET_RESOURCE;
    const names = ['w1', 'w2', 'w3'];
    const create = (name: string, size: number): Promise<unknown> =>
      custom.createNamespacedCustomObject({
        group,
        version,
        namespace: ns,
        plural,
        body: { apiVersion: `${group}/${version}`, kind: 'Widget', metadata: { name }, spec: { size } },
      });
    // the process installs the CRD; creating widgets succeeds once it is established
    await eventually('CRD installed and served', async () => (await create('w1', 1).then(() => true)), 60_000);
    await Promise.all([create('w2', 2), create('w3', 3)]);

    interface WidgetView {
      readonly metadata?: { readonly generation?: number };
      readonly status?: { readonly observedGeneration?: number; readonly phase?: string };
    }
    const read = async (name: string): Promise<WidgetView> =>
      (await custom.getNamespacedCustomObject({ group, version, namespace: ns, plural, name })) as WidgetView;
    const ready = async (name: string, generation?: number): Promise<boolean> => {
      const w = await read(name);
      return (
        w.status?.phase === 'Ready' &&
        w.status.observedGeneration === w.metadata?.generation &&
        (generation === undefined || w.metadata?.generation === generation)
      );
    };
    await eventually('w1..w3 Ready with observedGeneration', async () => (await Promise.all(names.map((n) => ready(n)))).every(Boolean));

    await custom.patchNamespacedCustomObject(
      { group, version, namespace: ns, plural, name: 'w1', body: { spec: { size: 10 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await eventually('w1 observedGeneration follows the spec change', () => ready('w1', 2));

    // No loop: a marker widget created after every status write converges last (events arrive in
    // resourceVersion order); by then any reconcile triggered by a status write would have run.
    await create('marker', 0);
    await eventually('marker Ready', () => ready('marker'));
    const starts = (await logOf(r)).filter((l) => l.phase === 'start');
    const count = (key: string): number => starts.filter((l) => l.key === `${ns}/${key}`).length;
    expect({ w1: count('w1'), w2: count('w2'), w3: count('w3'), marker: count('marker') }).toEqual({ w1: 2, w2: 1, w3: 1, marker: 1 });
    expect(widgetCrd.spec.versions[0]?.subresources?.status).toBeDefined();
    await eventually('a StatusUpdated Event on each Widget', async () => {
      const seen = new Set((await eventsIn(ns)).filter((e) => e.reason === WIDGET_REASONS.statusUpdated).map((e) => `${e.involvedObject.kind ?? ''}/${e.involvedObject.name ?? ''}`));
      return [...names, 'marker'].every((n) => seen.has(`Widget/${n}`));
    });
    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  });

  it('leader election: exactly one replica reconciles; after SIGKILL of the leader the other takes over in time', async () => {
    const ns = await createNamespace();
    const lease = 'cm2secret-leader';
    const args = ['--namespace', ns, '--leader-elect', lease, ...timingArgs];
    const a = start('examples/configMapToSecret.ts', 'replica-a', args);
    const b = start('examples/configMapToSecret.ts', 'replica-b', args);
    const expected = new Map<string, Record<string, string>>(Array.from({ length: 5 }, (_, i) => [`cm-${i}`, { i: String(i) }]));
    await Promise.all([...expected].map(([name, data]) => createConfigMap(ns, name, data)));
    await eventually('first 5 converge', () => allConverged(ns, expected));

    const coordination = kc.makeApiClient(CoordinationV1Api);
    const holder = (await coordination.readNamespacedLease({ namespace: ns, name: lease })).spec?.holderIdentity;
    const [leader, follower] = holder === 'replica-a' ? [a, b] : [b, a];
    expect([a.identity, b.identity]).toContain(holder);
    expect((await logOf(leader)).length).toBeGreaterThan(0);
    expect(await logOf(follower)).toEqual([]);

    await kill9(leader);
    const killedAt = Date.now();
    const more = new Map<string, Record<string, string>>([
      ['after-1', { v: 'x' }],
      ['after-2', { v: 'y' }],
    ]);
    await Promise.all([...more].map(([name, data]) => createConfigMap(ns, name, data)));
    const bound = LEASE_MS + 2 * RETRY_MS * 2.2 + 5_000;
    await eventually('the follower converges new ConfigMaps', () => allConverged(ns, more), bound + 10_000);
    const firstStart = (await logOf(follower)).find((l) => l.phase === 'start');
    expect(firstStart).toBeDefined();
    const takeoverMs = (firstStart?.t ?? Number.POSITIVE_INFINITY) - killedAt;
    console.log(`leader election: ${follower.identity} took over ${takeoverMs} ms after SIGKILL of ${leader.identity} (bound ${bound} ms)`);
    expect(takeoverMs).toBeLessThan(bound);
    expect(await allConverged(ns, expected)).toBe(true);
  });

  it('sharding: three replicas, one SIGKILLed, its shards picked up; no key reconciled by two replicas at once', async () => {
    const ns = await createNamespace();
    const shards = 6;
    const args = ['--namespace', ns, '--shards', String(shards), '--shard-lease', 'cm2secret', ...timingArgs];
    const replicas = ['shard-a', 'shard-b', 'shard-c'].map((id) => start('examples/configMapToSecret.ts', id, args));
    const expected = new Map<string, Record<string, string>>(Array.from({ length: 30 }, (_, i) => [`cm-${i}`, { i: String(i) }]));
    await Promise.all([...expected].map(([name, data]) => createConfigMap(ns, name, data)));
    await eventually('30 ConfigMaps converge', () => allConverged(ns, expected), 60_000);

    // wait until the shards are spread (every replica holds one), then kill a holder
    const coordination = kc.makeApiClient(CoordinationV1Api);
    const holders = async (): Promise<Array<string | undefined>> =>
      Promise.all(
        Array.from({ length: shards }, (_, i) =>
          coordination
            .readNamespacedLease({ namespace: ns, name: `cm2secret-shard-${i}` })
            .then((l) => l.spec?.holderIdentity)
            .catch(() => undefined),
        ),
      );
    await eventually('every replica holds shards', async () => {
      const h = await holders();
      return replicas.every((r) => h.includes(r.identity));
    });
    const victim = replicas[0]!;
    const victimShards = (await holders()).flatMap((h, i) => (h === victim.identity ? [i] : []));
    await kill9(victim);
    const killedAt = Date.now();

    // update the ConfigMaps of its shards and create new ones there
    const inVictimShards = [...expected.keys()].filter((name) => victimShards.includes(shardOf(`${ns}/${name}`, shards)));
    expect(inVictimShards.length).toBeGreaterThan(0);
    const later = new Map<string, Record<string, string>>();
    for (const name of inVictimShards) later.set(name, { i: 'updated' });
    for (let i = 0; later.size < inVictimShards.length + 3 && i < 200; i++) {
      const name = `new-${i}`;
      if (victimShards.includes(shardOf(`${ns}/${name}`, shards))) later.set(name, { n: String(i) });
    }
    await Promise.all(
      [...later].map(([name, data]) => (expected.has(name) ? patchConfigMapData(ns, name, data) : createConfigMap(ns, name, data))),
    );
    await eventually('the victim’s shards converge', () => allConverged(ns, later), LEASE_MS + 20_000);
    console.log(`sharding: ${victim.identity} held shards [${victimShards.join(', ')}]; picked up within ${Date.now() - killedAt} ms`);

    // no overlapping [start, end] of one key across identities (an unfinished run of the victim ends at its death)
    const report = reconcileOverlaps(
      await Promise.all(replicas.map(async (r) => ({ identity: r.identity, lines: await logOf(r), ...(r === victim ? { endedAt: killedAt } : {}) }))),
    );
    const perReplica = replicas.map((r) => `${r.identity}=${report.perIdentity[r.identity] ?? 0}`);
    console.log(`sharding: checked ${report.checked} reconciles for overlap across replicas (${perReplica.join(', ')})`);
    expect(report.overlaps).toEqual([]);
  });
});
