import { describe, expect, it } from 'vitest';

import { httpError, STREAMING_LIST_SILENT, transportError } from '../../lib/listwatch/ListerWatcherError.js';
import { initialReflectorState } from '../../lib/reflector/ReflectorState.js';
import {
  classifyListFailure,
  classifyWatchFailure,
  continuePageOptions,
  firstPageOptions,
  fullListOptions,
  isStreamingListRefusal,
  listModeFor,
  relistCause,
  relistResourceVersion,
  retryAfterMs,
  watchOptionsFor,
  watchTimeoutSeconds,
} from '../../lib/reflector/reflectorRules.js';
import { at, gone, status, streamOpts, watchOpts } from '../helpers/reflector.js';
describe('protocol rules', () => {
  it('relistResourceVersion: "0" first, the last RV afterwards, "" after a 410', () => {
    expect(relistResourceVersion(initialReflectorState)).toBe('0');
    expect(relistResourceVersion(at('100'))).toBe('100');
    expect(relistResourceVersion(at('100', true))).toBe('');
    expect(relistCause(at('100', true))).toBe('Expired');
    expect(relistCause(at('100'))).toBe('Error');
  });

  it('firstPageOptions: pages at "" and "0", or once the server paged; never when pageSize is 0', () => {
    expect(firstPageOptions('0', 500, false)).toEqual({ resourceVersion: '0', limit: 500 });
    expect(firstPageOptions('', 100, false)).toEqual({ resourceVersion: '', limit: 100 });
    expect(firstPageOptions('100', 500, false)).toEqual({ resourceVersion: '100' });
    expect(firstPageOptions('100', 500, true)).toEqual({ resourceVersion: '100', limit: 500 });
    expect(firstPageOptions('0', 0, true)).toEqual({ resourceVersion: '0' });
  });

  it('continue pages drop the resourceVersion; the expired-token fallback drops limit and token', () => {
    const first = firstPageOptions('0', 500, false);
    expect(continuePageOptions(first, 'tok')).toEqual({ limit: 500, continue: 'tok' });
    expect(fullListOptions(first)).toEqual({ resourceVersion: '0' });
  });

  it('classifyListFailure', () => {
    expect(classifyListFailure(gone('list'), '0', true)).toBe('FullList');
    expect(classifyListFailure(gone('list'), '0', false)).toBe('RelistConsistent');
    expect(classifyListFailure(gone('list'), '', false)).toBe('Backoff');
    expect(classifyListFailure(httpError('list', 'configmaps', 500), '0', true)).toBe('Backoff');
  });

  it('retryAfterMs: the Retry-After header, else the Status details, else 0', () => {
    expect(retryAfterMs(httpError('watch', 'x', 429, { retryAfterSeconds: 2 }))).toBe(2000);
    expect(retryAfterMs(httpError('watch', 'x', 429, { status: status(429, 'TooManyRequests', 3) }))).toBe(3000);
    expect(retryAfterMs(httpError('watch', 'x', 503))).toBe(0);
    expect(retryAfterMs(transportError('watch', 'x', 'reset'))).toBe(0);
  });

  it('watch timeout and options', () => {
    expect(watchTimeoutSeconds(300, () => 0)).toBe(300);
    expect(watchTimeoutSeconds(300, () => 0.999)).toBe(599);
    expect(watchOptionsFor('7', 300, false)).toEqual(watchOpts('7'));
    expect(watchOptionsFor('', 300, true)).toEqual(streamOpts(''));
  });

  it('classifyWatchFailure', () => {
    const verdict = (e: Parameters<typeof classifyWatchFailure>[0]) => {
      const v = classifyWatchFailure(e, '9');
      return v._tag === 'Rewatch' ? 'rewatch' : `${v.error._tag}->${v.next}${v.expired ? ' expired' : ''} ${v.minDelayMs}`;
    };
    expect(verdict({ _tag: 'Failed', error: gone('watch') })).toBe('WatchExpired->list expired 0');
    expect(verdict({ _tag: 'Failed', error: transportError('watch', '', 'reset') })).toBe('WatchFailed->watch 0');
    expect(verdict({ _tag: 'Failed', error: httpError('watch', 'x', 429, { retryAfterSeconds: 2 }) })).toBe('WatchFailed->watch 2000');
    expect(verdict({ _tag: 'Failed', error: httpError('watch', 'x', 500) })).toBe('WatchFailed->watch 0');
    expect(verdict({ _tag: 'Failed', error: httpError('watch', 'x', 401) })).toBe('WatchFailed->list 0');
    expect(verdict({ _tag: 'Failed', error: httpError('watch', 'x', 404) })).toBe('WatchFailed->list 0');
    expect(verdict({ _tag: 'Status', status: status(410, 'Gone') })).toBe('WatchExpired->list expired 0');
    expect(verdict({ _tag: 'Status', status: { kind: 'Status', reason: 'Expired' } })).toBe('WatchExpired->list expired 0');
    expect(verdict({ _tag: 'Status', status: status(429, 'TooManyRequests', 4) })).toBe('WatchStatus->watch 4000');
    expect(verdict({ _tag: 'Status', status: status(500, 'InternalError') })).toBe('WatchStatus->list 0');
    expect(verdict({ _tag: 'Closed', durationMs: 999, events: 0 })).toBe('VeryShortWatch->list 0');
    expect(verdict({ _tag: 'Closed', durationMs: 999, events: 1 })).toBe('rewatch');
    expect(verdict({ _tag: 'Closed', durationMs: 1000, events: 0 })).toBe('rewatch');
    expect(verdict({ _tag: 'Idle', idleMs: 5 })).toBe('WatchIdle->watch 0');
  });

  it('listModeFor: auto streams only over a ListerWatcher that says it may, until refused; list and stream force', () => {
    const refused = { ...initialReflectorState, streamingListUnsupported: true };
    expect(listModeFor('auto', initialReflectorState, undefined)).toBe('list');
    expect(listModeFor('auto', initialReflectorState, true)).toBe('stream');
    expect(listModeFor('auto', initialReflectorState, false)).toBe('list');
    expect(listModeFor('auto', refused, true)).toBe('list');
    expect(listModeFor('stream', refused, false)).toBe('stream');
    expect(listModeFor('list', initialReflectorState, true)).toBe('list');
  });

  it('isStreamingListRefusal: 422 Invalid, or a streaming list answered with silence', () => {
    expect(isStreamingListRefusal(transportError('watch', 'configmaps', 'no event', STREAMING_LIST_SILENT))).toBe(true);
    expect(isStreamingListRefusal(transportError('watch', 'configmaps', 'idle', 'ETIMEDOUT'))).toBe(false);
    expect(isStreamingListRefusal(httpError('watch', 'configmaps', 422, { reason: 'Invalid' }))).toBe(true);
    for (const code of [400, 401, 403, 404, 410, 429, 500, 503]) expect(isStreamingListRefusal(httpError('watch', 'configmaps', code))).toBe(false);
    expect(isStreamingListRefusal(transportError('watch', 'configmaps', 'reset', 'ECONNRESET'))).toBe(false);
  });
});
