import fc from 'fast-check';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { describe, expect, it } from 'vitest';

import { KubeObjectCodec } from '../../lib/meta/KubeObject.js';
import { PartialObjectMetadataCodec } from '../../lib/meta/PartialObjectMetadata.js';

const metadataArb = fc.record(
  {
    name: fc.string({ minLength: 1, maxLength: 6 }),
    namespace: fc.string({ maxLength: 6 }),
    resourceVersion: fc.stringMatching(/^\d{1,4}$/),
    labels: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }),
  },
  { requiredKeys: ['name'] },
);

/** Any object the server might send: a full object of any kind, or already a PartialObjectMetadata. */
const objectArb = fc.oneof(
  fc.record({
    apiVersion: fc.constantFrom('v1', 'apps/v1'),
    kind: fc.constantFrom('ConfigMap', 'Deployment'),
    metadata: metadataArb,
    data: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 8 })),
    spec: fc.jsonValue(),
  }, { requiredKeys: ['metadata'] }),
  fc.record({ apiVersion: fc.constant('meta.k8s.io/v1'), kind: fc.constant('PartialObjectMetadata'), metadata: metadataArb }),
);

describe('PartialObjectMetadataCodec', () => {
  it('keeps exactly apiVersion meta.k8s.io/v1, kind PartialObjectMetadata and the metadata, whatever was sent', () => {
    fc.assert(
      fc.property(objectArb, (sent) => {
        const decoded = PartialObjectMetadataCodec.decode(sent);
        if (!isRight(decoded)) return false;
        expect(decoded.right).toEqual({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: sent.metadata });
        expect(decoded.right.metadata).toBe(sent.metadata);
        return true;
      }),
    );
  });

  it('returns a PartialObjectMetadata as it was sent (no copy)', () => {
    const sent = { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: { name: 'a', resourceVersion: '3' } };
    const decoded = PartialObjectMetadataCodec.decode(sent);
    expect(isRight(decoded) && decoded.right).toBe(sent);
  });

  it('refuses what KubeObjectCodec refuses, with the same errors (paths and values)', () => {
    const paths = (errors: t.Errors): string[] => errors.map((e) => `${e.context.slice(1).map((c) => c.key).join('.')}=${JSON.stringify(e.value)}`);
    fc.assert(
      fc.property(fc.jsonValue(), (u) => {
        const partial = PartialObjectMetadataCodec.decode(u);
        const kube = KubeObjectCodec.decode(u);
        expect(isLeft(partial)).toBe(isLeft(kube));
        if (isLeft(partial) && isLeft(kube)) expect(paths(partial.left)).toEqual(paths(kube.left));
      }),
    );
    expect(isLeft(PartialObjectMetadataCodec.decode({ metadata: {} }))).toBe(true);
  });
});
