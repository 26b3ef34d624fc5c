import { describe, expect, it } from 'vitest';

import { KubeApiException } from '../../lib/client/ClientError.js';
import { invalidAsTerminal, terminalOnInvalid } from '../../lib/client/terminalOnInvalid.js';
import { isTerminalError, terminalError } from '../../lib/workqueue/ReconcileResult.js';
import { newTestScheduler } from '../helpers/marbles.js';

const invalid = { _tag: 'HttpError', verb: 'apply', resource: 'widgets', code: 422, reason: 'Invalid', message: 'spec.size: Invalid value: -1' } as const;
const conflict = { ...invalid, code: 409, reason: 'Conflict', message: 'stale' } as const;

describe('terminalOnInvalid', () => {
  it('turns a 422 Invalid into a TerminalError and lets values, completion and other errors through', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const failing = cold('  --#', {}, invalid);
      const other = cold('    --#', {}, conflict);
      const ok = cold('       -a|');
      expectObservable(failing.pipe(terminalOnInvalid())).toBe('--#', {}, terminalError(invalid));
      expectObservable(other.pipe(terminalOnInvalid())).toBe('--#', {}, conflict);
      expectObservable(ok.pipe(terminalOnInvalid())).toBe('-a|');
      expectSubscriptions(failing.subscriptions).toBe('^-!');
      expectSubscriptions(ok.subscriptions).toBe('^-!');
    });
  });

  it('works on KubeApiExceptions (the Promise API) and leaves anything else alone', () => {
    const fromPromise = invalidAsTerminal(new KubeApiException(invalid));
    expect(isTerminalError(fromPromise)).toBe(true);
    expect(isTerminalError(invalidAsTerminal(new KubeApiException(conflict)))).toBe(false);
    const plain = new Error('422');
    expect(invalidAsTerminal(plain)).toBe(plain);
    expect(invalidAsTerminal('x')).toBe('x');
  });
});
