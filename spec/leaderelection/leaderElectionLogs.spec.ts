import { describe, expect, it, vi } from 'vitest';

import { leaderElection, type LeaderState } from '../../lib/leaderelection/leaderElection.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { memoryLeaseStore } from '../helpers/memoryLeaseClient.js';
import { recordingLogger } from '../helpers/recordingLogger.js';

const values = { l: { _tag: 'Leading' } as LeaderState, f: { _tag: 'Following' } as LeaderState };

describe('leaderElection with a logger (virtual time, in-memory Leases)', () => {
  it('logs the Lease acquired, each failed renew, leadership lost at the renew deadline, and failed acquire attempts at debug', () => {
    const rx = newTestScheduler();
    const { logger, lines } = recordingLogger();
    rx.run(({ expectObservable, cold }) => {
      const store = memoryLeaseStore(rx);
      let partitioned = false;
      cold('2500ms x').subscribe(() => (partitioned = true));
      const leader$ = leaderElection({
        client: store.client({ name: 'a', down: () => partitioned }),
        namespace: 'default',
        name: 'ctl',
        identity: 'a',
        leaseDurationMs: 5_000,
        renewDeadlineMs: 3_000,
        retryPeriodMs: 1_000,
        random: () => 0,
        scheduler: rx,
        logger,
      });
      // renews at 0, 1000, 2000 succeed; 3000, 4000 fail; the deadline 2000 + 3000 passes at 5000
      expectObservable(leader$, '^ 5500ms !').toBe('l 4999ms f', values);
    });
    expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      'info became leader',
      'warn lease renew failed',
      'warn lease renew failed',
      'warn stopped leading',
      'debug lease acquire attempt failed',
    ]);
    expect(lines[0]?.fields).toEqual({ lease: 'default/ctl', identity: 'a' });
    expect(lines[1]?.fields).toMatchObject({ lease: 'default/ctl', identity: 'a', errorType: 'TransportError', code: 'ECONNREFUSED' });
    expect(lines[3]?.fields).toEqual({ lease: 'default/ctl', identity: 'a', reason: 'renew deadline passed' });
  });

  it('writes nothing to the console without a logger, even when every request fails', () => {
    const spies = (['log', 'debug', 'info', 'warn', 'error'] as const).map((m) => vi.spyOn(console, m));
    const rx = newTestScheduler();
    rx.run(({ expectObservable }) => {
      const store = memoryLeaseStore(rx);
      const client = store.client({ name: 'a', down: () => rx.now() > 0 });
      const leader$ = leaderElection({ client, namespace: 'default', name: 'ctl', identity: 'a', scheduler: rx, random: () => 0 });
      expectObservable(leader$, '^ 30000ms !').toBe('l 9999ms f', values);
    });
    expect(spies.map((s) => s.mock.calls.length)).toEqual([0, 0, 0, 0, 0]);
    vi.restoreAllMocks();
  });
});
