import { type MonoTypeOperatorFunction, tap } from 'rxjs';

import { errorFields } from '../logging/errorFields.js';
import { type LogEntry, type Logger, writeLog } from '../logging/Logger.js';
import type { ReconcileEvent } from './ReconcileEvent.js';

/**
 * The log line of a reconcile event, if it has one: a failure at `error` (key, the time to the
 * retry, the error's fields from {@link errorFields}), an abort at the drain deadline at `warn`;
 * other events are not logged.
 *
 * Maps to controller-runtime's "Reconciler error" log line (and its shutdown warnings).
 *
 * ```
 * Failed(a, retry 5 ms) ──► error 'reconcile failed' { controller, key: 'a', retryInMs: 5, durationMs, errorType, error }
 * Aborted(a)            ──► warn  'reconcile aborted at the drain deadline' { controller, key: 'a' }
 * ```
 *
 * @example
 * ```ts
 * import { reconcileEventLog } from 'kube-rx';
 * reconcileEventLog('cm', { _tag: 'Aborted', key: 'default/a' })?.level; // 'warn'
 * ```
 * @category logging
 * @since 0.2.0
 */
export const reconcileEventLog = (controller: string, event: ReconcileEvent): LogEntry | undefined => {
  switch (event._tag) {
    case 'Failed':
      return {
        level: 'error',
        message: 'reconcile failed',
        fields: {
          controller,
          key: event.key,
          ...(event.terminal === true ? { terminal: true } : { retryInMs: event.retryInMs }),
          durationMs: event.durationMs,
          ...errorFields(event.error),
        },
      };
    case 'Aborted':
      return { level: 'warn', message: 'reconcile aborted at the drain deadline', fields: { controller, key: event.key } };
    default:
      return undefined;
  }
};

/**
 * Logs a reconcile loop's events ({@link reconcileEventLog}) to `logger`, passing them through
 * unchanged. {@link reconcileWith} applies it when its config has a `logger`.
 *
 * Maps to controller-runtime's reconcile logging.
 *
 * ```
 * events:  S--F--R--S--OK
 * logged:  ---F-----------      (error 'reconcile failed')
 * ```
 *
 * @example
 * ```ts
 * import { of, throwError } from 'rxjs';
 * import { consoleLogger, logReconcileEvents, reconcileWith } from 'kube-rx';
 * of('default/a').pipe(reconcileWith(() => throwError(() => new Error('boom'))), logReconcileEvents(consoleLogger(), 'cm'));
 * ```
 * @category logging
 * @since 0.2.0
 */
export const logReconcileEvents =
  (logger: Logger, controller: string): MonoTypeOperatorFunction<ReconcileEvent> =>
  (source) =>
    source.pipe(
      tap((event) => {
        writeLog(logger, reconcileEventLog(controller, event));
      }),
    );
