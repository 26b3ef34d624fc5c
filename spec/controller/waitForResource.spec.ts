import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { controllerManager } from '../../lib/controller/controllerManager.js';
import { waitsForResourceByDefault } from '../../lib/controller/selectorServed.js';
import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import type { ListPage } from '../../lib/listwatch/ListerWatcher.js';
import { notServed, SERVED, type ServedState } from '../../lib/listwatch/ServedState.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { configMap, listPage } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { startedKeys } from '../helpers/startedKeys.js';

const widgets: ApiResource = { group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };
const N = notServed('customresourcedefinition "widgets.example.com" not found');


describe('waitsForResourceByDefault', () => {
  it('is on for custom resources and names qualified with a custom group, off for built-in ones and bare names', () => {
    expect(waitsForResourceByDefault(widgets)).toBe(true);
    expect(waitsForResourceByDefault('widgets.example.com')).toBe(true);
    expect(waitsForResourceByDefault('widgets.v1.example.com')).toBe(true);
    expect(waitsForResourceByDefault('widgets')).toBe(false);
    expect(waitsForResourceByDefault('configmaps')).toBe(false);
    expect(waitsForResourceByDefault('deployments.apps')).toBe(false);
    expect(waitsForResourceByDefault('leases.coordination.k8s.io')).toBe(false);
    expect(waitsForResourceByDefault({ ...widgets, group: 'metrics.k8s.io' })).toBe(false);
    expect(waitsForResourceByDefault({ ...widgets, group: '' })).toBe(false);
  });
});

describe('controllerManager with a resource that comes and goes', () => {
  it('waits, reconciles once served, pauses while not served, resumes with a fresh sync', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const served$ = cold<ServedState>('n----s--------n-----s', { n: N, s: SERVED });
      const list1 = cold<ListPage<KubeObject>>('-(p|)', { p: listPage('10', [configMap('a', '1')]) });
      const list2 = cold<ListPage<KubeObject>>('-(p|)', { p: listPage('20', [configMap('b', '15')]) });
      const lw = fakeListerWatcher<KubeObject>({ lists: [list1, list2], watches: [cold('-'), cold('-')] });
      const mgr = controllerManager({ listerWatcher: () => lw as never, served: () => served$, scheduler: rx });
      const selector = mgr.select('widgets', { resource: widgets });
      mgr.controller({ name: 'widgets', for: selector, reconcile: () => of(done) });
      const statuses: string[] = [];
      mgr.informer(selector).status$.subscribe((s) => statuses.push(`${String(rx.now())} ${s._tag}${s._tag === 'Stopped' && s.reason !== undefined ? `(${s.reason})` : ''}`));
      expectObservable(startedKeys(mgr.run({ shutdown$: hot('40ms x') }))).toBe('6ms a 14ms b 18ms |');
      expectSubscriptions(served$.subscriptions).toBe('^ 39ms !');
      expectSubscriptions(list1.subscriptions).toBe('5ms ^!');
      expectSubscriptions(list2.subscriptions).toBe('20ms ^!');
      rx.flush();
      expect(statuses).toEqual(['0 Stopped', '0 Stopped(NotServed)', '5 Listing', '6 Synced', '6 Watching', '14 Stopped(NotServed)', '20 Listing', '21 Synced', '21 Watching', '40 Stopped']);
    });
  });

  it('runs the controller at once when the resource is served from the start', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, hot, expectObservable }) => {
      const lw = fakeListerWatcher<KubeObject>({ lists: [cold('-(p|)', { p: listPage('10', [configMap('a', '1')]) })], watches: [cold('-')] });
      const mgr = controllerManager({ listerWatcher: () => lw as never, served: () => cold<ServedState>('s', { s: SERVED }), scheduler: rx });
      const selector = mgr.select('widgets', { resource: widgets });
      mgr.controller({ name: 'widgets', for: selector, reconcile: () => of(done) });
      expectObservable(startedKeys(mgr.run({ shutdown$: hot('10ms x') }))).toBe('-a 8ms |');
    });
  });

  it('never asks whether a built-in resource or an opted-out selector is served', () => {
    const rx = newTestScheduler();
    const asked: string[] = [];
    rx.run(({ cold, hot, expectObservable }) => {
      const lw = fakeListerWatcher<KubeObject>({ lists: [cold('-(p|)', { p: listPage('10', [configMap('a', '1')]) })], watches: [cold('-')] });
      const empty = fakeListerWatcher<KubeObject>({ lists: [cold('-(p|)', { p: listPage('3', []) })], watches: [cold('-')] });
      const mgr = controllerManager({
        listerWatcher: (selector) => (selector.name === 'cms' ? lw : empty) as never,
        served: (selector) => {
          asked.push(selector.name);
          return cold<ServedState>('n', { n: N });
        },
        scheduler: rx,
      });
      const cms = mgr.select('cms', { resource: 'configmaps' });
      mgr.select('widgets', { resource: widgets, waitForResource: false });
      mgr.controller({ name: 'cms', for: cms, triggers: [{ selector: 'widgets', keys: () => [] }], reconcile: () => of(done) });
      expectObservable(startedKeys(mgr.run({ shutdown$: hot('10ms x') }))).toBe('-a 8ms |');
    });
    expect(asked).toEqual([]);
  });
});
