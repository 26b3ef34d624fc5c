/**
 * `KubeConfigLike` takes the `KubeConfig` of client-node 1.4 and of 2.x alike: checked by the
 * compiler (`npm run typecheck` compiles this file with TypeScript 5.9 and 7, with
 * `@kubernetes/client-node` meaning 1.4 and, in tsconfig.client-node-2.json, 2.x), and at run time
 * for the major this run loaded.
 */
import type { KubeConfig as KubeConfig2 } from 'client-node-2';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, expectTypeOf, it } from 'vitest';

import type { KubeConfigLike } from '../../lib/listwatch/kubeRequest.js';
import type { KubeConfig as KubeConfig14 } from '../../node_modules/@kubernetes/client-node/dist/index.js';

describe('KubeConfigLike', () => {
  it("accepts client-node 1.4's and 2.x's KubeConfig (compile time)", () => {
    expectTypeOf<KubeConfig14>().toExtend<KubeConfigLike>();
    expectTypeOf<KubeConfig2>().toExtend<KubeConfigLike>();
  });

  it('is what the loaded KubeConfig provides: the current cluster and applyToHTTPSOptions', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', skipTLSVerify: false }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const kc: KubeConfigLike = kubeConfig;
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    const options: { headers?: Record<string, unknown> } = {};
    await kc.applyToHTTPSOptions(options);
    expect(options.headers?.['Authorization']).toBe('Bearer t');
  });
});
