import { describe, it } from 'vitest';

import { whileTrue } from '../../lib/operators/whileTrue.js';
import { newTestScheduler } from '../helpers/marbles.js';

describe('whileTrue', () => {
  it('runs the work while on$ is true, stops it when on$ turns false, restarts it afresh', () => {
    newTestScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const on = hot('  f--t--t-----f----t----', { t: true, f: false });
      const work = cold('     --a--b-');
      expectObservable(whileTrue(on, () => work)).toBe('-----a--b----------a--b');
      expectSubscriptions(work.subscriptions).toBe(['---^--------!', '-----------------^']);
    });
  });

  it('stops the work and completes when on$ completes', () => {
    newTestScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const on = hot('  t------|', { t: true });
      const work = cold('--a--b--c');
      expectObservable(whileTrue(on, () => work)).toBe('--a--b-|');
      expectSubscriptions(work.subscriptions).toBe('^------!');
    });
  });

  it('errors when on$ or the work errors', () => {
    newTestScheduler().run(({ cold, hot, expectObservable }) => {
      expectObservable(whileTrue(hot('t--#', { t: true }), () => cold('-a----'))).toBe('-a-#');
      expectObservable(whileTrue(hot('t-----', { t: true }), () => cold('-a-#'))).toBe('-a-#');
    });
  });
});
