import type { LogFields, Logger, LogLevel } from '../../lib/logging/Logger.js';

/** One line a {@link recordingLogger} received. */
export interface LoggedLine {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
}

/** A Logger that keeps every line, in order. */
export const recordingLogger = (): { readonly logger: Logger; readonly lines: LoggedLine[] } => {
  const lines: LoggedLine[] = [];
  return {
    lines,
    logger: {
      log: (level, message, fields) => {
        lines.push({ level, message, fields });
      },
    },
  };
};
