/**
 * What one reconcile key waits for of one object: the resourceVersion its last write of that
 * object returned, and the relist count when it wrote it.
 *
 * @example
 * ```ts
 * import type { AwaitedWrite } from 'kube-rx/reducers';
 * const w: AwaitedWrite = { resourceVersion: '42', relists: 0 };
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface AwaitedWrite {
  readonly resourceVersion: string;
  readonly relists: number;
}

/**
 * The mutable state of a read-your-writes tracker, owned by one {@link kube-rx!writeTracker} (or a test);
 * the functions of this module update it in place, O(1) per write and per delivered event
 * (a relist's completion is O(pending writes)).
 *
 * ResourceVersions are opaque: they are compared by identity only (`===`), never ordered. An
 * object is identified by its `uid`, so uid + resourceVersion names one state of one object
 * across every informer.
 *
 * Invariants:
 * - `waiting.get(k)` holds exactly the uids `u` with `writes.get(u).has(k)`; no empty sets or maps.
 * - `echoes.get(u)` holds the resourceVersions own writes of `u` returned that were not delivered yet.
 *
 * Maps to nothing in client-go or controller-runtime (whose users meet the stale cache as c-r
 * #3473's double create); to kube-rs's `Controller` nothing either: a kube-rx addition.
 *
 * ```
 * recordWrite(P, u, R)            writes: {u: {P: R}}   waiting: {P: {u}}   echoes: {u: {R}}
 * deliver(u, R')  (R' !== R)      unchanged: not ours, not yet ours
 * deliver(u, R)                   writes: {}  waiting: {}  echoes: {}   → P released, the event an echo
 * ```
 *
 * @example
 * ```ts
 * import { writeTrackerState as w } from 'kube-rx/reducers';
 * const s = w.createWriteTrackerState();
 * w.recordWrite(s, 'default/a', 'uid-1', '7');
 * w.isReady(s, 'default/a'); // false
 * w.observeDelivery(s, 'uid-1', '7', false); // { echo: true, released: ['default/a'] }
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface WriteTrackerState {
  /** Own writes not delivered yet: by object uid, what each reconcile key waits for. */
  readonly writes: Map<string, Map<string, AwaitedWrite>>;
  /** Reconcile keys and the uids they wait for. */
  readonly waiting: Map<string, Set<string>>;
  /** The resourceVersions whose delivery is the echo of an own write, by uid. */
  readonly echoes: Map<string, Set<string>>;
  /** Relists started so far (all feeds). */
  relists: number;
  /** Per feed (informer), the relist count when its current relist started. */
  readonly relisting: Map<string, number>;
  /**
   * The last resourceVersion delivered per uid (deleted objects removed): a write whose answer
   * comes after the watch delivered its state (the watch can be faster than the response) does
   * not wait, and its echo has passed already.
   */
  readonly delivered: Map<string, string>;
}

/**
 * A fresh, empty {@link WriteTrackerState}.
 *
 * @example
 * ```ts
 * import { writeTrackerState as w } from 'kube-rx/reducers';
 * w.createWriteTrackerState().writes.size; // 0
 * ```
 * @category controller
 * @since 0.3.0
 */
export const createWriteTrackerState = (): WriteTrackerState => ({
  writes: new Map(),
  waiting: new Map(),
  echoes: new Map(),
  relists: 0,
  relisting: new Map(),
  delivered: new Map(),
});

/** `key` no longer waits for `uid`; true if it waits for nothing more. */
const unwait = (state: WriteTrackerState, key: string, uid: string): boolean => {
  const byKey = state.writes.get(uid);
  byKey?.delete(key);
  if (byKey?.size === 0) state.writes.delete(uid);
  const uids = state.waiting.get(key);
  if (uids === undefined) return false;
  uids.delete(uid);
  if (uids.size > 0) return false;
  state.waiting.delete(key);
  return true;
};

/**
 * The reconcile of `key` wrote object `uid`, and the server answered with `resourceVersion`: the
 * next reconcile of `key` waits until an informer delivers that state (or a deletion of that
 * object, or a relist that started after now), and that delivery is an echo. A newer write of
 * the same object by the same key replaces the older one (a watch delivers the older first). A state
 * delivered already (the watch was faster than the answer, or an apply changed nothing) is not
 * waited for.
 *
 * @example
 * ```ts
 * import { writeTrackerState as w } from 'kube-rx/reducers';
 * const s = w.createWriteTrackerState();
 * w.recordWrite(s, 'default/a', 'uid-1', '7');
 * w.recordWrite(s, 'default/a', 'uid-1', '9');
 * s.writes.get('uid-1')?.get('default/a')?.resourceVersion; // '9'
 * ```
 * @category controller
 * @since 0.3.0
 */
export const recordWrite = (state: WriteTrackerState, key: string, uid: string, resourceVersion: string): void => {
  if (state.delivered.get(uid) === resourceVersion) return; // seen already: nothing to wait for
  const byKey = state.writes.get(uid) ?? new Map<string, AwaitedWrite>();
  byKey.set(key, { resourceVersion, relists: state.relists });
  state.writes.set(uid, byKey);
  const uids = state.waiting.get(key);
  if (uids === undefined) state.waiting.set(key, new Set([uid]));
  else uids.add(uid);
  const echoes = state.echoes.get(uid);
  if (echoes === undefined) state.echoes.set(uid, new Set([resourceVersion]));
  else echoes.add(resourceVersion);
};

/**
 * An informer delivered object `uid` at `resourceVersion` (`deleted` for a deletion). Returns
 * whether that delivery is the echo of an own write (exactly a resourceVersion an own write
 * returned) and the reconcile keys it releases: those whose last write of `uid` returned it, or
 * all keys waiting for `uid` when the object was deleted.
 *
 * A delivery of another resourceVersion releases nothing: it may be older than the write (still
 * in flight when the write returned); since a watch delivers one object's states in order, the
 * write's own state comes before any newer one.
 *
 * @example
 * ```ts
 * import { writeTrackerState as w } from 'kube-rx/reducers';
 * const s = w.createWriteTrackerState();
 * w.recordWrite(s, 'default/a', 'uid-1', '7');
 * w.observeDelivery(s, 'uid-1', '6', false); // { echo: false, released: [] }
 * w.observeDelivery(s, 'uid-1', '7', false); // { echo: true, released: ['default/a'] }
 * ```
 * @category controller
 * @since 0.3.0
 */
export const observeDelivery = (
  state: WriteTrackerState,
  uid: string,
  resourceVersion: string,
  deleted: boolean,
): { readonly echo: boolean; readonly released: ReadonlyArray<string> } => {
  const echoes = state.echoes.get(uid);
  const echo = echoes?.has(resourceVersion) === true;
  if (deleted) state.echoes.delete(uid);
  else if (echoes !== undefined && echo) {
    echoes.delete(resourceVersion);
    if (echoes.size === 0) state.echoes.delete(uid);
  }
  if (deleted) state.delivered.delete(uid);
  else state.delivered.set(uid, resourceVersion);
  const byKey = state.writes.get(uid);
  if (byKey === undefined) return { echo, released: [] };
  const released: string[] = [];
  for (const [key, awaited] of [...byKey]) {
    if ((deleted || awaited.resourceVersion === resourceVersion) && unwait(state, key, uid)) released.push(key);
  }
  return { echo, released };
};

/**
 * The informer of `feed` started a (re)list: its result reflects every write made before now.
 *
 * @example
 * ```ts
 * import { writeTrackerState as w } from 'kube-rx/reducers';
 * const s = w.createWriteTrackerState();
 * w.observeRelistStarted(s, 'secrets');
 * s.relists; // 1
 * ```
 * @category controller
 * @since 0.3.0
 */
export const observeRelistStarted = (state: WriteTrackerState, feed: string): void => {
  state.relists += 1;
  state.relisting.set(feed, state.relists);
};

/**
 * The informer of `feed` finished the relist it started: every write made before that relist
 * started is in its cache (or overtaken), so those writes are released. Returns the keys that
 * wait for nothing more. (Writes are not tied to an informer, so a relist of any feed releases
 * the writes older than it: rare, and never too late.)
 *
 * @example
 * ```ts
 * import { writeTrackerState as w } from 'kube-rx/reducers';
 * const s = w.createWriteTrackerState();
 * w.recordWrite(s, 'default/a', 'uid-1', '7');
 * w.observeRelistStarted(s, 'secrets');
 * w.observeRelistDone(s, 'secrets'); // ['default/a']
 * ```
 * @category controller
 * @since 0.3.0
 */
export const observeRelistDone = (state: WriteTrackerState, feed: string): ReadonlyArray<string> => {
  const started = state.relisting.get(feed);
  if (started === undefined) return [];
  state.relisting.delete(feed);
  const released: string[] = [];
  for (const [uid, byKey] of [...state.writes]) {
    for (const [key, awaited] of [...byKey]) {
      if (awaited.relists < started && unwait(state, key, uid)) released.push(key);
    }
    if (!state.writes.has(uid)) state.echoes.delete(uid);
  }
  return released;
};

/**
 * True when the next reconcile of `key` may run: no own write of it is waiting for delivery.
 *
 * @example
 * ```ts
 * import { writeTrackerState as w } from 'kube-rx/reducers';
 * w.isReady(w.createWriteTrackerState(), 'default/a'); // true
 * ```
 * @category controller
 * @since 0.3.0
 */
export const isReady = (state: WriteTrackerState, key: string): boolean => !state.waiting.has(key);

/**
 * The wait of `key` timed out: it stops waiting for its writes, and their echoes are forgotten
 * (so nothing is kept for an object no informer delivers; a late delivery then triggers one
 * reconcile). Returns how many writes it was waiting for.
 *
 * @example
 * ```ts
 * import { writeTrackerState as w } from 'kube-rx/reducers';
 * const s = w.createWriteTrackerState();
 * w.recordWrite(s, 'default/a', 'uid-1', '7');
 * w.expireWait(s, 'default/a'); // 1
 * w.isReady(s, 'default/a');    // true
 * ```
 * @category controller
 * @since 0.3.0
 */
export const expireWait = (state: WriteTrackerState, key: string): number => {
  const uids = state.waiting.get(key);
  if (uids === undefined) return 0;
  const count = uids.size;
  for (const uid of [...uids]) {
    unwait(state, key, uid);
    if (!state.writes.has(uid)) state.echoes.delete(uid);
  }
  return count;
};
