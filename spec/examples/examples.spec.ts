import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { startApiServer } from '../../lib/testing/apiServer/server.js';
import { configMap } from '../../lib/testing/builders.js';
import { root, run } from '../helpers/repo.js';
import { spawnTs } from '../helpers/spawnLines.js';
import { until } from '../helpers/until.js';


/** Runs a TypeScript file of the repo in a fresh Node process, as `npm start` does. */
const runTs = (file: string, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', file, ...args], { cwd: root, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });

describe('README example', () => {
  it('is the code of examples/readme.ts, verbatim', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const block = /<!-- examples\/readme\.ts[^>]*-->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(readFileSync(`${root}examples/readme.ts`, 'utf8'));
  });

  it('runs and prints the synced keys and the three updates', async () => {
    const { stdout } = await runTs('examples/readme.ts');
    expect(stdout.trim().split('\n')).toEqual([
      'synced: default/a, default/b',
      'default/a: 1 -> 2',
      'default/a: 2 -> 3',
      'default/a: 3 -> 4',
    ]);
  });
});

describe('demo (npm start)', () => {
  it('runs the ConfigMap→Secret controller over HTTP against the embedded API server, prints informer, queue and reconcile lines, and stops converged', async () => {
    const { stdout } = await runTs('examples/demo.ts', '--ticks', '8', '--period', '20');
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^embedded API server at https:\/\/127\.0\.0\.1:\d+$/);
    expect(lines.filter((l) => l.endsWith('(initial list)'))).toHaveLength(3);
    expect(lines).toContain('synced: 3 objects');
    const changes = lines.filter((l) => /^informer\s+(Added|Updated|Deleted)\s/.test(l) && !l.endsWith('(initial list)'));
    expect(changes).toHaveLength(8);
    for (const name of ['alpha', 'beta', 'gamma']) {
      expect(lines.some((l) => new RegExp(`^queue\\s+Started\\s+demo/${name}\\s`).test(l))).toBe(true);
      expect(lines.some((l) => new RegExp(`^reconcile\\s+Done\\s+demo/${name}\\s`).test(l))).toBe(true);
    }
    expect(lines.at(-1)).toMatch(/^stopped: (\d+) secrets kept for \1 configmaps$/);
    // the second reconcile of each change is explained: the controller's own Secret write is a trigger
    for (const name of ['alpha', 'beta', 'gamma']) {
      expect(lines.some((l) => new RegExp(`^secret\\s+Added\\s+demo/${name}\\s+\\(a trigger: queues its ConfigMap once more`).test(l))).toBe(true);
    }
  });

  it('ignores $KUBECONFIG: without --kubeconfig it runs on the embedded server, whatever the environment says', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-rx-demo-'));
    try {
      // a kubeconfig that would fail to load (and, were it a real cluster's, would be written to)
      const env = { ...process.env, NO_COLOR: '1', KUBECONFIG: join(dir, 'no-such-kubeconfig') };
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/demo.ts', '--ticks', '2', '--period', '20'], { cwd: root, timeout: 60_000, env });
      expect(stdout.split('\n')[0]).toMatch(/^embedded API server at https:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with an explicit --kubeconfig prints the context and server before its first write, then reconciles there', async () => {
    const server = await startApiServer();
    const dir = mkdtempSync(join(tmpdir(), 'kube-rx-demo-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, server.kubeConfigYaml());
    server.create('configmaps', configMap('labelled', '', 'default', { k: 'v' }, { 'kube-rx.io/secret': 'true' }));
    const demo = spawnTs('examples/demo.ts', ['--kubeconfig', kubeconfig]);
    try {
      await until(() => server.list('secrets', 'default').length === 1, 30_000);
      await until(() => demo.out.some((l) => /^reconcile\s+Done\s+default\/labelled\s/.test(l)), 30_000);
      // stdout is in order: both lines come before the first reconcile (the first write)
      expect(demo.out.slice(0, 2)).toEqual([
        `cluster: context ${server.kubeConfigOptions().currentContext}, server ${server.url}`,
        'the controller writes Secrets in namespace default (for ConfigMaps labelled kube-rx.io/secret=true)',
      ]);
      demo.child.kill('SIGINT');
      expect(await demo.exited).toBe(0);
    } finally {
      demo.child.kill('SIGKILL');
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
