import type { Event } from 'kubernetes-types/core/v1.js';
import * as E from 'fp-ts/lib/Either.js';
import {
  asyncScheduler,
  catchError,
  defer,
  type Observable,
  type SchedulerLike,
  Subject,
  Subscription,
  switchMap,
  take,
  timer,
} from 'rxjs';

import { failed } from '../internal/failed.js';
import { messageOf } from '../internal/messageOf.js';
import { isListerWatcherError } from '../listwatch/ListerWatcherError.js';
import { apiErrorFields } from '../logging/errorFields.js';
import type { Logger, LogLevel } from '../logging/Logger.js';
import type { EventDropReason, EventRecorderMetricsProvider } from '../metrics/EventRecorderMetricsProvider.js';
import type { CounterMetric } from '../metrics/Metric.js';
import { type CorrelateResult, correlateEvent, type CorrelatorOptions, eventCorrelatorState, observeWritten } from './EventCorrelator.js';
import type { EventSink, EventSinkError, EventSinkVerb } from './EventSink.js';
import { type EventSubject, type EventType, makeEvent, referenceOf } from './makeEvent.js';

/**
 * Options of {@link eventRecorder}. Defaults are client-go's.
 *
 * Maps to client-go's `record.NewBroadcaster` options and `EventSource` (`Component`, `Host`)
 * plus `CorrelatorOptions`.
 *
 * @example
 * ```ts
 * import { EMPTY } from 'rxjs';
 * import type { EventRecorderConfig } from 'kube-rx';
 * const config: EventRecorderConfig = { sink: { create: () => EMPTY, patch: () => EMPTY }, component: 'widget-controller', bufferSize: 100 };
 * ```
 * @category events
 * @since 0.3.0
 */
export interface EventRecorderConfig {
  /** Where the Events go (e.g. the object client adapted to {@link EventSink}). */
  readonly sink: EventSink;
  /** `source.component` and `reportingComponent`: the controller's name. */
  readonly component: string;
  /** `source.host` and `reportingInstance` (e.g. the pod or node name). Default: none. */
  readonly host?: string;
  /** Clock of the timestamps, names and correlation, and timer of the retries (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
  /** Correlated events waiting for the sink, at most (default 1000, client-go's `maxQueuedEvents`); more are dropped. */
  readonly bufferSize?: number;
  /** Writes in flight at once, each for another key (default 1: client-go writes one at a time). */
  readonly concurrency?: number;
  /** Tries of a write that cannot reach the server (default 12, client-go's `maxTriesPerEvent`). */
  readonly maxTries?: number;
  /** Wait between tries (default 10 000 ms; the first wait is a random part of it, as in client-go). */
  readonly retryDelayMs?: number;
  /** The random source of the first wait, in [0, 1) (default `Math.random`). */
  readonly random?: () => number;
  /** Limits of the correlator (defaults: client-go's, see {@link CorrelatorOptions}). */
  readonly correlator?: CorrelatorOptions;
  /** Where dropped events are counted. Default: nothing measured. */
  readonly metrics?: EventRecorderMetricsProvider;
  /** Where problems are logged. Default: nothing logged. */
  readonly logger?: Logger;
}

/**
 * What went wrong while recording an event, as a value on {@link EventRecorder.problems$}:
 * - `EventDropped`: the event was not written, and why (`reason`; the sink's error when it failed);
 * - `EventWriteRetrying`: the sink could not be reached; the write is tried again in `delayMs`.
 *
 * Maps to what client-go's `recordToSink` / `recordEvent` log.
 *
 * @example
 * ```ts
 * import type { EventRecorderProblem } from 'kube-rx';
 * const line = (p: EventRecorderProblem): string => (p._tag === 'EventDropped' ? `dropped (${p.reason}): ${p.message}` : `retry in ${p.delayMs} ms`);
 * ```
 * @category events
 * @since 0.3.0
 */
export type EventRecorderProblem =
  | {
      readonly _tag: 'EventDropped';
      readonly reason: Exclude<EventDropReason, 'spam_filtered'>;
      readonly message: string;
      readonly event?: Event;
      readonly error?: EventSinkError;
    }
  | {
      readonly _tag: 'EventWriteRetrying';
      readonly event: Event;
      readonly error: EventSinkError;
      /** The try that failed (1 for the first). */
      readonly attempt: number;
      readonly delayMs: number;
    };

/**
 * A running event recorder. See {@link eventRecorder}.
 *
 * Maps to client-go's `record.EventRecorder` plus its broadcaster's `Shutdown`.
 *
 * @category events
 * @since 0.3.0
 */
export interface EventRecorder {
  /**
   * Records an event about `subject`. Returns at once; never throws, never waits for the API
   * server. Problems (an invalid object, a full buffer, a failed write) go to `problems$`,
   * the metrics and the logger.
   */
  record(subject: EventSubject, type: EventType, reason: string, message: string): void;
  /** Every Event the sink wrote, as the server returned it (hot: subscribe before recording). */
  readonly written$: Observable<Event>;
  /** Every problem (hot). */
  readonly problems$: Observable<EventRecorderProblem>;
  /** Writes waiting or in flight. */
  pending(): number;
  /** Stops: later events are dropped (`closed`), waiting writes dropped, writes in flight cancelled; both streams complete. */
  close(): void;
}

/** One write the recorder makes for a correlation key. */
type Write = Exclude<CorrelateResult, { readonly _tag: 'Skip' }>;

/** Why a write ended without success. */
interface WriteFailure {
  readonly reason: 'rejected' | 'retries_exhausted';
  readonly error: EventSinkError;
}

const REASONS: ReadonlyArray<EventDropReason> = ['buffer_full', 'spam_filtered', 'rejected', 'retries_exhausted', 'invalid', 'closed'];

const LEVELS: Readonly<Record<EventDropReason, LogLevel>> = {
  buffer_full: 'warn',
  spam_filtered: 'debug',
  rejected: 'error',
  retries_exhausted: 'error',
  invalid: 'error',
  closed: 'info',
};

const toSinkError = (e: unknown, verb: EventSinkVerb): EventSinkError =>
  isListerWatcherError(e) ? { ...e, verb } : { _tag: 'TransportError', verb, resource: 'events', message: messageOf(e) };

const isNotFound = (e: EventSinkError): boolean => e._tag === 'HttpError' && e.code === 404;

/** A new Event carries no resourceVersion (client-go clears it before `Create`). */
const forCreate = (event: Event): Event => {
  const metadata = { ...event.metadata };
  delete metadata.resourceVersion;
  return { ...event, metadata };
};

/**
 * Records core/v1 Events about objects, as client-go's event recorder does, without ever
 * blocking or failing the caller: `record()` correlates the event at once ({@link correlateEvent}:
 * similar events combined, identical ones counted, a spam filter per source, object and type) and
 * queues the write; writes go to the `sink` in the background, serialized per correlation key.
 *
 * Maps to client-go's `record.NewBroadcaster()` + `StartRecordingToSink` + `NewRecorder`
 * (`tools/record/event.go`: `recordToSink`, `recordEvent`) and controller-runtime's
 * `mgr.GetEventRecorderFor(name)`.
 *
 * A stalled sink (bufferSize 2, concurrency 1): the first write hangs, two wait, the rest are dropped.
 * ```
 * record:   a b c d
 * sink:     a--------------…        (never answers)
 * dropped:        d                 EventDropped buffer_full, metric {reason="buffer_full"} + 1
 * ```
 * An identical event after the first was written: a patch of the count; a 404 falls back to a create.
 * ```
 * record:   e ----- e
 * sink:     C(e)--- P(e, count 2) # (404) ─► C(e, count 2)
 * ```
 *
 * Algorithm:
 * 1. `record`: refuse (as `invalid`) an object without apiVersion, kind or name or a type other
 *    than Normal and Warning; refuse (as `buffer_full`) when `bufferSize` writes wait; else make
 *    the Event ({@link makeEvent}; time `scheduler.now()`, named `<name>.<hex nanos>`, the nanos
 *    made unique per recorder by counting events within a millisecond) and correlate it. A
 *    `Skip` is counted as `spam_filtered`. Otherwise the write waits under its key; a write already
 *    waiting for that key is replaced by the newer one (which carries the higher count; a create
 *    stays a create).
 * 2. Up to `concurrency` keys write at once, oldest waiting key first; a key never has two
 *    writes in flight, so a patch always follows the create it patches.
 * 3. A write: `Create` posts the Event (without resourceVersion); `Patch` patches count,
 *    lastTimestamp and message, and on a 404 creates the Event instead. On success the server's
 *    Event updates the correlator ({@link observeWritten}) and is emitted on `written$`.
 * 4. A `TransportError` is tried again, up to `maxTries` tries, after `retryDelayMs` (the first
 *    wait a random part of it); an `HttpError` drops the event (`rejected`): client-go does not
 *    retry what the server refused. Every drop is counted, reported on `problems$` and logged.
 *
 * @example
 * ```ts
 * import { EMPTY } from 'rxjs';
 * import { eventRecorder, type EventSink } from 'kube-rx';
 * declare const sink: EventSink;
 * const recorder = eventRecorder({ sink, component: 'widget-controller' });
 * recorder.problems$.subscribe((p) => console.error(p));
 * recorder.record({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } }, 'Normal', 'Synced', 'secret a updated');
 * recorder.close();
 * ```
 * @see client-go tools/record/event.go, events_cache.go
 * @category events
 * @since 0.3.0
 */
export const eventRecorder = (config: EventRecorderConfig): EventRecorder => {
  const {
    sink,
    component,
    host,
    scheduler = asyncScheduler,
    bufferSize = 1000,
    concurrency = 1,
    maxTries = 12,
    retryDelayMs = 10_000,
    random = Math.random,
    metrics,
    logger,
  } = config;
  if (!Number.isInteger(bufferSize) || bufferSize < 0) throw new TypeError(`bufferSize must be an integer >= 0, got ${bufferSize}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError(`concurrency must be an integer >= 1, got ${concurrency}`);
  if (!Number.isInteger(maxTries) || maxTries < 1) throw new TypeError(`maxTries must be an integer >= 1, got ${maxTries}`);
  if (!(retryDelayMs >= 0)) throw new TypeError(`retryDelayMs must be >= 0, got ${retryDelayMs}`);
  const state = eventCorrelatorState(config.correlator);
  const source = { component, ...(host === undefined ? {} : { host }) };
  const dropped = new Map<EventDropReason, CounterMetric>(
    metrics === undefined ? [] : REASONS.map((reason) => [reason, metrics.newEventsDroppedMetric(component, reason)]),
  );
  const written$ = new Subject<Event>();
  const problems$ = new Subject<EventRecorderProblem>();
  /** The next write of each key, oldest key first. */
  const waiting = new Map<string, Write>();
  const inFlight = new Map<string, Subscription>();
  let closed = false;
  let pumping = false;
  let lastMs = Number.NaN;
  let seq = 0;

  const nanosAt = (now: number): bigint => {
    const ms = Math.floor(now);
    seq = ms === lastMs ? seq + 1 : 0;
    lastMs = ms;
    return BigInt(ms) * 1_000_000n + BigInt(seq);
  };

  const count = (reason: EventDropReason, message: string, event?: Event, error?: EventSinkError): void => {
    dropped.get(reason)?.inc();
    logger?.log(LEVELS[reason], 'event dropped', {
      component,
      reason,
      message,
      ...(event === undefined ? {} : { event: event.metadata.name ?? '', eventReason: event.reason ?? '' }),
      ...(error === undefined ? {} : apiErrorFields(error)),
    });
  };

  const drop = (reason: Exclude<EventDropReason, 'spam_filtered'>, message: string, event?: Event, error?: EventSinkError): void => {
    count(reason, message, event, error);
    problems$.next({
      _tag: 'EventDropped',
      reason,
      message,
      ...(event === undefined ? {} : { event }),
      ...(error === undefined ? {} : { error }),
    });
  };

  const call = (verb: EventSinkVerb, request: () => Observable<Event>): Observable<Event> =>
    defer(request).pipe(
      take(1),
      catchError((e: unknown) => failed<Event>(toSinkError(e, verb))),
    );

  /** One try of a write: a create, or a patch falling back to a create on 404. */
  const once = (write: Write): Observable<Event> => {
    const create = (): Observable<Event> => call('create', () => sink.create(forCreate(write.event)));
    if (write._tag === 'Create') return create();
    const { namespace = 'default', name = '' } = write.event.metadata;
    return call('patch', () => sink.patch(namespace, name, write.patch)).pipe(
      // the error of `call` is an EventSinkError
      catchError((e: unknown) => (isNotFound(e as EventSinkError) ? create() : failed<Event>(e))),
    );
  };

  /** Step 4: tries a write up to `maxTries` times while the server cannot be reached. */
  const withRetries = (write: Write, attempt: number): Observable<Event> =>
    once(write).pipe(
      catchError((e: unknown) => {
        const error = e as EventSinkError; // the error of `once` is an EventSinkError
        if (error._tag === 'TransportError' && attempt < maxTries) {
          const delayMs = attempt === 1 ? Math.floor(retryDelayMs * random()) : retryDelayMs;
          logger?.log('warn', 'event write failed, retrying', { component, attempt, delayMs, ...apiErrorFields(error) });
          problems$.next({ _tag: 'EventWriteRetrying', event: write.event, error, attempt, delayMs });
          return timer(delayMs, scheduler).pipe(switchMap(() => withRetries(write, attempt + 1)));
        }
        const failure: WriteFailure = { reason: error._tag === 'TransportError' ? 'retries_exhausted' : 'rejected', error };
        return failed<Event>(failure);
      }),
    );

  const start = (key: string, write: Write): void => {
    const subscription = new Subscription();
    inFlight.set(key, subscription);
    const finish = (): void => {
      if (inFlight.get(key) !== subscription) return;
      inFlight.delete(key);
      pump();
    };
    subscription.add(
      withRetries(write, 1).subscribe({
        next: (event) => {
          observeWritten(state, key, event);
          written$.next(event);
        },
        error: (e: unknown) => {
          const failure = e as WriteFailure; // the error of `withRetries` is a WriteFailure
          drop(failure.reason, failure.error.message, write.event, failure.error);
          finish();
        },
        complete: finish,
      }),
    );
  };

  /** Step 2. */
  const pump = (): void => {
    if (pumping) return;
    pumping = true;
    try {
      let started = true;
      while (started && !closed && inFlight.size < concurrency) {
        started = false;
        for (const [key, write] of waiting) {
          if (inFlight.has(key)) continue;
          waiting.delete(key);
          start(key, write);
          started = true;
          break;
        }
      }
    } finally {
      pumping = false;
    }
  };

  /** Step 1. */
  const record = (subject: EventSubject, type: EventType, reason: string, message: string): void => {
    if (closed) {
      drop('closed', 'the event recorder is closed');
      return;
    }
    // a caller in JavaScript (or with a cast) may pass anything
    if ((type as string) !== 'Normal' && (type as string) !== 'Warning') {
      drop('invalid', `unsupported event type: '${type as string}' (Normal or Warning)`);
      return;
    }
    const ref = referenceOf(subject);
    if (E.isLeft(ref)) {
      drop('invalid', ref.left.message);
      return;
    }
    if (waiting.size >= bufferSize) {
      drop('buffer_full', `${bufferSize} events wait for the sink already`);
      return;
    }
    const now = scheduler.now();
    const result = correlateEvent(state, makeEvent(ref.right, type, reason, message, source, now, nanosAt(now)), now);
    if (result._tag === 'Skip') {
      count('spam_filtered', 'the spam filter refused the event');
      return;
    }
    const previous = waiting.get(result.key);
    waiting.set(result.key, previous?._tag === 'Create' ? { _tag: 'Create', key: result.key, event: result.event } : result);
    pump();
  };

  return {
    record: (subject, type, reason, message) => {
      try {
        record(subject, type, reason, message);
      } catch (e: unknown) {
        // a throwing logger, metric or combinedMessage: reported, never thrown at the caller
        try {
          drop('invalid', `recording the event failed: ${messageOf(e)}`);
        } catch {
          problems$.next({ _tag: 'EventDropped', reason: 'invalid', message: `recording the event failed: ${messageOf(e)}` });
        }
      }
    },
    written$: written$.asObservable(),
    problems$: problems$.asObservable(),
    pending: () => waiting.size + inFlight.size,
    close: () => {
      if (closed) return;
      closed = true;
      for (const write of waiting.values()) drop('closed', 'the event recorder was closed before the event was written', write.event);
      waiting.clear();
      const running = [...inFlight.values()];
      inFlight.clear();
      for (const subscription of running) subscription.unsubscribe();
      written$.complete();
      problems$.complete();
    },
  };
};
