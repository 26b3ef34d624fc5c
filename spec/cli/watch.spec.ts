import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import { configMap } from '../../lib/testing/builders.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { until } from '../helpers/until.js';
import { root, run } from '../helpers/repo.js';
import { type LinesChild, spawnTs } from '../helpers/spawnLines.js';

const cliArgs = ['--import', 'tsx', 'lib/cli/main.ts'];

/** The CLI as a child process, its stdout/stderr collected line by line. */
const startCli = (args: readonly string[]): LinesChild => spawnTs('lib/cli/main.ts', args);

describe('kube-rx watch', () => {
  let server: EmbeddedApiServer;
  let dir: string;
  let kubeconfig: string;
  const children: ChildProcessWithoutNullStreams[] = [];
  beforeEach(async () => {
    server = await startApiServer();
    dir = mkdtempSync(join(tmpdir(), 'kube-rx-cli-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, server.kubeConfigYaml());
  });
  afterEach(async () => {
    for (const c of children) c.kill('SIGKILL');
    children.length = 0;
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('-o ndjson prints the initial list, SYNCED, then live events, and exits 0 on SIGTERM', async () => {
    server.create('configmaps', configMap('a', ''));
    server.create('configmaps', configMap('b', '', 'other'));
    const cli = startCli(['watch', 'cm', '-A', '-o', 'ndjson', '--kubeconfig', kubeconfig]);
    children.push(cli.child);
    await until(() => cli.out.some((l) => l.includes('"SYNCED"')), 30_000);
    const initial = cli.out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(initial.slice(0, 2).map((l) => l['key']).sort()).toEqual(['default/a', 'other/b']);
    expect(initial.slice(0, 2).every((l) => l['type'] === 'ADDED' && l['initial'] === true)).toBe(true);
    expect(initial[2]).toEqual({ type: 'SYNCED', count: 2 });

    const a = server.patch('configmaps', 'default', 'a', { data: { k: 'v' } });
    server.delete('configmaps', 'other', 'b');
    await until(() => cli.out.length >= 5, 30_000);
    expect(cli.out.slice(3).map((l) => JSON.parse(l) as unknown)).toEqual([
      { type: 'UPDATED', key: 'default/a', resourceVersion: a.metadata.resourceVersion, initial: false },
      { type: 'DELETED', key: 'other/b', resourceVersion: expect.any(String) as unknown, initial: false },
    ]);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    await until(() => server.activeWatches() === 0);
    expect(cli.err).toEqual([]);
  });

  it('defaults to the namespace "default", honours -l, and prints a table', async () => {
    server.create('configmaps', configMap('web', '', 'default', undefined, { app: 'web' }));
    server.create('configmaps', configMap('db', '', 'default', undefined, { app: 'db' }));
    server.create('configmaps', configMap('elsewhere', '', 'other', undefined, { app: 'web' }));
    const cli = startCli(['watch', 'configmaps', '-l', 'app=web', '--kubeconfig', kubeconfig]);
    children.push(cli.child);
    await until(() => cli.err.some((l) => l.startsWith('synced:')), 30_000);
    expect(cli.out[0]).toMatch(/^EVENT\s+NAME\s+DATA\s+AGE$/);
    expect(cli.out.slice(1).filter((l) => l !== '')).toEqual([expect.stringMatching(/^ADDED\s+web\s+0\s+\d+s$/)]);
    expect(cli.err).toEqual(['synced: 1 configmaps']);
    server.patch('configmaps', 'default', 'web', { data: { k: 'v' } });
    await until(() => cli.out.length >= 3, 30_000);
    // kubectl get --watch --output-watch-events names an update MODIFIED
    expect(cli.out[2]).toMatch(/^MODIFIED\s+web\s+1\s+\d+s$/);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });

  it('-A adds a NAMESPACE column; other kinds get NAME and AGE; -o wide adds kubectl’s wide columns', async () => {
    server.create('configmaps', configMap('a', '', 'other'));
    const all = startCli(['watch', 'cm', '-A', '--kubeconfig', kubeconfig]);
    children.push(all.child);
    await until(() => all.err.some((l) => l.startsWith('synced:')), 30_000);
    expect(all.out[0]).toMatch(/^EVENT\s+NAMESPACE\s+NAME\s+DATA\s+AGE$/);
    expect(all.out[1]).toMatch(/^ADDED\s+other\s+a\s+0\s+\d+s$/);
    const leases = startCli(['watch', 'leases.coordination.k8s.io', '-o', 'wide', '--kubeconfig', kubeconfig]);
    children.push(leases.child);
    await until(() => leases.err.some((l) => l.startsWith('synced:')), 30_000);
    expect(leases.out[0]).toMatch(/^EVENT\s+NAME\s+AGE$/);
  });

  it('-o json and -o yaml print the full objects; NAME watches one object', async () => {
    server.create('configmaps', configMap('one', '', 'default', { colour: 'red' }));
    server.create('configmaps', configMap('two', '', 'default', { colour: 'blue' }));
    const json = startCli(['watch', 'cm', 'one', '-o', 'json', '--kubeconfig', kubeconfig]);
    children.push(json.child);
    await until(() => json.err.some((l) => l.startsWith('synced:')), 30_000);
    const object = JSON.parse(json.out.join('\n')) as { metadata: { name: string; uid: string }; data: unknown };
    expect(object).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'one' }, data: { colour: 'red' } });
    expect(object.metadata.uid).toEqual(expect.any(String));
    // the streaming-list WATCH (initialList 'auto') carries the field selector
    expect(server.requests.find((r) => r.verb === 'watch')?.query['fieldSelector']).toBe('metadata.name=one');
    const yaml = startCli(['watch', 'cm', '-o', 'yaml', '--kubeconfig', kubeconfig]);
    children.push(yaml.child);
    await until(() => yaml.err.some((l) => l.startsWith('synced:')), 30_000);
    const docs = parseAllDocuments(yaml.out.join('\n')).map((d) => d.toJS() as { metadata: { name: string }; data: unknown });
    expect(docs.map((d) => [d.metadata.name, d.data]).sort()).toEqual([
      ['one', { colour: 'red' }],
      ['two', { colour: 'blue' }],
    ]);
  });

  it('--version prints the package version; an unknown --context is one clear error', async () => {
    const version = await run(process.execPath, [...cliArgs, '--version'], { cwd: root });
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout).toBe(`kube-rx ${pkg.version}\n`);
    const failed = await run(process.execPath, [...cliArgs, 'watch', 'cm', '--context', 'nope', '--kubeconfig', kubeconfig], { cwd: root }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/^kube-rx: context "nope" does not exist in the kubeconfig \(contexts: .+\)\n$/) as unknown });
  });

  it('reports problems on stderr as ERROR lines and keeps going', async () => {
    const cli = startCli(['watch', 'configmaps', '-o', 'ndjson', '--kubeconfig', kubeconfig]);
    children.push(cli.child);
    await until(() => cli.out.some((l) => l.includes('"SYNCED"')), 30_000);
    await until(() => server.activeWatches() === 1);
    server.faults.garbageLine();
    server.create('configmaps', configMap('after', ''));
    await until(() => cli.out.some((l) => l.includes('default/after')), 30_000);
    expect(cli.err.map((l) => (JSON.parse(l) as { type: string; error: string }).error)).toEqual(['DecodeFailure']);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('fails with one clear line and a non-zero exit on bad input', async () => {
    await expect(run(process.execPath, [...cliArgs, 'watch', 'nosuchthings', '--kubeconfig', kubeconfig], { cwd: root })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^kube-rx: cannot resolve "nosuchthings": .+\n$/) as unknown,
    });
    await expect(run(process.execPath, [...cliArgs, 'watch', 'cm', '--bogus'], { cwd: root })).rejects.toMatchObject({ code: 2 });
    await expect(run(process.execPath, [...cliArgs, 'watch', 'cm', '-o', 'xml'], { cwd: root })).rejects.toMatchObject({
      code: 2,
      stderr: 'kube-rx: unknown output format "xml" (table, wide, json, yaml, ndjson)\n',
    });
    await expect(run(process.execPath, [...cliArgs, 'frobnicate'], { cwd: root })).rejects.toMatchObject({ code: 2 });
  });

  it('exits 1 with the server’s message on answers retrying cannot fix (bad selectors), as kubectl does', async () => {
    const badSelector = await run(process.execPath, [...cliArgs, 'watch', 'cm', '-l', 'app in (web', '--kubeconfig', kubeconfig], { cwd: root }).catch((e: unknown) => e);
    expect(badSelector).toMatchObject({ code: 1, stderr: expect.stringMatching(/^kube-rx: watch configmaps in namespace "default": BadRequest: .+\n$/) as unknown });
    const badField = await run(process.execPath, [...cliArgs, 'watch', 'cm', '-o', 'ndjson', '--field-selector', 'spec.nope=1', '--kubeconfig', kubeconfig], { cwd: root }).catch((e: unknown) => e);
    expect(badField).toMatchObject({ code: 1 });
    expect((badField as { stderr: string }).stderr).toMatch(/^\{"type":"ERROR","error":"HttpError","message":"watch configmaps in namespace \\"default\\": BadRequest: [^\n]+\n[^\n]+\n$/);
  });

  describe('security', () => {
    /** The kubeconfig file of `server`, edited (it is JSON, which every YAML reader accepts). */
    const writeKubeconfig = (edit: (config: { clusters: Array<{ cluster: Record<string, unknown> }> }) => void): string => {
      const config = JSON.parse(server.kubeConfigYaml()) as { clusters: Array<{ cluster: Record<string, unknown> }> };
      edit(config);
      const path = join(dir, 'edited-kubeconfig');
      writeFileSync(path, JSON.stringify(config));
      return path;
    };
    const insecure = (config: { clusters: Array<{ cluster: Record<string, unknown> }> }): void => {
      for (const c of config.clusters) {
        delete c.cluster['certificate-authority-data'];
        c.cluster['insecure-skip-tls-verify'] = true;
      }
    };

    it('insecure-skip-tls-verify: one warning line on stderr, then it works (with --page-size)', async () => {
      server.create('configmaps', configMap('a', ''));
      server.create('configmaps', configMap('b', ''));
      const cli = startCli(['watch', 'cm', '--page-size', '1', '--kubeconfig', writeKubeconfig(insecure)]);
      children.push(cli.child);
      await until(() => cli.err.some((l) => l.startsWith('synced:')), 30_000);
      expect(cli.err).toEqual([
        expect.stringMatching(new RegExp(`^kube-rx: warning: TLS certificate verification is OFF for ${server.url} \\(the kubeconfig sets insecure-skip-tls-verify: true\\)`)),
        'synced: 2 configmaps',
      ]);
      expect(server.requests.filter((r) => r.verb === 'list').map((r) => r.query['limit'])).toEqual(['1', '1']);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    });

    it('-o ndjson: the warning is a WARNING line with its code', async () => {
      const cli = startCli(['watch', 'cm', '-o', 'ndjson', '--kubeconfig', writeKubeconfig(insecure)]);
      children.push(cli.child);
      await until(() => cli.out.some((l) => l.includes('"SYNCED"')), 30_000);
      expect(cli.err.map((l) => JSON.parse(l) as unknown)).toEqual([
        { type: 'WARNING', code: 'KUBE_RX_INSECURE_TLS', message: expect.stringContaining(`verification is OFF for ${server.url}`) as unknown },
      ]);
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    });

    it('a kubeconfig with a YAML error next to the token: one line, without the token', async () => {
      const path = join(dir, 'broken-kubeconfig');
      writeFileSync(path, 'apiVersion: v1\nusers:\n- name: u\n  user:\n    token: cli-secret-token-7f3a9c2e\n   oops: [\n');
      const failed = await run(process.execPath, [...cliArgs, 'watch', 'cm', '--kubeconfig', path], { cwd: root }).catch((e: unknown) => e);
      expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/^kube-rx: cannot load the kubeconfig: bad indentation[^\n]*\n$/) as unknown });
      expect(JSON.stringify(failed)).not.toContain('cli-secret-token-7f3a9c2e');
    });

    it('a forbidden token: a clear Forbidden line, without the token', async () => {
      await server.close();
      server = await startApiServer({ tokens: { 'cli-forbidden-token-2b8d4f6a': 'forbidden' } });
      writeFileSync(kubeconfig, server.kubeConfigYaml('cli-forbidden-token-2b8d4f6a'));
      const failed = await run(process.execPath, [...cliArgs, 'watch', 'cm', '--kubeconfig', kubeconfig], { cwd: root }).catch((e: unknown) => e);
      expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/^kube-rx: cannot resolve "cm": discovery \/api[^:]*: Forbidden: /) as unknown });
      expect(JSON.stringify(failed)).not.toContain('cli-forbidden-token-2b8d4f6a');
    });
  });

  it('prints help for the command and for watch', async () => {
    const top = await run(process.execPath, [...cliArgs, '--help'], { cwd: root });
    expect(top.stdout).toMatch(/^Usage: kube-rx <command>/);
    const help = await run(process.execPath, [...cliArgs, 'watch', '--help'], { cwd: root });
    expect(help.stdout).toMatch(/^Usage: kube-rx watch RESOURCE/);
    expect(help.stdout).toContain('-o, --output FORMAT');
  });
});
