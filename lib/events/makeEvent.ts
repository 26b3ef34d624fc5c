import type { Event, EventSource, ObjectReference } from 'kubernetes-types/core/v1.js';
import * as E from 'fp-ts/lib/Either.js';

import type { KubeObject } from '../meta/KubeObject.js';

/**
 * The type of an Event: `Normal` (information) or `Warning` (something may be wrong).
 *
 * Maps to client-go's `v1.EventTypeNormal` / `v1.EventTypeWarning`.
 *
 * @example
 * ```ts
 * import type { EventType } from 'kube-rx';
 * const type: EventType = 'Warning';
 * ```
 * @category events
 * @since 0.3.0
 */
export type EventType = 'Normal' | 'Warning';

/**
 * Why an object cannot be the subject of an Event: it lacks `apiVersion`, `kind` or
 * `metadata.name` (items of a LIST arrive without `apiVersion` and `kind`: add them, or pass an
 * `ObjectReference`), or the event type is neither `Normal` nor `Warning`.
 *
 * Maps to client-go's `ref.GetReference` error and `util.ValidateEventType` ("Unsupported event type").
 *
 * @example
 * ```ts
 * import type { InvalidEvent } from 'kube-rx';
 * const e: InvalidEvent = { _tag: 'InvalidEvent', message: 'the object has no kind' };
 * ```
 * @category events
 * @since 0.3.0
 */
export interface InvalidEvent {
  readonly _tag: 'InvalidEvent';
  readonly message: string;
}

/**
 * What an Event can be about: any object with `apiVersion`, `kind` and `metadata.name` (its
 * `namespace`, `uid` and `resourceVersion` are copied when present), or an `ObjectReference`.
 *
 * Maps to the `runtime.Object` of client-go's `EventRecorder.Event` (made into a reference by
 * `ref.GetReference`).
 *
 * @example
 * ```ts
 * import type { EventSubject } from 'kube-rx';
 * const pod: EventSubject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'prod' } };
 * const ref: EventSubject = { apiVersion: 'v1', kind: 'Node', name: 'node-1' };
 * ```
 * @category events
 * @since 0.3.0
 */
export type EventSubject = KubeObject | ObjectReference;

const isReference = (s: EventSubject): s is ObjectReference => !('metadata' in s);

/**
 * The `ObjectReference` of an object (apiVersion, kind, namespace, name, uid, resourceVersion),
 * or an {@link InvalidEvent} when it lacks `apiVersion`, `kind` or a name.
 *
 * Maps to client-go's `tools/reference.GetReference`.
 *
 * @example
 * ```ts
 * import { referenceOf } from 'kube-rx/reducers';
 * referenceOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default', uid: 'u1' } });
 * // Right({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', namespace: 'default', uid: 'u1' })
 * ```
 * @category events
 * @since 0.3.0
 */
export const referenceOf = (subject: EventSubject): E.Either<InvalidEvent, ObjectReference> => {
  const ref: ObjectReference = isReference(subject)
    ? subject
    : {
        ...(subject.apiVersion === undefined ? {} : { apiVersion: subject.apiVersion }),
        ...(subject.kind === undefined ? {} : { kind: subject.kind }),
        name: subject.metadata.name,
        ...(subject.metadata.namespace === undefined ? {} : { namespace: subject.metadata.namespace }),
        ...(subject.metadata.uid === undefined ? {} : { uid: subject.metadata.uid }),
        ...(subject.metadata.resourceVersion === undefined ? {} : { resourceVersion: subject.metadata.resourceVersion }),
      };
  const missing = [
    ...(ref.apiVersion === undefined || ref.apiVersion === '' ? ['apiVersion'] : []),
    ...(ref.kind === undefined || ref.kind === '' ? ['kind'] : []),
    ...(ref.name === undefined || ref.name === '' ? ['name'] : []),
  ];
  return missing.length === 0
    ? E.right(ref)
    : E.left({
        _tag: 'InvalidEvent',
        message: `an Event needs the apiVersion, kind and name of its object; missing: ${missing.join(', ')} (items of a LIST carry no apiVersion and kind: add them)`,
      });
};

/**
 * A `metav1.Time`: RFC 3339 in UTC with whole seconds, as the API server writes it.
 *
 * @example
 * ```ts
 * import { metaTime } from 'kube-rx/reducers';
 * metaTime(1_500); // '1970-01-01T00:00:01Z'
 * ```
 * @category events
 * @since 0.3.0
 */
export const metaTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/**
 * A new core/v1 Event about `ref`, `count` 1, first and last timestamps `now` (ms), named
 * `<object name>.<nanos in hex>`, in the object's namespace or `default` for a cluster-scoped
 * object; `reportingComponent` and `reportingInstance` are the source's component and host.
 *
 * Maps to client-go's `recorderImpl.makeEvent` (`tools/record/event.go`).
 *
 * @param nanos - the time in nanoseconds that names the Event (unique per recorder: see
 *   {@link kube-rx!eventRecorder}).
 * @example
 * ```ts
 * import { makeEvent } from 'kube-rx/reducers';
 * const e = makeEvent({ apiVersion: 'v1', kind: 'Node', name: 'n1' }, 'Warning', 'NotReady', 'kubelet stopped', { component: 'ctl' }, 1_000, 1_000_000_000n);
 * e.metadata; // { name: 'n1.3b9aca00', namespace: 'default' }
 * ```
 * @category events
 * @since 0.3.0
 */
export const makeEvent = (
  ref: ObjectReference,
  type: EventType,
  reason: string,
  message: string,
  source: EventSource,
  now: number,
  nanos: bigint,
): Event => {
  const t = metaTime(now);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${ref.name ?? ''}.${nanos.toString(16)}`,
      namespace: ref.namespace === undefined || ref.namespace === '' ? 'default' : ref.namespace,
    },
    involvedObject: ref,
    reason,
    message,
    firstTimestamp: t,
    lastTimestamp: t,
    count: 1,
    type,
    source,
    ...(source.component === undefined ? {} : { reportingComponent: source.component }),
    ...(source.host === undefined ? {} : { reportingInstance: source.host }),
  };
};
