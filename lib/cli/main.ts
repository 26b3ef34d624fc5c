#!/usr/bin/env node
/**
 * The `kube-rx` command. `kube-rx watch RESOURCE ...` mirrors RESOURCE with an informer and prints
 * one line per informer event (see `kube-rx watch --help`).
 */
import { readFileSync } from 'node:fs';
import { parseArgs, styleText } from 'node:util';

import { KubeConfig } from '@kubernetes/client-node';
import { filter, firstValueFrom, type Subscription, take } from 'rxjs';
import { stringify as stringifyYaml } from 'yaml';

import { sharedIndexInformer } from '../informer/sharedIndexInformer.js';
import { terminalFailure } from '../informer/terminalFailure.js';
import { resolveResource } from '../listwatch/discovery.js';
import { httpListerWatcher } from '../listwatch/httpListerWatcher.js';
import { messageOf } from '../internal/messageOf.js';
import { crdCommand } from './crdCommand.js';
import type { KubeObject } from '../meta/KubeObject.js';
import { columnsFor, padRow } from './columns.js';
import { eventLine, kubectlEventName, problemLine, stderrText, warningLine, type WatchLine } from './formatEvent.js';

const USAGE = `Usage: kube-rx <command> [options]

Commands:
  watch RESOURCE [NAME]   mirror RESOURCE (or one object) with an informer and print one line per event
  crd MODULE              print the CRDs of the custom resources MODULE exports

Options:
  --version        print the version

Run 'kube-rx <command> --help' for a command's options.`;

const WATCH_USAGE = `Usage: kube-rx watch RESOURCE [NAME] [options]

Mirror RESOURCE (as kubectl names it: configmaps, cm, deployments.apps, widgets.v1.example.com)
with an informer and print one line per informer event; with NAME, only that object (a field
selector metadata.name=NAME).

Options:
  -n, --namespace NS        the namespace (default: the context's, else "default")
  -A, --all-namespaces      every namespace
  -l, --selector SELECTOR   label selector, e.g. app=web,tier!=db
      --field-selector F    field selector, e.g. metadata.name=a
      --resync SECONDS      also print a SYNC line per object every SECONDS
      --page-size N         list with paged LISTs of N objects (0: one unpaged LIST) instead of
                            a streaming list (the default where the server serves it)
      --kubeconfig PATH     kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
      --context NAME        kubeconfig context
  -o, --output FORMAT       table (default), wide, json, yaml or ndjson
  -h, --help                this help

The table has kubectl's columns for common kinds (pods, configmaps, secrets, services,
deployments, namespaces, nodes; NAME and AGE otherwise) after the EVENT column that
'kubectl get --watch --output-watch-events' prints (ADDED, MODIFIED, DELETED; SYNC on resync).
-o json and -o yaml print every object in full (YAML documents separated by ---).

With -o ndjson each stdout line is one JSON object:
  {"type":"ADDED"|"UPDATED"|"DELETED"|"SYNC","key":"ns/name","resourceVersion":"...","initial":true|false}
and {"type":"SYNCED","count":N} once the initial list has been delivered. Problems go to stderr as
JSON lines with "type":"ERROR", warnings (TLS verification off) with "type":"WARNING".
SIGINT/SIGTERM close the watch and exit 0.`;

const OUTPUTS = ['table', 'wide', 'json', 'yaml', 'ndjson'] as const;
const isOutput = (o: string): o is (typeof OUTPUTS)[number] => (OUTPUTS as readonly string[]).includes(o);

/** Column widths while rows stream in (a watch cannot measure rows it has not seen yet). */
const columnWidth = (header: string): number => (header === 'NAME' ? 40 : header === 'NAMESPACE' ? 20 : Math.max(header.length, 8));

/** The version in the package.json next to lib/ (sources) or dist/ (the installed package). */
const packageVersion = (): string => {
  const parsed: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return typeof parsed === 'object' && parsed !== null && 'version' in parsed ? String(parsed.version) : 'unknown';
};

/** A usage error: one clear line on stderr and exit code 2. */
class UsageError extends Error {}

const fail = (message: string, code: number): never => {
  process.stderr.write(`kube-rx: ${message}\n`);
  process.exit(code);
};

/**
 * The first line of an error's message only: YAML errors quote the lines around the mistake,
 * and in a kubeconfig those may hold a token or a key.
 */
const firstLine = (e: unknown): string => messageOf(e).split('\n', 1)[0] ?? '';

/** The message of an Error or of a typed error value (a `KubeApiError` is a plain object). */
const errorMessage = (e: unknown): string =>
  typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : messageOf(e);

/**
 * Prints every process warning (kube-rx's `KUBE_RX_INSECURE_TLS` when the kubeconfig turns TLS
 * verification off, among them) as one kube-rx stderr line instead of Node's default format.
 */
const reportWarnings = (ndjson: boolean): void => {
  process.removeAllListeners('warning');
  process.on('warning', (w: Error) => {
    const line = warningLine(w);
    process.stderr.write(`${ndjson ? JSON.stringify(line) : stderrText(line)}\n`);
  });
};

const watch = async (args: readonly string[]): Promise<void> => {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A', default: false },
      selector: { type: 'string', short: 'l' },
      'field-selector': { type: 'string' },
      resync: { type: 'string' },
      'page-size': { type: 'string' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      output: { type: 'string', short: 'o', default: 'table' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${WATCH_USAGE}\n`);
    return;
  }
  const [resourceName, objectName, ...extra] = positionals;
  if (resourceName === undefined) throw new UsageError('watch needs a RESOURCE (see kube-rx watch --help)');
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const output = values.output;
  if (!isOutput(output)) throw new UsageError(`unknown output format "${output}" (${OUTPUTS.join(', ')})`);
  // one named object: kubectl's `get KIND NAME --watch` is a field selector on the name
  const fieldSelector = [values['field-selector'], objectName === undefined ? undefined : `metadata.name=${objectName}`]
    .filter((f) => f !== undefined && f !== '')
    .join(',');
  if (values['all-namespaces'] && values.namespace !== undefined) throw new UsageError('use either -n or -A, not both');
  const resyncSeconds = values.resync === undefined ? 0 : Number(values.resync);
  if (!(resyncSeconds >= 0)) throw new UsageError(`--resync takes a number of seconds, got "${values.resync ?? ''}"`);
  const pageSize = values['page-size'] === undefined ? undefined : Number(values['page-size']);
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize >= 0)) {
    throw new UsageError(`--page-size takes a whole number, got "${values['page-size'] ?? ''}"`);
  }
  const ndjson = output === 'ndjson';
  reportWarnings(ndjson);

  const kubeConfig = new KubeConfig();
  try {
    if (values.kubeconfig === undefined) kubeConfig.loadFromDefault();
    else kubeConfig.loadFromFile(values.kubeconfig);
    if (values.context !== undefined) kubeConfig.setCurrentContext(values.context);
  } catch (e: unknown) {
    fail(`cannot load the kubeconfig: ${firstLine(e)}`, 1);
  }
  if (values.context !== undefined && kubeConfig.getContextObject(values.context) === null) {
    const known = kubeConfig.getContexts().map((c) => c.name);
    fail(`context "${values.context}" does not exist in the kubeconfig (contexts: ${known.length === 0 ? 'none' : known.join(', ')})`, 1);
  }
  const writeErr = (line: WatchLine): void => {
    process.stderr.write(`${ndjson ? JSON.stringify(line) : stderrText(line)}\n`);
  };

  const resource = await firstValueFrom(resolveResource(kubeConfig, resourceName)).catch((e: unknown) => {
    const message = errorMessage(e);
    if (ndjson) writeErr({ type: 'ERROR', error: 'ResolveError', message });
    return fail(`cannot resolve "${resourceName}": ${message}`, 1);
  });
  const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  const namespace = values['all-namespaces'] || !resource.namespaced ? undefined : (values.namespace ?? contextNamespace ?? 'default');
  const informer = sharedIndexInformer(
    httpListerWatcher({
      kubeConfig,
      resource,
      ...(namespace === undefined ? {} : { namespace }),
      ...(values.selector === undefined ? {} : { labelSelector: values.selector }),
      ...(fieldSelector === '' ? {} : { fieldSelector }),
    }),
    // as kubectl does, give up on answers retrying cannot fix (401, 403, 400, 404 before the sync)
    // --page-size asks for paged LISTs; without it, a streaming list where the server serves one
    { failFast: true, ...(pageSize === undefined ? {} : { pageSize, initialList: 'list' as const }) },
  );

  const tabular = output === 'table' || output === 'wide';
  const colour = process.stdout.isTTY && tabular;
  const paint = { ADDED: 'green', MODIFIED: 'yellow', DELETED: 'red', SYNC: 'gray' } as const;
  const columns = columnsFor(resource.kind, { wide: output === 'wide', allNamespaces: resource.namespaced && namespace === undefined });
  const widths = [8, ...columns.map((c) => columnWidth(c.header))];
  let documents = 0;
  const print = (line: WatchLine, object?: KubeObject): void => {
    if (ndjson) {
      process.stdout.write(`${JSON.stringify(line)}\n`);
    } else if (line.type === 'SYNCED') {
      process.stderr.write(`synced: ${line.count} ${resource.plural}\n`);
    } else if (line.type !== 'ERROR' && line.type !== 'WARNING' && object !== undefined) {
      if (output === 'json') process.stdout.write(`${JSON.stringify(object, null, 4)}\n`);
      else if (output === 'yaml') process.stdout.write(`${documents++ === 0 ? '' : '---\n'}${stringifyYaml(object)}`);
      else {
        const event = kubectlEventName(line.type);
        const row = padRow([event, ...columns.map((c) => c.cell(object, Date.now()))], widths);
        process.stdout.write(`${colour ? styleText(paint[event], row) : row}\n`);
      }
    }
  };

  if (tabular) {
    const header = padRow(['EVENT', ...columns.map((c) => c.header)], widths);
    process.stdout.write(`${colour ? styleText('bold', header) : header}\n`);
  }
  const subs: Subscription[] = [
    informer.problems$.subscribe((p) => {
      // a terminal failure ends the command with its own line (below)
      if (p._tag === 'ReflectorError' && terminalFailure(p.error, informer.hasSynced()) !== undefined) return;
      writeErr(problemLine(p));
    }),
    informer.observe({ resyncPeriodMs: resyncSeconds * 1000 }).subscribe({
      next: (e) => {
        print(eventLine(e), e.object);
      },
      error: (e: unknown) => {
        const message = errorMessage(e);
        if (ndjson) writeErr({ type: 'ERROR', error: typeof e === 'object' && e !== null && '_tag' in e ? String(e._tag) : 'Error', message });
        fail(message, 1);
      },
    }),
    informer.synced$.pipe(filter(Boolean), take(1)).subscribe(() => {
      print({ type: 'SYNCED', count: informer.store.size });
    }),
  ];
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      resolve();
    });
    process.once('SIGTERM', () => {
      resolve();
    });
  });
  // close the watch (unsubscribing aborts the request), then exit 0 even if an idle keep-alive
  // socket of the kubeconfig's agent is still open
  for (const s of subs) s.unsubscribe();
  process.exit(0);
};

const main = async (argv: readonly string[]): Promise<void> => {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    if (command === undefined) process.exitCode = 2;
    return;
  }
  if (command === 'crd') {
    const result = await crdCommand(rest);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.exitCode = result.code;
    return;
  }
  if (command === '--version' || command === 'version') {
    process.stdout.write(`kube-rx ${packageVersion()}\n`);
    return;
  }
  if (command !== 'watch') throw new UsageError(`unknown command "${command}" (see kube-rx --help)`);
  await watch(rest);
};

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) fail(e.message, 2);
  // parseArgs reports unknown options and missing values as TypeErrors with a clear message
  if (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS')) fail(e.message, 2);
  fail(messageOf(e), 1);
});
