import { describe, expect, it } from 'vitest';

import { firstOccurrenceLogger, logLineIdentity } from '../../lib/logging/firstOccurrenceLogger.js';
import { recordingLogger } from '../helpers/recordingLogger.js';

describe('firstOccurrenceLogger', () => {
  it('passes the first occurrence of each distinct warning or error, marked, and drops debug and info', () => {
    const { logger, lines: entries } = recordingLogger();
    const once = firstOccurrenceLogger(logger);
    once.log('warn', 'informer error', { informer: 'cms', code: 403, attempt: 1, resourceVersion: '1' });
    once.log('warn', 'informer error', { informer: 'cms', code: 403, attempt: 2, resourceVersion: '9' });
    once.log('warn', 'informer error', { informer: 'cms', code: 500, attempt: 3 });
    once.log('error', 'reconcile failed', { controller: 'c', key: 'a', retryInMs: 5 });
    once.log('error', 'reconcile failed', { controller: 'c', key: 'a', retryInMs: 10 });
    once.log('info', 'informer synced', { informer: 'cms' });
    expect(entries).toEqual([
      { level: 'warn', message: 'informer error', fields: { informer: 'cms', code: 403, attempt: 1, resourceVersion: '1', firstOccurrence: true } },
      { level: 'warn', message: 'informer error', fields: { informer: 'cms', code: 500, attempt: 3, firstOccurrence: true } },
      { level: 'error', message: 'reconcile failed', fields: { controller: 'c', key: 'a', retryInMs: 5, firstOccurrence: true } },
    ]);
  });

  it('stops remembering past its limit (every line then passes) and identifies lines by their stable fields in any order', () => {
    const { logger, lines: entries } = recordingLogger();
    const once = firstOccurrenceLogger(logger, 1);
    once.log('warn', 'a', {});
    once.log('warn', 'b', {});
    once.log('warn', 'b', {});
    once.log('warn', 'a', {});
    expect(entries.map((e) => e.message)).toEqual(['a', 'b', 'b']);
    expect(logLineIdentity('warn', 'm', { x: 1, y: 'z', attempt: 1 })).toBe(logLineIdentity('warn', 'm', { y: 'z', x: 1, attempt: 7 }));
  });
});
