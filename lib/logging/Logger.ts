/**
 * How important a log line is, lowest first.
 *
 * Maps to logr's verbosity levels and `Error` (client-go / controller-runtime), and to pino's and
 * the console's `debug`, `info`, `warn`, `error`.
 *
 * @example
 * ```ts
 * import type { LogLevel } from 'kube-rx';
 * const level: LogLevel = 'warn';
 * ```
 * @category logging
 * @since 0.2.0
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The structured fields of a log line: flat, and only strings, numbers and booleans, so that no
 * object (an error carrying request headers, a resource with its data) can slip into a log. kube-rx
 * builds them only from its own typed values (see {@link errorFields}).
 *
 * Maps to logr's key/value pairs and pino's merging object.
 *
 * @example
 * ```ts
 * import type { LogFields } from 'kube-rx';
 * const fields: LogFields = { informer: 'configmaps', resourceVersion: '1200', attempt: 2 };
 * ```
 * @category logging
 * @since 0.2.0
 */
export type LogFields = Readonly<Record<string, string | number | boolean>>;

/**
 * Where kube-rx writes its log lines: one method, so that any logger adapts in one line. Nothing is
 * logged unless a logger is given (to {@link sharedIndexInformer}, {@link reconcileWith},
 * {@link leaderElection} or {@link controllerManager}); {@link consoleLogger} is a ready one.
 *
 * Maps to logr's `LogSink` (`Info`, `Error` with key/value pairs) as client-go and
 * controller-runtime use it.
 *
 * ```
 * informer "cms"   ──► log('info', 'informer synced', { informer: 'cms', count: 12 })
 * controller "cm"  ──► log('error', 'reconcile failed', { controller: 'cm', key: 'default/a', retryInMs: 5, error: '…' })
 * ```
 *
 * @example
 * ```ts
 * import type { Logger } from 'kube-rx';
 * // pino:    const logger: Logger = { log: (level, message, fields) => pinoInstance[level](fields, message) };
 * // console:
 * const logger: Logger = { log: (level, message, fields) => console[level](message, fields) };
 * ```
 * @category logging
 * @since 0.2.0
 */
export interface Logger {
  log(level: LogLevel, message: string, fields: LogFields): void;
}

/**
 * One log line as a value: what the pure log functions ({@link informerStatusLog},
 * {@link reconcileEventLog}, ...) return and a {@link Logger} receives.
 *
 * Maps to one logr call.
 *
 * @example
 * ```ts
 * import type { LogEntry } from 'kube-rx';
 * const entry: LogEntry = { level: 'info', message: 'informer synced', fields: { informer: 'cms', count: 3 } };
 * ```
 * @category logging
 * @since 0.2.0
 */
export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
}

/**
 * Writes `entry` to `logger` (nothing when either is `undefined`).
 *
 * Maps to one logr `Info` / `Error` call.
 *
 * @example
 * ```ts
 * import { consoleLogger, writeLog } from 'kube-rx';
 * writeLog(consoleLogger({ level: 'info' }), { level: 'info', message: 'hello', fields: {} });
 * ```
 * @category logging
 * @since 0.2.0
 */
export const writeLog = (logger: Logger | undefined, entry: LogEntry | undefined): void => {
  if (logger !== undefined && entry !== undefined) logger.log(entry.level, entry.message, entry.fields);
};
