import { filter, firstValueFrom, interval, lastValueFrom, map, of, take } from 'rxjs';

import { sharedIndexInformer } from 'kube-rx';
import { configMap, fakeListerWatcher, listPage, modified } from 'kube-rx/testing';

// A ListerWatcher: here a scripted fake; against a cluster, the HTTP one.
const lw = fakeListerWatcher({
  lists: [of(listPage('1', [configMap('a', '1'), configMap('b', '1')]))],
  watches: [interval(10).pipe(take(3), map((i) => modified(configMap('a', String(i + 2)))))],
});

const informer = sharedIndexInformer(lw);
const updates$ = informer.events$.pipe(filter((e) => e._tag === 'Updated'));

const sub = updates$.subscribe((e) => {
  console.log(`${e.key}: ${e.old.metadata.resourceVersion} -> ${e.object.metadata.resourceVersion}`);
});
await firstValueFrom(informer.synced$.pipe(filter(Boolean)));
console.log('synced:', informer.store.listKeys().join(', '));
await lastValueFrom(updates$.pipe(take(3)));
sub.unsubscribe();
