/**
 * A process running many informers (spec/kube/manyInformers.kube.spec.ts): one per resource ×
 * namespace given, all against the kubeconfig's server. On stdin line `report` it prints one JSON
 * line: per informer its events, lists (a relist after 410 coalesces what it missed), problems and store (`name@resourceVersion`), and for the process the heap
 * after GC, RSS, CPU time since the informers started, and the sockets it has open (client side).
 * Run with `node --expose-gc --import tsx`. Flags: --kubeconfig PATH --resources a,b --namespaces x,y
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

import { KubeConfig } from '@kubernetes/client-node';

import { configMaps, endpoints, httpListerWatcher, leases, secrets, serviceAccounts, sharedIndexInformer, type TypedResource } from 'kube-rx';

const RESOURCES: Readonly<Record<string, TypedResource>> = { configmaps: configMaps, secrets, serviceaccounts: serviceAccounts, endpoints, leases };

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' }, resources: { type: 'string', default: '' }, namespaces: { type: 'string', default: '' } } });
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(values.kubeconfig ?? '');

const gc = (globalThis as { gc?: () => void }).gc;
const heapAfterGc = (): number => {
  gc?.();
  return process.memoryUsage().heapUsed;
};
/** Sockets open in this process, from /proc (Linux), else the active TCP handles Node reports. */
const openSockets = (): number => {
  try {
    return readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
      } catch {
        return false;
      }
    }).length;
  } catch {
    return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  }
};

const baseline = { heap: heapAfterGc(), rss: process.memoryUsage().rss, sockets: openSockets() };
const cpuStart = process.cpuUsage();
const startedAt = Date.now();
const informers = values.resources.split(',').flatMap((r) =>
  values.namespaces.split(',').map((namespace) => {
    const resource = RESOURCES[r];
    if (resource === undefined) throw new Error(`unknown resource ${r}`);
    const informer = sharedIndexInformer(httpListerWatcher({ kubeConfig, resource, namespace }), { name: `${r}/${namespace}` });
    // lists: the initial one, plus each relist (a Listing of another cause: the streaming list's
    // fallback on a server without it is still the initial list)
    const counted = { name: `${r}/${namespace}`, events: 0, lists: 1, problems: [] as string[], informer };
    informer.events$.subscribe(() => {
      counted.events++;
    });
    informer.status$.subscribe((s) => {
      if (s._tag === 'Listing' && s.cause !== 'Initial') counted.lists++;
    });
    informer.problems$.subscribe((p) => {
      counted.problems.push(p._tag === 'ReflectorError' ? p.error._tag : p._tag);
    });
    return counted;
  }),
);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'report') return;
  const cpu = process.cpuUsage(cpuStart);
  process.stdout.write(
    `${JSON.stringify({
      informers: informers.map((i) => ({
        name: i.name,
        synced: i.informer.hasSynced(),
        events: i.events,
        lists: i.lists,
        problems: i.problems,
        store: i.informer.store.list().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion ?? ''}`).sort(),
      })),
      elapsedMs: Date.now() - startedAt,
      cpuMs: (cpu.user + cpu.system) / 1000,
      heapBytes: heapAfterGc() - baseline.heap,
      rssBytes: process.memoryUsage().rss - baseline.rss,
      sockets: openSockets() - baseline.sockets,
    })}\n`,
  );
});
