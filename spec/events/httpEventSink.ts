// A minimal EventSink over HTTP for the integration tests, until the object client (lib/client)
// is adapted to the port: create is a POST through kubeRequest (lib/listwatch/kubeRequest.ts);
// kubeRequest has no PATCH yet (another branch adds it), so patch goes through the embedded API
// server's test client with `application/merge-patch+json`.
import type { Event } from 'kubernetes-types/core/v1.js';
import { defer, map, mergeMap, type Observable } from 'rxjs';

import type { EventSink } from '../../lib/events/EventSink.js';
import { failed } from '../../lib/internal/failed.js';
import { httpErrorOf, type KubeConfigLike } from '../../lib/listwatch/kubeRequest.js';
import type { EmbeddedApiServer } from '../../lib/testing/apiServer/server.js';
import { kubePost } from '../helpers/kubePost.js';
import { call } from '../testing/apiServer/httpClient.js';

const eventsPath = (namespace: string): string => `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`;

export const httpEventSink = (server: EmbeddedApiServer, kubeConfig: KubeConfigLike): EventSink => ({
  create: (event) => kubePost(kubeConfig, 'events', eventsPath(event.metadata.namespace ?? 'default'), event).pipe(map((body) => body as Event)),
  patch: (namespace, name, patch): Observable<Event> =>
    defer(() => call(server, 'PATCH', `${eventsPath(namespace)}/${encodeURIComponent(name)}`, patch, { headers: { 'Content-Type': 'application/merge-patch+json' } })).pipe(
      mergeMap((reply) =>
        reply.status >= 200 && reply.status < 300
          ? [reply.body as Event]
          : failed<Event>(
              httpErrorOf(
                { kubeConfig, verb: 'list', operation: 'patch', resource: 'events', namespace, path: eventsPath(namespace) },
                { statusCode: reply.status, headers: reply.headers, body: Buffer.from(reply.text) },
              ),
            ),
      ),
    ),
});
