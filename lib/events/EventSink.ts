import type { Event } from 'kubernetes-types/core/v1.js';
import type { Observable } from 'rxjs';

import type { KubeApiError } from '../listwatch/ListerWatcherError.js';
import type { EventPatch } from './EventCorrelator.js';

/**
 * The requests an {@link EventSink} makes.
 *
 * Maps to the methods of client-go's `record.EventSink` (`Create`, `Patch`; `Update` is unused
 * by today's recorder).
 *
 * @example
 * ```ts
 * import type { EventSinkVerb } from 'kube-rx';
 * const verb: EventSinkVerb = 'patch';
 * ```
 * @category events
 * @since 0.3.0
 */
export type EventSinkVerb = 'create' | 'patch';

/**
 * Why an Event write failed: a {@link KubeApiError} whose verb is `create` or `patch` (a 404
 * `HttpError` on a patch means the Event is gone; a `TransportError` is retried).
 *
 * Maps to the errors client-go's `recordEvent` tells apart (`errors.StatusError`, connection errors).
 *
 * @example
 * ```ts
 * import type { EventSinkError } from 'kube-rx';
 * const gone: EventSinkError = { _tag: 'HttpError', verb: 'patch', resource: 'events', code: 404, reason: 'NotFound', message: 'not found' };
 * ```
 * @category events
 * @since 0.3.0
 */
export type EventSinkError = KubeApiError<EventSinkVerb>;

/**
 * Where an {@link eventRecorder} writes core/v1 Events: the port the object client (or any
 * transport) implements. Each method returns a cold Observable that, on subscription, makes one
 * request, emits the Event the server returned and completes, or errors with an
 * {@link EventSinkError}; unsubscribing cancels the request.
 *
 * - `create(event)`: `POST /api/v1/namespaces/{event.metadata.namespace}/events`;
 * - `patch(namespace, name, patch)`: `PATCH /api/v1/namespaces/{namespace}/events/{name}` with
 *   `Content-Type: application/merge-patch+json` and `patch` as the body.
 *
 * Maps to client-go's `record.EventSink` (as `typedcorev1.EventSinkImpl` implements it over the
 * `events` client) and to controller-runtime's recorder provider.
 *
 * ```
 * create(e):             -----(e'|)     e' = the stored Event (name, resourceVersion, ...)
 * patch(ns, name, p):    ---#           # = HttpError 404: the recorder creates the Event instead
 * ```
 *
 * @example
 * ```ts
 * import { of } from 'rxjs';
 * import type { EventSink } from 'kube-rx';
 * const written: unknown[] = [];
 * const memorySink: EventSink = {
 *   create: (event) => { written.push(event); return of({ ...event, metadata: { ...event.metadata, resourceVersion: '1' } }); },
 *   patch: (namespace, name, patch) => of({ metadata: { namespace, name }, involvedObject: {}, ...patch }),
 * };
 * ```
 * @category events
 * @since 0.3.0
 */
export interface EventSink {
  create(event: Event): Observable<Event>;
  patch(namespace: string, name: string, patch: EventPatch): Observable<Event>;
}
