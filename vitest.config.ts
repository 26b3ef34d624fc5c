import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^kube-rx\/testing$/, replacement: here('./lib/testing/index.ts') },
      { find: /^kube-rx\/prometheus$/, replacement: here('./lib/prometheus/index.ts') },
      { find: /^kube-rx\/protocol$/, replacement: here('./lib/protocol.ts') },
      { find: /^kube-rx\/reducers$/, replacement: here('./lib/reducers.ts') },
      { find: /^kube-rx$/, replacement: here('./lib/index.ts') },
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
