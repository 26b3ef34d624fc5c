// A merge PATCH with the kubeconfig's server, TLS and credentials, until the object client
// (lib/client) lands and kubeRequest learns PATCH on its branch: the answer's JSON, or the
// KubeApiError of a non-2xx answer (httpErrorOf), or a TransportError.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

import { Observable } from 'rxjs';

import { messageOf } from '../../lib/internal/messageOf.js';
import { transportError } from '../../lib/listwatch/ListerWatcherError.js';
import { httpErrorOf, type KubeConfigLike } from '../../lib/listwatch/kubeRequest.js';

/** PATCHes `path` with `body` as `application/merge-patch+json`; emits the parsed answer. */
export const kubePatch = (kubeConfig: KubeConfigLike, resource: string, path: string, body: unknown): Observable<unknown> =>
  new Observable<unknown>((subscriber) => {
    const server = kubeConfig.getCurrentCluster()?.server ?? '';
    const url = new URL(path, server);
    const payload = Buffer.from(JSON.stringify(body));
    const options: RequestOptions = {
      method: 'PATCH',
      hostname: url.hostname,
      port: url.port,
      path: url.pathname,
      headers: { Accept: 'application/json', 'Content-Type': 'application/merge-patch+json', 'Content-Length': payload.length },
    };
    let destroy = (): void => undefined;
    const fail = (e: unknown): void => {
      subscriber.error(transportError('list', resource, `patch ${resource}: ${messageOf(e)}`));
    };
    kubeConfig.applyToHTTPSOptions(options).then(() => {
      if (subscriber.closed) return;
      const req = (url.protocol === 'http:' ? httpRequest : httpsRequest)(options, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('end', () => {
          const text = Buffer.concat(chunks);
          const statusCode = res.statusCode ?? 0;
          if (statusCode >= 200 && statusCode < 300) {
            subscriber.next(JSON.parse(text.toString('utf8')) as unknown);
            subscriber.complete();
          } else {
            subscriber.error(httpErrorOf({ kubeConfig, verb: 'list', operation: 'patch', resource, path }, { statusCode, headers: res.headers, body: text }));
          }
        });
      });
      req.on('error', fail);
      req.end(payload);
      destroy = () => req.destroy();
    }, fail);
    return () => {
      destroy();
    };
  });
