import type { Event } from 'kubernetes-types/core/v1.js';

/** Joins the fields unambiguously (client-go joins with "", which lets `ab`+`c` equal `a`+`bc`). */
const join = (fields: ReadonlyArray<string | undefined>): string => JSON.stringify(fields.map((f) => f ?? ''));

/** Source, involved object (with its field path when asked) and type: the fields every key starts with. */
const subject = (event: Event, fieldPath: boolean): ReadonlyArray<string | undefined> => {
  const o = event.involvedObject;
  return [
    event.source?.component,
    event.source?.host,
    o.kind,
    o.namespace,
    o.name,
    ...(fieldPath ? [o.fieldPath] : []),
    o.uid,
    o.apiVersion,
    event.type,
  ];
};

/**
 * The key of identical events: source, involved object (kind, namespace, name, field path, uid,
 * apiVersion), type, reason and message. Events with the same key raise the count of one Event.
 *
 * Maps to client-go's `getEventKey` (`tools/record/events_cache.go`), with an unambiguous separator.
 *
 * @example
 * ```ts
 * import { eventKey } from 'kube-rx/reducers';
 * const e = { metadata: { name: 'a.1' }, involvedObject: { kind: 'Pod', name: 'a' }, reason: 'Failed', message: 'x' };
 * eventKey(e) === eventKey({ ...e, message: 'y' }); // false
 * ```
 * @category events
 * @since 0.3.0
 */
export const eventKey = (event: Event): string => join([...subject(event, true), event.reason, event.message]);

/**
 * The key of the spam filter's token bucket: source, involved object (kind, namespace, name, uid,
 * apiVersion) and type. Reason and message do not count: a source gets one budget per object and
 * event type.
 *
 * Maps to client-go's `getSpamKey` (`tools/record/events_cache.go`; `event.Type` is part of it
 * since Kubernetes 1.26).
 *
 * @example
 * ```ts
 * import { spamKey } from 'kube-rx/reducers';
 * const e = { metadata: { name: 'a.1' }, involvedObject: { kind: 'Pod', name: 'a' }, type: 'Warning', reason: 'A' };
 * spamKey(e) === spamKey({ ...e, reason: 'B' }); // true
 * ```
 * @category events
 * @since 0.3.0
 */
export const spamKey = (event: Event): string => join(subject(event, false));

/**
 * The key of similar events (the aggregation group): source, involved object (kind, namespace,
 * name, uid, apiVersion), type, reason, reporting component and instance; the message is the
 * local key that tells the group's members apart.
 *
 * Maps to client-go's `EventAggregatorByReasonFunc` (`tools/record/events_cache.go`).
 *
 * @example
 * ```ts
 * import { aggregateKey } from 'kube-rx/reducers';
 * const e = { metadata: { name: 'a.1' }, involvedObject: { kind: 'Pod', name: 'a' }, reason: 'A', message: 'x' };
 * aggregateKey(e) === aggregateKey({ ...e, message: 'y' }); // true
 * ```
 * @category events
 * @since 0.3.0
 */
export const aggregateKey = (event: Event): string =>
  join([...subject(event, false), event.reason, event.reportingComponent, event.reportingInstance]);
