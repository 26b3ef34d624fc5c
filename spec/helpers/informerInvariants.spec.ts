import fc from 'fast-check';
import { NEVER, of } from 'rxjs';
import { describe, expect, it } from 'vitest';

import type { ResourceEvent } from '../../lib/informer/ResourceEvent.js';
import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { configMap, listPage } from '../../lib/testing/builders.js';
import { checkInvariants, recordEvents, type Write } from './informerInvariants.js';

type Event = ResourceEvent<KubeObject>;

const KEYS = ['ns1/a', 'ns1/b', 'ns2/a'];

const objectAt = (key: string, rv: string): KubeObject => {
  const [namespace = '', name = ''] = key.split('/');
  return { metadata: { namespace, name, resourceVersion: rv } };
};

/**
 * One step of the model: a write to a key (`del` chooses delete over update when the key
 * exists), the informer losing its watch (later writes unseen), or a relist.
 */
type Step = { readonly _tag: 'Write'; readonly key: number; readonly del: boolean } | { readonly _tag: 'Drop' } | { readonly _tag: 'Relist'; readonly syncs: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ _tag: fc.constant('Write' as const), key: fc.nat(KEYS.length - 1), del: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ _tag: 'Drop' as const }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant('Relist' as const), syncs: fc.boolean() }) },
);

interface History {
  readonly writes: ReadonlyArray<Write>;
  readonly events: ReadonlyArray<Event>;
  readonly server: ReadonlyArray<KubeObject>;
}

/**
 * What a correct informer may show for `steps`: watched writes as they happen; after a drop,
 * nothing until the relist, which adds, updates (or syncs) and deletes (tombstones carrying the
 * last known state) what changed meanwhile. A final relist catches up.
 */
const faithful = (steps: ReadonlyArray<Step>): History => {
  const server = new Map<string, KubeObject>();
  const known = new Map<string, KubeObject>();
  const writes: Array<Write> = [];
  const events: Array<Event> = [];
  let rv = 1;
  let connected = true;
  const relist = (syncs: boolean): void => {
    for (const [key, object] of known) {
      if (!server.has(key)) {
        known.delete(key);
        events.push({ _tag: 'Deleted', key, object, finalStateUnknown: true, initial: false });
      }
    }
    for (const [key, object] of server) {
      const old = known.get(key);
      known.set(key, object);
      if (old === undefined) events.push({ _tag: 'Added', key, object, initial: false });
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) events.push({ _tag: 'Updated', key, old, object, initial: false });
      else if (syncs) events.push({ _tag: 'Sync', key, object, initial: false });
    }
    connected = true;
  };
  for (const step of steps) {
    if (step._tag === 'Drop') connected = false;
    if (step._tag === 'Relist') relist(step.syncs);
    if (step._tag !== 'Write') continue;
    const key = KEYS[step.key] ?? 'ns1/a';
    rv += 1;
    const object = objectAt(key, String(rv));
    const existing = server.get(key);
    const type = existing === undefined ? 'ADDED' : step.del ? 'DELETED' : 'MODIFIED';
    writes.push({ key, type, resourceVersion: String(rv) });
    if (type === 'DELETED') server.delete(key);
    else server.set(key, object);
    if (!connected) continue;
    const old = known.get(key);
    if (type === 'DELETED') {
      known.delete(key);
      events.push({ _tag: 'Deleted', key, object, finalStateUnknown: false, initial: false });
    } else {
      known.set(key, object);
      events.push(old === undefined ? { _tag: 'Added', key, object, initial: false } : { _tag: 'Updated', key, old, object, initial: false });
    }
  }
  relist(false);
  return { writes, events, server: [...server.values()] };
};

const check = (h: History, events: ReadonlyArray<Event> = h.events): ReadonlyArray<string> =>
  checkInvariants({ events, store: h.server, server: h.server, writes: h.writes });

const stepsArb = fc.array(stepArb, { minLength: 1, maxLength: 40 });

describe('checkInvariants', () => {
  it('holds for every history a correct informer may show (live events, relists, tombstones, syncs)', () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        expect(check(faithful(steps))).toEqual([]);
      }),
    );
  });

  it('catches a dropped delete', () => {
    fc.assert(
      fc.property(stepsArb, fc.nat(), (steps, pick) => {
        const h = faithful(steps);
        const deletes = h.events.flatMap((e, i) => (e._tag === 'Deleted' ? [i] : []));
        fc.pre(deletes.length > 0);
        const drop = deletes[pick % deletes.length];
        expect(check(h, h.events.filter((_, i) => i !== drop))).not.toEqual([]);
      }),
    );
  });

  it('catches an invented delete', () => {
    fc.assert(
      fc.property(stepsArb, fc.nat(), (steps, pick) => {
        const h = faithful(steps);
        // an event whose object was never deleted afterwards: a Deleted right after it is invented
        const candidates = h.events.flatMap((e, i) => {
          const rv = BigInt(e.object.metadata.resourceVersion ?? '0');
          const deletedLater = h.writes.some((w) => w.key === e.key && w.type === 'DELETED' && BigInt(w.resourceVersion) >= rv);
          return e._tag !== 'Deleted' && !deletedLater ? [i] : [];
        });
        fc.pre(candidates.length > 0);
        const at = candidates[pick % candidates.length] ?? 0;
        const source = h.events[at];
        if (source === undefined) throw new Error('unreachable');
        const invented: Event = { _tag: 'Deleted', key: source.key, object: source.object, finalStateUnknown: false, initial: false };
        const events = [...h.events.slice(0, at + 1), invented, ...h.events.slice(at + 1)];
        expect(check(h, events).some((v) => v.includes('an invented delete'))).toBe(true);
      }),
    );
  });

  it('catches a reordered event', () => {
    fc.assert(
      fc.property(stepsArb, fc.nat(), (steps, pick) => {
        const h = faithful(steps);
        const rv = (e: Event | undefined): bigint => BigInt(e?.object.metadata.resourceVersion ?? '0');
        const pairs = h.events.flatMap((e, i) =>
          h.events.flatMap((f, j) => (j > i && f.key === e.key && rv(f) !== rv(e) ? [[i, j] as const] : [])),
        );
        fc.pre(pairs.length > 0);
        const [i, j] = pairs[pick % pairs.length] ?? [0, 0];
        const events = h.events.map((e, k) => (k === i ? h.events[j] : k === j ? h.events[i] : e)).filter((e): e is Event => e !== undefined);
        expect(check(h, events).some((v) => v.includes('went back'))).toBe(true);
      }),
    );
  });

  it('names each kind of violation', () => {
    const a2 = objectAt('ns1/a', '2');
    const a3 = objectAt('ns1/a', '3');
    const b4 = objectAt('ns1/b', '4');
    const writes: ReadonlyArray<Write> = [
      { key: 'ns1/a', type: 'ADDED', resourceVersion: '2' },
      { key: 'ns1/a', type: 'MODIFIED', resourceVersion: '3' },
      { key: 'ns1/b', type: 'ADDED', resourceVersion: '4' },
    ];
    const added = (o: KubeObject, key: string): Event => ({ _tag: 'Added', key, object: o, initial: false });
    expect(checkInvariants({ events: [added(a2, 'ns1/a'), { _tag: 'Updated', key: 'ns1/a', old: a2, object: a3, initial: false }, added(b4, 'ns1/b')], store: [a3, b4], server: [a3, b4], writes })).toEqual([]);
    const v = checkInvariants({
      events: [added(a2, 'ns1/a'), added(objectAt('ns1/a', '9'), 'ns1/a'), { _tag: 'Deleted', key: 'ns1/a', object: a2, finalStateUnknown: false, initial: false }],
      store: [a2],
      server: [a3, b4],
      writes,
    });
    expect(v).toEqual([
      'store: has ns1/a@2, the server ns1/a@3 (a missed update)',
      'store: lacks ns1/b@4 (a missed add)',
      'event #1 Added ns1/a@9: an add of a key already present (a missed delete or a duplicate)',
      'event #1 Added ns1/a@9: an invented object (ns1/a@9 was never written)',
      'event #2 Deleted ns1/a@2: ns1/a went back from resourceVersion 9',
      'event #2 Deleted ns1/a@2: an invented delete (no DELETED write of ns1/a at or after 2)',
      'events replayed: lacks ns1/a@3 (a missed add)',
      'events replayed: lacks ns1/b@4 (a missed add)',
    ]);
    const wrongOld = checkInvariants({
      events: [added(a2, 'ns1/a'), { _tag: 'Updated', key: 'ns1/a', old: objectAt('ns1/a', '1'), object: a3, initial: false }, added(b4, 'ns1/b')],
      store: [a3, b4],
      server: [a3, b4],
      writes,
    });
    expect(wrongOld).toEqual(['event #1 Updated ns1/a@3: its old object is at 1, the events left ns1/a at 2']);
  });

  it('recordEvents records what a subscriber of the informer sees, until stopped', () => {
    const lw = fakeListerWatcher({ lists: [of(listPage('2', [configMap('a', '2')]))], watches: [NEVER] });
    const informer = sharedIndexInformer(lw);
    const recorded = recordEvents(informer);
    expect(recorded.events.map((e) => `${e._tag} ${e.key}`)).toEqual(['Added default/a']);
    recorded.stop();
    expect(informer.store.size).toBe(0);
  });
});
