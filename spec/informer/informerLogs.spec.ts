import { NEVER, of, Subject } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { informerProblemLog, informerStatusLog, logInformer } from '../../lib/informer/informerLogs.js';
import type { InformerProblem, InformerStatus } from '../../lib/informer/InformerStatus.js';
import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import { httpError } from '../../lib/listwatch/ListerWatcherError.js';
import { configMap, listPage, type TestConfigMap as Cm } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { recordingLogger } from '../helpers/recordingLogger.js';

describe('informer log lines', () => {
  it('status changes: first list, watch and stop at debug; synced, relists and backoffs at info', () => {
    const lines = (
      [
        { _tag: 'Listing', resourceVersion: '0', cause: 'Initial' },
        { _tag: 'Synced', count: 2 },
        { _tag: 'Watching', resourceVersion: '5', synced: true },
        { _tag: 'BackingOff', delayMs: 800, attempt: 1, next: 'list', error: { _tag: 'VeryShortWatch', resourceVersion: '5' } },
        { _tag: 'Listing', resourceVersion: '', cause: 'Expired' },
        { _tag: 'Stopped' },
      ] satisfies InformerStatus[]
    ).map((s) => informerStatusLog('cms', s));
    expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      'debug informer listing',
      'info informer synced',
      'debug informer watching',
      'info informer backing off',
      'info informer relisting',
      'debug informer stopped',
    ]);
    expect(lines[3]?.fields).toEqual({ informer: 'cms', delayMs: 800, attempt: 1, next: 'list', reflectorError: 'VeryShortWatch' });
  });

  it('problems at warn, with the error fields, never the raw object', () => {
    const problems: InformerProblem[] = [
      { _tag: 'ReflectorError', error: { _tag: 'WatchFailed', error: httpError('watch', 'configmaps', 403, { reason: 'Forbidden' }) }, next: 'list' },
      { _tag: 'DecodeFailure', source: 'list', key: 'default/a', errors: ['bad'], raw: '{"secret":"s3cr3t"}' },
    ];
    const lines = problems.map((p) => informerProblemLog('cms', p));
    expect(lines.map((l) => l.level)).toEqual(['warn', 'warn']);
    expect(lines[0]?.fields).toMatchObject({ informer: 'cms', next: 'list', reflectorError: 'WatchFailed', code: 403, reason: 'Forbidden' });
    expect(lines[1]?.fields).toEqual({ informer: 'cms', source: 'list', key: 'default/a', errors: 1, error: 'bad' });
    expect(JSON.stringify(lines)).not.toContain('s3cr3t');
  });

  it('a refused streaming list at info, once, with the answer of the server: the expected path on servers without WatchList', () => {
    const refused = httpError('watch', 'configmaps', 422, { reason: 'Invalid' });
    const line = informerProblemLog('cms', { _tag: 'ReflectorError', error: { _tag: 'StreamingListUnsupported', error: refused }, next: 'list' });
    expect(line.level).toBe('info');
    expect(line.message).toBe('informer falls back to paged lists');
    expect(line.fields).toMatchObject({ informer: 'cms', next: 'list', reflectorError: 'StreamingListUnsupported', code: 422 });
  });

  it('logInformer logs changes after the replayed status, and problems, until unsubscribed', () => {
    const { logger, lines } = recordingLogger();
    const status$ = new Subject<InformerStatus>();
    const problems$ = new Subject<InformerProblem>();
    const sub = logInformer(logger, 'cms', { status$, problems$ });
    status$.next({ _tag: 'Watching', resourceVersion: '1', synced: true }); // the replayed current status
    status$.next({ _tag: 'Listing', resourceVersion: '', cause: 'Error' });
    problems$.next({ _tag: 'ReflectorError', error: { _tag: 'VeryShortWatch', resourceVersion: '1' }, next: 'list' });
    sub.unsubscribe();
    status$.next({ _tag: 'Stopped' });
    expect(lines.map((l) => l.message)).toEqual(['informer relisting', 'informer error']);
  });
});

describe('sharedIndexInformer with a logger (virtual time)', () => {
  it('logs its lifecycle and problems by name', () => {
    const rx = newTestScheduler();
    const { logger, lines } = recordingLogger();
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<Cm>({
        lists: [cold('10ms (p|)', { p: listPage('5', [configMap('a', '5')]) }), NEVER],
        watches: [cold('5ms #', {}, httpError('watch', 'configmaps', 403, { reason: 'Forbidden' }))],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0, name: 'cms', logger });
      expectObservable(informer.events$, '^ 1000ms !').toBe('10ms a', {
        a: { _tag: 'Added', key: 'default/a', object: configMap('a', '5'), initial: true },
      });
    });
    expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      'debug informer listing',
      'info informer synced',
      'debug informer watching',
      'warn informer error',
      'info informer backing off',
      'info informer relisting',
      'debug informer stopped',
    ]);
    expect(lines.every((l) => l.fields['informer'] === 'cms')).toBe(true);
    expect(lines[3]?.fields).toMatchObject({ reflectorError: 'WatchFailed', code: 403, next: 'list' });
  });
});

describe('by default nothing is logged', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('an informer that fails, without a logger, writes nothing to the console', () => {
    const spies = (['log', 'debug', 'info', 'warn', 'error'] as const).map((m) => vi.spyOn(console, m));
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<Cm>({
        lists: [of(listPage('5', [])), cold('#', {}, httpError('list', 'configmaps', 500))],
        watches: [cold('5ms #', {}, httpError('watch', 'configmaps', 403))],
      });
      expectObservable(sharedIndexInformer(lw, { scheduler: rx, random: () => 0, name: 'cms' }).events$, '^ 5000ms !').toBe('');
    });
    expect(spies.map((s) => s.mock.calls.length)).toEqual([0, 0, 0, 0, 0]);
  });
});
