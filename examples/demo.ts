/**
 * The kube-rx demo: an informer over real HTTP, mirroring ConfigMaps of the embedded API server
 * (kube-rx/testing) while the demo keeps creating, changing and deleting them, printed live.
 * Ctrl-C exits.
 *
 *   npm start                          run until Ctrl-C
 *   npm start -- --ticks 20 --period 50  stop after 20 changes (used by tests)
 */
import { parseArgs, styleText } from 'node:util';

import { KubeConfig } from '@kubernetes/client-node';
import { defer, filter, firstValueFrom, interval, of, take } from 'rxjs';

import { type ApiResource, httpListerWatcher, type ResourceEvent, sharedIndexInformer } from 'kube-rx';
import { configMap, startApiServer, type TestConfigMap } from 'kube-rx/testing';

const { values } = parseArgs({ options: { ticks: { type: 'string' }, period: { type: 'string', default: '700' } } });
const ticks = values.ticks === undefined ? Number.POSITIVE_INFINITY : Number(values.ticks);
const periodMs = Number(values.period);

// --- the cluster: the embedded API server on loopback (TLS, token auth), seeded -------------
const server = await startApiServer();
for (const name of ['alpha', 'beta', 'gamma']) server.create('configmaps', configMap(name, '', 'demo', { n: '0' }));
let seed = 7;
const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
let created = 0;
const change = (): void => {
  const existing = server.list('configmaps', 'demo');
  const pick = existing[random(Math.max(existing.length, 1))]?.metadata.name;
  const roll = random(10);
  if (pick === undefined || roll < 2) {
    server.create('configmaps', configMap(`cm-${++created}`, '', 'demo', { n: '0' }));
  } else if (roll < 4 && existing.length > 2) {
    server.delete('configmaps', 'demo', pick);
  } else {
    const n = Number((server.get('configmaps', 'demo', pick) as TestConfigMap | undefined)?.data?.['n'] ?? '0');
    server.patch('configmaps', 'demo', pick, { data: { n: String(n + 1) } });
  }
};

// --- the informer, over HTTP, piped like any Observable -------------------------------------
const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions(server.kubeConfigOptions());
const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const informer = sharedIndexInformer(httpListerWatcher<TestConfigMap>({ kubeConfig, resource: configMaps, namespace: 'demo' }), {
  defaultResyncPeriodMs: 10_000,
});

const colour = { Added: 'green', Updated: 'yellow', Deleted: 'red', Sync: 'gray' } as const;
const line = (e: ResourceEvent<TestConfigMap>): string => {
  const tag = styleText(colour[e._tag], e._tag.padEnd(8));
  const detail =
    e._tag === 'Updated'
      ? `n ${e.old.data?.['n'] ?? '-'} -> ${e.object.data?.['n'] ?? '-'} (rv ${e.object.metadata.resourceVersion ?? ''})`
      : `rv ${e.object.metadata.resourceVersion ?? ''}${e.initial ? ' (initial list)' : ''}`;
  return `${tag} ${e.key.padEnd(16)} ${detail}`;
};

console.log(styleText('bold', `embedded API server at ${server.url}`));
const statusSub = informer.status$.subscribe((s) => {
  console.log(styleText('cyan', `[status] ${s._tag}`));
});
const eventsSub = informer.events$.subscribe((e) => {
  console.log(line(e));
});
await firstValueFrom(informer.synced$.pipe(filter(Boolean)));
console.log(styleText('bold', `synced: ${informer.store.size} objects`));

const stop = (): void => {
  churn.unsubscribe();
  console.log(styleText('bold', `stopping with ${informer.store.size} objects cached`));
  eventsSub.unsubscribe();
  statusSub.unsubscribe();
  void server.close();
};
// the watch delivers asynchronously: stop once the informer has seen the last change
const churn = interval(periodMs)
  .pipe(take(ticks))
  .subscribe({
    next: change,
    complete: () => {
      const rv = server.resourceVersion();
      const seen$ = defer(() =>
        informer.lastSyncResourceVersion() === rv ? of(true) : informer.events$.pipe(filter((e) => e.object.metadata.resourceVersion === rv)),
      );
      void firstValueFrom(seen$).then(stop);
    },
  });
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
