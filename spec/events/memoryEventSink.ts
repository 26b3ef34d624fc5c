import type { Event } from 'kubernetes-types/core/v1.js';
import { defer, NEVER, type Observable, type SchedulerLike, switchMap, timer } from 'rxjs';

import type { EventPatch } from '../../lib/events/EventCorrelator.js';
import type { EventSink, EventSinkError, EventSinkVerb } from '../../lib/events/EventSink.js';
import { failed } from '../../lib/internal/failed.js';

/** One request the sink received. */
export interface SinkCall {
  readonly at: number;
  readonly verb: EventSinkVerb;
  readonly name: string;
  readonly count: number | undefined;
  readonly message: string | undefined;
}

/**
 * An in-memory EventSink with a store of Events (by namespace/name), answering after `latencyMs`
 * on `scheduler`: creates 409 on an existing name, patches 404 on a missing one. `fail(verb, e)`
 * queues an error for the next request of that verb; `stall()` makes every later request hang.
 */
export const memoryEventSink = (scheduler: SchedulerLike, latencyMs = 0) => {
  const store = new Map<string, Event>();
  const calls: SinkCall[] = [];
  const failures: Array<{ readonly verb: EventSinkVerb; readonly error: EventSinkError }> = [];
  let stalled = false;
  let rv = 0;
  const answer = (verb: EventSinkVerb, name: string, count: number | undefined, message: string | undefined, act: () => Event | EventSinkError): Observable<Event> =>
    defer(() => {
      calls.push({ at: scheduler.now(), verb, name, count, message });
      if (stalled) return NEVER;
      return timer(latencyMs, scheduler).pipe(
        switchMap(() => {
          const i = failures.findIndex((f) => f.verb === verb);
          const injected = i < 0 ? undefined : failures.splice(i, 1)[0]?.error;
          const result = injected ?? act();
          return '_tag' in result ? failed<Event>(result) : [result];
        }),
      );
    });
  const httpError = (verb: EventSinkVerb, code: number, reason: string): EventSinkError => ({ _tag: 'HttpError', verb, resource: 'events', code, reason, message: `${verb} events: ${reason}` });
  const sink: EventSink = {
    create: (event) =>
      answer('create', event.metadata.name ?? '', event.count, event.message, () => {
        const key = `${event.metadata.namespace ?? ''}/${event.metadata.name ?? ''}`;
        if (store.has(key)) return httpError('create', 409, 'AlreadyExists');
        rv += 1;
        const stored: Event = { ...event, metadata: { ...event.metadata, resourceVersion: String(rv) } };
        store.set(key, stored);
        return stored;
      }),
    patch: (namespace: string, name: string, patch: EventPatch) =>
      answer('patch', name, patch.count, patch.message, () => {
        const key = `${namespace}/${name}`;
        const current = store.get(key);
        if (current === undefined) return httpError('patch', 404, 'NotFound');
        rv += 1;
        const stored: Event = { ...current, ...patch, metadata: { ...current.metadata, resourceVersion: String(rv) } };
        store.set(key, stored);
        return stored;
      }),
  };
  return {
    sink,
    store,
    calls,
    httpError,
    fail: (verb: EventSinkVerb, error: EventSinkError): void => {
      failures.push({ verb, error });
    },
    stall: (): void => {
      stalled = true;
    },
  };
};
