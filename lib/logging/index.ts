export { consoleLogger, type ConsoleLoggerOptions, logLevelEnabled } from './consoleLogger.js';
export { apiErrorFields, decodeFailureFields, errorFields, LOG_TEXT_LIMIT } from './errorFields.js';
export { firstOccurrenceLogger, logLineIdentity } from './firstOccurrenceLogger.js';
export { type LogEntry, type LogFields, type Logger, type LogLevel, writeLog } from './Logger.js';
