import { describe, expect, it } from 'vitest';

import { mapKeys, ownerKeys, ownKeys } from '../../lib/controller/relations.js';
import type { ResourceEvent } from '../../lib/informer/ResourceEvent.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { newTestScheduler } from '../helpers/marbles.js';

const ref = (kind: string, name: string, apiVersion = 'v1', controller = true) => ({ apiVersion, kind, name, uid: `uid-${name}`, controller });
const secret = (name: string, owners: ReturnType<typeof ref>[], namespace = 'ns'): KubeObject => ({
  metadata: { name, namespace, ownerReferences: owners },
});

describe('relations', () => {
  it('ownerKeys maps an object to its controlling owners of one kind and group, in its namespace', () => {
    const toConfigMap = ownerKeys({ kind: 'ConfigMap', group: '' });
    expect(toConfigMap(secret('s', [ref('ConfigMap', 'cm')]))).toEqual(['ns/cm']);
    expect(toConfigMap(secret('s', [ref('ConfigMap', 'cm', 'v1', false)]))).toEqual([]);
    expect(ownerKeys({ kind: 'ConfigMap', group: '', controllerOnly: false })(secret('s', [ref('ConfigMap', 'cm', 'v1', false)]))).toEqual([
      'ns/cm',
    ]);
    expect(toConfigMap(secret('s', [ref('Deployment', 'd', 'apps/v1')]))).toEqual([]);
    expect(ownerKeys({ kind: 'Deployment', group: 'apps' })(secret('s', [ref('Deployment', 'd', 'apps/v1')]))).toEqual(['ns/d']);
    expect(ownerKeys({ kind: 'Deployment', group: 'apps' })(secret('s', [ref('Deployment', 'd', 'extensions/v1beta1')]))).toEqual([]);
    expect(ownerKeys({ kind: 'Node', group: '', clusterScoped: true })(secret('s', [ref('Node', 'n1')]))).toEqual(['n1']);
    expect(toConfigMap({ metadata: { name: 'no-owners' } })).toEqual([]);
  });

  it('ownerKeys takes the owner’s resource: its kind and group, cluster-scoped when it is not namespaced', () => {
    const widgets = { group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };
    const knobs = { group: 'example.com', version: 'v1', plural: 'knobs', kind: 'Knob', namespaced: false };
    const child = secret('s', [ref('Widget', 'w', 'example.com/v1'), ref('Knob', 'k', 'example.com/v2', false)]);
    expect(ownerKeys(widgets)(child)).toEqual(['ns/w']);
    expect(ownerKeys({ ...knobs, controllerOnly: false })(child)).toEqual(['k']);
    expect(ownerKeys({ ...knobs, controllerOnly: false, clusterScoped: false })(child)).toEqual(['ns/k']);
    expect(ownerKeys({ ...widgets, kind: 'Knob' })(child)).toEqual([]);
  });

  it('mapKeys triggers the owners of both the old and the new object of an update, once each', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable, expectSubscriptions }) => {
      const a = secret('s', [ref('ConfigMap', 'a')]);
      const b = secret('s', [ref('ConfigMap', 'b')]);
      const ev = {
        x: { _tag: 'Added', key: 'ns/s', object: a, initial: true },
        y: { _tag: 'Updated', key: 'ns/s', old: a, object: b, initial: false },
        z: { _tag: 'Updated', key: 'ns/s', old: b, object: b, initial: false },
        w: { _tag: 'Deleted', key: 'ns/s', object: b, finalStateUnknown: false, initial: false },
      } satisfies Record<string, ResourceEvent<KubeObject>>;
      const events = hot('   -x-y----z-w-|', ev);
      const subs = '         ^-----------!';
      expectObservable(events.pipe(mapKeys(ownerKeys({ kind: 'ConfigMap', group: '' })))).toBe('-a-(ab)-b-b-|', {
        a: 'ns/a',
        b: 'ns/b',
      });
      expectSubscriptions(events.subscriptions).toBe(subs);
    });
  });

  it('ownKeys emits each event’s own key', () => {
    const rx = newTestScheduler();
    rx.run(({ hot, expectObservable }) => {
      const o = secret('s', []);
      const events = hot('-x-|', { x: { _tag: 'Added', key: 'ns/s', object: o, initial: true } satisfies ResourceEvent<KubeObject> });
      expectObservable(events.pipe(ownKeys())).toBe('-k-|', { k: 'ns/s' });
    });
  });
});
