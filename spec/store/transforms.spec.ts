import { describe, expect, it } from 'vitest';

import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { stripManagedFields, toPartialObjectMetadata } from '../../lib/store/transforms.js';

interface Pod extends KubeObject {
  readonly spec: { readonly containers: ReadonlyArray<{ readonly name: string }> };
  readonly status?: { readonly phase: string };
}

/** A pod as the server sends it, with `managedFields` (not part of the typed ObjectMeta). */
const serverPod = (): Pod => {
  const metadata = {
    name: 'p',
    namespace: 'ns',
    resourceVersion: '7',
    labels: { app: 'web' },
    managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:metadata': {} } }],
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata,
    spec: { containers: [{ name: 'c' }] },
    status: { phase: 'Running' },
  };
};

describe('stripManagedFields', () => {
  it('drops metadata.managedFields and keeps everything else', () => {
    const input = serverPod();
    const out = stripManagedFields(input);
    expect(out).not.toBe(input);
    expect('managedFields' in out.metadata).toBe(false);
    expect(out).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'ns', resourceVersion: '7', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c' }] },
      status: { phase: 'Running' },
    });
    expect(out.spec).toBe(input.spec);
  });

  it('does not mutate its input', () => {
    const input = serverPod();
    const before = JSON.stringify(input);
    stripManagedFields(input);
    expect(JSON.stringify(input)).toBe(before);
  });

  it('returns the same reference when there are no managedFields', () => {
    const clean: Pod = { metadata: { name: 'p' }, spec: { containers: [] } };
    expect(stripManagedFields(clean)).toBe(clean);
  });

  it('strips a managedFields key even when its value is null', () => {
    const metadata = { name: 'p', managedFields: null };
    const input: KubeObject = { metadata };
    expect(stripManagedFields(input)).toEqual({ metadata: { name: 'p' } });
  });
});

describe('toPartialObjectMetadata', () => {
  it('keeps apiVersion, kind and metadata without managedFields', () => {
    const input = serverPod();
    expect(toPartialObjectMetadata(input)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'ns', resourceVersion: '7', labels: { app: 'web' } },
    });
  });

  it('omits apiVersion and kind when absent (exactOptionalPropertyTypes) and reuses clean metadata', () => {
    const clean: Pod = { metadata: { name: 'p' }, spec: { containers: [] } };
    const out = toPartialObjectMetadata(clean);
    expect(out).toEqual({ metadata: { name: 'p' } });
    expect('apiVersion' in out).toBe(false);
    expect('kind' in out).toBe(false);
    expect(out.metadata).toBe(clean.metadata);
  });
});
