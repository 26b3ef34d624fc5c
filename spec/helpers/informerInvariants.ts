/**
 * The invariants an informer must keep however the connection to the API server misbehaves, as a
 * pure checker over what a test recorded: the informer's events, its final store, the server's
 * final list and the writes the test made. Used by the fault suite against the embedded server
 * (spec/reliability) and by the same test against a real kube-apiserver.
 *
 * Checked (each broken rule is one message in the result; `[]` when all hold):
 * 1. store = server: the same keys at the same resourceVersions.
 * 2. events replayed into a Map (`Added`/`Updated`/`Sync` set the key, `Deleted` removes it) =
 *    server: no add, update or delete was missed.
 * 3. each event fits the replayed state it applies to: `Added` only for an absent key, `Updated`,
 *    `Sync` and `Deleted` only for a present one (no duplicate add, no update or delete out of
 *    nowhere), and an `Updated`'s `old` is the state the events left the key in.
 * 4. no invented object: every `Added`/`Updated`/`Sync` carries a (key, resourceVersion) that a
 *    non-DELETED write produced.
 * 5. no invented delete: every `Deleted` of a key carrying resourceVersion `r` has a DELETED
 *    write of that key at `r` or later (a watched delete carries the deletion's resourceVersion,
 *    a delete inferred by a relist the last state the informer knew).
 * 6. per key, resourceVersions never go back (compared as BigInt; equal is allowed, for `Sync`).
 */
import type { ResourceEvent } from '../../lib/informer/ResourceEvent.js';
import type { SharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import { metaNamespaceKeyFunc } from '../../lib/meta/keyFunc.js';
import { type KubeObject, resourceVersionOf } from '../../lib/meta/KubeObject.js';

/** One write the test made, from the write's response, in the order the writes completed. */
export interface Write {
  readonly key: string;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resourceVersion: string;
}

/** All events one subscriber saw (its snapshot `Added{initial}` events first), and how to stop recording. */
export interface Recorded<T> {
  readonly events: ReadonlyArray<ResourceEvent<T>>;
  readonly stop: () => void;
}

/** Subscribes to `informer.events$` (starting the informer if it is stopped) and records every event. */
export const recordEvents = <T extends KubeObject>(informer: SharedIndexInformer<T>): Recorded<T> => {
  const events: Array<ResourceEvent<T>> = [];
  const sub = informer.events$.subscribe((e) => events.push(e));
  return {
    events,
    stop: () => {
      sub.unsubscribe();
    },
  };
};

/** A resourceVersion as a number to compare, or undefined when it is not an integer. */
const rvOf = (rv: string): bigint | undefined => {
  try {
    return rv === '' ? undefined : BigInt(rv);
  } catch {
    return undefined;
  }
};

const byKey = (objects: ReadonlyArray<KubeObject>): ReadonlyMap<string, string> =>
  new Map(objects.map((o) => [metaNamespaceKeyFunc(o), resourceVersionOf(o)]));

/** Differences between a Map of key → resourceVersion and the server's, one message each. */
const diff = (what: string, got: ReadonlyMap<string, string>, server: ReadonlyMap<string, string>): ReadonlyArray<string> => {
  const out: Array<string> = [];
  for (const [key, rv] of server) {
    const mine = got.get(key);
    if (mine === undefined) out.push(`${what}: lacks ${key}@${rv} (a missed add)`);
    else if (mine !== rv) out.push(`${what}: has ${key}@${mine}, the server ${key}@${rv} (a missed update)`);
  }
  for (const [key, rv] of got) if (!server.has(key)) out.push(`${what}: has ${key}@${rv}, gone from the server (a missed delete)`);
  return out;
};

const describeEvent = (e: ResourceEvent<KubeObject>, i: number): string =>
  `event #${String(i)} ${e._tag} ${e.key}@${resourceVersionOf(e.object)}`;

/**
 * Checks the invariants above; returns one message per violation, `[]` when all hold.
 * `writes` must hold every write to the objects the informer sees.
 */
export const checkInvariants = (input: {
  readonly events: ReadonlyArray<ResourceEvent<KubeObject>>;
  readonly store: ReadonlyArray<KubeObject>;
  readonly server: ReadonlyArray<KubeObject>;
  readonly writes: ReadonlyArray<Write>;
}): ReadonlyArray<string> => {
  const { events, writes } = input;
  const server = byKey(input.server);
  const violations: Array<string> = [...diff('store', byKey(input.store), server)];

  const written = new Set(writes.filter((w) => w.type !== 'DELETED').map((w) => `${w.key}@${w.resourceVersion}`));
  const deletes = new Map<string, Array<bigint>>();
  for (const w of writes) {
    const rv = rvOf(w.resourceVersion);
    if (w.type !== 'DELETED' || rv === undefined) continue;
    deletes.set(w.key, [...(deletes.get(w.key) ?? []), rv]);
  }

  const replayed = new Map<string, string>();
  const lastRv = new Map<string, bigint>();
  events.forEach((e, i) => {
    const rv = resourceVersionOf(e.object);
    const n = rvOf(rv);
    const here = describeEvent(e, i);
    if (n === undefined) violations.push(`${here}: the resourceVersion is not an integer`);
    const previous = lastRv.get(e.key);
    if (n !== undefined && previous !== undefined && n < previous) {
      violations.push(`${here}: ${e.key} went back from resourceVersion ${previous.toString()}`);
    }
    if (n !== undefined) lastRv.set(e.key, previous !== undefined && previous > n ? previous : n);
    const present = replayed.has(e.key);
    if (e._tag === 'Deleted') {
      if (!present) violations.push(`${here}: a delete of a key the events had not added`);
      if (n !== undefined && !(deletes.get(e.key) ?? []).some((d) => d >= n)) {
        violations.push(`${here}: an invented delete (no DELETED write of ${e.key} at or after ${rv})`);
      }
      replayed.delete(e.key);
      return;
    }
    if (e._tag === 'Added' && present) violations.push(`${here}: an add of a key already present (a missed delete or a duplicate)`);
    if (e._tag !== 'Added' && !present) violations.push(`${here}: a change of a key the events had not added (a missed add)`);
    const before = replayed.get(e.key);
    if (e._tag === 'Updated' && before !== undefined && resourceVersionOf(e.old) !== before) {
      violations.push(`${here}: its old object is at ${resourceVersionOf(e.old)}, the events left ${e.key} at ${before}`);
    }
    if (!written.has(`${e.key}@${rv}`)) violations.push(`${here}: an invented object (${e.key}@${rv} was never written)`);
    replayed.set(e.key, rv);
  });
  return [...violations, ...diff('events replayed', replayed, server)];
};
