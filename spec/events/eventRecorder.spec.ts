import type { Event } from 'kubernetes-types/core/v1.js';
import { map, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import type { EventSinkError } from '../../lib/events/EventSink.js';
import { type EventRecorder, eventRecorder, type EventRecorderConfig, type EventRecorderProblem } from '../../lib/events/eventRecorder.js';
import type { EventDropReason } from '../../lib/metrics/EventRecorderMetricsProvider.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { recordingMetrics } from '../helpers/recordingMetrics.js';
import { recordingLogger } from '../helpers/recordingLogger.js';
import { memoryEventSink } from './memoryEventSink.js';

const pod = (name = 'web') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'prod', uid: `uid-${name}` } });

/** Counts drops per reason with the shared recording provider. */
const dropCounter = (rx: TestScheduler) => {
  const recording = recordingMetrics(() => rx.now());
  const count = (reason: EventDropReason): number => recording.valueOf('newEventsDroppedMetric', `ctl/${reason}`);
  return { provider: recording.provider, count };
};

/** `message#count`, to read written Events in marbles. */
const brief = (e: Event): string => `${e.message ?? ''}#${e.count ?? 0}`;
const problem = (p: EventRecorderProblem): string =>
  p._tag === 'EventDropped' ? `${p.reason}${p.error === undefined ? '' : `:${p.error._tag}`}` : `retry:${p.attempt}:${p.delayMs}`;

/** Runs `script` on the recorder at virtual times: `[at, action]`. */
const at = (rx: TestScheduler, script: ReadonlyArray<readonly [number, () => void]>): void => {
  for (const [t, action] of script) rx.schedule(action, t);
};

const setup = (rx: TestScheduler, latencyMs: number, config: Partial<EventRecorderConfig> = {}) => {
  const memory = memoryEventSink(rx, latencyMs);
  const drops = dropCounter(rx);
  const recorder: EventRecorder = eventRecorder({ sink: memory.sink, component: 'ctl', scheduler: rx, metrics: drops.provider, ...config });
  const written$: Observable<string> = recorder.written$.pipe(map(brief));
  const problems$: Observable<string> = recorder.problems$.pipe(map(problem));
  return { memory, drops, recorder, written$, problems$ };
};

describe('eventRecorder', () => {
  it('writes a burst of 25 events about one object and type, then one per 5 minutes (the spam filter)', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const { recorder, written$, drops, memory } = setup(rx, 0);
      const burst = Array.from({ length: 30 }, (_, i) => () => {
        recorder.record(pod(), 'Warning', `R${i}`, 'm');
      });
      at(rx, [
        ...burst.map((f) => [0, f] as const),
        [299_999, () => { recorder.record(pod(), 'Warning', 'late', 'm'); }],
        [300_000, () => { recorder.record(pod(), 'Warning', 'A', 'm'); }],
        [300_000, () => { recorder.record(pod(), 'Warning', 'B', 'm'); }],
        [300_000, () => { recorder.record(pod(), 'Normal', 'other type', 'm'); }],
        [600_000, () => { recorder.record(pod(), 'Warning', 'C', 'm'); }],
        [900_000, () => { recorder.close(); }],
      ]);
      const expected = '(abcdefghijklmnopqrstuvwxy) 299973ms (zN) 299996ms C 299999ms |';
      const values: Record<string, string> = Object.fromEntries('abcdefghijklmnopqrstuvwxy'.split('').map((c) => [c, 'm#1']));
      expectObservable(written$).toBe(expected, { ...values, z: 'm#1', N: 'm#1', C: 'm#1' });
      rx.schedule(() => {
        expect(drops.count('spam_filtered')).toBe(5 + 1 + 1);
        expect(memory.calls.map((c) => c.verb)).toEqual(Array.from({ length: 28 }, () => 'create'));
      }, 600_001);
    });
  });

  it('combines similar events from the 10th distinct message within a sliding 10 minutes, and starts over after', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const { recorder, written$ } = setup(rx, 0);
      const minute = 60_000;
      at(rx, [
        ...Array.from({ length: 11 }, (_, i) => [i * minute, () => { recorder.record(pod(), 'Warning', 'BackOff', `m${i}`); }] as const),
        [10 * minute + 600_001, () => { recorder.record(pod(), 'Warning', 'BackOff', 'm11'); }],
        [10 * minute + 600_002, () => { recorder.close(); }],
      ]);
      const expected = 'a 59999ms b 59999ms c 59999ms d 59999ms e 59999ms f 59999ms g 59999ms h 59999ms i 59999ms j 59999ms k 600000ms l|';
      expectObservable(written$).toBe(expected, {
        ...Object.fromEntries('abcdefghi'.split('').map((c, i) => [c, `m${i}#1`])),
        j: '(combined from similar events): m9#1',
        k: '(combined from similar events): m10#2',
        l: 'm11#1',
      });
    });
  });

  it('never blocks on a stalled sink: a bounded buffer, then drops counted; close cancels the write in flight', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const stalled = cold<Event>('-');
      const drops = dropCounter(rx);
      const recorder = eventRecorder({
        sink: { create: () => stalled, patch: () => stalled },
        component: 'ctl',
        scheduler: rx,
        bufferSize: 2,
        metrics: drops.provider,
      });
      at(rx, [
        [1, () => {
          for (const name of ['a', 'b', 'c', 'd', 'e']) recorder.record(pod(name), 'Normal', 'Created', 'made');
          expect(recorder.pending()).toBe(3);
        }],
        [5, () => { recorder.close(); }],
      ]);
      expectObservable(recorder.problems$.pipe(map(problem))).toBe('-(xy)(zz|)', { x: 'buffer_full', y: 'buffer_full', z: 'closed' });
      expectSubscriptions(stalled.subscriptions).toBe('-^---!');
      rx.schedule(() => {
        expect([drops.count('buffer_full'), drops.count('closed'), drops.count('rejected')]).toEqual([2, 2, 0]);
        expect(recorder.pending()).toBe(0);
      }, 6);
    });
  });

  it('patches the count of an identical event, falling back to a create when the Event is gone (404)', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const { recorder, written$, memory } = setup(rx, 2);
      at(rx, [
        [0, () => { recorder.record(pod(), 'Warning', 'Failed', 'x'); }],
        [5, () => { recorder.record(pod(), 'Warning', 'Failed', 'x'); }],
        [10, () => { memory.store.clear(); }], // the Events expired on the server (TTL)
        [10, () => { recorder.record(pod(), 'Warning', 'Failed', 'x'); }],
        [20, () => { recorder.close(); }],
      ]);
      expectObservable(written$).toBe('--a----b------c-----|', { a: 'x#1', b: 'x#2', c: 'x#3' });
      rx.schedule(() => {
        expect(memory.calls.map((c) => `${c.verb}@${c.at}#${c.count ?? 0}`)).toEqual(['create@0#1', 'patch@5#2', 'patch@10#3', 'create@12#3']);
        const names = new Set(memory.calls.map((c) => c.name));
        expect(names.size).toBe(1);
        expect([...names][0]).toMatch(/^web\.[0-9a-f]+$/);
      }, 19);
    });
  });

  it('serializes the writes of one key and replaces a waiting write by the newer one', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const { recorder, written$, memory } = setup(rx, 10, { concurrency: 4 });
      at(rx, [
        [0, () => {
          for (let i = 0; i < 3; i++) recorder.record(pod(), 'Warning', 'Failed', 'x');
          recorder.record(pod('db'), 'Warning', 'Failed', 'y');
        }],
        [30, () => { recorder.close(); }],
      ]);
      expectObservable(written$).toBe('----------(ab)------c---------|', { a: 'x#1', b: 'y#1', c: 'x#3' });
      rx.schedule(() => {
        expect(memory.calls.map((c) => `${c.verb}@${c.at}#${c.count ?? 0}`)).toEqual(['create@0#1', 'create@0#1', 'patch@10#3']);
      }, 29);
    });
  });

  it('drops an event the server rejects (no retry) and reports it; retries one it cannot deliver', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const { recorder, written$, problems$, memory, drops } = setup(rx, 1, { random: () => 0.5, retryDelayMs: 10 });
      const invalid = memory.httpError('create', 422, 'Invalid');
      const refused: EventSinkError = { _tag: 'TransportError', verb: 'create', resource: 'events', message: 'refused', code: 'ECONNREFUSED' };
      at(rx, [
        [0, () => {
          memory.fail('create', invalid);
          recorder.record(pod('a'), 'Normal', 'Created', 'one');
        }],
        [3, () => {
          memory.fail('create', refused);
          memory.fail('create', refused);
          recorder.record(pod('b'), 'Normal', 'Created', 'two');
        }],
        [40, () => { recorder.close(); }],
      ]);
      // b: fails at 4, waits 5 (0.5 × 10), fails at 10, waits 10, written at 21
      expectObservable(written$).toBe('---------------------b------------------|', { b: 'two#1' });
      expectObservable(problems$).toBe('-r--x-----y-----------------------------|', { r: 'rejected:HttpError', x: 'retry:1:5', y: 'retry:2:10' });
      rx.schedule(() => {
        expect(drops.count('rejected')).toBe(1);
      }, 39);
    });
  });

  it('gives up after maxTries tries that cannot reach the server', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const { recorder, problems$, memory, drops } = setup(rx, 0, { random: () => 0, retryDelayMs: 5, maxTries: 3 });
      const refused: EventSinkError = { _tag: 'TransportError', verb: 'create', resource: 'events', message: 'refused' };
      at(rx, [
        [0, () => {
          for (let i = 0; i < 3; i++) memory.fail('create', refused);
          recorder.record(pod(), 'Normal', 'Created', 'x');
        }],
        [10, () => { recorder.close(); }],
      ]);
      // tries at 0, 0 (the first wait is random × 5 = 0) and 5
      expectObservable(problems$).toBe('(xy)-z----|', { x: 'retry:1:0', y: 'retry:2:5', z: 'retries_exhausted:TransportError' });
      rx.schedule(() => {
        expect(drops.count('retries_exhausted')).toBe(1);
        expect(memory.calls).toHaveLength(3);
      }, 9);
    });
  });

  it('reports an invalid object or type as a dropped event, and never throws', () => {
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const { logger, lines } = recordingLogger();
      const { recorder, problems$, drops, memory } = setup(rx, 0, { logger });
      at(rx, [
        [1, () => {
          expect(() => {
            recorder.record({ metadata: { name: 'no-kind' } }, 'Normal', 'R', 'm');
            recorder.record(pod(), 'Error' as 'Normal', 'R', 'm');
          }).not.toThrow();
        }],
        [5, () => { recorder.close(); }],
        [6, () => { recorder.record(pod(), 'Normal', 'R', 'm'); }],
      ]);
      expectObservable(problems$).toBe('-(ii)|', { i: 'invalid' });
      rx.schedule(() => {
        expect(drops.count('invalid')).toBe(2);
        expect(drops.count('closed')).toBe(1);
        expect(memory.calls).toEqual([]);
        expect(lines.filter((l) => l.level === 'error').map((l) => l.fields['reason'])).toEqual(['invalid', 'invalid']);
      }, 7);
    });
  });

  it('sends Events about cluster-scoped objects to namespace default, with source and reporting component', () => {
    const rx = newTestScheduler();
    rx.run(() => {
      const { recorder, memory } = setup(rx, 0, { host: 'pod-1' });
      at(rx, [[1_000, () => { recorder.record({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }, 'Normal', 'Ready', 'up'); }]]);
      rx.schedule(() => {
        const [stored] = [...memory.store.values()];
        expect(stored).toMatchObject({
          metadata: { namespace: 'default', name: `n1.${(1_000n * 1_000_000n).toString(16)}` },
          involvedObject: { kind: 'Node', name: 'n1' },
          source: { component: 'ctl', host: 'pod-1' },
          reportingComponent: 'ctl',
          reportingInstance: 'pod-1',
          firstTimestamp: '1970-01-01T00:00:01Z',
          count: 1,
          type: 'Normal',
        });
      }, 1_001);
    });
  });
});
