import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { KubeConfig } from '@kubernetes/client-node';
import { isRight } from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ResourceEvent } from '../../lib/informer/ResourceEvent.js';
import { sharedIndexInformer, type SharedIndexInformerConfig } from '../../lib/informer/sharedIndexInformer.js';
import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { configMap } from '../../lib/testing/builders.js';
import { parseRecording, type Recording } from '../../lib/testing/Recording.js';
import { fileRecordingSink, recordingListerWatcher } from '../../lib/testing/recordingListerWatcher.js';
import { readRecordingFile, replayListerWatcher } from '../../lib/testing/replayListerWatcher.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { until } from '../helpers/until.js';

const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const deterministic: Partial<SharedIndexInformerConfig<KubeObject>> = { random: () => 0.5, backoff: { jitter: 0 } };

const describeEvent = (e: ResourceEvent<KubeObject>): string =>
  `${e._tag} ${e.key} rv=${e.object.metadata.resourceVersion ?? ''}${e.initial ? ' initial' : ''}`;
const storeOf = (objects: ReadonlyArray<KubeObject>): string[] =>
  objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}@${o.metadata.resourceVersion ?? ''}`).sort();

/** The last moment anything happened in a recording (ms since its start). */
const lastMoment = (r: Recording<unknown>): number =>
  Math.max(0, ...[...r.lists, ...r.watches].map((c) => c.at + (c.steps.at(-1)?.dt ?? 0)));

describe('record against the embedded API server, replay in virtual time', () => {
  let server: EmbeddedApiServer;
  let dir: string;
  beforeEach(async () => {
    server = await startApiServer({ bookmarkIntervalMs: 100 });
    dir = mkdtempSync(join(tmpdir(), 'kube-rx-recording-'));
  });
  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays to the same final store and the same sequence of informer events, including a relist after 410', async () => {
    server.create('configmaps', configMap('a', '', 'default', { v: '1' }));
    server.create('configmaps', configMap('b', '', 'other', { v: '1' }));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions(server.kubeConfigOptions());
    const file = join(dir, 'configmaps.ndjson');
    const sink = fileRecordingSink(file);
    const lw = recordingListerWatcher(httpListerWatcher({ kubeConfig, resource: configMaps }), sink, { resource: 'configmaps' });
    const informer = sharedIndexInformer(lw, deterministic);
    const recorded: string[] = [];
    const sub = informer.events$.subscribe((e) => recorded.push(describeEvent(e)));
    await firstValueFrom(informer.synced$.pipe(filter(Boolean), timeout(10_000)));

    // churn while recording, with a garbage line, a dropped watch and a 410 that makes the reflector relist
    server.faults.garbageLine();
    server.create('configmaps', configMap('c', '', 'default'));
    server.patch('configmaps', 'default', 'a', { data: { v: '2' } });
    await until(() => informer.store.get('default/a')?.metadata.resourceVersion === server.get('configmaps', 'default', 'a')?.metadata.resourceVersion);
    expect(server.faults.dropWatches()).toBe(1);
    // while the reflector backs off: changes it will not see on a watch, then compaction (the re-watch gets 410)
    server.delete('configmaps', 'other', 'b');
    server.create('configmaps', configMap('d', '', 'other'));
    server.patch('configmaps', 'default', 'c', { data: { v: '3' } });
    server.compact();
    const expected = storeOf(server.list('configmaps'));
    await until(() => JSON.stringify(storeOf(informer.store.list())) === JSON.stringify(expected));
    sub.unsubscribe();
    await sink.close();

    const text = readRecordingFile(file);
    const parsed = parseRecording(text);
    if (!isRight(parsed)) throw new Error(`the recording must parse: ${JSON.stringify(parsed.left)}`);
    // the first list and the relist: LISTs, or streaming lists (initialList 'auto' against a server that serves them)
    const listCycles = parsed.right.lists.filter((l) => l.options.continue === undefined).length + parsed.right.watches.filter((w) => w.options.sendInitialEvents === true).length;
    expect(listCycles).toBeGreaterThanOrEqual(2);

    const rx = newTestScheduler();
    const replayed: string[] = [];
    let replayedStore: string[] = [];
    rx.run(() => {
      const replay = replayListerWatcher(text, { scheduler: rx });
      if (!isRight(replay)) throw new Error('the recording must replay');
      const inf = sharedIndexInformer(replay.right, { ...deterministic, scheduler: rx });
      const s = inf.events$.subscribe((e) => replayed.push(describeEvent(e)));
      rx.schedule(() => {
        replayedStore = storeOf(inf.store.list());
        s.unsubscribe();
      }, lastMoment(parsed.right) + 1);
    });
    expect(replayed).toEqual(recorded);
    expect(replayedStore).toEqual(expected);
  });
});
