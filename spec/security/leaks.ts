// Serialises everything a test observed, every way a user could print it, to search for secrets.
import { inspect } from 'node:util';

import { expect } from 'vitest';

/** JSON.stringify, typed as it behaves: undefined for undefined, functions and symbols. */
const stringify = (value: unknown, replacer: (key: string, v: unknown) => unknown): string | undefined => JSON.stringify(value, replacer);

/** JSON with `Error`s spelled out (name, message, stack, `cause`, own properties), recursively. */
const json = (value: unknown): string =>
  stringify(value, (_key, v: unknown) =>
    v instanceof Error
      ? { ...Object.fromEntries(Object.entries(v)), name: v.name, message: v.message, stack: v.stack, cause: v.cause }
      : typeof v === 'bigint'
        ? String(v)
        : v,
  ) ?? '';

/** `String()` of a value and of every error in its `cause` chain. */
const strings = (value: unknown, depth = 0): string[] => {
  if (depth > 10) return [];
  const own = typeof value === 'object' && value !== null && !(value instanceof Error) ? '' : String(value);
  const cause = value instanceof Error ? strings(value.cause, depth + 1) : [];
  return [own, ...cause];
};

/**
 * Every rendering of `values`: JSON (walking `cause`), `util.inspect` (hidden properties, full
 * depth), `String()` / `toString()`.
 */
export const renderAll = (values: ReadonlyArray<unknown>): string =>
  values
    .flatMap((v) => [json(v), inspect(v, { depth: Infinity, showHidden: true, maxStringLength: Infinity }), ...strings(v)])
    .join('\n');

export { pemPieces } from './pemPieces.js';

/** Asserts that none of `secrets` occurs in any rendering of `values`. */
export const expectNoSecrets = (values: ReadonlyArray<unknown>, secrets: ReadonlyArray<string>): void => {
  expect(values.length).toBeGreaterThan(0);
  const text = renderAll(values);
  for (const secret of secrets) expect(text, `a secret leaked: ${secret.slice(0, 6)}…`).not.toContain(secret);
};
