// Discovery cached per kubeconfig context (counted against the embedded API server), and exec
// plugin credentials not re-run per request (counted by a tiny plugin that logs its runs).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { KubeConfig } from '@kubernetes/client-node';
import { filter, firstValueFrom, lastValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { controllerManager } from '../../lib/controller/controllerManager.js';
import { resolveResource } from '../../lib/listwatch/discovery.js';
import { discoveryCache } from '../../lib/listwatch/discoveryCache.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';

let server: EmbeddedApiServer;
let dir: string;
beforeAll(async () => {
  server = await startApiServer();
  dir = mkdtempSync(join(tmpdir(), 'kube-rx-discovery-'));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const discoveryRequests = (): number => server.requests.filter((r) => r.verb === undefined && (r.path === '/api' || r.path.startsWith('/api/') || r.path.startsWith('/apis'))).length;
const adminConfig = (): KubeConfig => {
  const kc = new KubeConfig();
  kc.loadFromOptions(server.kubeConfigOptions());
  return kc;
};

describe('discoveryCache', () => {
  it('resolves a second name from the cache with no request, and a miss invalidates and asks the server once more', async () => {
    const kubeConfig = adminConfig();
    const cache = discoveryCache();
    const before = discoveryRequests();
    expect(await firstValueFrom(resolveResource(kubeConfig, 'cm', { cache }))).toMatchObject({ plural: 'configmaps' });
    const first = discoveryRequests() - before;
    expect(first).toBeGreaterThan(2); // /api, /apis and every group version
    expect(await firstValueFrom(resolveResource(kubeConfig, 'leases', { cache }))).toMatchObject({ group: 'coordination.k8s.io' });
    expect(await firstValueFrom(resolveResource(kubeConfig, 'cm', { cache }))).toMatchObject({ plural: 'configmaps' });
    expect(discoveryRequests() - before).toBe(first);
    await expect(firstValueFrom(resolveResource(kubeConfig, 'nosuchthings', { cache }))).rejects.toMatchObject({ _tag: 'ResolveError', reason: 'NotFound' });
    expect(discoveryRequests() - before).toBe(2 * first);
    // without a cache every call asks the server again
    await firstValueFrom(resolveResource(kubeConfig, 'cm'));
    expect(discoveryRequests() - before).toBe(3 * first);
  });

  it('keeps documents per context and for ttlMs only', () => {
    let now = 0;
    const cache = discoveryCache({ ttlMs: 100, now: () => now });
    cache.set('https://a admin', '/api', { versions: ['v1'] });
    expect(cache.get('https://a admin', '/api')).toEqual({ versions: ['v1'] });
    expect(cache.get('https://a other-user', '/api')).toBeUndefined();
    now = 99;
    expect(cache.get('https://a admin', '/api')).toBeDefined();
    now = 100;
    expect(cache.get('https://a admin', '/api')).toBeUndefined();
    cache.set('https://a admin', '/apis', {});
    cache.invalidate('https://a admin');
    expect(cache.get('https://a admin', '/apis')).toBeUndefined();
  });
});

describe('controllerManager', () => {
  it('resolves all its selectors named by a string with one round of discovery', async () => {
    const kubeConfig = adminConfig();
    const before = discoveryRequests();
    await firstValueFrom(resolveResource(kubeConfig, 'cm'));
    const oneRound = discoveryRequests() - before;
    const mgr = controllerManager({ kubeConfig, logger: { log: () => undefined } });
    for (const name of ['configmaps', 'secrets', 'leases']) mgr.observe(mgr.select(name, { resource: name }), (events$) => events$);
    const stop = new AbortController();
    const synced = Promise.all(['configmaps', 'secrets', 'leases'].map((name) => firstValueFrom(mgr.informer(name).synced$.pipe(filter(Boolean)))));
    const done = lastValueFrom(mgr.run({ signal: stop.signal }), { defaultValue: undefined });
    await synced;
    stop.abort();
    await done;
    expect(discoveryRequests() - before).toBe(2 * oneRound);
  });
});

describe('exec credential plugin', () => {
  it('runs once for many requests (client-node 1.4 re-runs a plugin without expirationTimestamp on every request)', async () => {
    const runs = join(dir, 'runs');
    writeFileSync(runs, '');
    const plugin = join(dir, 'plugin.mjs');
    const token = server.kubeConfigOptions().users[0]?.token ?? '';
    writeFileSync(
      plugin,
      [
        "import { appendFileSync } from 'node:fs';",
        `appendFileSync(${JSON.stringify(runs)}, 'run\\n');`,
        `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: ${JSON.stringify(token)} } }));`,
      ].join('\n'),
    );
    const options = server.kubeConfigOptions();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      ...options,
      users: [{ name: 'exec-user', exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: process.execPath, args: [plugin] } }],
      contexts: options.contexts.map((c) => ({ ...c, user: 'exec-user' })),
    });
    const before = discoveryRequests();
    await firstValueFrom(resolveResource(kubeConfig, 'cm'));
    await firstValueFrom(resolveResource(kubeConfig, 'secrets'));
    expect(discoveryRequests() - before).toBeGreaterThan(4);
    expect(readFileSync(runs, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
  });
});
