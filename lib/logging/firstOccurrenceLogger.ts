import type { LogFields, Logger } from './Logger.js';

/** Fields that change from one occurrence of the same failure to the next. */
const VOLATILE_FIELDS: ReadonlySet<string> = new Set(['resourceVersion', 'attempt', 'delayMs', 'retryInMs', 'durationMs', 'idleMs', 'count']);

/**
 * The identity of a log line for {@link firstOccurrenceLogger}: level, message and every field
 * but the volatile ones (resourceVersion, attempt, delays, durations, counts). Pure.
 *
 * @example
 * ```ts
 * import { logLineIdentity } from 'kube-rx';
 * logLineIdentity('warn', 'informer error', { informer: 'cms', code: 403, attempt: 2 }); // '["warn","informer error",[["code",403],["informer","cms"]]]'
 * ```
 * @category logging
 * @since 0.3.0
 */
export const logLineIdentity = (level: string, message: string, fields: LogFields): string =>
  JSON.stringify([
    level,
    message,
    Object.entries(fields)
      .filter(([k]) => !VOLATILE_FIELDS.has(k))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);

/**
 * A {@link Logger} that passes on only the first occurrence of each distinct line
 * ({@link logLineIdentity}) at `warn` and `error`, each with the field
 * `firstOccurrence: true`, and drops `debug` and `info`: a failure retried forever with backoff
 * is reported once, where a user looks, instead of never (a silent default) or every 30 s.
 * The manager uses it over `consoleLogger({ level: 'warn' })` when given no logger.
 *
 * Maps to klog's `ErrorS` as client-go's reflector logs each failure, deduplicated; client-go
 * itself logs every occurrence.
 *
 * State: the set of identities seen (bounded by `limit`, default 1000; past it, nothing more is
 * remembered and every line passes).
 *
 * ```
 * log:     -w403-w403-w403-e(key a)-w403-e(key a)-w500-
 * passed:  -w403-----------e(key a)--------------w500-
 * ```
 *
 * @example
 * ```ts
 * import { consoleLogger, firstOccurrenceLogger } from 'kube-rx';
 * const logger = firstOccurrenceLogger(consoleLogger({ level: 'warn' }));
 * logger.log('warn', 'informer error', { informer: 'cms', code: 403 }); // printed
 * logger.log('warn', 'informer error', { informer: 'cms', code: 403 }); // not printed
 * ```
 * @category logging
 * @since 0.3.0
 */
export const firstOccurrenceLogger = (logger: Logger, limit = 1000): Logger => {
  const seen = new Set<string>();
  return {
    log: (level, message, fields) => {
      if (level === 'debug' || level === 'info') return;
      const id = logLineIdentity(level, message, fields);
      if (seen.has(id)) return;
      if (seen.size < limit) seen.add(id);
      logger.log(level, message, { ...fields, firstOccurrence: true });
    },
  };
};
