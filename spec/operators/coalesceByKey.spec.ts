import { map, of, Subject, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { coalesceByKey } from '../../lib/operators/coalesceByKey.js';
import { newTestScheduler } from '../helpers/marbles.js';

/** Values are `<key><n>` strings: `a1` is the first value of key `a`. */
const keyOf = (v: string): string => v.slice(0, 1);

describe('coalesceByKey', () => {
  it('handles the latest value of each key, keys in order of first arrival, one at a time', () => {
    const rx = newTestScheduler();
    const waiting: Array<[number, number]> = [];
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c-d-e---------|', { a: 'a1', b: 'b1', c: 'a2', d: 'a3', e: 'a4' });
      const subs = '      ^------------------!';
      const handled = source.pipe(
        coalesceByKey(keyOf, (v) => timer(4, rx).pipe(map(() => v)), { waiting: { next: (n) => waiting.push([rx.now(), n]) } }),
      );
      // a1 runs 1-5; a2 arrives while a runs and waits; b1 runs 5-9; a3, a4 replace a2; a4 runs 9-13
      expectObservable(handled).toBe('-----x---y---z-----|', { x: 'a1', y: 'b1', z: 'a4' });
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    expect(waiting).toEqual([
      [1, 1], [1, 0], // a1 queued and taken
      [3, 1], // b1
      [5, 2], // a2 parked while a1 runs
      [5, 1], // a1 done: a2 queued behind b1, b1 taken
      [9, 0], // b1 done: a4 (which replaced a2, a3) taken
    ]);
  });

  it('combines a waiting value with a new one when asked to', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable }) => {
      const source = hot('-a-b-c-|', { a: ['a1'], b: ['a2'], c: ['a3'] });
      const handled = source.pipe(
        coalesceByKey(
          (v) => keyOf(v[0] ?? ''),
          (v) => timer(5, rx).pipe(map(() => v.join('+'))),
          { combine: (w, v) => [...w, ...v] },
        ),
      );
      // a2 and a3 arrive while a1 runs: they wait as one, combined
      expectObservable(handled).toBe('------x----(y|)', { x: 'a1', y: 'a2+a3' });
    });
  });

  it('runs different keys side by side, never the same key twice at once', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable }) => {
      const source = hot('-a-b-c--------|', { a: 'a1', b: 'a2', c: 'b1' });
      const handled = source.pipe(coalesceByKey(keyOf, (v) => timer(4, rx).pipe(map(() => v)), { concurrency: 2 }));
      // a2 waits for a1 although a worker is free; b1 takes it at 5, a2 starts when a1 ends at 5
      expectObservable(handled).toBe('-----x---(yz)-|', { x: 'a1', y: 'b1', z: 'a2' });
    });
  });

  it('completes once the source has completed and everything waiting has been handled', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const handled = cold('(abc|)', { a: 'a1', b: 'b1', c: 'a2' }).pipe(coalesceByKey(keyOf, (v) => timer(2, rx).pipe(map(() => v))));
      expectObservable(handled).toBe('--x-y-(z|)', { x: 'a1', y: 'b1', z: 'a2' });
    });
  });

  it('handles synchronous handlers in order without recursion', () => {
    const out: string[] = [];
    const values = Array.from({ length: 10_000 }, (_, i) => `k${i % 7}-${i}`);
    of(...values)
      .pipe(coalesceByKey((v) => v.split('-')[0] ?? '', (v) => of(v)))
      .subscribe((v) => out.push(v));
    expect(out).toEqual(values);
  });

  it('fails with an error of a run, and unsubscribes the source and the other runs', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b------', { a: 'a1', b: 'b1' });
      const slow = cold('  ------x');
      const failing = cold('  ---#', undefined, new Error('handler failed'));
      const handled = source.pipe(coalesceByKey(keyOf, (v) => (v === 'a1' ? slow : failing), { concurrency: 2 }));
      expectObservable(handled).toBe('------#', undefined, new Error('handler failed'));
      expectSubscriptions(source.subscriptions).toBe('^-----!');
      expectSubscriptions(slow.subscriptions).toBe(' -^----!');
      expectSubscriptions(failing.subscriptions).toBe('---^--!');
    });
  });

  it('fails with an error thrown by keyOf, combine or the handler', () => {
    const errors: unknown[] = [];
    const boom = (): never => {
      throw new Error('bug');
    };
    of('a1').pipe(coalesceByKey(boom, (v) => of(v))).subscribe({ error: (e: unknown) => errors.push(e) });
    of('a1').pipe(coalesceByKey(keyOf, boom)).subscribe({ error: (e: unknown) => errors.push(e) });
    const s = new Subject<string>();
    s.pipe(coalesceByKey(keyOf, () => timer(10), { combine: boom })).subscribe({ error: (e: unknown) => errors.push(e) });
    s.next('a1');
    s.next('b1');
    s.next('b2');
    expect(errors).toEqual([new Error('bug'), new Error('bug'), new Error('bug')]);
  });

  it('tears down running handlers on unsubscribe and reports nothing waiting', () => {
    const rx = newTestScheduler();
    const waiting: number[] = [];
    rx.run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b------', { a: 'a1', b: 'b1' });
      const run = cold('  ------x');
      const handled = source.pipe(coalesceByKey(keyOf, () => run, { waiting: { next: (n) => waiting.push(n) } }));
      expectObservable(handled, '^----!').toBe('-');
      expectSubscriptions(run.subscriptions).toBe('-^---!');
    });
    // b1 still waits when the subscriber leaves: 0 is reported once
    expect(waiting).toEqual([1, 0, 1, 0]);
  });

  it('rejects a concurrency that is not a positive integer', () => {
    expect(() => coalesceByKey(keyOf, (v: string) => of(v), { concurrency: 0 })).toThrow(TypeError);
    expect(() => coalesceByKey(keyOf, (v: string) => of(v), { concurrency: 1.5 })).toThrow(/integer >= 1/);
  });
});
