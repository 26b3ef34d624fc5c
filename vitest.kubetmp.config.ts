import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^kube-rx\/testing$/, replacement: here('./lib/testing/index.ts') },
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
          typecheck: { enabled: true, include: ['spec/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
        },
      },
      {
        // The real kube-apiserver tier (scripts/kube-apiserver.sh): the binary is built once per
        // run by globalSetup (cached in ~/.cache/kube-rx); files run one at a time.
        extends: true,
        test: {
          name: 'kube',
          include: ['spec/kube/**/*.kube.spec.ts'],
          globalSetup: ['spec/kube/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
