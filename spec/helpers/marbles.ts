import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';

interface Frame {
  readonly frame: number;
  readonly notification: { readonly kind: string; readonly value?: unknown; readonly error?: unknown };
}

const isFrames = (u: unknown): u is ReadonlyArray<Frame> =>
  Array.isArray(u) && u.every((f) => typeof f === 'object' && f !== null && 'frame' in f && 'notification' in f);

/** JSON.stringify, typed as it behaves: undefined for undefined, functions and symbols. */
const stringify = (v: unknown): string | undefined => JSON.stringify(v);

const brief = (v: unknown): string => {
  if (typeof v !== 'object' || v === null) return stringify(v) ?? String(v);
  const o = v as Record<string, unknown>;
  const tag = typeof o['_tag'] === 'string' ? o['_tag'] : '';
  const key = typeof o['key'] === 'string' ? ` ${o['key']}` : '';
  return tag === '' ? JSON.stringify(v) : `${tag}${key}`;
};

/** One line per notification: `frame kind value`, to make a failing marble readable. */
export const timeline = (frames: ReadonlyArray<Frame>): string =>
  frames
    .map((f) => `${f.frame} ${f.notification.kind} ${f.notification.kind === 'N' ? brief(f.notification.value) : ''}`)
    .join('\n');

/**
 * A fresh TestScheduler whose assertion is vitest's deep equality, prefixed (on failure) by both
 * timelines in a compact form.
 */
export const newTestScheduler = (): TestScheduler =>
  new TestScheduler((actual, expected) => {
    if (isFrames(actual) && isFrames(expected)) {
      expect(actual, `actual:\n${timeline(actual)}\nexpected:\n${timeline(expected)}\n`).toEqual(expected);
    } else {
      expect(actual).toEqual(expected);
    }
  });
