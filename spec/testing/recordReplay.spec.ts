import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { map, NEVER, throwError } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import type { ResourceEvent } from '../../lib/informer/ResourceEvent.js';
import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import type { ListerWatcher, WatchEvent } from '../../lib/listwatch/ListerWatcher.js';
import { httpError } from '../../lib/listwatch/ListerWatcherError.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { added, configMap, deleted, errorEvent, listPage, modified } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { parseRecording } from '../../lib/testing/Recording.js';
import { recordingListerWatcher, redactSecret } from '../../lib/testing/recordingListerWatcher.js';
import { replayListerWatcher } from '../../lib/testing/replayListerWatcher.js';
import { newTestScheduler } from '../helpers/marbles.js';

const memorySink = () => {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line), text: () => lines.join('') };
};

const describeEvent = (now: number, e: ResourceEvent<KubeObject>): string =>
  `${now} ${e._tag} ${e.key} rv=${e.object.metadata.resourceVersion ?? ''}${e.initial ? ' initial' : ''}`;

/** Runs an informer over `lw` until `stopAt`, returning its events (with times) and its final store. */
const runInformer = (rx: TestScheduler, lw: ListerWatcher<KubeObject>, stopAt: number) => {
  const events: string[] = [];
  let store: string[] = [];
  rx.run(() => {
    const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0.5, backoff: { jitter: 0 } });
    const sub = informer.events$.subscribe((e) => events.push(describeEvent(rx.now(), e)));
    rx.schedule(() => {
      store = informer.store.list().map((o) => `${o.metadata.name}@${o.metadata.resourceVersion ?? ''}`).sort();
      sub.unsubscribe();
    }, stopAt);
  });
  return { events, store };
};

const secret = (name: string, rv: string): KubeObject & { data: Record<string, string> } => ({
  kind: 'Secret',
  metadata: { name, namespace: 'default', resourceVersion: rv, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"p":"c2VjcmV0"}}' } },
  data: { p: 'c2VjcmV0' },
});

describe('record and replay', () => {
  it('replays a recorded informer input in virtual time to the same events, at the same times, and the same store', () => {
    const sink = memorySink();
    const recordRx = newTestScheduler();
    const recorded = recordRx.run(({ cold }) => {
      const lw = fakeListerWatcher<KubeObject>({
        lists: [
          cold('-(p|)', { p: listPage('10', [configMap('a', '1'), configMap('b', '2')]) }),
          cold('--(p|)', { p: listPage('20', [configMap('a', '15'), configMap('c', '12')]) }),
        ],
        watches: [
          cold('--c-m---e', { c: added(configMap('c', '12')), m: modified(configMap('a', '13')), e: errorEvent(410, 'Expired') }),
          cold('---d---m', { d: deleted(configMap('c', '12')), m: modified(configMap('a', '21')) }),
        ],
      });
      return recordingListerWatcher(lw, sink, { scheduler: recordRx, resource: 'configmaps' });
    });
    const original = runInformer(recordRx, recorded, 5000);
    // the 410 relists after the reflector's backoff (800 ms, jitter 0): b is gone, c deleted by the second watch
    expect(original).toEqual({
      events: [
        '1 Added default/a rv=1 initial',
        '1 Added default/b rv=2 initial',
        '3 Added default/c rv=12',
        '5 Updated default/a rv=13',
        '811 Updated default/a rv=15',
        '811 Deleted default/b rv=2',
        '814 Deleted default/c rv=12',
        '818 Updated default/a rv=21',
      ],
      store: ['a@21'],
    });

    const lines = sink.lines.map((l) => JSON.parse(l) as { op?: string });
    expect(lines[0]).toMatchObject({ format: 'kube-rx/listerwatcher-recording', version: 1, redacted: true, resource: 'configmaps' });
    expect(lines.slice(1).map((l) => l.op)).toEqual([
      'list', 'page', 'watch', 'event', 'event', 'event', 'watchCancel', 'list', 'page', 'watch', 'event', 'event', 'watchCancel',
    ]);

    const replayRx = newTestScheduler();
    const replay = replayListerWatcher(sink.text(), { scheduler: replayRx });
    if (!isRight(replay)) throw new Error('the recording must parse');
    const replayed = runInformer(replayRx, replay.right, 5000);
    expect(replayed).toEqual(original);
    expect(replay.right.listCalls).toEqual([{ resourceVersion: '0', limit: 500 }, { resourceVersion: '', limit: 500 }]);
    expect(replay.right.watchCalls.map((w) => w.resourceVersion)).toEqual(['10', '20']);
  });

  it('replays list and watch errors as the same typed errors, and records a foreign error as a TransportError', () => {
    const sink = memorySink();
    const forbidden = httpError('list', 'configmaps', 403, { reason: 'Forbidden' });
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const lw = recordingListerWatcher<KubeObject>(
        { list: () => cold('--#', {}, forbidden), watch: () => throwError(() => new Error('socket hang up')) },
        sink,
        { scheduler: rx },
      );
      expectObservable(lw.list({})).toBe('--#', {}, forbidden);
      expectObservable(lw.watch({ resourceVersion: '1', allowWatchBookmarks: true })).toBe('#', {}, new Error('socket hang up'));
    });
    const replayRx = newTestScheduler();
    replayRx.run(({ expectObservable }) => {
      const replay = replayListerWatcher(sink.text(), { scheduler: replayRx });
      if (!isRight(replay)) throw new Error('the recording must parse');
      expectObservable(replay.right.list({})).toBe('--#', {}, forbidden);
      expectObservable(replay.right.watch({ resourceVersion: '1', allowWatchBookmarks: true })).toBe('#', {}, {
        _tag: 'TransportError',
        verb: 'watch',
        resource: '',
        message: 'socket hang up',
      });
      // calls past the recording never answer, as a hung server
      expectObservable(replay.right.list({})).toBe('');
    });
  });

  it('redacts Secret data, stringData and the last-applied annotation by default, keeping the keys', () => {
    const sink = memorySink();
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      // a LIST item carries no kind: recognised by its type and data
      const listed = { metadata: { name: 'l', namespace: 'default', resourceVersion: '1' }, type: 'Opaque', data: { k: 'djE=' } };
      const lw = recordingListerWatcher<KubeObject>(
        { list: () => cold('(p|)', { p: listPage('1', [listed as KubeObject, configMap('cm', '2')]) }), watch: () => cold('a', { a: added(secret('s', '3')) }) },
        sink,
        { scheduler: rx },
      );
      // what the consumer sees is untouched
      expectObservable(lw.list({})).toBe('(p|)', { p: listPage('1', [listed as KubeObject, configMap('cm', '2')]) });
      expectObservable(lw.watch({ resourceVersion: '1', allowWatchBookmarks: true })).toBe('a', { a: added(secret('s', '3')) });
    });
    const text = sink.text();
    expect(text).not.toContain('djE=');
    expect(text).not.toContain('c2VjcmV0');
    const r = parseRecording(text);
    if (!isRight(r)) throw new Error('the recording must parse');
    const page = r.right.lists[0]?.steps[0];
    expect(page?.kind === 'next' ? page.value.items : []).toEqual([
      { metadata: { name: 'l', namespace: 'default', resourceVersion: '1' }, type: 'Opaque', data: { k: '<redacted>' } },
      configMap('cm', '2'),
    ]);
    const event = r.right.watches[0]?.steps[0];
    expect(event?.kind === 'next' ? event.value : undefined).toEqual({
      _tag: 'Added',
      object: {
        kind: 'Secret',
        metadata: { name: 's', namespace: 'default', resourceVersion: '3', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '<redacted>' } },
        data: { p: '<redacted>' },
      },
    });
  });

  it('keeps Secret data when asked to, and redacts every object of a recording declared as Secrets', () => {
    const rx = newTestScheduler();
    const kept = memorySink();
    const all = memorySink();
    rx.run(({ cold }) => {
      const page = listPage('1', [{ metadata: { name: 'x', resourceVersion: '1' }, data: { k: 'djE=' } } as KubeObject]);
      recordingListerWatcher<KubeObject>({ list: () => cold('(p|)', { p: listPage('1', [secret('s', '1')]) }), watch: () => NEVER }, kept, {
        scheduler: rx,
        redactSecrets: false,
      })
        .list({})
        .subscribe();
      recordingListerWatcher<KubeObject>({ list: () => cold('(p|)', { p: page }), watch: () => NEVER }, all, { scheduler: rx, secrets: true })
        .list({})
        .subscribe();
    });
    expect(kept.text()).toContain('c2VjcmV0');
    expect(JSON.parse(kept.lines[0] ?? '')).toMatchObject({ redacted: false });
    expect(all.text()).not.toContain('djE=');
    expect(redactSecret(configMap('a', '1'))).toEqual(configMap('a', '1'));
  });

  it('names the line of a corrupt or truncated recording in a typed error', () => {
    const header = '{"format":"kube-rx/listerwatcher-recording","version":1,"redacted":true}';
    const list = '{"t":0,"call":0,"op":"list","options":{}}';
    const page = (items: string) => `{"t":1,"call":0,"op":"page","page":{"resourceVersion":"1","items":[${items}],"invalid":[]}}`;
    const expectError = (text: string, line: number, message: RegExp): void => {
      const r = parseRecording(text);
      if (!isLeft(r)) throw new Error('expected a RecordingError');
      expect(r.left._tag).toBe('RecordingError');
      expect(r.left.line).toBe(line);
      expect(r.left.message).toMatch(message);
    };
    expectError(`${header}\n${list}\n{"t":1,"call":0,"op":"pa`, 3, /^truncated or not JSON/);
    expectError(`${header}\n}{\n${list}\n`, 2, /^not JSON/);
    expectError('', 1, /^empty: no header line$/);
    expectError(`{"format":"something else","version":1,"redacted":true}\n`, 1, /not a kube-rx recording header/);
    expectError(header.replace('"version":1', '"version":2'), 1, /unsupported recording version 2/);
    expectError(`${header}\n${list}\n{"t":1,"call":0,"op":"teleport"}\n`, 3, /^not a recording line: unknown op "teleport"/);
    expectError(`${header}\n${list}\n{"t":1,"call":0,"op":"page","page":{"items":[]}}\n`, 3, /^not a recording line: a bad "page" line: .*resourceVersion/);
    expectError(`${header}\n${page('')}\n`, 2, /list call 0, which was never made/);
    expectError(`${header}\n${list}\n${page('{"metadata":{}}')}\n`, 3, /an object does not decode/);
    expectError(`${header}\n${list}\n${page('')}\n${page('')}\n`, 4, /after list call 0 ended/);
    expectError(`${header}\n{"t":0,"call":1,"op":"list","options":{}}\n`, 2, /out of order/);
    // a well-formed recording with a trailing newline parses
    expect(isRight(parseRecording(`${header}\n${list}\n${page('')}\n`))).toBe(true);
  });

  it('replays bookmarks, objects and a clean close at their recorded delays', () => {
    const text = [
      '{"format":"kube-rx/listerwatcher-recording","version":1,"redacted":true}',
      '{"t":0,"call":0,"op":"watch","options":{"resourceVersion":"1","allowWatchBookmarks":true}}',
      '{"t":2,"call":0,"op":"event","event":{"_tag":"Bookmark","resourceVersion":"5","initialEventsEnd":false}}',
      '{"t":3,"call":0,"op":"event","event":{"_tag":"Added","object":{"metadata":{"name":"a","resourceVersion":"6"}}}}',
      '{"t":9,"call":0,"op":"watchEnd"}',
    ].join('\n');
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const replay = replayListerWatcher(text, { scheduler: rx });
      if (!isRight(replay)) throw new Error('the recording must parse');
      const events: Record<string, WatchEvent<KubeObject>> = {
        b: { _tag: 'Bookmark', resourceVersion: '5', initialEventsEnd: false },
        a: { _tag: 'Added', object: { metadata: { name: 'a', resourceVersion: '6' } } },
      };
      expectObservable(replay.right.watch({ resourceVersion: '1', allowWatchBookmarks: true })).toBe('--ba-----|', events);
    });
  });

  it('turns a recording into a marble test of the informer', () => {
    // an incident: the watch dies with a 410 after one change; the relist finds a deleted
    const text = [
      '{"format":"kube-rx/listerwatcher-recording","version":1,"redacted":true}',
      '{"t":0,"call":0,"op":"list","options":{"resourceVersion":"0","limit":500}}',
      '{"t":2,"call":0,"op":"page","page":{"resourceVersion":"5","items":[{"metadata":{"name":"a","namespace":"ns","resourceVersion":"4"}}],"invalid":[]}}',
      '{"t":2,"call":0,"op":"watch","options":{"resourceVersion":"5","allowWatchBookmarks":true}}',
      '{"t":5,"call":0,"op":"event","event":{"_tag":"Modified","object":{"metadata":{"name":"a","namespace":"ns","resourceVersion":"6"}}}}',
      '{"t":7,"call":0,"op":"event","event":{"_tag":"Error","status":{"kind":"Status","code":410,"reason":"Expired"}}}',
      '{"t":7,"call":0,"op":"watchCancel"}',
      '{"t":7,"call":1,"op":"list","options":{"resourceVersion":"","limit":500}}',
      '{"t":8,"call":1,"op":"page","page":{"resourceVersion":"9","items":[],"invalid":[]}}',
    ].join('\n');
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const lw = replayListerWatcher(text, { scheduler: rx });
      if (!isRight(lw)) throw new Error(`the recording must parse: ${JSON.stringify(lw.left)}`);
      const informer = sharedIndexInformer(lw.right, { scheduler: rx, random: () => 0.5, backoff: { jitter: 0 } });
      const tags = informer.events$.pipe(map((e) => `${e._tag} ${e.key}`));
      // listed at 2, modified at 5 (watch opened at 2 + 3), relisted 800 ms after the 410 at 7, the relist answers 1 later (808)
      expectObservable(tags, '^ 900ms !').toBe('--a--u 802ms d', { a: 'Added ns/a', u: 'Updated ns/a', d: 'Deleted ns/a' });
    });
  });
});
