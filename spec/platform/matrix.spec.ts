/**
 * What the package claims agrees with what `npm test` runs: `engines` covers exactly the Node lines
 * of the test matrix (and the pinned Node 22 and 24 of scripts/node-runtimes.sh satisfy it), the
 * peer range of client-node covers both majors installed for the tests, and the README's matrix
 * names the versions that ran.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { root, run } from '../helpers/repo.js';

interface Manifest {
  readonly engines: { readonly node: string };
  readonly peerDependencies: Readonly<Record<string, string>>;
}

const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
const versionIn = (dir: string): string => (JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { version: string }).version;
const parts = (version: string): number[] => version.replace(/^v/, '').split('.').map(Number);

/** Does `version` satisfy one caret range `^X.Y.Z` (the only form `engines` uses)? */
const satisfiesCaret = (range: string, version: string): boolean => {
  const [rMajor = 0, rMinor = 0, rPatch = 0] = parts(range.replace(/^\^/, ''));
  const [major = 0, minor = 0, patch = 0] = parts(version);
  return major === rMajor && (minor > rMinor || (minor === rMinor && patch >= rPatch));
};
const ranges = manifest.engines.node.split('||').map((r) => r.trim());
const satisfiesEngines = (version: string): boolean => ranges.some((r) => satisfiesCaret(r, version));

const pinned = async (): Promise<ReadonlyArray<readonly [string, string]>> => {
  const { stdout } = await run('bash', [join(root, 'scripts/node-runtimes.sh'), 'versions'], { cwd: root });
  return stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' ') as [string, string]);
};

describe('the claims match the test matrix', () => {
  it('engines is caret ranges for Node 20, 22 and 24: the lines npm test runs', () => {
    expect(ranges.every((r) => /^\^\d+\.\d+\.\d+$/.test(r))).toBe(true);
    expect(ranges.map((r) => parts(r.slice(1))[0])).toEqual([20, 22, 24]);
  });

  it('the pinned Node 22 and 24 satisfy engines, and so does the Node running this test', async () => {
    const pins = await pinned();
    expect(pins.map(([major]) => major)).toEqual(['22', '24']);
    expect(pins.filter(([, version]) => !satisfiesEngines(version))).toEqual([]);
    expect(satisfiesEngines(process.versions.node)).toBe(true);
  });

  it('engines rejects what the suite does not prove: Node 20.18, 22.18, 21 and 18', () => {
    expect(['20.18.3', '22.18.0', '21.7.3', '18.20.8'].filter(satisfiesEngines)).toEqual([]);
  });

  it('the client-node peer range covers both installed majors (1.4 and 2.x)', () => {
    expect(manifest.peerDependencies['@kubernetes/client-node']).toBe('^1.4 || ^2');
    expect(parts(versionIn('node_modules/@kubernetes/client-node')).slice(0, 2)).toEqual([1, 4]);
    expect(parts(versionIn('node_modules/client-node-2'))[0]).toBe(2);
  });

  it("the README's matrix names the pinned Node versions and client-node 2's version", async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const named = [...(await pinned()).map(([, version]) => version), versionIn('node_modules/client-node-2'), manifest.engines.node];
    expect(named.filter((v) => !readme.includes(v))).toEqual([]);
  });
});
