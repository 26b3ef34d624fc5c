/**
 * The kube-rx demo: an informer mirroring a simulated cluster of ConfigMaps that keeps changing,
 * printed live. Until the embedded API server lands, the cluster is simulated in this process
 * behind the same ListerWatcher port the HTTP client will implement. Ctrl-C exits.
 *
 *   npm start              run until Ctrl-C
 *   npm start -- --ticks 20 stop after 20 changes (used by tests)
 */
import { parseArgs, styleText } from 'node:util';

import { filter, firstValueFrom, interval, of, Subject, take } from 'rxjs';

import { type ResourceEvent, sharedIndexInformer } from 'kube-rx';
import {
  added,
  configMap,
  deleted,
  fakeListerWatcher,
  listPage,
  modified,
  type TestConfigMap,
} from 'kube-rx/testing';
import type { WatchEvent } from 'kube-rx';

const { values } = parseArgs({ options: { ticks: { type: 'string' }, period: { type: 'string', default: '700' } } });
const ticks = values.ticks === undefined ? Number.POSITIVE_INFINITY : Number(values.ticks);
const periodMs = Number(values.period);

// --- a tiny simulated cluster: objects, a resourceVersion counter, a watch feed -------------
let rv = 100;
const objects = new Map<string, TestConfigMap>();
const feed = new Subject<WatchEvent<TestConfigMap>>();
for (const name of ['alpha', 'beta', 'gamma']) objects.set(name, configMap(name, String(++rv), 'demo', { n: '0' }));
let seed = 7;
const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
const change = (): void => {
  const names = [...objects.keys()];
  const pick = names[random(Math.max(names.length, 1))];
  const roll = random(10);
  if (pick === undefined || roll < 2) {
    const name = `cm-${rv}`;
    const obj = configMap(name, String(++rv), 'demo', { n: '0' });
    objects.set(name, obj);
    feed.next(added(obj));
  } else if (roll < 4 && names.length > 2) {
    const obj = objects.get(pick);
    objects.delete(pick);
    if (obj !== undefined) feed.next(deleted(configMap(pick, String(++rv), 'demo', obj.data)));
  } else {
    const n = String(Number(objects.get(pick)?.data?.['n'] ?? '0') + 1);
    const obj = configMap(pick, String(++rv), 'demo', { n });
    objects.set(pick, obj);
    feed.next(modified(obj));
  }
};
const lw = fakeListerWatcher<TestConfigMap>({
  lists: () => of(listPage(String(rv), [...objects.values()])),
  watches: () => feed,
});

// --- the informer, piped like any Observable ------------------------------------------------
const colour = { Added: 'green', Updated: 'yellow', Deleted: 'red', Sync: 'gray' } as const;
const line = (e: ResourceEvent<TestConfigMap>): string => {
  const tag = styleText(colour[e._tag], e._tag.padEnd(8));
  const detail =
    e._tag === 'Updated'
      ? `n ${e.old.data?.['n'] ?? '-'} -> ${e.object.data?.['n'] ?? '-'} (rv ${e.object.metadata.resourceVersion ?? ''})`
      : `rv ${e.object.metadata.resourceVersion ?? ''}${e.initial ? ' (initial list)' : ''}`;
  return `${tag} ${e.key.padEnd(16)} ${detail}`;
};

const informer = sharedIndexInformer(lw, { defaultResyncPeriodMs: 10_000 });
const statusSub = informer.status$.subscribe((s) => {
  console.log(styleText('cyan', `[status] ${s._tag}`));
});
const eventsSub = informer.events$.subscribe((e) => {
  console.log(line(e));
});
await firstValueFrom(informer.synced$.pipe(filter(Boolean)));
console.log(styleText('bold', `synced: ${informer.store.size} objects`));

const churn = interval(periodMs)
  .pipe(take(ticks))
  .subscribe({
    next: change,
    complete: () => {
      stop();
    },
  });
const stop = (): void => {
  churn.unsubscribe();
  console.log(styleText('bold', `stopping with ${informer.store.size} objects cached`));
  eventsSub.unsubscribe();
  statusSub.unsubscribe();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
