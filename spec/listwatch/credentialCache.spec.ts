import type { RequestOptions } from 'node:https';

import { describe, expect, it } from 'vitest';

import { credentialCache } from '../../lib/listwatch/credentialCache.js';

/** A kubeConfig whose user is an exec plugin (or not), counting the plugin's runs. */
const fakeKubeConfig = (user: { name: string; exec?: unknown }) => {
  let runs = 0;
  const kubeConfig = {
    getCurrentCluster: () => ({ name: 'c', server: 'https://example:6443', skipTLSVerify: false }),
    getCurrentUser: () => user,
    applyToHTTPSOptions: (options: RequestOptions): Promise<void> => {
      runs++;
      options.headers = { ...(options.headers as Record<string, string>), Authorization: `Bearer token-${runs}` };
      return Promise.resolve();
    },
  };
  return { kubeConfig, runs: () => runs };
};
const authorization = (o: RequestOptions): unknown => (o.headers as Record<string, unknown>)['Authorization'];

describe('credentialCache', () => {
  it('runs an exec user’s plugin once per TTL however many requests, keeps each request’s own headers, and runs it again after a 401', async () => {
    let now = 0;
    const cache = credentialCache(1000, () => now);
    const { kubeConfig, runs } = fakeKubeConfig({ name: 'u', exec: { command: 'plugin' } });
    const requests = Array.from({ length: 5 }, (_, i): RequestOptions => ({ headers: { 'User-Agent': `r${i}` } }));
    await Promise.all(requests.map((o) => cache.apply(kubeConfig, o)));
    expect(runs()).toBe(1);
    expect(requests.map(authorization)).toEqual(Array(5).fill('Bearer token-1'));
    expect((requests[3]?.headers as Record<string, unknown>)['User-Agent']).toBe('r3');
    now = 999;
    await cache.apply(kubeConfig, {});
    expect(runs()).toBe(1);
    now = 1000;
    const afterTtl: RequestOptions = {};
    await cache.apply(kubeConfig, afterTtl);
    expect([runs(), authorization(afterTtl)]).toEqual([2, 'Bearer token-2']);
    cache.invalidate(kubeConfig);
    await cache.apply(kubeConfig, {});
    expect(runs()).toBe(3);
  });

  it('applies a kubeconfig token (no exec, no auth provider) on every request, as before', async () => {
    const cache = credentialCache();
    const { kubeConfig, runs } = fakeKubeConfig({ name: 'token-user' });
    await cache.apply(kubeConfig, {});
    await cache.apply(kubeConfig, {});
    expect(runs()).toBe(2);
  });
});
