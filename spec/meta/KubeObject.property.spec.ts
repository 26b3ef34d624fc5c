import fc from 'fast-check';
import { isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { PathReporter } from 'io-ts/lib/PathReporter.js';
import { describe, expect, it } from 'vitest';

import { decodeObject } from '../../lib/codec/decodeObject.js';
import { KubeObjectCodec, ObjectMetaCodec, ObjectMetaIoTs } from '../../lib/meta/KubeObject.js';

// The oracle: the codecs as plain io-ts defines them, without the fast path (same names, so the
// same error messages are expected).
const ReferenceObjectMeta = ObjectMetaIoTs;
const ReferenceKubeObject = t.intersection([
  t.type({ metadata: ReferenceObjectMeta }),
  t.partial({ apiVersion: t.string, kind: t.string }),
]);
const spec = t.type({ spec: t.type({ size: t.number }) });
const Widget = t.intersection([KubeObjectCodec, spec]);
const ReferenceWidget = t.intersection([ReferenceKubeObject, spec]);

// ---------------------------------------------------------------------------------------------
// Arbitraries: mostly well-formed objects whose every field may be absent, right, or replaced by
// any JSON value (or, for the second property, by any JavaScript value), so that each rule of the
// codec is hit on both sides.
// ---------------------------------------------------------------------------------------------

/** Mostly `good`, sometimes `junk` (one field in 20 goes wrong, so that about half the objects decode). */
const mostly =
  (junk: fc.Arbitrary<unknown>) =>
  <A>(good: fc.Arbitrary<A>): fc.Arbitrary<unknown> =>
    fc.oneof({ weight: 19, arbitrary: good }, { weight: 1, arbitrary: junk });

const objectMetaArb = (junk: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => {
  const or = mostly(junk);
  const str = or(fc.string({ maxLength: 6 }));
  const strings = or(fc.array(or(fc.string({ maxLength: 4 })), { maxLength: 3 }));
  const dict = or(fc.dictionary(fc.string({ maxLength: 4 }), or(fc.string({ maxLength: 4 })), { maxKeys: 3 }));
  const ownerRef = or(
    fc.record(
      { apiVersion: str, kind: str, name: str, uid: str, controller: or(fc.boolean()), blockOwnerDeletion: or(fc.boolean()) },
      { requiredKeys: ['apiVersion', 'kind', 'name', 'uid'] },
    ),
  );
  return or(
    fc.record(
      {
        name: str,
        namespace: str,
        resourceVersion: str,
        uid: str,
        generation: or(fc.oneof(fc.integer(), fc.double())),
        generateName: str,
        creationTimestamp: junk,
        deletionTimestamp: junk,
        labels: dict,
        annotations: dict,
        finalizers: strings,
        ownerReferences: or(fc.array(ownerRef, { maxLength: 2 })),
        managedFields: junk,
      },
      { requiredKeys: ['name'] },
    ),
  );
};

const kubeObjectArb = (junk: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => {
  const or = mostly(junk);
  return or(
    fc.record(
      {
        apiVersion: or(fc.string({ maxLength: 4 })),
        kind: or(fc.string({ maxLength: 4 })),
        metadata: objectMetaArb(junk),
        spec: or(fc.record({ size: or(fc.integer()) })),
      },
      { requiredKeys: ['metadata'] },
    ),
  );
};

const jsonJunk = fc.jsonValue({ maxDepth: 2 });
const anyJunk = fc.anything({
  maxDepth: 2,
  withBoxedValues: true,
  withNullPrototype: true,
  withSparseArray: true,
  withDate: true,
  withMap: true,
  withSet: true,
});

/** What a caller can observe of one decode: the value on success, io-ts's report on failure. */
const outcome = (codec: t.Decoder<unknown, unknown>, u: unknown): { ok: true; value: unknown } | { ok: false; report: string[] } => {
  const r = codec.decode(u);
  return isRight(r) ? { ok: true, value: r.right } : { ok: false, report: PathReporter.report(r) };
};

type Codec = t.Decoder<unknown, unknown> & { readonly is: (u: unknown) => boolean };

const sameAsReference = (codec: Codec, reference: Codec, u: unknown): void => {
  const fast = outcome(codec, u);
  expect(fast).toEqual(outcome(reference, u));
  // an accepted value is returned as it is, exactly as io-ts returns it
  if (fast.ok) expect(fast.value).toBe(u);
  expect(codec.is(u)).toBe(reference.is(u));
  expect(decodeObject(codec, u, 'watch', 'ADDED')).toEqual(decodeObject(reference, u, 'watch', 'ADDED'));
};

describe('KubeObjectCodec and ObjectMetaCodec fast path', () => {
  it('accept and refuse exactly what the io-ts codecs do, with the same errors (JSON values)', () => {
    fc.assert(
      fc.property(kubeObjectArb(jsonJunk), (object) => {
        // as the watch sees it: a value that went through JSON
        const u: unknown = JSON.parse(JSON.stringify(object));
        sameAsReference(KubeObjectCodec, ReferenceKubeObject, u);
        sameAsReference(Widget, ReferenceWidget, u);
        const meta = typeof u === 'object' && u !== null && 'metadata' in u ? u.metadata : u;
        sameAsReference(ObjectMetaCodec, ReferenceObjectMeta, meta);
      }),
      { numRuns: 2000 },
    );
  });

  it('accept and refuse exactly what the io-ts codecs do (any JavaScript value)', () => {
    fc.assert(
      fc.property(kubeObjectArb(anyJunk), objectMetaArb(anyJunk), (object, meta) => {
        sameAsReference(KubeObjectCodec, ReferenceKubeObject, object);
        sameAsReference(ObjectMetaCodec, ReferenceObjectMeta, meta);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts a fair share of the generated values (the property is not vacuous)', () => {
    const samples = fc.sample(kubeObjectArb(jsonJunk), { numRuns: 500, seed: 42 });
    const accepted = samples.filter((u) => isRight(ReferenceKubeObject.decode(u))).length;
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(450);
  });

  it('keeps the io-ts shape: name, types, encode', () => {
    expect(KubeObjectCodec.name).toBe(ReferenceKubeObject.name);
    expect(ObjectMetaCodec.name).toBe(ReferenceObjectMeta.name);
    expect(KubeObjectCodec._tag).toBe('IntersectionType');
    expect(KubeObjectCodec.types).toHaveLength(2);
    const o = { metadata: { name: 'a' }, kind: 'Pod', extra: 1 };
    expect(KubeObjectCodec.encode(o)).toEqual(ReferenceKubeObject.encode(o));
  });
});
