import { map, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { mergeMapWithLag } from '../../lib/operators/mergeMapWithLag.js';
import { newTestScheduler } from '../helpers/marbles.js';

describe('mergeMapWithLag', () => {
  it('counts values received and not yet projected, one at a time by default', () => {
    const rx = newTestScheduler();
    const lagLog: { frame: number; n: number }[] = [];
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot(' -a-b-c-----------|');
      const subs = '       ^----------------!';
      const result = source.pipe(
        mergeMapWithLag((v) => timer(3, rx).pipe(map(() => v.toUpperCase())), {
          lag: { next: (n) => lagLog.push({ frame: rx.now(), n }) },
        }),
      );
      expectObservable(result).toBe('----A--B--C------|');
      expectSubscriptions(source.subscriptions).toBe(subs);
    });
    // 1 at a, 2 at b, 3 at c, then down by one as each projection completes
    expect(lagLog).toEqual([
      { frame: 1, n: 1 },
      { frame: 3, n: 2 },
      { frame: 4, n: 1 },
      { frame: 5, n: 2 },
      { frame: 7, n: 1 },
      { frame: 10, n: 0 },
    ]);
  });

  it('runs up to `concurrency` projections at once', () => {
    const rx = newTestScheduler();
    const lagLog: { frame: number; n: number }[] = [];
    rx.run(({ hot, expectObservable }) => {
      const source = hot(' -a-b-c---|');
      const result = source.pipe(
        mergeMapWithLag((v) => timer(3, rx).pipe(map(() => v)), {
          lag: { next: (n) => lagLog.push({ frame: rx.now(), n }) },
          concurrency: 2,
        }),
      );
      expectObservable(result).toBe('----a-b-c|');
    });
    expect(lagLog).toEqual([
      { frame: 1, n: 1 },
      { frame: 3, n: 2 },
      { frame: 4, n: 1 },
      { frame: 5, n: 2 },
      { frame: 6, n: 1 },
      { frame: 8, n: 0 },
    ]);
  });

  it('counts down when the subscriber leaves with work in flight', () => {
    const rx = newTestScheduler();
    const lags: number[] = [];
    rx.run(({ hot, expectObservable }) => {
      const source = hot(' -a-b------');
      const result = source.pipe(mergeMapWithLag(() => timer(10, rx), { lag: { next: (n) => lags.push(n) } }));
      expectObservable(result, '^---!').toBe('-');
    });
    expect(lags).toEqual([1, 2, 0]);
  });
});
