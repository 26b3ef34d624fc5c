import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { fromFieldsV1, leafPaths, type ManagedFieldsEntry, serverSideApply, toFieldsV1 } from '../../../lib/testing/apiServer/serverSideApply.js';

const base = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' } };
const apply = (current: Record<string, unknown> | undefined, managedFields: ReadonlyArray<ManagedFieldsEntry>, applied: Record<string, unknown>, manager: string, force = false) =>
  serverSideApply({ current, managedFields, applied: { ...base, ...applied }, manager, force, scope: 'all', apiVersion: 'v1' });

describe('simplified server-side apply', () => {
  it('leaf paths leave identity out; fieldsV1 is the f: notation and reads back', () => {
    const paths = leafPaths({ ...base, metadata: { ...base.metadata, labels: { x: '1' } }, data: { k: 'v' }, list: [1, 2], empty: {} });
    expect(paths).toEqual([['metadata', 'labels', 'x'], ['data', 'k'], ['list'], ['empty']]);
    expect(toFieldsV1(paths)).toEqual({ 'f:metadata': { 'f:labels': { 'f:x': {} } }, 'f:data': { 'f:k': {} }, 'f:list': {}, 'f:empty': {} });
    expect(fromFieldsV1(toFieldsV1(paths))).toEqual(paths);
  });

  it('creates with ownership, shares equal values, conflicts on different ones unless forced, and removes what a manager stops applying', () => {
    const created = apply(undefined, [], { data: { k: 'v', gone: 'soon' } }, 'a');
    if (E.isLeft(created)) throw new Error('conflict');
    expect(created.right.managedFields).toEqual([{ manager: 'a', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:k': {}, 'f:gone': {} } } }]);
    const current = { ...base, ...created.right.object };

    const shared = apply(current, created.right.managedFields, { data: { k: 'v' } }, 'b');
    expect(E.isRight(shared)).toBe(true);
    expect(apply(current, created.right.managedFields, { data: { k: 'other' } }, 'b')).toEqual(E.left({ conflicts: [{ manager: 'a', path: ['data', 'k'] }] }));
    const forced = apply(current, created.right.managedFields, { data: { k: 'other' } }, 'b', true);
    if (E.isLeft(forced)) throw new Error('conflict');
    expect(forced.right.object['data']).toEqual({ k: 'other', gone: 'soon' });
    expect(forced.right.managedFields.map((e) => [e.manager, fromFieldsV1(e.fieldsV1)])).toEqual([
      ['a', [['data', 'gone']]],
      ['b', [['data', 'k']]],
    ]);
    // a stops applying data.gone: removed (nobody else owns it); data.k stays (b owns it)
    const dropped = apply({ ...base, ...forced.right.object }, forced.right.managedFields, { data: {} }, 'a');
    if (E.isLeft(dropped)) throw new Error('conflict');
    expect(dropped.right.object['data']).toEqual({ k: 'other' });
  });

  it('the status scope writes and owns only status; the main scope never status', () => {
    const current = { ...base, spec: { size: 1 }, status: { phase: 'Old' } };
    const status = serverSideApply({ current, managedFields: [], applied: { ...base, spec: { size: 9 }, status: { phase: 'Ready' } }, manager: 's', force: false, scope: 'status', apiVersion: 'v1' });
    expect(E.map((r: { object: Record<string, unknown>; managedFields: ReadonlyArray<ManagedFieldsEntry> }) => [r.object['spec'], r.object['status'], r.managedFields[0]?.subresource])(status)).toEqual(
      E.right([{ size: 1 }, { phase: 'Ready' }, 'status']),
    );
    const main = serverSideApply({ current, managedFields: [], applied: { ...base, spec: { size: 2 }, status: { phase: 'Ignored' } }, manager: 'm', force: false, scope: 'main', apiVersion: 'v1' });
    expect(E.map((r: { object: Record<string, unknown> }) => [r.object['spec'], r.object['status']])(main)).toEqual(E.right([{ size: 2 }, { phase: 'Old' }]));
  });
});
