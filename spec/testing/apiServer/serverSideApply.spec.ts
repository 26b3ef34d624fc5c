import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import {
  fieldPathText,
  fromFieldsV1,
  knownListType,
  leafPaths,
  type ManagedFieldsEntry,
  serverSideApply,
  toFieldsV1,
} from '../../../lib/testing/apiServer/serverSideApply.js';
import { expectedListMerge, runListMerge } from '../../helpers/applyListMerge.js';
import { embeddedKubeConfig, embeddedServerPerTest } from '../../helpers/embeddedKubeConfig.js';

const base = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' } };
const apply = (current: Record<string, unknown> | undefined, managedFields: ReadonlyArray<ManagedFieldsEntry>, applied: Record<string, unknown>, manager: string, force = false, builtin = false) =>
  serverSideApply({ current, managedFields, applied: { ...base, ...applied }, manager, force, scope: 'all', apiVersion: 'v1', listType: knownListType(builtin) });

/** Applies in turn, each on the result of the one before; throws on a conflict. */
const applyAll = (steps: ReadonlyArray<readonly [string, Record<string, unknown>, boolean?]>, builtin = false) =>
  steps.reduce<{ readonly object: Record<string, unknown>; readonly managedFields: ReadonlyArray<ManagedFieldsEntry> }>(
    (acc, [manager, applied, force]) => {
      const r = apply({ ...base, ...acc.object }, acc.managedFields, applied, manager, force ?? false, builtin);
      if (E.isLeft(r)) throw new Error(`conflict: ${JSON.stringify(r.left)}`);
      return r.right;
    },
    { object: {}, managedFields: [] },
  );
const ref = (uid: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: `o-${uid}`, uid, ...extra });
const meta = (metadata: Record<string, unknown>) => ({ metadata: { ...base.metadata, ...metadata } });

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

  it('ownerReferences merge by uid, finalizers as a set: each manager owns its elements, a dropped one goes, the other stays', () => {
    const both = applyAll([
      ['a', meta({ ownerReferences: [ref('u1', { controller: true })], finalizers: ['x/a'] })],
      ['b', meta({ ownerReferences: [ref('u2')], finalizers: ['x/b'] })],
    ]);
    expect(both.object['metadata']).toMatchObject({ ownerReferences: [ref('u1', { controller: true }), ref('u2')], finalizers: ['x/a', 'x/b'] });
    expect(both.managedFields[0]?.fieldsV1).toEqual({
      'f:metadata': {
        'f:ownerReferences': { 'k:{"uid":"u1"}': { '.': {}, 'f:apiVersion': {}, 'f:kind': {}, 'f:name': {}, 'f:uid': {}, 'f:controller': {} } },
        'f:finalizers': { 'v:"x/a"': {} },
      },
    });
    expect(fromFieldsV1(both.managedFields[0]?.fieldsV1)).toEqual(leafPaths(meta({ ownerReferences: [ref('u1', { controller: true })], finalizers: ['x/a'] })));

    // another value for a's field of the element u1: a conflict naming the element by key
    const conflict = apply({ ...base, ...both.object }, both.managedFields, meta({ ownerReferences: [ref('u1', { controller: false })] }), 'b');
    expect(E.mapLeft((c: { conflicts: ReadonlyArray<{ manager: string; path: ReadonlyArray<unknown> }> }) => c.conflicts.map((x) => [x.manager, fieldPathText(x.path as never)]))(conflict)).toEqual(
      E.left([['a', '.metadata.ownerReferences[uid="u1"].controller']]),
    );

    // a stops applying its reference and finalizer: both go, b's stay
    const after = apply({ ...base, ...both.object }, both.managedFields, meta({}), 'a');
    if (E.isLeft(after)) throw new Error('conflict');
    expect(after.right.object['metadata']).toMatchObject({ ownerReferences: [ref('u2')], finalizers: ['x/b'] });
    expect(after.right.managedFields.map((e) => e.manager)).toEqual(['b']);
  });

  it('an element of a list-map stays while anyone owns a field of it; unowned elements (written by update) are kept', () => {
    const start = { ...base, metadata: { ...base.metadata, ownerReferences: [ref('u0')] } }; // written by an update: no owner
    const steps = apply(start, [], meta({ ownerReferences: [ref('u1', { controller: true })] }), 'a');
    if (E.isLeft(steps)) throw new Error('conflict');
    const shared = apply({ ...base, ...steps.right.object }, steps.right.managedFields, meta({ ownerReferences: [ref('u1')] }), 'b');
    if (E.isLeft(shared)) throw new Error('conflict');
    // a drops u1: b still owns its name, kind, apiVersion, uid; a's `controller` goes with a
    const dropped = apply({ ...base, ...shared.right.object }, shared.right.managedFields, meta({}), 'a');
    if (E.isLeft(dropped)) throw new Error('conflict');
    expect(dropped.right.object['metadata']).toMatchObject({ ownerReferences: [ref('u0'), ref('u1')] });
    // b drops it too: the element goes, u0 (nobody's) stays
    const gone = apply({ ...base, ...dropped.right.object }, dropped.right.managedFields, meta({}), 'b');
    if (E.isLeft(gone)) throw new Error('conflict');
    expect(gone.right.object['metadata']).toMatchObject({ ownerReferences: [ref('u0')] });
  });

  it('built-in kinds: conditions by type, containers by name (field by field), container ports by port and protocol; custom resources: atomic', () => {
    const spec = (containers: ReadonlyArray<Record<string, unknown>>) => ({ spec: { containers } });
    const pod = applyAll(
      [
        ['a', { ...spec([{ name: 'app', image: 'app:1', ports: [{ containerPort: 80, protocol: 'TCP' }] }]), status: { conditions: [{ type: 'Ready', status: 'False' }] } }],
        ['b', { ...spec([{ name: 'app', resources: { limits: { cpu: '1' } } }, { name: 'sidecar', image: 'side:1' }]), status: { conditions: [{ type: 'Scheduled', status: 'True' }] } }],
      ],
      true,
    );
    expect(pod.object['spec']).toEqual({
      containers: [
        { name: 'app', image: 'app:1', ports: [{ containerPort: 80, protocol: 'TCP' }], resources: { limits: { cpu: '1' } } },
        { name: 'sidecar', image: 'side:1' },
      ],
    });
    expect(pod.object['status']).toEqual({ conditions: [{ type: 'Ready', status: 'False' }, { type: 'Scheduled', status: 'True' }] });
    expect(knownListType(true)(['spec', 'containers', { key: { name: 'app' } }, 'ports'])).toEqual({ _tag: 'map', keys: ['containerPort', 'protocol'] });
    expect(knownListType(true)(['spec', 'ports'])).toEqual({ _tag: 'map', keys: ['port', 'protocol'] });
    // the same applies to a custom resource: lists outside metadata are atomic, the last apply wins them
    const custom = applyAll([
      ['a', { status: { conditions: [{ type: 'Ready', status: 'False' }] } }],
      ['b', { status: { conditions: [{ type: 'Scheduled', status: 'True' }] } }, true],
    ]);
    expect(custom.object['status']).toEqual({ conditions: [{ type: 'Scheduled', status: 'True' }] });
  });

  it('a list whose elements lack their key, or repeat one, is atomic', () => {
    expect(leafPaths(meta({ ownerReferences: [{ name: 'no-uid' }] }))).toEqual([['metadata', 'ownerReferences']]);
    expect(leafPaths(meta({ finalizers: ['a', 'a'] }))).toEqual([['metadata', 'finalizers']]);
    expect(leafPaths(meta({ finalizers: ['a', 'b'] }))).toEqual([['metadata', 'finalizers', { value: 'a' }], ['metadata', 'finalizers', { value: 'b' }]]);
  });
});

describe('server-side apply of ownerReferences and finalizers over HTTP (embedded API server)', () => {
  const server = embeddedServerPerTest();
  it('merges them by key as kube-apiserver does (the same scenario runs in spec/kube/client.kube.spec.ts)', async () => {
    expect(await runListMerge(embeddedKubeConfig(server()), 'default', 'merged')).toEqual(expectedListMerge);
  });
});
