/**
 * `kube-rx crd MODULE [--export NAME]... [-o yaml|json]`: prints the CRDs of the custom resources
 * a module exports, for `kubectl apply -f -`. The logic of the command, apart from the CLI's
 * entry point (which only writes the result out).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { customResourcesIn, renderCrds } from '../crd/renderCrds.js';
import { messageOf } from '../internal/messageOf.js';

/** What a command prints and its exit code (0 done, 1 failed, 2 usage). */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export const CRD_USAGE = `Usage: kube-rx crd MODULE [options]

Print the CustomResourceDefinitions of the custom resources (made with customResource(...)) that
MODULE exports, one YAML document each, for 'kubectl apply -f -'. A TypeScript MODULE is loaded
through tsx (a devDependency of most projects).

Options:
      --export NAME     only this export (repeatable); default: every custom resource exported
  -o, --output FORMAT   yaml (default) or json (a List when there are several)
  -h, --help            this help`;

const usage = (message: string): CommandResult => ({ code: 2, stdout: '', stderr: `kube-rx: ${message}\n` });

const isTypeScript = (path: string): boolean => /\.[cm]?tsx?$/.test(path);

/** Imports MODULE; a TypeScript one through tsx's ESM loader when Node cannot load it itself. */
const load = async (path: string): Promise<Readonly<Record<string, unknown>>> => {
  const url = pathToFileURL(resolve(path)).href;
  try {
    return (await import(url)) as Readonly<Record<string, unknown>>;
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
    if (!isTypeScript(path) || code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw e;
    const tsx = (await import('tsx/esm/api').catch(() => {
      throw new Error(`${path} is TypeScript: install tsx (npm i -D tsx) or run kube-rx through 'node --import tsx'`);
    })) as { readonly register: () => unknown };
    tsx.register();
    return (await import(url)) as Readonly<Record<string, unknown>>;
  }
};

/**
 * Runs `kube-rx crd` with `args` (what follows `crd` on the command line).
 *
 * @example
 * ```ts
 * import { crdCommand } from './crdCommand.js';
 * const { code, stdout } = await crdCommand(['examples/widgetController.ts', '-o', 'json']);
 * ```
 */
export const crdCommand = async (args: readonly string[]): Promise<CommandResult> => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        export: { type: 'string', multiple: true },
        output: { type: 'string', short: 'o', default: 'yaml' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    return usage(messageOf(e));
  }
  const { values, positionals } = parsed;
  if (values.help) return { code: 0, stdout: `${CRD_USAGE}\n`, stderr: '' };
  const [module, ...extra] = positionals;
  if (module === undefined) return usage('crd needs a MODULE (see kube-rx crd --help)');
  if (extra.length > 0) return usage(`unexpected arguments: ${extra.join(' ')}`);
  const output = values.output;
  if (output !== 'yaml' && output !== 'json') return usage(`unknown output format "${output}" (yaml or json)`);
  let exports: Readonly<Record<string, unknown>>;
  try {
    exports = await load(module);
  } catch (e) {
    // a CustomResourceError (a bad definition) lands here too, with every problem in its message
    return { code: 1, stdout: '', stderr: `kube-rx: cannot load ${module}: ${messageOf(e)}\n` };
  }
  const found = customResourcesIn(exports, values.export ?? []);
  if (found._tag === 'Left') {
    return { code: 1, stdout: '', stderr: found.left.map((p) => `kube-rx: ${module}: export ${p.path}: ${p.message}\n`).join('') };
  }
  return { code: 0, stdout: renderCrds(found.right, output), stderr: '' };
};
