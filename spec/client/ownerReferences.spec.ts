import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';

import type { Stored } from '../../lib/client/builtinResources.js';
import type { ApplyObject } from '../../lib/client/objectClient.js';
import { type OwnerReference, setControllerReference, setOwnerReference } from '../../lib/client/ownerReferences.js';

const widget = (name: string, namespace: string | undefined, uid = `uid-${name}`) => ({
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name, uid, ...(namespace === undefined ? {} : { namespace }) },
});

describe('setControllerReference', () => {
  it('adds a controller reference with blockOwnerDeletion, keeping the other owners', () => {
    const child: ApplyObject<Stored<ConfigMap>> = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'ns', ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'ns', uid: 'n' }] },
      data: { k: 'v' },
    };
    const owned = setControllerReference(widget('w', 'ns'), child);
    expect(owned).toEqual(
      E.right({
        ...child,
        metadata: {
          ...child.metadata,
          ownerReferences: [
            { apiVersion: 'v1', kind: 'Namespace', name: 'ns', uid: 'n' },
            { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'uid-w', controller: true, blockOwnerDeletion: true },
          ],
        },
      }),
    );
    expect(child.metadata.ownerReferences).toHaveLength(1); // pure
  });

  it('updates the reference to the same owner (another version, a new uid) instead of refusing it', () => {
    const first = setControllerReference(widget('w', 'ns', 'old'), { metadata: { name: 'c', namespace: 'ns' } });
    if (E.isLeft(first)) throw new Error('refused');
    const again = setControllerReference({ ...widget('w', 'ns', 'new'), apiVersion: 'example.com/v2' }, first.right);
    expect(E.map((o: { readonly metadata: { readonly ownerReferences: unknown } }) => o.metadata.ownerReferences)(again)).toEqual(
      E.right([{ apiVersion: 'example.com/v2', kind: 'Widget', name: 'w', uid: 'new', controller: true, blockOwnerDeletion: true }]),
    );
  });

  it('refuses a second controller, a cross-namespace owner, a namespaced owner of a cluster-scoped object and an owner without uid', () => {
    const controlled = { metadata: { name: 'c', namespace: 'ns', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'x', controller: true }] } };
    expect(setControllerReference(widget('w', 'ns'), controlled)).toMatchObject(E.left({ _tag: 'OwnerReferenceError', reason: 'AlreadyOwned', existing: { kind: 'Deployment', name: 'd' } }));
    expect(setControllerReference(widget('w', 'other'), { metadata: { name: 'c', namespace: 'ns' } })).toMatchObject(E.left({ reason: 'CrossNamespace' }));
    expect(setControllerReference(widget('w', 'ns'), { metadata: { name: 'node-thing' } })).toMatchObject(E.left({ reason: 'ClusterScopedObject' }));
    expect(setControllerReference({ metadata: { name: 'w', namespace: 'ns' }, apiVersion: 'v1', kind: 'X' }, { metadata: { name: 'c', namespace: 'ns' } })).toMatchObject(
      E.left({ reason: 'InvalidOwner', field: 'metadata.uid' }),
    );
    // an owner from an informer's cache (a LIST item) has no apiVersion/kind: its resource gives them
    const cached = { metadata: { name: 'cm', namespace: 'ns', uid: 'u' } };
    expect(setControllerReference(cached, { metadata: { name: 'c', namespace: 'ns' } })).toMatchObject(E.left({ reason: 'InvalidOwner', field: 'apiVersion' }));
    expect(
      E.map((o: { readonly metadata: { readonly ownerReferences: unknown } }) => o.metadata.ownerReferences)(
        setControllerReference(cached, { metadata: { name: 'c', namespace: 'ns' } }, { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true }),
      ),
    ).toEqual(E.right([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'cm', uid: 'u', controller: true, blockOwnerDeletion: true }]));
    // a cluster-scoped owner may own a namespaced object and a cluster-scoped one
    expect(E.isRight(setControllerReference(widget('cluster', undefined), { metadata: { name: 'c', namespace: 'ns' } }))).toBe(true);
    expect(E.isRight(setControllerReference(widget('cluster', undefined), { metadata: { name: 'c' } }))).toBe(true);
  });

  it('property: the result has exactly one controller reference, to the owner, and setting it again changes nothing', () => {
    const ref = fc.record({
      apiVersion: fc.constantFrom('v1', 'apps/v1', 'example.com/v1'),
      kind: fc.constantFrom('Widget', 'Deployment', 'Namespace'),
      name: fc.constantFrom('a', 'b', 'w'),
      uid: fc.string({ maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(ref, { maxLength: 4 }), fc.boolean(), (others, controllerOwnerSame) => {
        const owner = widget('w', 'ns');
        const refs = others.map((r, i): OwnerReference => (i === 0 && controllerOwnerSame ? { ...r, kind: 'Widget', apiVersion: 'example.com/v9', name: 'w', controller: true } : r));
        const object = { metadata: { name: 'c', namespace: 'ns', ownerReferences: refs } };
        const result = setControllerReference(owner, object);
        if (E.isLeft(result)) return result.left.reason === 'AlreadyOwned';
        const controllers = result.right.metadata.ownerReferences.filter((r) => r.controller === true);
        expect(controllers).toEqual([{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'uid-w', controller: true, blockOwnerDeletion: true }]);
        expect(setControllerReference(owner, result.right)).toEqual(result);
        return true;
      }),
    );
  });
});

describe('setOwnerReference', () => {
  it('adds a plain owner reference next to an existing controller', () => {
    const controlled = { metadata: { name: 'c', namespace: 'ns', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'x', controller: true }] } };
    expect(E.map((o: { readonly metadata: { readonly ownerReferences: unknown } }) => o.metadata.ownerReferences)(setOwnerReference(widget('w', 'ns'), controlled))).toEqual(
      E.right([...controlled.metadata.ownerReferences, { apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', uid: 'uid-w' }]),
    );
    expect(setOwnerReference(widget('w', 'a'), { metadata: { name: 'c', namespace: 'b' } })).toMatchObject(E.left({ reason: 'CrossNamespace' }));
  });
});
