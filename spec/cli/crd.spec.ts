import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import { crdManifest, renderCrds } from 'kube-rx';

import { crdCommand } from '../../lib/cli/crdCommand.js';
import { Gadget } from '../crd/gadget.js';
import { root, run } from '../helpers/repo.js';

const docs = (yaml: string): unknown[] => {
  const all = parseAllDocuments(yaml);
  return Array.isArray(all) ? all.map((d) => d.toJS() as unknown) : [];
};

describe('kube-rx crd MODULE', () => {
  it('prints the CRD of every custom resource the module exports, as YAML for kubectl apply -f -', async () => {
    const r = await crdCommand(['spec/crd/gadget.ts']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(docs(r.stdout)).toEqual([crdManifest(Gadget)]);
  });

  it('--export picks exports; -o json prints JSON', async () => {
    const r = await crdCommand(['spec/crd/gadget.ts', '--export', 'Gadget', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(crdManifest(Gadget));
  });

  it.each<readonly [string, readonly string[], number, RegExp]>([
    ['an export that does not exist', ['spec/crd/gadget.ts', '--export', 'Nope'], 1, /export Nope: no such export/],
    ['an export that is not a custom resource', ['spec/crd/gadget.ts', '--export', 'GadgetSpec'], 1, /export GadgetSpec: not a custom resource/],
    ['a module without custom resources', ['spec/helpers/repo.ts'], 1, /exports no custom resource/],
    ['a module that does not exist', ['spec/crd/nothing.ts'], 1, /cannot load spec\/crd\/nothing\.ts/],
    ['a module with a bad definition', ['spec/crd/fixtures/badResource.ts'], 1, /plural: "Widgets" must be a lowercase DNS-1035 label/],
    ['no module', [], 2, /needs a MODULE/],
    ['two modules', ['a.ts', 'b.ts'], 2, /unexpected arguments: b\.ts/],
    ['an unknown output format', ['spec/crd/gadget.ts', '-o', 'xml'], 2, /unknown output format "xml"/],
    ['an unknown option', ['spec/crd/gadget.ts', '--bogus'], 2, /bogus/],
  ])('%s: exit %i and a clear message on stderr', async (_what, args, code, message) => {
    const r = await crdCommand(args);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('--help prints the usage', async () => {
    expect((await crdCommand(['--help'])).stdout).toContain('Usage: kube-rx crd MODULE');
  });

  it('runs as a command: kube-rx crd MODULE > crds.yaml', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', 'crd', 'spec/crd/gadget.ts'], { cwd: root });
    expect(stdout).toBe(renderCrds([Gadget]));
    await expect(run(process.execPath, ['--import', 'tsx', 'lib/cli/main.ts', 'crd'], { cwd: root })).rejects.toMatchObject({ code: 2 });
  });
});
