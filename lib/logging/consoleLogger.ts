import type { LogFields, Logger, LogLevel } from './Logger.js';

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * Whether a line at `level` passes a logger whose threshold is `threshold`.
 *
 * Maps to logr's `Enabled()` at a verbosity.
 *
 * @example
 * ```ts
 * import { logLevelEnabled } from 'kube-rx';
 * logLevelEnabled('info', 'debug'); // false
 * logLevelEnabled('info', 'warn');  // true
 * ```
 * @category logging
 * @since 0.2.0
 */
export const logLevelEnabled = (threshold: LogLevel, level: LogLevel): boolean => RANK[level] >= RANK[threshold];

/**
 * Options of {@link consoleLogger}.
 *
 * Maps to klog's `-v` and `-logging-format` flags.
 *
 * @example
 * ```ts
 * import type { ConsoleLoggerOptions } from 'kube-rx';
 * const options: ConsoleLoggerOptions = { level: 'debug', format: 'json' };
 * ```
 * @category logging
 * @since 0.2.0
 */
export interface ConsoleLoggerOptions {
  /** The lowest level written (default `'info'`). */
  readonly level?: LogLevel;
  /** `'text'` (default): `console[level](message, fields)`; `'json'`: one JSON object per line (`level`, `msg`, the fields). */
  readonly format?: 'text' | 'json';
  /** Where to write (default the global `console`). */
  readonly console?: Pick<Console, LogLevel>;
}

/**
 * A {@link Logger} writing to the console: lines at `level` and above, each to the console method
 * of its level (`console.debug`, `console.info`, `console.warn`, `console.error`), as text or as
 * one JSON object per line.
 *
 * Maps to klog's / zap's console sinks as client-go and controller-runtime set them up.
 *
 * ```
 * consoleLogger({ level: 'info' }).log('info', 'informer synced', { informer: 'cms', count: 3 })
 *   ──► console.info('informer synced', { informer: 'cms', count: 3 })
 * consoleLogger({ format: 'json' }) … ──► console.info('{"level":"info","msg":"informer synced","informer":"cms","count":3}')
 * ```
 *
 * @example
 * ```ts
 * import { consoleLogger, sharedIndexInformer, type KubeObject } from 'kube-rx';
 * import { fakeListerWatcher } from 'kube-rx/testing';
 * const informer = sharedIndexInformer(fakeListerWatcher<KubeObject>({}), { name: 'cms', logger: consoleLogger({ level: 'debug' }) });
 * ```
 * @category logging
 * @since 0.2.0
 */
export const consoleLogger = (options: ConsoleLoggerOptions = {}): Logger => {
  const { level: threshold = 'info', format = 'text', console: out = globalThis.console } = options;
  return {
    log: (level: LogLevel, message: string, fields: LogFields): void => {
      if (!logLevelEnabled(threshold, level)) return;
      if (format === 'json') out[level](JSON.stringify({ level, msg: message, ...fields }));
      else out[level](message, fields);
    },
  };
};
