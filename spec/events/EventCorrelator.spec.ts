import fc from 'fast-check';
import type { Event } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';

import {
  aggregateEvent,
  type CorrelateResult,
  correlateEvent,
  eventCorrelatorState,
  observeWritten,
} from '../../lib/events/EventCorrelator.js';
import { aggregateKey, eventKey, spamKey } from '../../lib/events/eventKeys.js';
import { makeEvent } from '../../lib/events/makeEvent.js';

const pod = { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'prod', uid: 'u1' };
let n = 0n;
const event = (message: string, reason = 'Failed', object = pod, type: 'Normal' | 'Warning' = 'Warning', now = 0): Event =>
  makeEvent(object, type, reason, message, { component: 'ctl' }, now, (n += 1n));

const tag = (r: CorrelateResult): string => (r._tag === 'Skip' ? 'Skip' : `${r._tag}:${r.event.count ?? 0}`);

describe('the event keys (client-go events_cache.go)', () => {
  it('tell identical, similar and same-budget events apart by the fields client-go uses', () => {
    const e = event('x');
    expect(eventKey(e)).not.toBe(eventKey(event('y')));
    expect(aggregateKey(e)).toBe(aggregateKey(event('y')));
    expect(aggregateKey(e)).not.toBe(aggregateKey(event('x', 'Other')));
    expect(spamKey(e)).toBe(spamKey(event('y', 'Other')));
    expect(spamKey(e)).not.toBe(spamKey(event('x', 'Failed', pod, 'Normal')));
    expect(spamKey(e)).not.toBe(spamKey(event('x', 'Failed', { ...pod, name: 'db' })));
  });
});

describe('aggregateEvent', () => {
  it('combines similar events from the maxEvents-th distinct message on, within the window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 30 }), (maxEvents, distinct) => {
        const state = eventCorrelatorState({ maxEvents });
        const events = Array.from({ length: distinct }, (_, i) => event(`m${i}`));
        const results = events.map((e, i) => aggregateEvent(state, e, i * 1000));
        const combined = results.filter((r) => r.event.message?.startsWith('(combined from similar events): ') === true);
        expect(combined).toHaveLength(Math.max(0, distinct - maxEvents + 1));
        results.forEach((r, i) => {
          const isCombined = i >= maxEvents - 1;
          expect(r.key).toBe(isCombined ? aggregateKey(events[i]!) : eventKey(events[i]!));
          expect(r.event.message).toBe(isCombined ? `(combined from similar events): m${i}` : `m${i}`);
        });
        // the set of messages never outgrows maxEvents
        expect(state.aggregates.get(aggregateKey(event('m')))?.localKeys.size).toBeLessThanOrEqual(maxEvents);
      }),
    );
  });

  it('slides the 10-minute window on each similar event, and starts over after a longer silence', () => {
    const state = eventCorrelatorState();
    // nine distinct messages, each 9 minutes after the previous: the window slides, so the tenth is combined
    for (let i = 0; i < 9; i++) expect(aggregateEvent(state, event(`m${i}`), i * 540_000).event.message).toBe(`m${i}`);
    expect(aggregateEvent(state, event('m9'), 9 * 540_000).event.message).toBe('(combined from similar events): m9');
    // 10 minutes and 1 ms of silence: a new group
    expect(aggregateEvent(state, event('m10'), 9 * 540_000 + 600_001).event.message).toBe('m10');
  });
});

describe('correlateEvent', () => {
  it('counts identical events on one Event: a create, then patches of count, lastTimestamp and message', () => {
    const state = eventCorrelatorState();
    const first = correlateEvent(state, event('x', 'Failed', pod, 'Warning', 0), 0);
    const second = correlateEvent(state, event('x', 'Failed', pod, 'Warning', 5_000), 5_000);
    expect(tag(first)).toBe('Create:1');
    expect(second).toMatchObject({
      _tag: 'Patch',
      patch: { count: 2, lastTimestamp: '1970-01-01T00:00:05Z', message: 'x' },
      event: { metadata: { name: first._tag === 'Skip' ? '' : first.event.metadata.name }, firstTimestamp: '1970-01-01T00:00:00Z' },
    });
  });

  it('patches the Event the server returned (name and resourceVersion from observeWritten)', () => {
    const state = eventCorrelatorState();
    const first = correlateEvent(state, event('x'), 0);
    if (first._tag !== 'Create') throw new Error('expected a create');
    observeWritten(state, first.key, { ...first.event, metadata: { ...first.event.metadata, name: 'server-name', resourceVersion: '42' } });
    expect(correlateEvent(state, event('x'), 0)).toMatchObject({ _tag: 'Patch', event: { metadata: { name: 'server-name', resourceVersion: '42' }, count: 2 } });
  });

  it('lets any sequence of events about one object and type pass at most 25 + one per 5 minutes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400_000 }), reason: fc.constantFrom('A', 'B', 'C'), message: fc.constantFrom('x', 'y') }), { maxLength: 200 }),
        (script) => {
          const state = eventCorrelatorState();
          let now = 0;
          let passed = 0;
          for (const s of script) {
            now += s.gap;
            if (correlateEvent(state, event(s.message, s.reason, pod, 'Warning', now), now)._tag !== 'Skip') passed += 1;
            expect(passed).toBeLessThanOrEqual(25 + Math.floor(now / 300_000 + 1e-9));
          }
        },
      ),
    );
  });

  it('keeps each of its three caches within lruCacheSize, however many objects', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 100 }), (size, objects) => {
        const state = eventCorrelatorState({ lruCacheSize: size });
        for (const o of objects) correlateEvent(state, event(`m${o % 3}`, 'R', { ...pod, name: `p${o}` }), 0);
        expect(state.spam.size).toBeLessThanOrEqual(size);
        expect(state.aggregates.size).toBeLessThanOrEqual(size);
        expect(state.observations.size).toBeLessThanOrEqual(size);
      }),
    );
  });

  it('refuses limits that are not positive integers', () => {
    expect(() => eventCorrelatorState({ burst: 0 })).toThrow(TypeError);
    expect(() => eventCorrelatorState({ maxEvents: 1.5 })).toThrow(TypeError);
    expect(() => eventCorrelatorState({ qps: -1 })).toThrow(TypeError);
  });
});
