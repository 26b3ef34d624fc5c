import fc from 'fast-check';
import { from } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { decodeFailure } from '../../lib/codec/decodeObject.js';
import type { WatchEvent } from '../../lib/listwatch/ListerWatcher.js';
import { transportError } from '../../lib/listwatch/ListerWatcherError.js';
import { reduceWatchInputs } from '../../lib/reflector/listThenWatch.js';
import { reduceWatch, type WatchCursor, type WatchInput } from '../../lib/reflector/reduceWatch.js';
import { initialReflectorState } from '../../lib/reflector/ReflectorState.js';
import { added, bookmark, configMap, deleted, modified, type TestConfigMap as Cm } from '../../lib/testing/builders.js';
import { at } from '../helpers/reflector.js';

const a1 = configMap('a', '1');
const b2 = configMap('b', '2');
const c3 = configMap('c', '3');

describe('reduceWatch', () => {
  it('a streaming list keeps the latest object per key and drops deleted ones', () => {
    const start: WatchCursor<Cm> = { state: initialReflectorState, events: 0, initial: { cause: 'Initial', buffered: undefined } };
    const inputs: ReadonlyArray<WatchEvent<Cm>> = [
      added(a1),
      added(b2),
      added(c3),
      modified(configMap('a', '4')),
      deleted(configMap('b', '5')),
      bookmark('5'),
      bookmark('6', true),
    ];
    let cursor = start;
    const out: unknown[] = [];
    for (const event of inputs) {
      const step = reduceWatch(cursor, { _tag: 'Event', event });
      cursor = step.cursor;
      out.push(...step.out);
    }
    expect(out).toEqual([
      { _tag: 'Replace', items: [configMap('a', '4'), c3], resourceVersion: '6' },
      { _tag: 'Watching', resourceVersion: '6' },
    ]);
    expect(cursor).toEqual({ state: at('6'), events: 7 });
  });

  it('an object without a resourceVersion does not move the RV', () => {
    const noRv: Cm = { metadata: { name: 'n' } };
    const step = reduceWatch<Cm>({ state: at('5'), events: 0 }, { _tag: 'Event', event: added(noRv) });
    expect(step.cursor.state.lastSyncRV).toBe('5');
    expect(step.out).toEqual([{ _tag: 'Added', object: noRv, resourceVersion: '' }]);
  });
});

describe('reduceWatchInputs (the fused lane)', () => {
  const rv = fc.constantFrom('', '1', '2', '3', '10', '11');
  const object = fc.record({ name: fc.constantFrom('a', 'b', 'c'), rv }).map(({ name, rv: v }): Cm => (v === '' ? { metadata: { name } } : configMap(name, v)));
  const event: fc.Arbitrary<WatchEvent<Cm>> = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(added, modified, deleted), object).map(([make, o]) => make(o)) },
    { weight: 2, arbitrary: fc.tuple(rv, fc.boolean()).map(([v, end]) => bookmark<Cm>(v === '' ? '1' : v, end)) },
    { weight: 1, arbitrary: fc.constantFrom(410, 500).map((code): WatchEvent<Cm> => ({ _tag: 'Error', status: { kind: 'Status', code } })) },
    { weight: 1, arbitrary: rv.map((v): WatchEvent<Cm> => ({ _tag: 'Invalid', failure: { ...decodeFailure('watch', '{}', ['not a ConfigMap']), ...(v === '' ? {} : { resourceVersion: v }) } })) },
  );
  const end: fc.Arbitrary<WatchInput<Cm>> = fc.oneof(
    fc.nat({ max: 5000 }).map((durationMs): WatchInput<Cm> => ({ _tag: 'Closed', durationMs })),
    fc.constant<WatchInput<Cm>>({ _tag: 'Failed', error: transportError('watch', 'configmaps', 'reset') }),
    fc.constant<WatchInput<Cm>>({ _tag: 'Idle', idleMs: 1000 }),
  );
  const start: fc.Arbitrary<WatchCursor<Cm>> = fc.oneof(
    rv.map((v): WatchCursor<Cm> => ({ state: at(v === '' ? '1' : v), events: 0 })),
    fc.boolean().map((auto): WatchCursor<Cm> => ({ state: at('1'), events: 0, initial: auto ? { cause: 'Initial', buffered: undefined, auto } : { cause: 'Error', buffered: undefined } })),
    // a cursor that already buffered objects of a streaming list (reduceWatch's own state, mid-list)
    fc.array(fc.tuple(fc.boolean(), object), { minLength: 1, maxLength: 5 }).map(
      (entries): WatchCursor<Cm> => ({
        state: at('1'),
        events: entries.length,
        initial: { cause: 'Initial', buffered: entries.reduce<NonNullable<WatchCursor<Cm>['initial']>['buffered']>((older, [d, o]) => ({ deleted: d, object: o, older }), undefined) },
      }),
    ),
  );
  /** Some inputs arrive already wrapped as `Event` (the operator takes both forms). */
  const input: fc.Arbitrary<WatchEvent<Cm> | WatchInput<Cm>> = fc.tuple(event, fc.boolean()).map(([e, wrap]) => (wrap ? { _tag: 'Event', event: e } : e));

  /** The reference: every input wrapped and reduced, each step's out in order, up to the transition. */
  const reference = (cursor0: WatchCursor<Cm>, inputs: ReadonlyArray<WatchEvent<Cm> | WatchInput<Cm>>): unknown[] => {
    let cursor = cursor0;
    const out: unknown[] = [];
    for (const input of inputs) {
      const wrapped: WatchInput<Cm> = input._tag === 'Closed' || input._tag === 'Failed' || input._tag === 'Idle' || input._tag === 'Event' ? input : { _tag: 'Event', event: input };
      const step = reduceWatch(cursor, wrapped);
      cursor = step.cursor;
      for (const o of step.out) {
        out.push(o);
        if (o._tag === 'Next') return out;
      }
    }
    return out;
  };

  it("a streaming list's object that cannot be keyed errors the stream at once, as reduceWatch's keying would at the end", () => {
    const cursor: WatchCursor<Cm> = { state: at('1'), events: 0, initial: { cause: 'Initial', buffered: undefined } };
    const noMetadata = { kind: 'ConfigMap' } as unknown as Cm;
    const seen: unknown[] = [];
    let error: unknown;
    from<WatchEvent<Cm>[]>([added(a1), added(noMetadata), added(b2), bookmark('2', true)])
      .pipe(reduceWatchInputs(cursor))
      .subscribe({ next: (o) => seen.push(o), error: (e: unknown) => (error = e) });
    expect(seen).toEqual([]);
    expect(error).toBeInstanceOf(TypeError);
    expect(() => reference(cursor, [added(a1), added(noMetadata), added(b2), bookmark('2', true)])).toThrow(TypeError);
  });

  it('property: emits exactly what reduceWatch step by step emits, transitions (state, counts) included', () => {
    fc.assert(
      fc.property(start, fc.array(input, { maxLength: 30 }), fc.option(end, { nil: undefined }), (cursor, events, last) => {
        const inputs: ReadonlyArray<WatchEvent<Cm> | WatchInput<Cm>> = last === undefined ? events : [...events, last];
        const fused: unknown[] = [];
        let completed = false;
        from(inputs).pipe(reduceWatchInputs(cursor)).subscribe({ next: (o) => fused.push(o), complete: () => (completed = true) });
        expect(fused).toEqual(reference(cursor, inputs));
        expect(completed).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
