import { delimiter, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { defineConfig } from 'vitest/config';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/**
 * `KUBE_RX_CLIENT_NODE=2` runs the suite over @kubernetes/client-node 2.x (the `client-node-2`
 * devDependency; Node 22.19 or later) instead of 1.4: vitest resolves `@kubernetes/client-node` to it
 * for the library and the specs alike, and the processes the tests start (the CLI, the examples)
 * load it through spec/helpers/clientNode2.mjs in NODE_OPTIONS. spec/platform/clientNode.spec.ts
 * proves which one ran. `npm test` (scripts/testMatrix.ts) sets it per cell.
 */
const clientNode = process.env['KUBE_RX_CLIENT_NODE'] ?? '1';
if (clientNode !== '1' && clientNode !== '2') {
  throw new Error(`KUBE_RX_CLIENT_NODE must be 1 (client-node 1.4, the default) or 2 (client-node 2.x), not '${clientNode}'`);
}
if (clientNode === '2') {
  const hook = `--import=${pathToFileURL(here('./spec/helpers/clientNode2.mjs')).href}`;
  const options = process.env['NODE_OPTIONS'] ?? '';
  if (!options.includes(hook)) process.env['NODE_OPTIONS'] = `${options} ${hook}`.trim();
  // commands started by name (npm, typedoc: `#!/usr/bin/env node`) run on this Node too, not on an
  // older one first on PATH that cannot load client-node 2
  const bin = dirname(process.execPath);
  const path = process.env['PATH'] ?? '';
  if (!path.startsWith(`${bin}${delimiter}`)) process.env['PATH'] = `${bin}${delimiter}${path}`;
}

export default defineConfig({
  resolve: {
    alias: [
      { find: /^kube-rx\/testing$/, replacement: here('./lib/testing/index.ts') },
      { find: /^kube-rx\/prometheus$/, replacement: here('./lib/prometheus/index.ts') },
      { find: /^kube-rx\/protocol$/, replacement: here('./lib/protocol.ts') },
      { find: /^kube-rx\/reducers$/, replacement: here('./lib/reducers.ts') },
      { find: /^kube-rx$/, replacement: here('./lib/index.ts') },
      ...(clientNode === '2' ? [{ find: /^@kubernetes\/client-node$/, replacement: 'client-node-2' }] : []),
    ],
  },
  test: {
    environment: 'node',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['spec/**/*.spec.ts'],
          exclude: ['spec/kube/**'],
          testTimeout: 60_000,
        },
      },
      {
        // the real kube-apiserver tier: built once (globalSetup), one tier per file, files in turn
        extends: true,
        test: {
          name: 'kube',
          include: ['spec/kube/**/*.kube.spec.ts'],
          globalSetup: ['spec/kube/globalSetup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
