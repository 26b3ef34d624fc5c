/**
 * Failures on purpose, only when asked (skipped or silent otherwise): the test matrix's own spec
 * (testMatrix.spec.ts) runs them to see that a failure is listed by name in the matrix's summary,
 * so that the tail of a CI log alone says what failed. `KUBE_RX_MATRIX_PROBE=1` fails a test;
 * `KUBE_RX_MATRIX_PROBE=hook` fails an `afterAll` hook (vitest counts no failed test for it).
 */
import { afterAll, describe, expect, it } from 'vitest';

const probe = process.env['KUBE_RX_MATRIX_PROBE'];

describe('matrix probe', () => {
  it.runIf(probe === '1')('fails on purpose', () => {
    expect({ probe: 'failed' }).toEqual({ probe: 'as asked' });
  });
});

describe('matrix probe hook', () => {
  afterAll(() => {
    if (probe === 'hook') throw new Error('the probe hook failed on purpose');
  });

  it.runIf(probe === 'hook')('passes, before its afterAll fails', () => {
    expect(probe).toBe('hook');
  });
});
