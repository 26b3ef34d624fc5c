import fc from 'fast-check';
import { concat, from, NEVER, type Observable, of } from 'rxjs';
import { describe, expect, it } from 'vitest';

import type { WatchEvent } from '../../lib/listwatch/ListerWatcher.js';
import type { ResourceEvent } from '../../lib/informer/ResourceEvent.js';
import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import {
  added,
  bookmark,
  configMap,
  deleted,
  errorEvent,
  listPage,
  modified,
  type TestConfigMap,
} from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { newTestScheduler } from '../helpers/marbles.js';

/** One change made on the server; `seen` says whether the watch delivered it (else it happened while disconnected). */
interface Op {
  readonly name: string;
  readonly seen: boolean;
}

/** A stretch of one watch; it ends with a 410 (relist) or a clean close (re-watch from the last RV). */
interface Segment {
  readonly ops: ReadonlyArray<Op>;
  readonly end: 'expired' | 'closed';
}

const names = ['a', 'b', 'c', 'd', 'e'];
const opArb = fc.record({ name: fc.constantFrom(...names), seen: fc.boolean() });
const segmentArb = fc.record({
  ops: fc.array(opArb, { maxLength: 12 }),
  end: fc.constantFrom<'expired' | 'closed'>('expired', 'closed'),
});

/**
 * Plays segments against a model server (a Map with a resourceVersion counter) and builds the
 * fake ListerWatcher script: an op on a name creates it when absent, else updates or deletes it.
 * Ops not `seen` change the server without any watch event, as while a watch is down; they are
 * only ever made before a relist (an expired end that is not the last), as a real server would only
 * lose them then.
 */
const play = (initial: ReadonlyArray<string>, segments: ReadonlyArray<Segment>) => {
  let rv = 1;
  const server = new Map<string, TestConfigMap>();
  for (const n of initial) server.set(n, configMap(n, String(++rv)));
  const lists: Observable<ReturnType<typeof listPage<TestConfigMap>>>[] = [of(listPage(String(rv), [...server.values()]))];
  const watches: Observable<WatchEvent<TestConfigMap>>[] = [];
  segments.forEach((segment, i) => {
    const events: WatchEvent<TestConfigMap>[] = [];
    const last = i === segments.length - 1;
    let flip = 0;
    for (const op of segment.ops) {
      const seen = op.seen || segment.end === 'closed' || last;
      const current = server.get(op.name);
      if (current === undefined) {
        const obj = configMap(op.name, String(++rv));
        server.set(op.name, obj);
        if (seen) events.push(added(obj));
      } else if (flip++ % 2 === 0) {
        const obj = configMap(op.name, String(++rv), 'default', { v: String(rv) });
        server.set(op.name, obj);
        if (seen) events.push(modified(obj));
      } else {
        server.delete(op.name);
        if (seen) events.push(deleted(configMap(op.name, String(++rv), 'default', current.data)));
      }
    }
    // a watch that closes must have seen something, or it would be a "very short watch" (relist)
    if (events.length === 0) events.push(bookmark(String(rv)));
    if (last) watches.push(concat(from(events), NEVER));
    else if (segment.end === 'expired') {
      watches.push(concat(from(events), of(errorEvent<TestConfigMap>(410))));
      lists.push(of(listPage(String(rv), [...server.values()])));
    } else watches.push(from(events));
  });
  if (segments.length === 0) watches.push(NEVER);
  return { server, lists, watches };
};

const apply = (m: Map<string, TestConfigMap>, e: ResourceEvent<TestConfigMap>): string | undefined => {
  if (e._tag === 'Deleted') {
    if (!m.has(e.key)) return `delete of unknown ${e.key}`;
    m.delete(e.key);
  } else {
    if (e._tag === 'Added' && m.has(e.key)) return `duplicate add of ${e.key}`;
    if (e._tag !== 'Added' && !m.has(e.key)) return `${e._tag} of unknown ${e.key}`;
    m.set(e.key, e.object);
  }
  return undefined;
};

describe('informer store model (property)', () => {
  it('for any history of list, watch, lost events and relists, the store and the event stream both end equal to the server', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...names)), fc.array(segmentArb, { maxLength: 8 }), (initial, segments) => {
        const { server, lists, watches } = play(initial, segments);
        const expected = new Map([...server.values()].map((o) => [`default/${o.metadata.name}`, o]));
        const replayed = new Map<string, TestConfigMap>();
        const problems: string[] = [];
        let storeAtEnd: ReadonlyArray<TestConfigMap> = [];
        const rx = newTestScheduler();
        rx.run(() => {
          const lw = fakeListerWatcher<TestConfigMap>({ lists, watches });
          const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0 });
          const sub = informer.events$.subscribe((e) => {
            const p = apply(replayed, e);
            if (p !== undefined) problems.push(p);
          });
          rx.schedule(() => {
            storeAtEnd = informer.store.list();
            sub.unsubscribe();
          }, 600_000);
        });
        expect(problems).toEqual([]);
        expect(new Map(storeAtEnd.map((o) => [`default/${o.metadata.name}`, o]))).toEqual(expected);
        expect(replayed).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
