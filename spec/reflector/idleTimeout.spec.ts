import fc from 'fast-check';
import { type Observable, of, timeout } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import { idleTimeout } from '../../lib/reflector/idleTimeout.js';
import { newTestScheduler } from '../helpers/marbles.js';

describe('idleTimeout', () => {
  it('passes values through and ends idleMs after the last one', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a--b------------');
      expectObservable(source.pipe(idleTimeout(5, () => 'i', rx))).toBe('-a--b----(i|)');
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('ends a source that never emits idleMs after the subscription', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-');
      expectObservable(source.pipe(idleTimeout(3, () => 'i', rx))).toBe('---(i|)');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('passes completion and errors through and then never fires', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-|').pipe(idleTimeout(2, () => 'i', rx))).toBe('-a-|');
      expectObservable(cold('-a-#').pipe(idleTimeout(2, () => 'i', rx))).toBe('-a-#');
      expectObservable(cold('|').pipe(idleTimeout(2, () => 'i', rx))).toBe('|');
    });
  });

  it('stops its timer when unsubscribed', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      expectObservable(cold('-').pipe(idleTimeout(5, () => 'i', rx)), '^-!').toBe('---');
    });
    expect(rx.actions).toHaveLength(0);
  });

  it('behaves exactly like rxjs timeout({ each, with }) for any timing of values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 8 }),
        fc.constantFrom('', '|', '#'),
        (idleMs, gaps, end) => {
          // values at the given gaps (0: same frame as the previous one), then the end
          let marbles = '';
          gaps.forEach((gap, i) => {
            marbles += `${'-'.repeat(gap)}${String.fromCharCode(97 + i)}`;
          });
          marbles += end === '' ? '' : `-${end}`;
          const run = (
            op: (rx: TestScheduler) => (source: Observable<string>) => Observable<string>,
          ): unknown => {
            const rx = new TestScheduler(() => undefined);
            let frames: unknown;
            rx.run(({ cold }) => {
              const source = cold(marbles);
              const out: unknown[] = [];
              source.pipe(op(rx)).subscribe({
                next: (v) => out.push([rx.now(), 'N', v]),
                error: () => out.push([rx.now(), 'E']),
                complete: () => out.push([rx.now(), 'C']),
              });
              rx.flush();
              frames = { out, subscriptions: source.subscriptions.map((s) => [s.subscribedFrame, s.unsubscribedFrame]) };
            });
            return frames;
          };
          const ours = run((rx) => idleTimeout(idleMs, () => 'i', rx));
          const rxjs = run((rx) => timeout({ each: idleMs, with: () => of('i'), scheduler: rx }));
          expect(ours).toEqual(rxjs);
        },
      ),
      { numRuns: 500 },
    );
  });
});
