import { merge, type Observable, skip, type Subscription } from 'rxjs';

import { decodeFailureFields } from '../logging/errorFields.js';
import { type LogEntry, type Logger, type LogLevel, writeLog } from '../logging/Logger.js';
import type { ReflectorError } from '../reflector/ReflectorError.js';
import { reflectorErrorFields } from '../reflector/reflectorErrorFields.js';
import type { InformerProblem, InformerStatus } from './InformerStatus.js';

/**
 * The log line of an informer's status change: first list, stop and watch (re)starts at `debug`;
 * synced, relists (after a 410 or an error) and backoffs at `info`.
 *
 * Maps to client-go's reflector and informer log lines ("Listing and watching", "Caches are
 * synced", "Watch close", backoff messages).
 *
 * ```
 * Listing{Initial} ──► debug 'informer listing'       Synced{count} ──► info 'informer synced'
 * Listing{Expired} ──► info  'informer relisting'     BackingOff    ──► info 'informer backing off'
 * ```
 *
 * @example
 * ```ts
 * import { informerStatusLog } from 'kube-rx';
 * informerStatusLog('cms', { _tag: 'Synced', count: 3 }); // { level: 'info', message: 'informer synced', fields: { informer: 'cms', count: 3 } }
 * ```
 * @category logging
 * @since 0.2.0
 */
export const informerStatusLog = (informer: string, status: InformerStatus): LogEntry => {
  switch (status._tag) {
    case 'Stopped':
      return status.reason === undefined
        ? { level: 'debug', message: 'informer stopped', fields: { informer } }
        : { level: 'info', message: 'informer stopped', fields: { informer, reason: status.reason, ...(status.message === undefined ? {} : { why: status.message }) } };
    case 'Listing':
      return {
        level: status.cause === 'Initial' ? 'debug' : 'info',
        message: status.cause === 'Initial' ? 'informer listing' : 'informer relisting',
        fields: { informer, cause: status.cause, resourceVersion: status.resourceVersion },
      };
    case 'Synced':
      return { level: 'info', message: 'informer synced', fields: { informer, count: status.count } };
    case 'Watching':
      return { level: 'debug', message: 'informer watching', fields: { informer, resourceVersion: status.resourceVersion, synced: status.synced } };
    case 'BackingOff':
      return {
        level: 'info',
        message: 'informer backing off',
        fields: {
          informer,
          delayMs: status.delayMs,
          attempt: status.attempt,
          next: status.next,
          ...(status.error === undefined ? {} : { reflectorError: status.error._tag }),
        },
      };
  }
};

/**
 * The log line of a problem an informer recovered from, at `warn`: a reflector failure with its
 * fields ({@link reflectorErrorFields}) and what happens next, or an object that did not decode
 * ({@link decodeFailureFields}: key, resourceVersion, first error; never the raw input). A server
 * refusing a streaming list (`StreamingListUnsupported`) is logged once at `info`: it is the
 * expected path on servers without WatchList, where client-go warns.
 *
 * Maps to client-go's `DefaultWatchErrorHandler` warnings and its decode-failure log lines.
 *
 * @example
 * ```ts
 * import { informerProblemLog } from 'kube-rx';
 * informerProblemLog('cms', { _tag: 'ReflectorError', error: { _tag: 'VeryShortWatch', resourceVersion: '9' }, next: 'list' }).level; // 'warn'
 * ```
 * @category logging
 * @since 0.2.0
 */
export const informerProblemLog = (informer: string, problem: InformerProblem): LogEntry => {
  if (problem._tag !== 'ReflectorError') return { level: 'warn', message: 'informer could not decode an object', fields: { informer, ...decodeFailureFields(problem) } };
  const { level, message } = REFLECTOR_ERROR_LOG[problem.error._tag];
  return { level, message, fields: { informer, next: problem.next, ...reflectorErrorFields(problem.error) } };
};

/** The level and message of each reflector failure's log line (a total table: a new variant must be added here). */
const REFLECTOR_ERROR_LOG: { readonly [K in ReflectorError['_tag']]: { readonly level: LogLevel; readonly message: string } } = {
  ListFailed: { level: 'warn', message: 'informer error' },
  WatchFailed: { level: 'warn', message: 'informer error' },
  WatchExpired: { level: 'warn', message: 'informer error' },
  WatchStatus: { level: 'warn', message: 'informer error' },
  VeryShortWatch: { level: 'warn', message: 'informer error' },
  WatchIdle: { level: 'warn', message: 'informer error' },
  // the expected path on every server without WatchList (all before 1.27, most after): not a warning
  StreamingListUnsupported: { level: 'info', message: 'informer falls back to paged lists' },
};

/**
 * Logs an informer's status changes ({@link informerStatusLog}) and problems
 * ({@link informerProblemLog}) to `logger` until the returned subscription is closed. The current
 * status, which `status$` replays, is not logged: only changes after it. Subscribing does not
 * start the informer. {@link sharedIndexInformer} does this itself when given a `logger`.
 *
 * Maps to the logging client-go's reflector and shared informer do through klog.
 *
 * ```
 * status$:   W──────L──S──W        (W replayed: not logged)
 * logged:    ───────L──S──W
 * ```
 *
 * @param logger - where to write.
 * @param informer - the informer's name (the `informer` field).
 * @param source - the informer (or anything with its `status$` and `problems$`).
 *
 * @example
 * ```ts
 * import { consoleLogger, logInformer, sharedIndexInformer, type KubeObject } from 'kube-rx';
 * import { fakeListerWatcher } from 'kube-rx/testing';
 * const informer = sharedIndexInformer(fakeListerWatcher<KubeObject>({}));
 * const logging = logInformer(consoleLogger(), 'cms', informer);
 * logging.unsubscribe();
 * ```
 * @category logging
 * @since 0.2.0
 */
export const logInformer = (
  logger: Logger,
  informer: string,
  source: { readonly status$: Observable<InformerStatus>; readonly problems$: Observable<InformerProblem> },
): Subscription =>
  merge(source.status$.pipe(skip(1)), source.problems$).subscribe((e) => {
    writeLog(logger, e._tag === 'ReflectorError' || e._tag === 'DecodeFailure' ? informerProblemLog(informer, e) : informerStatusLog(informer, e));
  });
