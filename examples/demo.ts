/**
 * The kube-rx demo: a controller at work, printed live. The informers mirror ConfigMaps and
 * Secrets, and the ConfigMap→Secret controller (examples/configMapToSecret.ts) keeps a Secret for
 * every ConfigMap labelled kube-rx.io/secret=true. You see the informer events, the work queue
 * (keys started, requeued) and the reconciles.
 *
 * By default it starts the embedded API server (kube-rx/testing), whatever $KUBECONFIG says, and
 * keeps creating, changing and deleting ConfigMaps there. Only an explicit --kubeconfig PATH runs
 * it against a real cluster: it prints the context, server and namespace first, then only watches
 * (label a ConfigMap there to see it reconciled), and its controller writes Secrets in that
 * namespace. Ctrl-C exits.
 *
 * Each change shows two reconciles of its key: the first writes the Secret; the Secret's own
 * event (a `secret` line: Secrets are a trigger of their owner, so that a Secret edited or deleted
 * by hand is repaired) queues the ConfigMap once more, and that second reconcile finds the Secret
 * up to date and writes nothing.
 *
 *   npm start                              embedded API server, until Ctrl-C
 *   npm start -- --kubeconfig ~/.kube/config [--context NAME] --namespace default
 *   npm start -- --ticks 20 --period 50    stop after 20 changes (used by tests)
 */
import { parseArgs, styleText } from 'node:util';

import { KubeConfig } from '@kubernetes/client-node';
import { filter, firstValueFrom, interval, Subject, take } from 'rxjs';

import { controllerManager, type ManagerEvent, ownerKeys, type ResourceEvent } from 'kube-rx';
import { configMap, type EmbeddedApiServer, startApiServer } from 'kube-rx/testing';

import { type ConfigMap, ConfigMapCodec, configMapToSecret, MANAGER, type Secret, SECRET_LABEL, SecretCodec } from './configMapToSecret.js';

const { values } = parseArgs({
  options: {
    ticks: { type: 'string' },
    period: { type: 'string', default: '700' },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    namespace: { type: 'string' },
  },
});
const ticks = values.ticks === undefined ? Number.POSITIVE_INFINITY : Number(values.ticks);
const periodMs = Number(values.period);
// never $KUBECONFIG: a demo that writes must not wander into the cluster of the user's shell
const kubeconfigPath = values.kubeconfig;

// --- the cluster: a real one, or the embedded API server (HTTPS on loopback, token auth) ------
const kubeConfig = new KubeConfig();
let server: EmbeddedApiServer | undefined;
if (kubeconfigPath === undefined) {
  server = await startApiServer();
  kubeConfig.loadFromOptions(server.kubeConfigOptions());
  console.log(styleText('bold', `embedded API server at ${server.url}`));
} else {
  kubeConfig.loadFromFile(kubeconfigPath);
  if (values.context !== undefined) kubeConfig.setCurrentContext(values.context);
}
const namespace = values.namespace ?? (server === undefined ? 'default' : 'demo');
if (server === undefined) {
  const context = kubeConfig.getCurrentContext();
  if (kubeConfig.getContextObject(context) === null) {
    process.stderr.write(`demo: no context "${context}" in ${kubeconfigPath ?? ''}\n`);
    process.exit(1);
  }
  console.log(styleText('bold', `cluster: context ${context}, server ${kubeConfig.getCurrentCluster()?.server ?? '?'}`));
  console.log(styleText('bold', `the controller writes Secrets in namespace ${namespace} (for ConfigMaps labelled ${SECRET_LABEL}=true)`));
}
const labels = { [SECRET_LABEL]: 'true' };
if (server !== undefined) {
  for (const name of ['alpha', 'beta', 'gamma']) server.create('configmaps', configMap(name, '', namespace, { n: '0' }, labels));
}

// --- the controller, wired declaratively ------------------------------------------------------
const mgr = controllerManager({ kubeConfig });
const cms = mgr.select('configmaps', { resource: 'configmaps', namespace, labelSelector: `${SECRET_LABEL}=true`, codec: ConfigMapCodec });
const secrets = mgr.select('secrets', { resource: 'secrets', namespace, codec: SecretCodec });
mgr.controller({
  name: 'configmap-to-secret',
  fieldManager: MANAGER,
  for: cms,
  triggers: [{ selector: secrets, keys: ownerKeys({ kind: 'ConfigMap', group: '' }) }],
  reconcile: configMapToSecret({
    configMaps: mgr.informer(cms).store,
    secrets: mgr.informer(secrets).store,
  }),
});

const colour = { Added: 'green', Updated: 'yellow', Deleted: 'red', Sync: 'gray' } as const;
const informerLine = (e: ResourceEvent<ConfigMap>): string => {
  const detail =
    e._tag === 'Updated'
      ? `n ${e.old.data?.['n'] ?? '-'} -> ${e.object.data?.['n'] ?? '-'} (rv ${e.object.metadata.resourceVersion ?? ''})`
      : `rv ${e.object.metadata.resourceVersion ?? ''}${e.initial ? ' (initial list)' : ''}`;
  return `${styleText('cyan', 'informer ')} ${styleText(colour[e._tag], e._tag.padEnd(9))} ${e.key.padEnd(16)} ${detail}`;
};
const managerLine = (e: ManagerEvent): string | undefined => {
  if (e._tag === 'Status') return e.status._tag === 'Stopped' ? undefined : styleText('gray', `status    ${e.selector}: ${e.status._tag}`);
  if (e._tag === 'Problem') return styleText('red', `problem   ${e.selector}: ${e.problem._tag}`);
  if (e._tag === 'ObserverFailed') return styleText('red', `observer  ${e.observer} failed: ${String(e.error)}`);
  if (e._tag === 'ReadYourWrites') return styleText('yellow', `writes    ${e.controller}: ${e.event._tag} ${e.event.key}`);
  const r = e.event;
  switch (r._tag) {
    case 'Started':
      return `${styleText('magenta', 'queue    ')} Started   ${r.key.padEnd(16)} attempt ${r.attempt}`;
    case 'Succeeded':
      return `${styleText('blue', 'reconcile')} ${r.result._tag.padEnd(9)} ${r.key.padEnd(16)} ${r.durationMs} ms`;
    case 'Failed':
      return `${styleText('red', 'reconcile')} Failed    ${r.key.padEnd(16)} retry in ${r.retryInMs} ms: ${String(r.error)}`;
    case 'Requeued':
      return `${styleText('magenta', 'queue    ')} Requeued  ${r.key.padEnd(16)} in ${r.delayMs} ms (${r.reason})`;
    case 'Aborted':
      return `${styleText('red', 'queue    ')} Aborted   ${r.key}`;
  }
};
const secretLine = (e: ResourceEvent<Secret>): string =>
  `${styleText('cyan', 'secret   ')} ${styleText(colour[e._tag], e._tag.padEnd(9))} ${e.key.padEnd(16)} ${
    e.initial ? '(initial list)' : '(a trigger: queues its ConfigMap once more; after our own write that reconcile writes nothing)'
  }`;
mgr.observe(cms, (events$) => events$.pipe(filter((e) => (console.log(informerLine(e)), true))), { name: 'printer' });
mgr.observe(secrets, (events$) => events$.pipe(filter((e) => (console.log(secretLine(e)), true))), { name: 'secret-printer' });

// --- run, and (embedded server) keep changing things --------------------------------------------
const stop$ = new Subject<void>();
const informer = mgr.informer(cms);
const finished = new Promise<void>((resolve, reject) => {
  mgr.run({ shutdown$: stop$ }).subscribe({
    next: (e) => {
      const line = managerLine(e);
      if (line !== undefined) console.log(line);
    },
    error: reject,
    complete: resolve,
  });
});
await firstValueFrom(informer.synced$.pipe(filter(Boolean)));
console.log(styleText('bold', `synced: ${informer.store.size} objects`));

let seed = 7;
const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
let created = 0;
const change = (api: EmbeddedApiServer): void => {
  const existing = api.list('configmaps', namespace);
  const pick = existing[random(Math.max(existing.length, 1))]?.metadata.name;
  const roll = random(10);
  if (pick === undefined || roll < 2) {
    api.create('configmaps', configMap(`cm-${++created}`, '', namespace, { n: '0' }, labels));
  } else if (roll < 4 && existing.length > 2) {
    api.delete('configmaps', namespace, pick);
  } else {
    const n = Number((api.get('configmaps', namespace, pick) as ConfigMap | undefined)?.data?.['n'] ?? '0');
    api.patch('configmaps', namespace, pick, { data: { n: String(n + 1) } });
  }
};

const stop = (): void => {
  churn?.unsubscribe();
  stop$.next();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
const churn =
  server === undefined
    ? undefined
    : interval(periodMs)
        .pipe(take(ticks))
        .subscribe({
          next: () => {
            change(server);
          },
          complete: () => {
            // stop once the controller has caught up: every ConfigMap has its Secret, no other
            const converged = (): boolean => {
              const names = (resource: string): string =>
                server
                  .list(resource, namespace)
                  .map((o) => o.metadata.name)
                  .sort()
                  .join();
              return names('configmaps') === names('secrets');
            };
            void firstValueFrom(interval(20).pipe(filter(converged))).then(stop);
          },
        });

await finished;
const secretCount = server?.list('secrets', namespace).length;
console.log(styleText('bold', `stopped${secretCount === undefined ? '' : `: ${secretCount} secrets kept for ${server?.list('configmaps', namespace).length ?? 0} configmaps`}`));
await server?.close();
process.exit(0);
