// The EventSink the integration tests write through: the object client of core/v1 events
// (lib/events/clientEventSink.ts), over the kubeconfig of the server under test.
import { events } from '../../lib/client/builtinResources.js';
import { objectClient } from '../../lib/client/objectClient.js';
import { clientEventSink } from '../../lib/events/clientEventSink.js';
import type { EventSink } from '../../lib/events/EventSink.js';
import type { KubeConfigLike } from '../../lib/listwatch/kubeRequest.js';

export const httpEventSink = (kubeConfig: KubeConfigLike): EventSink => clientEventSink(objectClient(events, { kubeConfig }));
