/**
 * The runtime of this run, as the test matrix (scripts/testMatrix.ts) meant it: the Node major
 * (`KUBE_RX_EXPECT_NODE`, set per cell) and the @kubernetes/client-node major
 * (`KUBE_RX_CLIENT_NODE`, 1 unless 2), for the specs, for the library's HTTP path and for the
 * processes the tests start, so that no cell of the matrix can silently test client-node 1.4 twice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { KubeConfig } from '@kubernetes/client-node';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { configMap } from '../../lib/testing/builders.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import { root, run } from '../helpers/repo.js';

const expectedMajor = process.env['KUBE_RX_CLIENT_NODE'] === '2' ? 2 : 1;
/** Where each major is installed: 1.4 as itself, 2.x as the aliased devDependency. */
const packageDir = { 1: 'node_modules/@kubernetes/client-node', 2: 'node_modules/client-node-2' } as const;
const expectedDir = packageDir[expectedMajor];

const versionIn = (dir: string): string => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
const majorOf = (version: string): number => Number(version.split('.')[0]);

describe(`the runtime: Node ${process.versions.node}, @kubernetes/client-node ${expectedMajor}.x`, () => {
  let server: EmbeddedApiServer | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await server?.close();
    server = undefined;
  });

  it('runs on the Node major the matrix cell asked for', () => {
    const wanted = process.env['KUBE_RX_EXPECT_NODE'];
    expect(process.versions.node.split('.')[0]).toBe(wanted ?? process.versions.node.split('.')[0]);
  });

  it(`imports KubeConfig from client-node ${expectedMajor}.x (${expectedDir})`, async () => {
    expect(majorOf(versionIn(join(root, expectedDir)))).toBe(expectedMajor);
    const direct = (await import(pathToFileURL(join(root, expectedDir, 'dist/index.js')).href)) as { KubeConfig: unknown };
    expect(KubeConfig).toBe(direct.KubeConfig);
  });

  it('the library lists over TLS through that KubeConfig (applyToHTTPSOptions of that major)', async () => {
    server = await startApiServer();
    server.create('configmaps', configMap('a', '1'));
    const applied = vi.spyOn(KubeConfig.prototype, 'applyToHTTPSOptions');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions(server.kubeConfigOptions());
    const lw = httpListerWatcher({
      kubeConfig,
      resource: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true },
    });
    const page = await firstValueFrom(lw.list({}));
    expect(page.items.map((o) => o.metadata.name)).toEqual(['a']);
    expect(applied).toHaveBeenCalled();
  });

  it('a process the tests start (the CLI, the examples) resolves the same client-node', { timeout: 30_000 }, async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', "console.log(import.meta.resolve('@kubernetes/client-node'))"],
      { cwd: root, timeout: 30_000 },
    );
    expect(stdout.trim()).toBe(pathToFileURL(join(root, expectedDir, 'dist/index.js')).href);
  });
});
