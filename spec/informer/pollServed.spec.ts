import { describe, it } from 'vitest';

import { pollServed } from '../../lib/informer/pollServed.js';
import { notServed, SERVED, type ServedState } from '../../lib/listwatch/ServedState.js';
import { newTestScheduler } from '../helpers/marbles.js';

const N = notServed('the server does not serve example.com/v1');
const boom = new Error('connection refused');

describe('pollServed', () => {
  it('checks at once and every interval, emitting the first answer and then only changes', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const answers: ReadonlyArray<ServedState> = [N, N, SERVED, SERVED, N];
      const probes = answers.map((a) => cold('-(a|)', { a }));
      let call = 0;
      const result$ = pollServed(() => probes[call++] ?? cold<ServedState>('-'), { intervalMs: 10, scheduler: rx });
      expectObservable(result$, '^ 45ms !').toBe('-n 19ms s 19ms n', { n: N, s: SERVED });
      probes.forEach((p, i) => {
        expectSubscriptions(p.subscriptions).toBe(i === 0 ? '^!' : `${String(i * 10)}ms ^!`);
      });
    });
  });

  it('turns a failed check into Unknown, every time, and keeps polling', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const probes = [cold<ServedState>('-#', undefined, boom), cold<ServedState>('-#', undefined, boom), cold('-(s|)', { s: SERVED })];
      let call = 0;
      const result$ = pollServed(() => probes[call++] ?? cold<ServedState>('-'), { intervalMs: 10, scheduler: rx });
      expectObservable(result$, '^ 25ms !').toBe('-u 9ms u 9ms s', { u: { _tag: 'Unknown', error: boom }, s: SERVED });
    });
  });

  it('does not start a check while one is still running, and counts only its first value', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const slow = cold('15ms (ns)', { n: N, s: SERVED });
      const next = cold('-(s|)', { s: SERVED });
      const probes = [slow, next];
      let call = 0;
      const result$ = pollServed(() => probes[call++] ?? cold<ServedState>('-'), { intervalMs: 10, scheduler: rx });
      // checks due at 0 (runs until 15), 10 (skipped), 20 (answers at 21)
      expectObservable(result$, '^ 25ms !').toBe('15ms n 5ms s', { n: N, s: SERVED });
      expectSubscriptions(slow.subscriptions).toBe('^ 14ms !');
      expectSubscriptions(next.subscriptions).toBe('20ms ^!');
    });
  });
});
