import type { Event } from 'kubernetes-types/core/v1.js';
import type { Observable } from 'rxjs';

import type { Stored } from '../client/builtinResources.js';
import type { ObjectClient } from '../client/objectClient.js';
import type { EventSink } from './EventSink.js';

/**
 * The {@link EventSink} of an {@link ObjectClient} of core/v1 `events`: `create` is the client's
 * create (POST), `patch` a strategic merge patch of `count`, `lastTimestamp` and `message`, over
 * the same transport, TLS and credentials as everything else the client does. Errors are the
 * client's typed values: a 404 on the patch makes the recorder create the Event instead.
 *
 * Maps to client-go's `typedcorev1.EventSinkImpl` (`EventInterface.CreateWithEventNamespace`,
 * `PatchWithEventNamespace`) that `record.EventBroadcaster.StartRecordingToSink` writes through.
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { clientEventSink, eventRecorder, events, objectClient } from 'kube-rx';
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const recorder = eventRecorder({ sink: clientEventSink(objectClient(events, { kubeConfig })), component: 'my-controller' });
 * recorder.record({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' } }, 'Normal', 'Synced', 'done');
 * ```
 * @category events
 * @since 0.3.0
 */
export const clientEventSink = (client: Pick<ObjectClient<Stored<Event>>, 'create' | 'patch'>): EventSink => ({
  // the recorder names every Event it makes, so its metadata is a stored object's
  create: (event: Event): Observable<Event> => client.create(event as Stored<Event>),
  patch: (namespace, name, patch): Observable<Event> => client.patch({ namespace, name }, patch, { type: 'strategic' }),
});
