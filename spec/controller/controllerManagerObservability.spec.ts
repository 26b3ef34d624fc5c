import { ignoreElements, of, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { controllerManager } from '../../lib/controller/controllerManager.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { configMap, listPage } from '../../lib/testing/builders.js';
import { fakeListerWatcher } from '../../lib/testing/fakeListerWatcher.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { recordingLogger } from '../helpers/recordingLogger.js';
import { recordingMetrics } from '../helpers/recordingMetrics.js';

describe('controllerManager metrics and logger', () => {
  it('passes them down to every informer (by selector name) and controller (by its name; a sharded one per shard), and logs start, stop and failed observers', () => {
    const rx = newTestScheduler();
    const rec = recordingMetrics(() => rx.now());
    const { logger, lines } = recordingLogger();
    rx.run(({ cold, hot, expectObservable }) => {
      const mgr = controllerManager({
        listerWatcher: () =>
          fakeListerWatcher<KubeObject>({ lists: [cold('-(p|)', { p: listPage('10', [configMap('a', '1'), configMap('b', '2')]) })] }) as never,
        scheduler: rx,
        metrics: rec.provider,
        logger,
      });
      mgr.select('cms', { resource: 'configmaps' });
      mgr.select('other', { resource: 'configmaps', informer: { name: 'renamed' } });
      mgr.controller({ name: 'cm', for: 'cms', reconcile: () => of(done) });
      mgr.controller({ name: 'sharded', for: 'other', reconcile: () => of(done), shards: { owned$: of(new Set([0, 1])), count: 2 } });
      mgr.observe('cms', () => throwError(() => new Error('observer broke')), { name: 'broken' });
      const shutdown = hot('  10ms x');
      const expected = '      10ms |';
      expectObservable(mgr.run({ shutdown$: shutdown }).pipe(ignoreElements())).toBe(expected);
    });
    // reflector metrics by selector (or the informer's own name)
    expect(rec.of('newListsMetric', 'cms')).toEqual([[0, 'inc']]);
    expect(rec.of('newListsMetric', 'renamed')).toEqual([[0, 'inc']]);
    // queue and reconcile metrics by controller, per shard for a sharded one
    expect(rec.of('newAddsMetric', 'cm').length).toBe(2);
    expect(rec.of('newAddsMetric', 'sharded-shard-0').length + rec.of('newAddsMetric', 'sharded-shard-1').length).toBe(2);
    expect(rec.of('newReconcileTotalMetric', 'cm/success').length).toBe(2);
    // the manager's lines, and the informers' under their names
    const messages = lines.map((l) => `${l.message}${typeof l.fields['informer'] === 'string' ? ` ${l.fields['informer']}` : ''}`);
    expect(messages).toEqual(
      expect.arrayContaining(['manager starting', 'informer synced cms', 'informer synced renamed', 'observer failed', 'manager stopping', 'manager stopped']),
    );
    expect(lines.find((l) => l.message === 'observer failed')?.fields).toEqual({ observer: 'broken', errorType: 'Error', error: 'observer broke' });
  });
});
