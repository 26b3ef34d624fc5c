export { consoleLogger, type ConsoleLoggerOptions, logLevelEnabled } from './consoleLogger.js';
export { apiErrorFields, decodeFailureFields, errorFields, LOG_TEXT_LIMIT, reflectorErrorFields } from './errorFields.js';
export { firstOccurrenceLogger, logLineIdentity } from './firstOccurrenceLogger.js';
export { informerProblemLog, informerStatusLog, logInformer } from './informerLogs.js';
export { type LogEntry, type LogFields, type Logger, type LogLevel, writeLog } from './Logger.js';
export { logReconcileEvents, reconcileEventLog } from './reconcileLogs.js';
