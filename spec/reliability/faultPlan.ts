/**
 * The plan of one fault-suite run, drawn from a seed: which ConfigMaps exist, how the informer is
 * configured, and the sequence of writes, pauses and faults. Pure data, so a seed always gives the
 * same plan (fast-check's seeded generator draws it), and a failing run replays from its seed.
 */
import fc from 'fast-check';

/** One injected fault, as the suite applies it to the embedded server. */
export type Fault =
  /** `dropWatches({ midLine })`: every open watch is cut, after half an event line if `midLine`. */
  | { readonly _tag: 'Drop'; readonly midLine: boolean }
  /** `garbageLine`: the next event on a watch is preceded by a line that is not JSON. */
  | { readonly _tag: 'GarbageLine' }
  /** `stall` then a drop: the next watch sends its headers, then nothing, until the idle watchdog ends it. */
  | { readonly _tag: 'Stall' }
  /** `respond`: the next `verb` request is answered `code` (429 with Retry-After); `now` also drops the watches so a watch fault bites at once. */
  | { readonly _tag: 'Respond'; readonly verb: 'watch' | 'list'; readonly code: 410 | 429 | 500; readonly now: boolean }
  /** `expireContinueTokens` as soon as the informer holds a continue token (the next paged list), a relist forced by a watch 410. */
  | { readonly _tag: 'ExpireContinue' }
  /** `compact()`: the history is forgotten; with `drop`, the watches are cut so that the re-watch meets it. */
  | { readonly _tag: 'Compact'; readonly drop: boolean }
  /** `restart({ keepHistory, downForMs })`, not awaited: the traffic goes on while the server is down. */
  | { readonly _tag: 'Restart'; readonly keepHistory: boolean; readonly downForMs: number };

/**
 * One step of a run. A write names a key and a choice: the key is created when absent, else
 * updated (`choice < 70`) or deleted; the server state it leads to depends on the plan alone.
 */
export type Step =
  | { readonly _tag: 'Write'; readonly key: number; readonly choice: number }
  | { readonly _tag: 'Pause'; readonly ms: number }
  | { readonly _tag: 'Fault'; readonly fault: Fault };

/** The plan of one run. */
export interface RunPlan {
  readonly seed: number;
  /** `namespace/name` of every ConfigMap the run may write, across two namespaces. */
  readonly keys: ReadonlyArray<string>;
  /** How many keys exist before the informer starts. */
  readonly initialObjects: number;
  readonly initialList: 'list' | 'stream';
  readonly order: 'key' | 'global';
  readonly pageSize: number;
  /** The informer's default resync period (0: none): subscribers also get `Sync` events. */
  readonly resyncPeriodMs: number;
  /** Before which step a second subscriber joins (and is checked too); -1: none. */
  readonly lateSubscriberAt: number;
  readonly steps: ReadonlyArray<Step>;
}

/** The name a fault is counted under in the summary. */
export const faultKind = (f: Fault): string => {
  switch (f._tag) {
    case 'Drop':
      return f.midLine ? 'dropMidLine' : 'drop';
    case 'GarbageLine':
      return 'garbageLine';
    case 'Stall':
      return 'stall';
    case 'Respond':
      return `${f.verb}${String(f.code)}`;
    case 'ExpireContinue':
      return 'continue410';
    case 'Compact':
      return 'compact';
    case 'Restart':
      return f.keepHistory ? 'restart' : 'restartNoHistory';
  }
};

const faultArb: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ _tag: fc.constant('Drop' as const), midLine: fc.boolean() }),
  fc.constant({ _tag: 'GarbageLine' as const }),
  fc.constant({ _tag: 'Stall' as const }),
  fc.record({
    _tag: fc.constant('Respond' as const),
    verb: fc.constantFrom('watch' as const, 'list' as const),
    code: fc.constantFrom(410 as const, 429 as const, 500 as const),
    now: fc.boolean(),
  }),
  fc.constant({ _tag: 'ExpireContinue' as const }),
  fc.record({ _tag: fc.constant('Compact' as const), drop: fc.boolean() }),
  fc.record({ _tag: fc.constant('Restart' as const), keepHistory: fc.boolean(), downForMs: fc.integer({ min: 20, max: 300 }) }),
);

const stepArb = (keys: number): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.record({ _tag: fc.constant('Write' as const), key: fc.nat(keys - 1), choice: fc.nat(99) }) },
    { weight: 5, arbitrary: fc.record({ _tag: fc.constant('Pause' as const), ms: fc.integer({ min: 10, max: 150 }) }) },
    { weight: 2, arbitrary: fc.record({ _tag: fc.constant('Fault' as const), fault: faultArb }) },
  );

const planArb = (seed: number): fc.Arbitrary<RunPlan> =>
  fc.integer({ min: 20, max: 50 }).chain((count) =>
    fc.record({
      seed: fc.constant(seed),
      keys: fc.constant(Array.from({ length: count }, (_, i) => `${i % 2 === 0 ? 'ns-a' : 'ns-b'}/cm-${String(i).padStart(2, '0')}`)),
      initialObjects: fc.integer({ min: 0, max: count }),
      initialList: fc.constantFrom('list' as const, 'list' as const, 'list' as const, 'stream' as const),
      order: fc.constantFrom('key' as const, 'key' as const, 'key' as const, 'global' as const),
      pageSize: fc.integer({ min: 3, max: 12 }),
      resyncPeriodMs: fc.constantFrom(0, 0, 50, 200),
      lateSubscriberAt: fc.integer({ min: -1, max: 59 }),
      steps: fc.array(stepArb(count), { minLength: 60, maxLength: 120 }),
    }),
  );

/** The plan of the run with this seed: the same seed always gives the same plan. */
export const planFor = (seed: number): RunPlan => {
  const [plan] = fc.sample(planArb(seed), { seed, numRuns: 1 });
  if (plan === undefined) throw new Error(`no plan drawn for seed ${String(seed)}`);
  return plan;
};
