import { describe, expect, it } from 'vitest';

import {
  allOf,
  annotationsChanged,
  anyOf,
  generationChanged,
  labelsChanged,
  onlyWhen,
  resourceVersionChanged,
} from '../../lib/controller/predicates.js';
import type { ResourceEvent } from '../../lib/informer/ResourceEvent.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { newTestScheduler } from '../helpers/marbles.js';

type Meta = KubeObject['metadata'];
const obj = (meta: Partial<Meta>): KubeObject => ({ metadata: { name: 'a', namespace: 'ns', uid: 'u1', ...meta } });
const added: ResourceEvent<KubeObject> = { _tag: 'Added', key: 'ns/a', object: obj({}), initial: false };
const deleted: ResourceEvent<KubeObject> = { _tag: 'Deleted', key: 'ns/a', object: obj({}), finalStateUnknown: false, initial: false };
const sync: ResourceEvent<KubeObject> = { _tag: 'Sync', key: 'ns/a', object: obj({}), initial: false };
const update = (old: Partial<Meta>, now: Partial<Meta>): ResourceEvent<KubeObject> => ({
  _tag: 'Updated',
  key: 'ns/a',
  old: obj(old),
  object: obj(now),
  initial: false,
});

describe('predicates', () => {
  it('generationChanged passes spec changes, adds, deletes and re-creations; holds back status-only updates and syncs', () => {
    expect(generationChanged(update({ generation: 1, resourceVersion: '1' }, { generation: 2, resourceVersion: '2' }))).toBe(true);
    expect(generationChanged(update({ generation: 1, resourceVersion: '1' }, { generation: 1, resourceVersion: '2' }))).toBe(false);
    // deleted and re-created with the same generation (kube-rs#1830): a new uid passes
    expect(generationChanged(update({ generation: 1, uid: 'u1' }, { generation: 1, uid: 'u2' }))).toBe(true);
    expect([added, deleted, sync].map(generationChanged)).toEqual([true, true, false]);
  });

  it('generationChanged passes every update of an object without metadata.generation (a ConfigMap), as kube-rs does', () => {
    expect(generationChanged(update({ resourceVersion: '1' }, { resourceVersion: '2' }))).toBe(true);
    expect(generationChanged(sync)).toBe(false);
  });

  it('resourceVersionChanged passes any write and holds back syncs', () => {
    expect(resourceVersionChanged(update({ resourceVersion: '1' }, { resourceVersion: '2' }))).toBe(true);
    expect(resourceVersionChanged(update({ resourceVersion: '1' }, { resourceVersion: '1' }))).toBe(false);
    expect([added, deleted, sync].map(resourceVersionChanged)).toEqual([true, true, false]);
  });

  it('labelsChanged and annotationsChanged compare the maps by content', () => {
    expect(labelsChanged(update({ labels: { a: '1' } }, { labels: { a: '1' } }))).toBe(false);
    expect(labelsChanged(update({ labels: { a: '1' } }, { labels: { a: '2' } }))).toBe(true);
    expect(labelsChanged(update({ labels: { a: '1' } }, {}))).toBe(true);
    expect(labelsChanged(update({}, { labels: {} }))).toBe(false);
    expect(annotationsChanged(update({ annotations: { x: 'y' } }, { annotations: { x: 'y', z: '1' } }))).toBe(true);
    expect(annotationsChanged(update({ annotations: { x: 'y' } }, { annotations: { x: 'y' }, labels: { l: '1' } }))).toBe(false);
  });

  it('anyOf and allOf combine predicates', () => {
    const labelOnly = update({ generation: 1, labels: { a: '1' } }, { generation: 1, labels: { a: '2' } });
    expect(anyOf(generationChanged, labelsChanged)(labelOnly)).toBe(true);
    expect(allOf(generationChanged, labelsChanged)(labelOnly)).toBe(false);
    expect(anyOf<KubeObject>()(labelOnly)).toBe(false);
    expect(allOf<KubeObject>()(labelOnly)).toBe(true);
  });

  it('onlyWhen filters an event stream', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const statusOnly = update({ generation: 1, resourceVersion: '1' }, { generation: 1, resourceVersion: '2' });
      const spec = update({ generation: 1, resourceVersion: '2' }, { generation: 2, resourceVersion: '3' });
      const events = hot('  -a-s-u-v-d-|', { a: added, s: sync, u: statusOnly, v: spec, d: deleted });
      const subs = '        ^----------!';
      expectObservable(events.pipe(onlyWhen(generationChanged))).toBe('-a-----v-d-|', { a: added, v: spec, d: deleted });
      expectSubscriptions(events.subscriptions).toBe(subs);
    });
  });
});
