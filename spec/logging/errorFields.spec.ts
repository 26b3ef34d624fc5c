import { describe, expect, it } from 'vitest';

import { httpError, type KubeApiError, transportError } from '../../lib/listwatch/ListerWatcherError.js';
import { apiErrorFields, decodeFailureFields, errorFields, LOG_TEXT_LIMIT } from '../../lib/logging/errorFields.js';

describe('log fields of errors', () => {
  it('an API error gives its kind, verb, resource, code, reason and message', () => {
    expect(apiErrorFields(httpError('watch', 'configmaps', 403, { reason: 'Forbidden', message: 'watch configmaps: Forbidden: no' }))).toEqual({
      errorType: 'HttpError',
      verb: 'watch',
      resource: 'configmaps',
      code: 403,
      reason: 'Forbidden',
      error: 'watch configmaps: Forbidden: no',
    });
    expect(apiErrorFields(transportError('list', 'pods', 'refused', 'ECONNREFUSED'))).toEqual({
      errorType: 'TransportError',
      verb: 'list',
      resource: 'pods',
      code: 'ECONNREFUSED',
      error: 'refused',
    });
  });

  it('a decode failure gives where, which object and its first error, never the raw input', () => {
    const fields = decodeFailureFields({
      _tag: 'DecodeFailure',
      source: 'watch',
      eventType: 'ADDED',
      key: 'ns/a',
      resourceVersion: '7',
      errors: ['Invalid value "x" supplied to spec', 'second'],
      raw: '{"data":{"password":"hunter2"}}',
    });
    expect(fields).toEqual({ source: 'watch', eventType: 'ADDED', key: 'ns/a', resourceVersion: '7', errors: 2, error: 'Invalid value "x" supplied to spec' });
    expect(JSON.stringify(fields)).not.toContain('hunter2');
  });

  it('anything else: an Error by name and first line, bounded; a string by its first line; other values by type only', () => {
    const apiException = new Error('HTTP-Code: 401\nMessage: Unauthorized\nBody: {}\nHeaders: {"www-authenticate":"Bearer"}');
    expect(errorFields(apiException)).toEqual({ errorType: 'Error', error: 'HTTP-Code: 401' });
    expect(errorFields(new RangeError('x'.repeat(1000)))['error']).toHaveLength(LOG_TEXT_LIMIT);
    expect(errorFields('line one\nline two')).toEqual({ errorType: 'string', error: 'line one' });
    expect(errorFields({ headers: { authorization: 'Bearer abc' } })).toEqual({ errorType: 'object' });
    expect(errorFields(null)).toEqual({ errorType: 'null' });
    const conflict: KubeApiError<'update'> = { _tag: 'HttpError', verb: 'update', resource: 'leases', code: 409, message: 'conflict' };
    expect(errorFields(conflict)).toMatchObject({ errorType: 'HttpError', verb: 'update', code: 409 });
  });
});
