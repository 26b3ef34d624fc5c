// A child process whose stdout and stderr are collected line by line, for tests that watch a
// long-running command (the CLI, the demo) and stop it with a signal.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

import { root } from './repo.js';

/** A running child: its process, the lines printed so far, and its exit code once it exits. */
export interface LinesChild {
  readonly child: ChildProcessWithoutNullStreams;
  readonly out: string[];
  readonly err: string[];
  readonly exited: Promise<number | null>;
}

/** Runs `node --import tsx FILE ...args` in the repository root with NO_COLOR=1 (plus `env`). */
export const spawnTs = (file: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): LinesChild => {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1', ...env } });
  const out: string[] = [];
  const err: string[] = [];
  const collect = (into: string[]) => {
    let rest = '';
    return (chunk: Buffer): void => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      into.push(...lines);
    };
  };
  child.stdout.on('data', collect(out));
  child.stderr.on('data', collect(err));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, out, err, exited };
};
