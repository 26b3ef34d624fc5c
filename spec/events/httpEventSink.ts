// A minimal EventSink over HTTP for the integration tests, until the object client (lib/client)
// is adapted to the port: create is a POST through kubeRequest (lib/listwatch/kubeRequest.ts);
// kubeRequest has no PATCH yet (another branch adds it), so patch is a small merge-PATCH helper
// over the same kubeconfig (spec/helpers/kubePatch.ts).
import type { Event } from 'kubernetes-types/core/v1.js';
import { map } from 'rxjs';

import type { EventSink } from '../../lib/events/EventSink.js';
import type { KubeConfigLike } from '../../lib/listwatch/kubeRequest.js';
import { kubePatch } from '../helpers/kubePatch.js';
import { kubePost } from '../helpers/kubePost.js';

const eventsPath = (namespace: string): string => `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;

export const httpEventSink = (kubeConfig: KubeConfigLike): EventSink => ({
  create: (event) => kubePost(kubeConfig, 'events', eventsPath(event.metadata.namespace ?? 'default'), event).pipe(map((body) => body as Event)),
  patch: (namespace, name, patch) => kubePatch(kubeConfig, 'events', `${eventsPath(namespace)}/${encodeURIComponent(name)}`, patch).pipe(map((body) => body as Event)),
});
