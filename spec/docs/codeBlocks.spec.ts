/**
 * Every ```ts block of README.md and docs/*.md, and every ```ts block in the doc comments of lib/
 * (the `@example`s), typechecks against the library as a module of its own, with TypeScript 5.9 and
 * TypeScript 7, and against the client-node major of this run (`KUBE_RX_CLIENT_NODE=2`: 2.x's types).
 *
 * The blocks are written to spec/docs/.blocks/ (gitignored, removed afterwards) with a tsconfig that
 * extends the repository's (tsconfig.client-node-2.json for client-node 2), so `kube-rx` and
 * `kube-rx/testing` resolve to lib/ through its `paths`; unused locals and parameters are allowed
 * (an example may declare what it does not use). One run of each compiler checks them all; each
 * block is then a test of its own, named by file and line.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, run } from '../helpers/repo.js';

const dir = join(root, 'spec/docs/.blocks');

interface Block {
  /** The file the block comes from, relative to the repository. */
  readonly source: string;
  /** The 1-based line of the block's first line of code in that file. */
  readonly line: number;
  readonly code: string;
  /** The generated module's file name in `dir`. */
  readonly file: string;
}

const fileName = (source: string, line: number): string => `${source.replace(/[^A-Za-z0-9]+/g, '_')}_L${line}.ts`;

/** The ```ts fences of a Markdown file (indented fences of list items too). */
const markdownBlocks = (source: string): Block[] => {
  const lines = readFileSync(join(root, source), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```ts\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const indent = open[1]!.length;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++;
    const code = lines.slice(start, end).map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)));
    blocks.push({ source, line: start + 1, code: code.join('\n'), file: fileName(source, start + 1) });
    i = end;
  }
  return blocks;
};

/**
 * An example of a module that the package does not export imports it relatively, as the module's
 * own code would ('./ObjectStore.js'); such specifiers are rewritten for the blocks' folder.
 */
const resolveRelativeImports = (source: string, code: string): string =>
  code.replace(/(\bfrom\s+|\bimport\s*\(\s*)(['"])(\.\.?\/[^'"]+)\2/g, (_, lead: string, quote: string, spec: string) => {
    const target = relative(dir, join(root, dirname(source), spec)).split('\\').join('/');
    return `${lead}${quote}${target}${quote}`;
  });

/** The ```ts fences inside the doc comments of a TypeScript file (` * ` prefixes removed). */
const commentBlocks = (source: string): Block[] => {
  const lines = readFileSync(join(root, source), 'utf8').split('\n');
  const blocks: Block[] = [];
  const body = (l: string): string | undefined => /^\s*\* ?(.*)$/.exec(l)?.[1];
  for (let i = 0; i < lines.length; i++) {
    if (body(lines[i]!)?.trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && body(lines[end]!)?.trim() !== '```' && !lines[end]!.includes('*/')) end++;
    const code = lines.slice(start, end).map((l) => body(l) ?? '');
    blocks.push({ source, line: start + 1, code: resolveRelativeImports(source, code.join('\n')), file: fileName(source, start + 1) });
    i = end;
  }
  return blocks;
};

const tsFiles = (folder: string): string[] =>
  readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${folder}/${f.split('\\').join('/')}`)
    .sort();

const markdown = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const docsBlocks = markdown.flatMap(markdownBlocks);
const libBlocks = tsFiles('lib').flatMap(commentBlocks);

/** tsc's diagnostics by generated file name. */
let errors = new Map<string, string[]>();

beforeAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const b of [...docsBlocks, ...libBlocks]) {
    writeFileSync(join(dir, b.file), `// ${b.source}:${b.line}\n${b.code}\nexport {};\n`);
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: process.env['KUBE_RX_CLIENT_NODE'] === '2' ? '../../../tsconfig.client-node-2.json' : '../../../tsconfig.json',
      compilerOptions: { noUnusedLocals: false, noUnusedParameters: false },
      include: ['*.ts'],
    }),
  );
  const compilers = {
    'TypeScript 5.9': join(root, 'node_modules/typescript/bin/tsc'),
    'TypeScript 7': join(root, 'node_modules/typescript-7/bin/tsc'),
  };
  const outputs = await Promise.all(
    Object.entries(compilers).map(async ([name, tsc]) => {
      const output = await run(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', join(dir, 'tsconfig.json')], {
        cwd: dir,
        timeout: 150_000,
        maxBuffer: 64 * 1024 * 1024,
      }).then(
        () => '',
        (e: unknown) => String((e as { stdout?: string }).stdout ?? e),
      );
      return [name, output] as const;
    }),
  );
  const byFile = new Map([...docsBlocks, ...libBlocks].map((b) => [b.file, b]));
  errors = new Map();
  for (const [compiler, output] of outputs) {
    let current: string[] = [];
    for (const line of output.split('\n')) {
      const m = /^(?:.*[\\/])?([^\\/(]+\.ts)\((\d+),(\d+)\): (.*)$/.exec(line);
      if (m !== null) {
        current = errors.get(m[1]!) ?? [];
        errors.set(m[1]!, current);
        // the generated file has one header line before the block's code
        const block = byFile.get(m[1]!);
        current.push(`${block?.source ?? m[1]!}:${(block?.line ?? 2) + Number(m[2]) - 2}:${m[3]!} (${compiler}) ${m[4]!}`);
      } else if (line.trim() !== '' && current.length > 0) {
        current.push(`${current.pop() ?? ''}\n${line}`);
      } else if (line.trim() !== '') {
        errors.set('(tsc)', [...(errors.get('(tsc)') ?? []), `(${compiler}) ${line}`]);
      }
    }
  }
}, 180_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('code blocks typecheck', () => {
  it('finds the blocks', () => {
    expect(docsBlocks.length).toBeGreaterThanOrEqual(5);
    expect(libBlocks.length).toBeGreaterThan(100);
    expect(errors.get('(tsc)') ?? []).toEqual([]);
  });

  describe.each([
    ['README.md and docs/*.md', docsBlocks],
    ['@example blocks of lib/', libBlocks],
  ])('%s', (_, blocks) => {
    it.each(blocks.map((b) => [`${b.source}:${b.line}`, b] as const))('%s', (_name, b) => {
      // a failure names the block (its first line of code) and each error's line in the source file
      expect(errors.get(b.file) ?? [], `${b.source}:${b.line}`).toEqual([]);
    });
  });
});
