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

  describe('with stop$ (drain)', () => {
    it('stops following on$ at stop$ and lets the running work finish, then completes', () => {
      newTestScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const on = hot('  t-----f-t----------', { t: true, f: false });
        const stop = hot('----------s--------');
        const work = cold('--a--b--c|');
        expectObservable(whileTrue(on, () => work, { stop$: stop })).toBe('--a--b----a--b--c|');
        expectSubscriptions(work.subscriptions).toBe(['^-----!', '--------^--------!']);
        expectSubscriptions(on.subscriptions).toBe('^---------!');
        expectSubscriptions(stop.subscriptions).toBe('^---------!');
      });
    });

    it('completes at once at stop$ when the work is off', () => {
      newTestScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const on = hot('  t--f------', { t: true, f: false });
        const work = cold('-a-------');
        expectObservable(whileTrue(on, () => work, { stop$: hot('-----s') })).toBe('-a---|');
        expectSubscriptions(work.subscriptions).toBe('^--!');
      });
    });

    it('completes at once at stop$ when the running work has already completed', () => {
      newTestScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const on = hot('  t---------', { t: true });
        const work = cold('-a|');
        expectObservable(whileTrue(on, () => work, { stop$: hot('-----s') })).toBe('-a---|');
        expectSubscriptions(work.subscriptions).toBe('^-!');
      });
    });

    it('drains too when on$ completes before stop$, and ignores on$ after stop$', () => {
      newTestScheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const on = hot('  t--|', { t: true });
        const work = cold('-a---b|');
        expectObservable(whileTrue(on, () => work, { stop$: hot('-------s') })).toBe('-a---b|');
        expectSubscriptions(work.subscriptions).toBe('^-----!');
      });
    });

    it('errors when the work errors while draining', () => {
      newTestScheduler().run(({ cold, hot, expectObservable }) => {
        expectObservable(whileTrue(hot('t------', { t: true }), () => cold('-a---#'), { stop$: hot('--s') })).toBe('-a---#');
      });
    });
  });
});
