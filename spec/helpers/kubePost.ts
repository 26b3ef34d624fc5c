// A create (POST) over kubeRequest's existing `method: 'POST'`, until the object client (lib/client)
// lands: the answer's JSON, or the KubeApiError of a non-2xx answer (verb re-tagged by callers).
import { map, mergeMap, type Observable } from 'rxjs';

import { failed } from '../../lib/internal/failed.js';
import { httpErrorOf, isSuccessStatus, kubeGet, type KubeConfigLike, type KubeRequest } from '../../lib/listwatch/kubeRequest.js';

/** POSTs `body` to `path`; emits the parsed answer, errors with an `HttpError` or `TransportError`. */
export const kubePost = (kubeConfig: KubeConfigLike, resource: string, path: string, body: unknown): Observable<unknown> => {
  const request: KubeRequest = { kubeConfig, verb: 'list', operation: 'create', resource, path, method: 'POST', body, idleTimeoutMs: 10_000 };
  return kubeGet(request).pipe(
    mergeMap((response) => (isSuccessStatus(response.statusCode) ? [response] : failed<never>(httpErrorOf(request, response)))),
    map((response) => JSON.parse(response.body.toString('utf8')) as unknown),
  );
};
