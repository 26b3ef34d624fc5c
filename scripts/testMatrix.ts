/**
 * `npm test`: the test matrix. Runs vitest once per cell, in turn, each under its own Node binary
 * (`node node_modules/vitest/vitest.mjs run`, so the tests and every process they start run on that
 * Node) and @kubernetes/client-node major (`KUBE_RX_CLIENT_NODE`, see vitest.config.ts):
 *
 * | cell   | Node                                  | client-node | projects                      |
 * |--------|---------------------------------------|-------------|-------------------------------|
 * | this/1 | the one running npm (20 here and CI)  | 1.4         | unit (with the soak), kube    |
 * | 22/1   | 22.x, scripts/node-runtimes.sh        | 1.4         | unit                          |
 * | 22/2   | 22.x                                  | 2.x         | unit, kube                    |
 * | 24/1   | 24.x                                  | 1.4         | unit                          |
 * | 24/2   | 24.x                                  | 2.x         | unit                          |
 *
 * The one-minute soak (spec/reliability/soak.spec.ts) runs in the first cell only (elsewhere
 * `KUBE_RX_SOAK_SECONDS=0` skips it). The kube tier (the real kube-apiserver) runs where
 * `scripts/kube-apiserver.sh check` says it can (cached, or root for its first build); without root
 * it is left out with a message saying why. Node 22 and 24 are fetched once per machine.
 *
 * Usage: `npm test [-- [--cells LIST] [vitest arguments]]`
 * - `--cells this/1,22/2` runs only those cells (`22` means both Node 22 cells);
 * - `--project unit` (or kube) narrows every cell to that project;
 * - everything else (a file filter, `-t NAME`, ...) goes to each vitest run, with
 *   `--passWithNoTests` so that a cell without a matching file passes empty.
 *
 * Prints one line per cell (its Node and client-node versions, counts and time; under it, every failed
 * test by file, name and the first line of its failure), then, as the very last line, the sum: `vitest: N passed, N failed, N skipped`. Exits non-zero when any cell failed
 * or when no test ran at all.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

type Project = 'unit' | 'kube';
type ClientNodeMajor = 1 | 2;

interface Cell {
  /** `this/1`, `22/2`, ...: the Node (`this` = the one running this script) and the client-node major. */
  readonly id: string;
  readonly node: 'this' | '22' | '24';
  readonly clientNode: ClientNodeMajor;
  readonly projects: ReadonlyArray<Project>;
  /** Runs the one-minute soak test (else it is skipped). */
  readonly soak: boolean;
}

const CELLS: ReadonlyArray<Cell> = [
  { id: 'this/1', node: 'this', clientNode: 1, projects: ['unit', 'kube'], soak: true },
  { id: '22/1', node: '22', clientNode: 1, projects: ['unit'], soak: false },
  { id: '22/2', node: '22', clientNode: 2, projects: ['unit', 'kube'], soak: false },
  { id: '24/1', node: '24', clientNode: 1, projects: ['unit'], soak: false },
  { id: '24/2', node: '24', clientNode: 2, projects: ['unit'], soak: false },
];

/** Where each client-node major is installed (2.x as the aliased devDependency). */
const CLIENT_NODE_DIR: Readonly<Record<ClientNodeMajor, string>> = {
  1: 'node_modules/@kubernetes/client-node',
  2: 'node_modules/client-node-2',
};

const root = fileURLToPath(new URL('../', import.meta.url));
const vitest = join(root, 'node_modules/vitest/vitest.mjs');

const say = (line: string): void => {
  process.stdout.write(`[test matrix] ${line}\n`);
};

const fail = (message: string): never => {
  process.stderr.write(`[test matrix] ERROR: ${message}\n`);
  process.exit(1);
};

interface Args {
  readonly cells: ReadonlyArray<string> | undefined;
  readonly projects: ReadonlyArray<string> | undefined;
  readonly forwarded: ReadonlyArray<string>;
}

/** Splits off `--cells` and `--project` (both `--x v` and `--x=v`); the rest goes to vitest. */
const parseArgs = (argv: ReadonlyArray<string>): Args => {
  let cells: string[] | undefined;
  let projects: string[] | undefined;
  const forwarded: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--(cells|project)(?:=(.*))?$/.exec(arg);
    if (m === null) {
      forwarded.push(arg);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') fail(`${arg} needs a value`);
    const values = (value ?? '').split(',').filter((v) => v !== '');
    if (m[1] === 'cells') cells = [...(cells ?? []), ...values];
    else projects = [...(projects ?? []), ...values];
  }
  return { cells, projects, forwarded };
};

const formatDuration = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
};

/** The Node binary of a cell: this process's, or the pinned one from the cache (fetched once). */
const nodeBinary = (node: Cell['node']): string => {
  if (node === 'this') return process.execPath;
  const r = spawnSync('bash', [join(root, 'scripts/node-runtimes.sh'), 'path', node], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const path = r.stdout.trim();
  if (r.status !== 0 || path === '') fail(`cannot install Node ${node} (scripts/node-runtimes.sh path ${node} failed; see above)`);
  return path;
};

const versionOf = (bin: string): string => spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim().replace(/^v/, '');

const clientNodeVersion = (major: ClientNodeMajor): string =>
  (JSON.parse(readFileSync(join(root, CLIENT_NODE_DIR[major], 'package.json'), 'utf8')) as { version: string }).version;

/** Can the kube tier run here? Undefined when yes, else why not (scripts/kube-apiserver.sh check). */
const kubeTierUnavailable = (): string | undefined => {
  const r = spawnSync('bash', [join(root, 'scripts/kube-apiserver.sh'), 'check'], { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? undefined : r.stderr.trim() || `scripts/kube-apiserver.sh check exited with ${r.status ?? r.signal ?? '?'}`;
};

interface Counts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
}

interface JsonReport {
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numPendingTests: number;
  readonly numTodoTests: number;
  readonly testResults?: ReadonlyArray<{
    readonly name: string;
    readonly status: string;
    readonly message?: string;
    readonly assertionResults?: ReadonlyArray<{ readonly fullName: string; readonly status: string; readonly failureMessages?: ReadonlyArray<string> }>;
  }>;
}

interface Report {
  readonly counts: Counts;
  /** One line per failed test (file, full name, the first line of its first failure), and per file that failed outside any test. */
  readonly failures: ReadonlyArray<string>;
}

/** The first non-empty line of a failure message, without colour codes, at most 300 characters. */
const firstLine = (message: string | undefined): string => {
  // vitest's messages carry ANSI colour codes
  const line = (message ?? '').replace(/\u001b\[[0-9;]*m/g, '').split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line.trim();
};

const readReport = (file: string): Report | undefined => {
  let r: JsonReport;
  try {
    r = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
  } catch {
    return undefined;
  }
  const failures = (r.testResults ?? []).flatMap((f) => {
    const path = relative(root, f.name);
    const tests = (f.assertionResults ?? []).filter((t) => t.status === 'failed').map((t) => `${path} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
    if (tests.length > 0 || f.status !== 'failed') return tests;
    // a hook (beforeAll, afterAll) or the file itself failed: vitest's report gives no message for a hook
    return [`${path}: ${firstLine(f.message) || 'failed outside its tests (a hook, or the file itself; see the log above)'}`];
  });
  return { counts: { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests }, failures };
};

interface CellResult {
  readonly line: string;
  readonly counts: Counts;
  readonly failures: ReadonlyArray<string>;
  readonly ok: boolean;
}

const runCell = async (cell: Cell, projects: ReadonlyArray<Project>, forwarded: ReadonlyArray<string>, dir: string): Promise<CellResult> => {
  const bin = nodeBinary(cell.node);
  const nodeVersion = versionOf(bin);
  const label = `Node ${nodeVersion} × client-node ${clientNodeVersion(cell.clientNode)} (${projects.join(' + ')}${
    cell.soak || !projects.includes('unit') ? '' : ', soak skipped'
  })`;
  say(`${cell.id}: ${label}: ${bin}`);
  const report = join(dir, `${cell.id.replace('/', '-')}.json`);
  // a client-node 2 hook inherited from an enclosing run is dropped (vitest.config.ts adds it for 2.x cells)
  const nodeOptions = (process.env['NODE_OPTIONS'] ?? '')
    .split(/\s+/)
    .filter((o) => o !== '' && !o.endsWith('/clientNode2.mjs'))
    .join(' ');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // the cell's Node first on PATH: commands the tests start by name (npm, typedoc) run on it too
    PATH: `${dirname(bin)}${delimiter}${process.env['PATH'] ?? ''}`,
    NODE_OPTIONS: nodeOptions,
    KUBE_RX_CLIENT_NODE: String(cell.clientNode),
    KUBE_RX_EXPECT_NODE: nodeVersion.split('.')[0],
    ...(cell.soak ? {} : { KUBE_RX_SOAK_SECONDS: '0' }),
  };
  const args = [
    vitest,
    'run',
    ...projects.flatMap((p) => ['--project', p]),
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...(forwarded.length > 0 ? ['--passWithNoTests'] : []),
    ...forwarded,
  ];
  const started = Date.now();
  const exit = await new Promise<string>((resolve) => {
    const child = spawn(bin, args, { cwd: root, env, stdio: 'inherit' });
    child.on('error', (e) => {
      resolve(`could not start: ${e.message}`);
    });
    child.on('exit', (code, signal) => {
      resolve(code === 0 ? 'ok' : signal === null ? `exit code ${code ?? '?'}` : `killed by ${signal}`);
    });
  });
  const read = readReport(report);
  const counts = read?.counts ?? { passed: 0, failed: 0, skipped: 0 };
  const took = formatDuration(Date.now() - started);
  const problem = exit === 'ok' ? '' : ` (vitest: ${exit}${read === undefined ? ', no report' : ''})`;
  const line = `${cell.id} ${label} in ${took}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped${problem}`;
  say(line);
  const failures = read?.failures ?? [];
  for (const f of failures) say(`  failed: ${f}`);
  return { line, counts, failures, ok: exit === 'ok' };
};

const main = async (): Promise<void> => {
  const { cells: wantedCells, projects: wantedProjects, forwarded } = parseArgs(process.argv.slice(2));
  for (const p of wantedProjects ?? []) if (p !== 'unit' && p !== 'kube') fail(`unknown project '${p}' (unit or kube)`);
  for (const c of wantedCells ?? []) {
    if (!CELLS.some((cell) => cell.id === c || cell.id.startsWith(`${c}/`))) fail(`unknown cell '${c}' (one of ${CELLS.map((x) => x.id).join(', ')})`);
  }
  const selected = CELLS.filter((cell) => wantedCells?.some((c) => cell.id === c || cell.id.startsWith(`${c}/`)) ?? true);
  const projectsOf = (cell: Cell): Project[] => cell.projects.filter((p) => wantedProjects?.includes(p) ?? true);

  let withoutKube: string | undefined;
  if (selected.some((cell) => projectsOf(cell).includes('kube'))) {
    withoutKube = kubeTierUnavailable();
    if (withoutKube !== undefined) say(`the kube tier is skipped: ${withoutKube}`);
  }

  const dir = mkdtempSync(join(tmpdir(), 'kube-rx-matrix-'));
  const started = Date.now();
  const results: CellResult[] = [];
  try {
    for (const cell of selected) {
      const projects = projectsOf(cell).filter((p) => p !== 'kube' || withoutKube === undefined);
      if (projects.length === 0) continue;
      results.push(await runCell(cell, projects, forwarded, dir));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const total = results.reduce<Counts>(
    (sum, r) => ({ passed: sum.passed + r.counts.passed, failed: sum.failed + r.counts.failed, skipped: sum.skipped + r.counts.skipped }),
    { passed: 0, failed: 0, skipped: 0 },
  );
  const ran = total.passed + total.failed > 0;
  process.stdout.write('\n');
  say(`${results.length} cells in ${formatDuration(Date.now() - started)}${withoutKube === undefined ? '' : ' (kube tier skipped: no root)'}:`);
  for (const r of results) {
    say(`  ${r.line}`);
    // the failed tests by name, so that a log's tail alone says what failed
    for (const f of r.failures) say(`    failed: ${f}`);
  }
  if (!ran) say('no test ran');
  process.stdout.write(`vitest: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`);
  process.exitCode = results.every((r) => r.ok) && ran ? 0 : 1;
};

await main();
