/** Values the reflector's specs share: Status bodies, the watch options the reflector sends, states. */
import type { Status } from '../../lib/codec/Status.js';
import { httpError, type ListerWatcherError } from '../../lib/listwatch/ListerWatcherError.js';
import { initialReflectorState, type ReflectorState } from '../../lib/reflector/ReflectorState.js';

/** A failure Status with `code` and `reason` (and `details.retryAfterSeconds` when given). */
export const status = (code: number, reason: string, retryAfterSeconds?: number): Status => ({
  kind: 'Status',
  status: 'Failure',
  code,
  reason,
  message: `status ${code}`,
  ...(retryAfterSeconds === undefined ? {} : { details: { retryAfterSeconds } }),
});

/** A 410 Expired answer to a list or watch of configmaps. */
export const gone = (verb: 'list' | 'watch'): ListerWatcherError => httpError(verb, 'configmaps', 410, { reason: 'Expired' });

/** The options of a watch from `resourceVersion` with a 300 s server timeout (no jitter). */
export const watchOpts = (resourceVersion: string) => ({ resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 });

/** The options of a streaming list from `resourceVersion`. */
export const streamOpts = (resourceVersion: string) => ({
  ...watchOpts(resourceVersion),
  sendInitialEvents: true,
  resourceVersionMatch: 'NotOlderThan',
});

/** The reflector state after a list at `lastSyncRV` (expired after a 410 when `expired`). */
export const at = (lastSyncRV: string, expired = false): ReflectorState => ({ ...initialReflectorState, lastSyncRV, expired });
