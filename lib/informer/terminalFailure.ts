import type { ListerWatcherError } from '../listwatch/ListerWatcherError.js';
import type { ReflectorError } from '../reflector/ReflectorError.js';

/**
 * The HTTP failure inside a reflector error when retrying cannot fix it, else `undefined`:
 * a LIST or WATCH answered 401 Unauthorized, 403 Forbidden or 400 Bad Request (a malformed
 * selector), or 404 Not Found before the first sync (a resource the server does not serve; after
 * a sync a 404 can be a namespace deleted and re-created, so it stays retriable). Everything
 * else (410, 429, 5xx, transport errors, in-stream ERROR events) is retried as client-go does.
 *
 * The informer's `failFast` and the manager's `failFast` fail with the returned error; without
 * them it is retried with backoff like any other, and reported on `problems$`.
 *
 * Maps to what `kubectl get --watch` gives up on (it exits on those answers) and to client-go's
 * `WatchErrorHandler`, which an application sets to stop an informer on such errors; client-go's
 * own reflector retries them forever.
 *
 * @example
 * ```ts
 * import { httpError, terminalFailure } from 'kube-rx';
 * terminalFailure({ _tag: 'ListFailed', error: httpError('list', 'configmaps', 403) }, false)?.code; // 403
 * terminalFailure({ _tag: 'ListFailed', error: httpError('list', 'configmaps', 503) }, false); // undefined
 * ```
 * @category informer
 * @since 0.3.0
 */
export const terminalFailure = (error: ReflectorError, synced: boolean): ListerWatcherError | undefined => {
  if (error._tag !== 'ListFailed' && error._tag !== 'WatchFailed') return undefined;
  const e = error.error;
  if (e._tag !== 'HttpError') return undefined;
  return e.code === 400 || e.code === 401 || e.code === 403 || (e.code === 404 && !synced) ? e : undefined;
};
