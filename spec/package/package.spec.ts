/**
 * The published package, as a user gets it: the tarball's file list, and the packed tarball installed
 * in a fresh ESM project, imported by Node and typechecked by TypeScript 5.9 and 7 under node16,
 * nodenext and bundler resolution, against the client-node major of this run (`KUBE_RX_CLIENT_NODE`).
 *
 * The package is packed from a staging copy of the repository as a fresh clone has it (everything but
 * node_modules, .git and dist; node_modules is a link): `npm pack` itself builds dist/ (the `prepare`
 * script), so a stale or missing dist/ in the working tree changes nothing and the repository itself
 * is left untouched.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, posix, relative } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, run } from '../helpers/repo.js';

/** The compilers the published types are checked with: the project's own and TypeScript 7. */
const compilers = {
  'ts5.9': join(root, 'node_modules/typescript/bin/tsc'),
  ts7: join(root, 'node_modules/typescript-7/bin/tsc'),
} as const;
/** The client-node the consumer gets: the major this run tests (2.x is the aliased devDependency). */
const clientNodeDir = join(root, process.env['KUBE_RX_CLIENT_NODE'] === '2' ? 'node_modules/client-node-2' : 'node_modules/@kubernetes/client-node');

interface PackedFile {
  readonly path: string;
}
interface PackResult {
  readonly filename: string;
  readonly files: ReadonlyArray<PackedFile>;
}

/** Top-level entries of the repository that are not part of the package's source tree. */
const notCopied = new Set(['node_modules', '.git', 'dist', 'coverage', '.cache']);
/** Peer and dev packages the consumer project borrows from the repository's node_modules. */
const borrowed = ['rxjs', 'fp-ts', 'io-ts', '@kubernetes/client-node', '@types/node', 'prom-client'];

let tmp: string;
let stage: string;
let consumer: string;
let packed: ReadonlyArray<string>;

const npm = (args: readonly string[], cwd: string) =>
  run('npm', [...args], { cwd, timeout: 60_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } });

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kube-rx-package-'));
  stage = join(tmp, 'kube-rx');
  consumer = join(tmp, 'consumer');
  cpSync(root, stage, {
    recursive: true,
    filter: (src) => {
      const rel = relative(root, src);
      return rel === '' || !notCopied.has(rel.split(/[\\/]/)[0] ?? '');
    },
  });
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');

  // no dist/ in the stage: `npm pack` builds it (the `prepare` script), as on a fresh clone
  const real = await npm(['pack', '--json', '--pack-destination', tmp], stage).catch((e: unknown) => {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`npm pack failed: ${stdout === undefined && stderr === undefined ? String(e) : `${stdout ?? ''}${stderr ?? ''}`}`);
  });
  // the build's output comes first on stdout; npm's JSON report is the last thing printed
  const report = JSON.parse(real.stdout.slice(real.stdout.lastIndexOf('\n[\n') + 1)) as PackResult[];
  packed = (report[0]?.files ?? []).map((f) => f.path).sort();
  const tarball = join(tmp, basename(report[0]!.filename));

  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // --prefer-offline, not --offline: the cache of an `npm ci` holds the lockfile's tarballs but not
  // always the registry documents that resolve kube-rx's own dependency ranges (ENOTCACHED on a
  // fresh machine); what is cached is used, the rest comes from the registry
  await npm(['install', tarball, '--prefer-offline', '--ignore-scripts', '--legacy-peer-deps', '--no-audit', '--no-fund', '--no-save'], consumer);
  for (const name of borrowed) {
    mkdirSync(join(consumer, 'node_modules', name, '..'), { recursive: true });
    const target = name === '@kubernetes/client-node' ? clientNodeDir : join(root, 'node_modules', name);
    symlinkSync(target, join(consumer, 'node_modules', name), 'dir');
  }
}, 120_000);

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('the tarball (npm pack)', () => {
  it('holds only the build (js, d.ts, maps), the sources the maps point at, the docs pages and their charts, README, CHANGELOG and package.json', () => {
    const stray = packed.filter(
      (p) =>
        !/^dist\/.+\.(js|d\.ts|js\.map|d\.ts\.map)$/.test(p) &&
        !/^lib\/.+\.ts$/.test(p) &&
        !/^docs\/[^/]+\.md$/.test(p) &&
        !['README.md', 'CHANGELOG.md', 'package.json', 'bench/results/sync.svg', 'bench/results/watch.svg'].includes(p),
    );
    expect(stray).toEqual([]);
  });

  it('ships every file a source map or declaration map points at', () => {
    const missing = packed
      .filter((p) => p.endsWith('.map'))
      .flatMap((map) => {
        const { sources } = JSON.parse(readFileSync(join(stage, map), 'utf8')) as { sources: string[] };
        return sources.map((source) => posix.normalize(posix.join(posix.dirname(map), source)));
      })
      .filter((source) => !packed.includes(source));
    expect(missing).toEqual([]);
  });

  it('ships every file a relative link or image of the shipped Markdown points at', () => {
    const missing = packed
      .filter((p) => p.endsWith('.md'))
      .flatMap((page) =>
        [...readFileSync(join(stage, page), 'utf8').matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
          .map((m) => m[1] ?? '')
          .filter((target) => !/^[a-z]+:/.test(target))
          .map((target) => ({ page, target: posix.normalize(posix.join(posix.dirname(page), target)) })),
      )
      .filter(({ target }) => !packed.includes(target));
    expect(missing).toEqual([]);
  });

  it('has the entry points, the bin and the docs pages, and no tests, examples, bench code, scripts or generated API pages', () => {
    expect(packed).toEqual(
      expect.arrayContaining([
        'dist/index.js',
        'dist/index.d.ts',
        'dist/testing/index.js',
        'dist/testing/index.d.ts',
        'dist/prometheus/index.js',
        'dist/prometheus/index.d.ts',
        'dist/protocol.js',
        'dist/protocol.d.ts',
        'dist/reducers.js',
        'dist/reducers.d.ts',
        'dist/cli/main.js',
        'docs/README.md',
        'README.md',
        'CHANGELOG.md',
        'package.json',
      ]),
    );
    expect(packed.filter((p) => /^(spec|examples|scripts|\.ci|docs\/api)\//.test(p) || /\.(spec|test)\./.test(p))).toEqual([]);
    expect(packed.filter((p) => p.startsWith('bench/'))).toEqual(['bench/results/sync.svg', 'bench/results/watch.svg']);
  });

  it('links every file the manifest names (exports, main, types, bin)', () => {
    const manifest = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8')) as {
      exports: Record<string, Record<string, string> | string | null>;
      main: string;
      types: string;
      bin: Record<string, string>;
    };
    const named = [
      manifest.main,
      manifest.types,
      ...Object.values(manifest.bin),
      ...Object.values(manifest.exports).flatMap((e) => (e === null ? [] : typeof e === 'string' ? [e] : Object.values(e))),
    ].map((p) => p.replace(/^\.\//, ''));
    expect(named.filter((p) => !packed.includes(p))).toEqual([]);
  });
});

describe('the installed package', () => {
  it('imports from ESM: kube-rx, kube-rx/testing, kube-rx/reducers, kube-rx/protocol, and an informer syncs', async () => {
    writeFileSync(
      join(consumer, 'smoke.mjs'),
      `import { firstValueFrom, filter, of, NEVER } from 'rxjs';
import * as rx from 'kube-rx';
import { sharedIndexInformer, reconcileWith, controllerManager } from 'kube-rx';
import { configMap, fakeListerWatcher, listPage, startApiServer } from 'kube-rx/testing';
import { fifoState, reflectorProtocol, workQueueState } from 'kube-rx/reducers';
import { kubeStream, splitLines } from 'kube-rx/protocol';
for (const f of [sharedIndexInformer, reconcileWith, controllerManager, startApiServer, fifoState.createFifoState, reflectorProtocol.reduceWatch, workQueueState.add, kubeStream, splitLines]) {
  if (typeof f !== 'function') throw new Error('missing export');
}
for (const name of ['fifoState', 'reflectorProtocol', 'kubeStream', 'splitLines']) {
  if (name in rx) throw new Error(name + ' is still in the root');
}
const informer = sharedIndexInformer(fakeListerWatcher({ lists: [of(listPage('1', [configMap('a', '1')]))], watches: [NEVER] }));
const sub = informer.events$.subscribe();
await firstValueFrom(informer.synced$.pipe(filter(Boolean)));
console.log(informer.store.listKeys().join(','));
sub.unsubscribe();
`,
    );
    const { stdout } = await run(process.execPath, ['smoke.mjs'], { cwd: consumer, timeout: 30_000 });
    expect(stdout.trim()).toBe('default/a');
  });

  it('kube-rx/prometheus serves prom-client metrics under client-go names, and kube-rx alone does not load prom-client', async () => {
    writeFileSync(
      join(consumer, 'prometheus.mjs'),
      `import { createRequire } from 'node:module';
import { of } from 'rxjs';
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('prom-client'));
const { done, reconcileWith } = await import('kube-rx');
if (loaded()) throw new Error('kube-rx loaded prom-client');
const { prometheusMetrics } = await import('kube-rx/prometheus');
const { Registry } = await import('prom-client');
const registry = new Registry();
await new Promise((resolve) => of('default/a').pipe(reconcileWith(() => of(done), { name: 'c', metrics: prometheusMetrics({ registry }) })).subscribe({ complete: resolve }));
const text = await registry.metrics();
console.log(text.split('\\n').filter((l) => l.startsWith('workqueue_adds_total') || l.startsWith('controller_runtime_reconcile_total{controller="c",result="success"}')).join(';'));
`,
    );
    const { stdout } = await run(process.execPath, ['prometheus.mjs'], { cwd: consumer, timeout: 30_000 });
    expect(stdout.trim()).toBe('workqueue_adds_total{name="c"} 1;controller_runtime_reconcile_total{controller="c",result="success"} 1');
  });

  it('loads with require() from CommonJS (Node 20.19 and later: require of ES modules)', async () => {
    writeFileSync(
      join(consumer, 'require.cjs'),
      `const { sharedIndexInformer } = require('kube-rx');
const { startApiServer } = require('kube-rx/testing');
console.log(typeof sharedIndexInformer, typeof startApiServer);
`,
    );
    const { stdout } = await run(process.execPath, ['--disable-warning=ExperimentalWarning', 'require.cjs'], { cwd: consumer, timeout: 30_000 });
    expect(stdout.trim()).toBe('function function');
  });

  it('keeps internal modules private (exports map)', async () => {
    writeFileSync(join(consumer, 'internal.mjs'), `await import('kube-rx/internal/failed.js');\n`);
    await expect(run(process.execPath, ['internal.mjs'], { cwd: consumer, timeout: 30_000 })).rejects.toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  it('installs the kube-rx command', async () => {
    const { stdout } = await run(join(consumer, 'node_modules/.bin/kube-rx'), ['--help'], { cwd: consumer, timeout: 30_000 });
    expect(stdout).toMatch(/^Usage: kube-rx <command>/);
  });

  it('typechecks against the published types with TypeScript 5.9 and 7, moduleResolution node16, nodenext and bundler', { timeout: 240_000 }, async () => {
    writeFileSync(
      join(consumer, 'check.ts'),
      `import { filter, firstValueFrom, type Observable } from 'rxjs';
import { type KubeObject, type ReconcileEvent, type ResourceEvent, type SharedIndexInformer, done, ownKeys, reconcileWith, sharedIndexInformer } from 'kube-rx';
import { type EmbeddedApiServer, type TestConfigMap, configMap, fakeListerWatcher, listPage } from 'kube-rx/testing';
import { prometheusMetrics, type PrometheusMetricsOptions } from 'kube-rx/prometheus';
import { type FifoState, fifoState } from 'kube-rx/reducers';
import { type KubeRequest, splitLines } from 'kube-rx/protocol';
import { of, NEVER } from 'rxjs';

const informer: SharedIndexInformer<TestConfigMap> = sharedIndexInformer(
  fakeListerWatcher({ lists: [of(listPage('1', [configMap('a', '1')]))], watches: [NEVER] }),
);
const events$: Observable<ResourceEvent<TestConfigMap>> = informer.events$;
const results: Observable<ReconcileEvent> = events$.pipe(
  filter((e) => e._tag !== 'Deleted'),
  ownKeys(),
  reconcileWith((key: string, signal: AbortSignal) => Promise.resolve(signal.aborted || key === '' ? undefined : done)),
);
export const synced: Promise<boolean> = firstValueFrom(informer.synced$);
export const obj: KubeObject | undefined = informer.store.get('default/a');
const promOptions: PrometheusMetricsOptions = { prefix: 'app_' };
export const metered = sharedIndexInformer(fakeListerWatcher<TestConfigMap>({}), { name: 'cms', metrics: prometheusMetrics(promOptions) });
export type Server = EmbeddedApiServer;
export const fifo: FifoState<TestConfigMap> = fifoState.createFifoState<TestConfigMap>();
export type Request = KubeRequest;
export const lines = of(Buffer.from('a\\nb\\n')).pipe(splitLines());
export { results };
`,
    );
    // kube-rx's own declarations are checked once (skipLibCheck off, nodenext); the other two
    // resolutions check the imports and their use, which is what differs between them
    const configs = {
      node16: { module: 'node16', moduleResolution: 'node16', skipLibCheck: true },
      nodenext: { module: 'nodenext', moduleResolution: 'nodenext', skipLibCheck: false },
      bundler: { module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true },
    };
    for (const [name, options] of Object.entries(configs)) {
      writeFileSync(
        join(consumer, `tsconfig.${name}.json`),
        JSON.stringify({
          compilerOptions: { ...options, target: 'es2022', strict: true, noEmit: true, types: ['node'] },
          files: ['check.ts'],
        }),
      );
    }
    const runs = Object.entries(compilers).flatMap(([compiler, tsc]) => Object.keys(configs).map((name) => [`${compiler} ${name}`, tsc, `tsconfig.${name}.json`] as const));
    const checks = runs.map(async ([name, tsc, file]) => {
      // errors inside other packages' declarations (client-node's need @types/ws) are not kube-rx's
      // and are left out
      const errors = await run(process.execPath, [tsc, '-p', file], { cwd: consumer, timeout: 180_000 }).then(
        () => [],
        (e: unknown) =>
          String((e as { stdout?: string }).stdout ?? e)
            .split('\n')
            .filter((l) => /^(check\.ts|node_modules\/kube-rx\/|error )/.test(l)),
      );
      return [name, errors.length === 0 ? 'ok' : errors.join('\n')] as const;
    });
    expect(Object.fromEntries(await Promise.all(checks))).toEqual(Object.fromEntries(runs.map(([name]) => [name, 'ok'])));
  });
});
