/**
 * A test that fails on purpose, only when `KUBE_RX_MATRIX_PROBE=1` (skipped otherwise): the test
 * matrix's own spec (testMatrix.spec.ts) runs it to see that a failure is listed by name in the
 * matrix's summary, so that the tail of a CI log alone says what failed.
 */
import { describe, expect, it } from 'vitest';

describe('matrix probe', () => {
  it.runIf(process.env['KUBE_RX_MATRIX_PROBE'] === '1')('fails on purpose', () => {
    expect({ probe: 'failed' }).toEqual({ probe: 'as asked' });
  });
});
