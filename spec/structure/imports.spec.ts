/**
 * The shape of lib/, read from its import statements (TypeScript's parser: comments and doc
 * examples are not imports): no import cycle between modules; a folder imports only folders on
 * lower floors of {@link LAYERS} (the map in docs/concepts.md, checked to match); the testing kit
 * and the command line are imported by nothing in the library; only the modules of
 * {@link CLIENT_NODE_IMPORTERS} import `@kubernetes/client-node`; the rooms below the controller
 * runtime take from listwatch/ only the ListerWatcher port ({@link PORT_ONLY}).
 *
 * To add a folder: put it on its floor in LAYERS and
 * in the map of docs/concepts.md; nothing else here changes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

import { root } from '../helpers/repo.js';

/**
 * The floors of lib/, bottom first. A folder may import folders on lower floors only (not its
 * neighbours on the same floor). `lib/*.ts` (the package's entry points) are the floor `(entry)`.
 * Folders marked planned may not exist yet.
 */
const LAYERS: ReadonlyArray<ReadonlyArray<string>> = [
  ['internal'],
  ['codec', 'meta', 'operators'],
  ['listwatch'],
  ['logging', 'metrics', 'crd'],
  ['store'],
  ['reflector'],
  ['fifo'],
  ['informer'],
  ['workqueue', 'leaderelection'],
  ['client'],
  ['events'],
  ['controller'],
  ['prometheus'],
  ['(entry)'],
  ['cli', 'testing'],
];

/** Floors announced for later issues: on the map, possibly not in lib/ yet. */
const PLANNED = new Set<string>();

/** Folders that nothing in lib/ may import (beyond themselves). */
const LEAVES = new Set(['cli', 'testing']);

/**
 * The modules (a path relative to lib/, or a folder ending in `/`) that may import
 * `@kubernetes/client-node`: the HTTP modules, the lease client and the command line. Today only
 * `listwatch/kubeRequest.ts` and `listwatch/credentialCache.ts` (types) and `cli/main.ts` do.
 */
const CLIENT_NODE_IMPORTERS: ReadonlyArray<string> = [
  'listwatch/kubeRequest.ts',
  'listwatch/httpListerWatcher.ts',
  'listwatch/discovery.ts',
  'listwatch/credentialCache.ts',
  'leaderelection/leaseClient.ts',
  'cli/',
];

/**
 * Folders that take from listwatch/ only the ListerWatcher port and its error type (never the HTTP
 * implementation or the wire decoders), and the port's modules.
 */
const PORT_ONLY = {
  folders: new Set(['reflector', 'fifo', 'store', 'informer', 'logging', 'metrics']),
  port: new Set(['listwatch/ListerWatcher.ts', 'listwatch/ListerWatcherError.ts', 'listwatch/ApiResource.ts', 'listwatch/TypedResource.ts', 'listwatch/ServedState.ts']),
};

interface Import {
  /** The importing module, relative to lib/ (`reflector/listThenWatch.ts`). */
  readonly from: string;
  /** A module relative to lib/ for a relative specifier, else the package name. */
  readonly to: string;
  readonly typeOnly: boolean;
}

const libDir = join(root, 'lib');

const modules = (): string[] =>
  readdirSync(libDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split('\\').join('/'))
    .sort();

/** The import and re-export statements of one module, and `import('…')` types anywhere in it. */
const importsOf = (from: string, source: string, exists: (module: string) => boolean): Import[] => {
  const file = ts.createSourceFile(from, source, ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean): void => {
    if (!specifier.startsWith('.')) {
      found.push({ from, to: specifier, typeOnly });
      return;
    }
    const target = posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\.js$/, '.ts');
    found.push({ from, to: exists(target) ? target : posix.join(target.replace(/\.ts$/, ''), 'index.ts'), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.phaseModifier === ts.SyntaxKind.TypeKeyword ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] !== undefined && ts.isStringLiteral(node.arguments[0])) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
};

/** The folder (room) of a module: its first path segment, or `(entry)` for lib/*.ts. */
const folderOf = (module: string): string => (module.includes('/') ? module.slice(0, module.indexOf('/')) : '(entry)');

/** Every cycle of the module graph (its strongly connected components of more than one module, or a module importing itself). */
const cyclesOf = (imports: ReadonlyArray<Import>): string[][] => {
  const next = new Map<string, string[]>();
  for (const { from, to } of imports) next.set(from, [...(next.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) connect(v);
  return cycles;
};

/** The rule each import breaks, as readable lines (none when all is well). */
const violationsOf = (imports: ReadonlyArray<Import>, layers: ReadonlyArray<ReadonlyArray<string>> = LAYERS): string[] => {
  const floor = new Map(layers.flatMap((folders, i) => folders.map((f) => [f, i] as const)));
  const found: string[] = [];
  for (const { from, to, typeOnly } of imports) {
    const source = folderOf(from);
    if (!floor.has(source)) {
      found.push(`${from}: folder ${source} is on no floor of the layer order`);
      continue;
    }
    if (to === '@kubernetes/client-node' && !CLIENT_NODE_IMPORTERS.some((m) => (m.endsWith('/') ? from.startsWith(m) : from === m))) {
      found.push(`${from} imports @kubernetes/client-node${typeOnly ? ' (types)' : ''}: only ${CLIENT_NODE_IMPORTERS.join(', ')} may`);
    }
    if (!to.endsWith('.ts')) continue;
    const target = folderOf(to);
    if (target === source) continue;
    if (LEAVES.has(target)) found.push(`${from} imports ${to}: nothing in the library imports ${target}/`);
    else if ((floor.get(target) ?? Infinity) >= (floor.get(source) ?? -Infinity)) {
      found.push(`${from} imports ${to}: ${source}/ may import only folders on floors below its own, and ${target}/ is not`);
    }
    if (PORT_ONLY.folders.has(source) && target === 'listwatch' && !PORT_ONLY.port.has(to)) {
      found.push(`${from} imports ${to}: ${source}/ takes from listwatch/ only the port (${[...PORT_ONLY.port].join(', ')})`);
    }
  }
  return found;
};

const libImports = (): Import[] => {
  const all = new Set(modules());
  return [...all].flatMap((m) => importsOf(m, readFileSync(join(libDir, m), 'utf8'), (t) => all.has(t)));
};

/**
 * The floors of the map in docs/concepts.md, bottom first: the page lists them top first, one per
 * line starting at column 0 (folders, comma-separated, `*` for planned), then two spaces and a
 * description; indented lines continue a description.
 */
const mapFloors = (): string[][] => {
  const page = readFileSync(join(root, 'docs/concepts.md'), 'utf8');
  const section = page.slice(page.indexOf('## The folders and the direction of their imports'));
  const block = /```text\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .filter((l) => /^[a-z(]/.test(l))
    .map((l) =>
      (l.split(/\s{2,}/)[0] ?? '')
        .split(/,\s*/)
        .map((f) => f.replace(/\*$/, '').replace(/^\(entry points\)$/, '(entry)')),
    )
    .reverse();
};

describe('the import graph of lib/', () => {
  const imports = libImports();

  it('reads the imports of every module (a sanity check of the reader)', () => {
    expect(imports.some((i) => i.from === 'informer/sharedIndexInformer.ts' && i.to === 'reflector/listThenWatch.ts')).toBe(true);
    expect(imports.some((i) => i.from === 'listwatch/kubeRequest.ts' && i.to === '@kubernetes/client-node' && i.typeOnly)).toBe(true);
    expect(imports.filter((i) => i.to.endsWith('.ts') && !modules().includes(i.to))).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cyclesOf(imports.filter((i) => i.to.endsWith('.ts')))).toEqual([]);
  });

  it('imports only downward by the layer order, never the testing kit or the CLI, client-node only at the HTTP edge, and the ListerWatcher port only below the controller runtime', () => {
    expect(violationsOf(imports)).toEqual([]);
  });

  it('puts every folder of lib/ on a floor, and the layer order is the map of docs/concepts.md', () => {
    const folders = new Set(modules().map(folderOf));
    const placed = new Set(LAYERS.flat());
    expect([...folders].filter((f) => !placed.has(f))).toEqual([]);
    expect(LAYERS.flat().filter((f) => !folders.has(f) && !PLANNED.has(f))).toEqual([]);
    expect(mapFloors()).toEqual(LAYERS);
  });

  it('spec/ has a folder per folder of lib/ it tests, and no other room', () => {
    const suites = new Set(['docs', 'examples', 'fixtures', 'helpers', 'integration', 'kube', 'package', 'platform', 'reliability', 'security', 'structure']);
    const specRooms = readdirSync(join(root, 'spec'), { withFileTypes: true }).filter((d) => d.isDirectory() && !suites.has(d.name));
    const libRooms = new Set(modules().map(folderOf));
    expect(specRooms.map((d) => d.name).filter((name) => !libRooms.has(name))).toEqual([]);
  });
});

describe('the entry points', () => {
  it('export each name from one entry point only: the building blocks are not in the root', async () => {
    const [rootNames, reducers, protocol] = await Promise.all(
      ['../../lib/index.js', '../../lib/reducers.js', '../../lib/protocol.js'].map(async (m) => Object.keys((await import(m)) as object)),
    );
    expect(reducers!.filter((n) => rootNames!.includes(n))).toEqual([]);
    expect(protocol!.filter((n) => rootNames!.includes(n) || reducers!.includes(n))).toEqual([]);
    expect(reducers).toEqual(expect.arrayContaining(['fifoState', 'reflectorProtocol', 'workQueueState', 'coalesceState', 'reduceReflectorMetrics']));
    expect(protocol).toEqual(expect.arrayContaining(['kubeStream', 'splitLines', 'decodeWatchLines', 'listBodyDecoder', 'BODY_TOO_LARGE']));
  });
});

describe('the rules catch what they are for', () => {
  const graph = (edges: ReadonlyArray<readonly [string, string, boolean?]>): Import[] => edges.map(([from, to, typeOnly = false]) => ({ from, to, typeOnly }));

  it('finds a cycle, also one through a type-only import, and a self-import', () => {
    expect(cyclesOf(graph([['workqueue/reconcileWith.ts', 'logging/reconcileLogs.ts'], ['logging/reconcileLogs.ts', 'workqueue/reconcileWith.ts', true]]))).toEqual([
      ['logging/reconcileLogs.ts', 'workqueue/reconcileWith.ts'],
    ]);
    expect(cyclesOf(graph([['a/x.ts', 'a/x.ts']]))).toEqual([['a/x.ts']]);
    expect(cyclesOf(graph([['a/x.ts', 'b/y.ts'], ['b/y.ts', 'c/z.ts']]))).toEqual([]);
  });

  it('finds an import that runs up, one between neighbours, one of the testing kit, client-node off the edge, and the HTTP module taken by the reflector', () => {
    expect(
      violationsOf(
        graph([
          ['logging/reconcileLogs.ts', 'workqueue/ReconcileEvent.ts', true],
          ['workqueue/reconcileWith.ts', 'leaderelection/leaderElection.ts'],
          ['controller/controllerManager.ts', 'testing/builders.ts'],
          ['informer/sharedIndexInformer.ts', '@kubernetes/client-node', true],
          ['reflector/listThenWatch.ts', 'listwatch/kubeRequest.ts'],
          ['nowhere/x.ts', 'meta/KubeObject.ts'],
        ]),
      ),
    ).toEqual([
      'logging/reconcileLogs.ts imports workqueue/ReconcileEvent.ts: logging/ may import only folders on floors below its own, and workqueue/ is not',
      'workqueue/reconcileWith.ts imports leaderelection/leaderElection.ts: workqueue/ may import only folders on floors below its own, and leaderelection/ is not',
      'controller/controllerManager.ts imports testing/builders.ts: nothing in the library imports testing/',
      `informer/sharedIndexInformer.ts imports @kubernetes/client-node (types): only ${CLIENT_NODE_IMPORTERS.join(', ')} may`,
      `reflector/listThenWatch.ts imports listwatch/kubeRequest.ts: reflector/ takes from listwatch/ only the port (${[...PORT_ONLY.port].join(', ')})`,
      'nowhere/x.ts: folder nowhere is on no floor of the layer order',
    ]);
  });

  it('reads type-only imports, re-exports, import() types and dynamic imports, and not the imports inside doc comments', () => {
    const source = [
      "import type { A } from './A.js';",
      "import { type B, c } from '../b/c.js';",
      "import { type D } from './D.js';",
      "export { e } from './e.js';",
      "/** @example\n * import { x } from 'kube-rx';\n */",
      "export type F = import('../f/F.js').F;",
      "const g = () => import('./g.js');",
    ].join('\n');
    expect(importsOf('a/x.ts', source, () => true)).toEqual([
      { from: 'a/x.ts', to: 'a/A.ts', typeOnly: true },
      { from: 'a/x.ts', to: 'b/c.ts', typeOnly: false },
      { from: 'a/x.ts', to: 'a/D.ts', typeOnly: true },
      { from: 'a/x.ts', to: 'a/e.ts', typeOnly: false },
      { from: 'a/x.ts', to: 'f/F.ts', typeOnly: true },
      { from: 'a/x.ts', to: 'a/g.ts', typeOnly: false },
    ]);
    expect(importsOf('a/x.ts', "import { y } from './folder/index.js';\nimport { z } from './folder';", (m) => m === 'a/folder/index.ts')).toEqual([
      { from: 'a/x.ts', to: 'a/folder/index.ts', typeOnly: false },
      { from: 'a/x.ts', to: 'a/folder/index.ts', typeOnly: false },
    ]);
  });
});
