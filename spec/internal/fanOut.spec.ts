import fc from 'fast-check';
import { share, Subject, type SubjectLike, type Unsubscribable } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { fanOut } from '../../lib/internal/fanOut.js';
import { newTestScheduler } from '../helpers/marbles.js';

/** One step of a script played against a multicast point. */
type Op =
  | { readonly op: 'subscribe'; readonly id: number }
  | { readonly op: 'unsubscribe'; readonly id: number }
  | { readonly op: 'next'; readonly value: number }
  /** While delivering `value`, subscriber `by` unsubscribes `id` or subscribes `id` (re-entrant). */
  | { readonly op: 'nextReentrant'; readonly value: number; readonly by: number; readonly id: number; readonly subscribe: boolean }
  | { readonly op: 'complete' }
  | { readonly op: 'error' };

/** Plays `ops` against `subject` and logs what every subscriber sees. */
const play = (subject: SubjectLike<number>, ops: ReadonlyArray<Op>): string[] => {
  const log: string[] = [];
  const subs = new Map<number, Unsubscribable>();
  /** A re-entrant action to run once, by one subscriber, while it receives a value. */
  let during: { readonly by: number; run(): void } | undefined;
  const subscribe = (id: number): void => {
    subs.get(id)?.unsubscribe();
    subs.set(
      id,
      subject.subscribe({
        next: (v) => {
          log.push(`${id}:${v}`);
          const action = during;
          if (action?.by === id) {
            during = undefined;
            action.run();
          }
        },
        error: (e: unknown) => log.push(`${id}:error ${String(e)}`),
        complete: () => log.push(`${id}:complete`),
      }),
    );
  };
  for (const o of ops) {
    switch (o.op) {
      case 'subscribe':
        subscribe(o.id);
        break;
      case 'unsubscribe':
        subs.get(o.id)?.unsubscribe();
        subs.delete(o.id);
        break;
      case 'next':
        subject.next(o.value);
        break;
      case 'nextReentrant':
        during = {
          by: o.by,
          run: () => {
            if (o.subscribe) subscribe(o.id);
            else subs.get(o.id)?.unsubscribe();
          },
        };
        subject.next(o.value);
        during = undefined;
        break;
      case 'complete':
        subject.complete();
        break;
      case 'error':
        subject.error('boom');
        break;
    }
  }
  return log;
};

const id = fc.integer({ min: 0, max: 3 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('subscribe' as const), id }),
  fc.record({ op: fc.constant('unsubscribe' as const), id }),
  fc.record({ op: fc.constant('next' as const), value: fc.integer({ min: 0, max: 99 }) }),
  fc.record({ op: fc.constant('nextReentrant' as const), value: fc.integer({ min: 0, max: 99 }), by: id, id, subscribe: fc.boolean() }),
  fc.constant({ op: 'complete' as const }),
  fc.constant({ op: 'error' as const }),
);

describe('fanOut', () => {
  it('delivers to its subscribers exactly what an rxjs Subject delivers, whatever the script (subscribing and unsubscribing in between and during a value, ending)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        expect(play(fanOut<number>(), ops)).toEqual(play(new Subject<number>(), ops));
      }),
      { numRuns: 2000 },
    );
  });

  it('does not give a value to a subscriber added while it goes out, and not to one removed meanwhile', () => {
    const ops: Op[] = [
      { op: 'subscribe', id: 0 },
      { op: 'subscribe', id: 1 },
      { op: 'nextReentrant', value: 1, by: 0, id: 1, subscribe: false },
      { op: 'nextReentrant', value: 2, by: 0, id: 2, subscribe: true },
      { op: 'next', value: 3 },
    ];
    expect(play(fanOut<number>(), ops)).toEqual(['0:1', '0:2', '0:3', '2:3']);
  });

  it('ends every subscriber once, ignores values after the end and ends a late subscriber at once', () => {
    expect(play(fanOut<number>(), [{ op: 'subscribe', id: 0 }, { op: 'error' }, { op: 'next', value: 1 }, { op: 'complete' }, { op: 'subscribe', id: 1 }])).toEqual([
      '0:error boom',
      '1:error boom',
    ]);
    expect(play(fanOut<number>(), [{ op: 'subscribe', id: 0 }, { op: 'complete' }, { op: 'next', value: 1 }, { op: 'subscribe', id: 1 }])).toEqual(['0:complete', '1:complete']);
  });

  it("as share()'s connector: subscribers arriving late see only later values, the source is shared and unsubscribed with the last one", () => {
    newTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-d-e|');
      const shared = source.pipe(share({ connector: () => fanOut<string>() }));
      expectObservable(shared, '^------!').toBe('-a-b-c-');
      expectObservable(shared, '--^-------').toBe('---b-c-d-e|');
      expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it("as share()'s connector: an error reaches every subscriber and the next subscriber starts the source again", () => {
    newTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-#');
      const shared = source.pipe(share({ connector: () => fanOut<string>() }));
      expectObservable(shared, '^-----').toBe('-a-#');
      expectObservable(shared, '--^---').toBe('---#');
      expectObservable(shared, '-----^').toBe('------a-#');
      expectSubscriptions(source.subscriptions).toBe(['^--!', '-----^--!']);
    });
  });
});
