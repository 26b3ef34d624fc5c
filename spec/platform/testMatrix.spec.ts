/**
 * `npm test`'s runner (scripts/testMatrix.ts): the cell's own summary line names its Node and
 * client-node, the plain total is the very last line, arguments reach vitest, and bad arguments
 * fail with a message instead of running anything.
 */
import { describe, expect, it } from 'vitest';

import { root, run } from '../helpers/repo.js';

const matrix = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/testMatrix.ts', ...args], {
    cwd: root,
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });

/** The matrix's exit, for a run that is meant to fail. */
const failure = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
  matrix(args, env).then(() => undefined, (e: unknown) => e as { code?: number; stdout?: string; stderr?: string });

describe('scripts/testMatrix.ts', () => {
  it('runs one cell on a file filter: its line names Node and client-node, the total comes last', { timeout: 120_000 }, async () => {
    const { stdout } = await matrix(['--cells', 'this/1', '--project', 'unit', 'spec/meta/KubeObject.property.spec.ts']);
    const lines = stdout.trimEnd().split('\n');
    const cell = lines.filter((l) => l.startsWith('[test matrix]   this/1 '));
    expect(cell).toHaveLength(1);
    expect(cell[0]).toMatch(
      new RegExp(`^\\[test matrix\\] {3}this/1 Node ${process.versions.node.replaceAll('.', '\\.')} × client-node 1\\.4\\.\\d+ \\(unit\\) in \\d+ s: (\\d+) passed, 0 failed, 0 skipped$`),
    );
    const passed = Number(/: (\d+) passed/.exec(cell[0]!)?.[1]);
    expect(passed).toBeGreaterThan(0);
    expect(lines.at(-1)).toBe(`vitest: ${passed} passed, 0 failed, 0 skipped`);
    expect(lines.filter((l) => /^vitest: \d+ passed/.test(l))).toHaveLength(1);
  });

  it('refuses an unknown cell or project before running anything', async () => {
    const cell = await failure(['--cells', '18/1']);
    expect(cell?.code).toBe(1);
    expect(cell?.stderr).toContain("unknown cell '18/1' (one of this/1, 22/1, 22/2, 24/1, 24/2)");
    expect(cell?.stdout).not.toContain('vitest:');
    const project = await failure(['--project', 'e2e']);
    expect(project?.code).toBe(1);
    expect(project?.stderr).toContain("unknown project 'e2e' (unit or kube)");
  });

  it('lists a failed test by file, name and first line in the summary, above the total', { timeout: 120_000 }, async () => {
    const failed = await failure(['--cells', 'this/1', '--project', 'unit', 'spec/platform/matrixProbe.spec.ts'], { KUBE_RX_MATRIX_PROBE: '1' });
    expect(failed?.code).toBe(1);
    const lines = (failed?.stdout ?? '').trimEnd().split('\n');
    const summary = lines.slice(lines.findIndex((l) => /^\[test matrix\] \d+ cells? in /.test(l)));
    expect(summary[1]).toMatch(/^\[test matrix\] {3}this\/1 .*: 0 passed, 1 failed, 1 skipped \(vitest: exit code 1\)$/);
    expect(summary[2]).toMatch(/^\[test matrix\] {5}failed: spec\/platform\/matrixProbe\.spec\.ts > matrix probe fails on purpose: .*expected/);
    expect(summary.at(-1)).toBe('vitest: 0 passed, 1 failed, 1 skipped');
  });

  it('lists a file whose hook failed, though vitest counts no failed test for it', { timeout: 120_000 }, async () => {
    const failed = await failure(['--cells', 'this/1', '--project', 'unit', 'spec/platform/matrixProbe.spec.ts'], { KUBE_RX_MATRIX_PROBE: 'hook' });
    expect(failed?.code).toBe(1);
    const lines = (failed?.stdout ?? '').trimEnd().split('\n');
    expect(lines).toContain('[test matrix]     failed: spec/platform/matrixProbe.spec.ts: failed outside its tests (a hook, or the file itself; see the log above)');
    expect(lines.at(-1)).toBe('vitest: 1 passed, 0 failed, 1 skipped');
  });
});
