import { describe, expect, it } from 'vitest';

import { httpError, transportError } from '../../lib/listwatch/ListerWatcherError.js';
import { reflectorErrorFields } from '../../lib/reflector/reflectorErrorFields.js';

describe('log fields of reflector errors', () => {
  it('a reflector error names itself and carries the Status or API error fields', () => {
    expect(
      reflectorErrorFields({ _tag: 'WatchStatus', resourceVersion: '9', status: { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd' } }),
    ).toEqual({ reflectorError: 'WatchStatus', resourceVersion: '9', code: 500, reason: 'InternalError', error: 'etcd' });
    expect(reflectorErrorFields({ _tag: 'ListFailed', error: transportError('list', 'pods', 'reset') })).toMatchObject({
      reflectorError: 'ListFailed',
      errorType: 'TransportError',
    });
    expect(reflectorErrorFields({ _tag: 'WatchIdle', resourceVersion: '3', idleMs: 10 })).toEqual({ reflectorError: 'WatchIdle', resourceVersion: '3', idleMs: 10 });
    expect(reflectorErrorFields({ _tag: 'StreamingListUnsupported', error: httpError('watch', 'configmaps', 422, { reason: 'Invalid' }) })).toMatchObject({
      reflectorError: 'StreamingListUnsupported',
      errorType: 'HttpError',
      code: 422,
    });
  });
});
