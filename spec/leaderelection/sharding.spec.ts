import { from, share, Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';

import {
  assignShards,
  initialOwnedShards,
  ownedKeys,
  reduceOwnedShards,
  sharding,
  shardOf,
  whileOwning,
} from '../../lib/leaderelection/sharding.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { memoryLeaseStore } from '../helpers/memoryLeaseClient.js';

const L = 5_000;
const D = 3_000;
const R = 1_000;
const SHARDS = 8;

describe('shardOf', () => {
  it('is FNV-1a 32 of the UTF-8 key, modulo the shard count', () => {
    expect(shardOf('', 2 ** 32)).toBe(0x811c9dc5);
    expect(shardOf('a', 2 ** 32)).toBe(0xe40c292c);
    expect(shardOf('foobar', 2 ** 32)).toBe(0xbf9cf968);
    expect(shardOf('default/my-config', 8)).toBe(shardOf('default/my-config', 8));
  });

  it('spreads keys over all shards', () => {
    const counts = new Array<number>(SHARDS).fill(0);
    for (let i = 0; i < 8000; i++) counts[shardOf(`ns/obj-${i}`, SHARDS)]! += 1;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });
});

describe('assignShards', () => {
  it('gives every shard one owner and each member at most ceil(shards / members)', () => {
    const a = assignShards(['a', 'b', 'c'], SHARDS);
    expect(a.size).toBe(SHARDS);
    const load = new Map<string, number>();
    for (const m of a.values()) load.set(m, (load.get(m) ?? 0) + 1);
    expect([...load.values()].sort()).toEqual([2, 3, 3]);
  });

  it('depends only on the set of members', () => {
    expect(assignShards(['c', 'a', 'b', 'a'], SHARDS)).toEqual(assignShards(['a', 'b', 'c'], SHARDS));
    expect(assignShards([], SHARDS).size).toBe(0);
  });
});

describe('sharding (virtual time, 3 replicas, 8 shards)', () => {
  it('every shard has at most one holder at every instant, spread evenly; a dead replica’s shards move', () => {
    const rx = newTestScheduler();
    const names = ['r1', 'r2', 'r3'] as const;
    const held = new Map<string, ReadonlySet<number>>(names.map((n) => [n, new Set<number>()]));
    const history: Array<{ at: number; replica: string; shards: number[] }> = [];
    const violations: string[] = [];
    const check = (when: string): void => {
      const owner = new Map<number, string>();
      for (const [replica, shards] of held) {
        for (const s of shards) {
          const other = owner.get(s);
          if (other !== undefined) violations.push(`${when} @${rx.now()}: shard ${s} held by ${other} and ${replica}`);
          owner.set(s, replica);
        }
      }
    };
    let r2Down = false;
    let r2LastRenew = 0;

    rx.run(() => {
      const store = memoryLeaseStore(rx);
      const subs = new Subscription();
      for (const replica of names) {
        const client = store.client({ name: replica, down: () => replica === 'r2' && r2Down });
        const owned$ = sharding({
          client, namespace: 'default', name: 'ctl', identity: replica, shardCount: SHARDS,
          leaseDurationMs: L, renewDeadlineMs: D, retryPeriodMs: R, scheduler: rx, random: () => 0.5,
        });
        subs.add(
          owned$.subscribe((shards) => {
            held.set(replica, shards);
            history.push({ at: rx.now(), replica, shards: [...shards].sort() });
            check('on change');
          }),
        );
      }
      // sample every virtual millisecond as well (separate actions: a periodic one nests 45000 deep)
      let sampling = true;
      const sample = (): void => {
        check('sample');
        if (sampling) rx.schedule(sample, 1);
      };
      rx.schedule(sample, 0);
      subs.add(() => {
        sampling = false;
      });
      // kill r2 (it stops renewing anything: a partition) at 20 s
      rx.schedule(() => {
        r2Down = true;
        r2LastRenew = Math.max(...store.writes.filter((w) => w.by === 'r2').map((w) => w.at));
      }, 20_000);
      rx.schedule(() => {
        subs.unsubscribe();
      }, 45_000);
    });

    expect(violations).toEqual([]);
    const at = (t: number, replica: string): number[] =>
      history.filter((h) => h.replica === replica && h.at <= t).at(-1)?.shards ?? [];

    // settled before the kill: all 8 shards held, 3/3/2
    const before = names.map((n) => at(19_999, n));
    expect(before.flat().sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(before.map((s) => s.length).sort()).toEqual([2, 3, 3]);

    // r2 stops leading within renewDeadline of its last successful renew…
    const r2Dropped = history.find((h) => h.replica === 'r2' && h.at >= 20_000 && h.shards.length === 0);
    expect(r2Dropped?.at).toBeLessThanOrEqual(r2LastRenew + D);
    // …and its shards are held again by the others within leaseDuration + 2 (jittered) retry periods
    const movedBy = r2LastRenew + L + 2 * R * (1 + 1.2 * 0.5);
    const after = [at(movedBy, 'r1'), at(movedBy, 'r3')];
    expect(after.flat().sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(after.map((s) => s.length).sort()).toEqual([4, 4]);
    // nothing of r2's moved before its Lease expired for the others
    const firstGain = history.find(
      (h) => h.at > 20_000 && h.replica !== 'r2' && h.shards.some((s) => before[1]?.includes(s)),
    );
    expect(firstGain?.at).toBeGreaterThan(r2LastRenew + D);
  });
});

describe('ownedKeys', () => {
  const keyIn = (shard: number, skip = 0): string => {
    for (let i = 0, found = 0; ; i++) if (shardOf(`ns/k${i}`, 2) === shard && found++ === skip) return `ns/k${i}`;
  };
  const k = { x: keyIn(0), y: keyIn(1), z: keyIn(0, 1) };

  it('keeps the keys of owned shards, by the latest owned set', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const owned = hot('  a---------b-----', { a: new Set([0]), b: new Set([0, 1]) });
      const keys = hot('   --x--y--x----y--|', k);
      const subs = '       ^---------------!';
      const expected = '   --x-----x----y--|';
      expectObservable(keys.pipe(ownedKeys(owned, 2))).toBe(expected, k);
      expectSubscriptions(keys.subscriptions).toBe(subs);
    });
  });

  it('holds keys that arrive before the first owned set and delivers the owned ones, once each, when it comes', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const owned = hot('  ------a------', { a: new Set([0]) });
      const keys = hot('   -xyzx------x--|', k);
      const subs = '       ^-------------!';
      const expected = '   ------(xz)-x--|';
      expectObservable(keys.pipe(ownedKeys(owned, 2))).toBe(expected, k);
      expectSubscriptions(keys.subscriptions).toBe(subs);
    });
  });

  it('completes after delivering the held keys when the keys ended before the first owned set', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable }) => {
      const owned = hot('  -----a--', { a: new Set([0, 1]) });
      const keys = hot('   -xy|', k);
      expectObservable(keys.pipe(ownedKeys(owned, 2))).toBe('-----(xy|)', k);
    });
  });

  it('drops the held keys and completes with the keys when the owned sets end without one', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable }) => {
      const owned = hot<ReadonlySet<number>>('  ---|');
      const keys = hot('   -x---y--|', k);
      expectObservable(keys.pipe(ownedKeys(owned, 2))).toBe('--------|', k);
    });
  });

  it('with sharding: every key of an initial list reaches a replica holding its shard, none lost', () => {
    const rx = newTestScheduler();
    const keys = Array.from({ length: 40 }, (_, i) => `ns/obj-${i}`);
    const delivered: Array<{ key: string; replica: string; holds: boolean }> = [];
    rx.run(() => {
      const store = memoryLeaseStore(rx);
      const subs = new Subscription();
      for (const replica of ['r1', 'r2', 'r3']) {
        let latest: ReadonlySet<number> = new Set();
        const owned$ = sharding({
          client: store.client({ name: replica }), namespace: 'default', name: 'ctl', identity: replica, shardCount: SHARDS,
          leaseDurationMs: L, renewDeadlineMs: D, retryPeriodMs: R, scheduler: rx, random: () => 0.5,
        }).pipe(share());
        subs.add(owned$.subscribe((set) => (latest = set)));
        // the informer's initial list: every key at once, before any shard is won
        subs.add(
          from(keys)
            .pipe(ownedKeys(owned$, SHARDS))
            .subscribe((key) => delivered.push({ key, replica, holds: latest.has(shardOf(key, SHARDS)) })),
        );
      }
      rx.schedule(() => { subs.unsubscribe(); }, 30_000);
    });
    expect(new Set(delivered.map((d) => d.key))).toEqual(new Set(keys));
    expect(delivered.filter((d) => !d.holds)).toEqual([]);
  });
});

describe('reduceOwnedShards', () => {
  const step = (inputs: Parameters<typeof reduceOwnedShards>[1][]) => inputs.reduce(reduceOwnedShards, initialOwnedShards);

  it('is not known before the first membership round, whatever the elections say', () => {
    expect(step([{ _tag: 'Election', shard: 1, held: false }]).known).toBe(false);
  });

  it('is known once every assigned shard is held, or at the settle point', () => {
    const assigned = step([{ _tag: 'Assigned', mine: new Set([1, 2]) }, { _tag: 'Election', shard: 1, held: true }]);
    expect(assigned.known).toBe(false);
    expect(reduceOwnedShards(assigned, { _tag: 'Election', shard: 2, held: true }).known).toBe(true);
    const settled = reduceOwnedShards(assigned, { _tag: 'Settled' });
    expect(settled).toMatchObject({ known: true, held: new Set([1]) });
    // known stays known when a shard is lost later
    expect(reduceOwnedShards(settled, { _tag: 'Election', shard: 1, held: false })).toMatchObject({ known: true, held: new Set() });
  });

  it('is known at once when nothing is assigned to this replica', () => {
    expect(step([{ _tag: 'Assigned', mine: new Set() }]).known).toBe(true);
  });
});

describe('whileOwning', () => {
  it('runs work while the shard is owned and stops it when the shard is lost', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const owned = hot('  e--s--------e---s--', { e: new Set<number>(), s: new Set([2, 5]) });
      const work = cold('     a--b--c--d');
      const workSubs = [
        '                  ---^--------!',
        '                  ----------------^--',
      ];
      expectObservable(whileOwning(owned, 2, () => work)).toBe('---a--b--c------a--b--c--d');
      expectSubscriptions(work.subscriptions).toBe(workSubs);
    });
  });
});
