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
    include: ['spec/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 60_000,
    typecheck: { enabled: true, include: ['spec/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
});
