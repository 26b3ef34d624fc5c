import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';
import { root, run } from '../helpers/repo.js';


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
  });
});
