import { describe, expect, it } from 'vitest';

import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import { configMap, listPage, modified, type TestConfigMap } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { addedEvent, updatedEvent } from '../../lib/testing/resourceEventBuilders.js';
import { newTestScheduler } from '../helpers/marbles.js';

const a1 = configMap('a', '1');
const a2 = configMap('a', '2');

describe('fakeListerWatcher', () => {
  it('leaves an informer quiet once its script has run out: expectObservable(events$) returns without an unsubscription marble', () => {
    const rx = newTestScheduler();
    const lw = rx.run(({ cold, expectObservable, expectSubscriptions }) => {
      const list = cold('-(p|)', { p: listPage('1', [a1]) });
      const watch = cold('--m--|', { m: modified(a2) });
      const lw = fakeListerWatcher<TestConfigMap>({ lists: [list], watches: [watch] });
      const informer = sharedIndexInformer(lw, { scheduler: rx, random: () => 0 });
      expectObservable(informer.events$).toBe('-a-u', { a: addedEvent(a1, { initial: true }), u: updatedEvent(a1, a2) });
      expectSubscriptions(list.subscriptions).toBe('^!');
      expectSubscriptions(watch.subscriptions).toBe('-^----!');
      return lw;
    });
    // the scripted watch closed cleanly at frame 6; the re-watch is past the script and stays open
    expect(lw.watchCalls.map((w) => w.resourceVersion)).toEqual(['1', '2']);
    expect(lw.nextWatchIdleTimeoutMs?.()).toBe(Number.POSITIVE_INFINITY);
  });

  it('opens no idle watchdog past the script: over a day of virtual time the watch count stays bounded (it used to re-watch every 5-10 min)', () => {
    const rx = newTestScheduler();
    const lw = fakeListerWatcher<TestConfigMap>({
      lists: [rx.createColdObservable('-(p|)', { p: listPage('1', [a1]) })],
      watches: [rx.createColdObservable('--m', { m: modified(a2) })],
    });
    // flush() outside run() stops at maxFrames, so the old behaviour ends here too and is counted
    rx.maxFrames = 24 * 3600 * 1000;
    const sub = sharedIndexInformer(lw, { scheduler: rx }).events$.subscribe();
    rx.flush();
    sub.unsubscribe();
    expect(lw.watchCalls).toHaveLength(2);
    expect(lw.listCalls).toHaveLength(1);
  });

  it('with a resync period timers keep going: the unsubscription marble of docs/controllers.md ends the test', () => {
    const rx = newTestScheduler();
    rx.run(({ cold, expectObservable }) => {
      const lw = fakeListerWatcher<TestConfigMap>({
        lists: [cold('-(p|)', { p: listPage('1', [a1]) })],
        watches: [cold('--m', { m: modified(a2) })],
      });
      const informer = sharedIndexInformer(lw, { scheduler: rx, defaultResyncPeriodMs: 5 });
      expectObservable(informer.events$, '^ 7ms !').toBe('-a-u---', { a: addedEvent(a1, { initial: true }), u: updatedEvent(a1, a2) });
    });
  });

  it('keeps the idle watchdog of scripted watches and of function scripts', () => {
    const rx = newTestScheduler();
    const scripted = fakeListerWatcher<TestConfigMap>({ watches: [rx.createColdObservable('-')] });
    expect(scripted.nextWatchIdleTimeoutMs?.()).toBeUndefined();
    const fn = fakeListerWatcher<TestConfigMap>({ watches: () => rx.createColdObservable('-') });
    expect(fn.nextWatchIdleTimeoutMs?.()).toBeUndefined();
    expect(fakeListerWatcher<TestConfigMap>({}).nextWatchIdleTimeoutMs?.()).toBe(Number.POSITIVE_INFINITY);
  });
});
