import { describe, expect, it } from 'vitest';

import { consoleLogger, logLevelEnabled } from '../../lib/logging/consoleLogger.js';
import type { LogLevel } from '../../lib/logging/Logger.js';

const fakeConsole = () => {
  const written: Array<readonly [LogLevel, ...unknown[]]> = [];
  const method =
    (level: LogLevel) =>
    (...args: unknown[]): void => {
      written.push([level, ...args]);
    };
  return { written, console: { debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') } };
};

describe('consoleLogger', () => {
  it('writes lines at its level and above, each to the console method of its level (default info)', () => {
    const out = fakeConsole();
    const logger = consoleLogger({ console: out.console });
    for (const level of ['debug', 'info', 'warn', 'error'] as const) logger.log(level, `m-${level}`, { n: 1 });
    expect(out.written).toEqual([
      ['info', 'm-info', { n: 1 }],
      ['warn', 'm-warn', { n: 1 }],
      ['error', 'm-error', { n: 1 }],
    ]);
  });

  it('with level debug writes everything; with level error only errors', () => {
    const all = fakeConsole();
    const only = fakeConsole();
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      consoleLogger({ level: 'debug', console: all.console }).log(level, level, {});
      consoleLogger({ level: 'error', console: only.console }).log(level, level, {});
    }
    expect(all.written.map(([l]) => l)).toEqual(['debug', 'info', 'warn', 'error']);
    expect(only.written.map(([l]) => l)).toEqual(['error']);
  });

  it('json format writes one JSON object per line', () => {
    const out = fakeConsole();
    consoleLogger({ format: 'json', console: out.console }).log('warn', 'informer error', { informer: 'cms', code: 403 });
    expect(out.written).toEqual([['warn', '{"level":"warn","msg":"informer error","informer":"cms","code":403}']]);
  });

  it('orders levels debug < info < warn < error', () => {
    expect(logLevelEnabled('warn', 'info')).toBe(false);
    expect(logLevelEnabled('warn', 'warn')).toBe(true);
    expect(logLevelEnabled('debug', 'error')).toBe(true);
    expect(logLevelEnabled('error', 'warn')).toBe(false);
  });
});
