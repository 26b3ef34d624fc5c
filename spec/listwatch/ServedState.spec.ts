import { describe, expect, it } from 'vitest';

import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { crdServedState, notServed, sameServedState, SERVED } from '../../lib/listwatch/ServedState.js';

const widgets: ApiResource = { group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };
const established = { type: 'Established', status: 'True' };
const crd = (patch: { metadata?: object; versions?: ReadonlyArray<object>; conditions?: ReadonlyArray<object> } = {}): unknown => ({
  metadata: { name: 'widgets.example.com', ...patch.metadata },
  spec: { group: 'example.com', versions: patch.versions ?? [{ name: 'v1', served: true, storage: true }] },
  status: { conditions: patch.conditions ?? [{ type: 'NamesAccepted', status: 'True' }, established] },
});

describe('crdServedState', () => {
  it('is Served for an Established CRD that serves the version', () => {
    expect(crdServedState(crd(), widgets)).toEqual(SERVED);
  });

  it('tells why a resource is not served', () => {
    expect(crdServedState(undefined, widgets)).toEqual(notServed('customresourcedefinition "widgets.example.com" not found'));
    expect(crdServedState(crd({ metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }), widgets)).toEqual(
      notServed('customresourcedefinition "widgets.example.com" is being deleted'),
    );
    expect(crdServedState(crd({ conditions: [{ type: 'Established', status: 'False' }] }), widgets)).toEqual(
      notServed('customresourcedefinition "widgets.example.com" is not established'),
    );
    expect(crdServedState(crd({ versions: [{ name: 'v1', served: false }, { name: 'v2', served: true }] }), widgets)).toEqual(
      notServed('customresourcedefinition "widgets.example.com" does not serve version v1'),
    );
    expect(crdServedState({ metadata: {} }, widgets)._tag).toBe('NotServed');
  });
});

describe('sameServedState', () => {
  it('compares tags and messages; two Unknowns are never the same', () => {
    expect(sameServedState(SERVED, { _tag: 'Served' })).toBe(true);
    expect(sameServedState(notServed('a'), notServed('a'))).toBe(true);
    expect(sameServedState(notServed('a'), notServed('b'))).toBe(false);
    expect(sameServedState(SERVED, notServed('a'))).toBe(false);
    const u = { _tag: 'Unknown', error: 'x' } as const;
    expect(sameServedState(u, u)).toBe(false);
  });
});
