import { describe, it } from 'vitest';

import { holdUntil } from '../../lib/operators/holdUntil.js';
import { newTestScheduler } from '../helpers/marbles.js';

describe('holdUntil', () => {
  it('holds values until open$ emits, then releases them in order and passes the rest', () => {
    newTestScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b------c-|');
      const open = hot('  -----x--y-----');
      const sourceSubs = '^-----------!';
      const openSubs = '  ^----!';
      expectObservable(source.pipe(holdUntil(open))).toBe('-----(ab)-c-|');
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
      expectSubscriptions(open.subscriptions).toBe(openSubs);
    });
  });

  it('completes only once open$ has emitted', () => {
    newTestScheduler().run(({ cold, hot, expectObservable }) => {
      const source = cold('a|');
      const open = hot('   ---x');
      expectObservable(source.pipe(holdUntil(open))).toBe('---(a|)');
    });
  });
});
