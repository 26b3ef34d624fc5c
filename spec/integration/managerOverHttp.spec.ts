import { KubeConfig } from '@kubernetes/client-node';
import { Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { controllerManager, type ManagerEvent } from '../../lib/controller/controllerManager.js';
import { ownerKeys } from '../../lib/controller/relations.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { configMap } from '../../lib/testing/builders.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { until } from '../helpers/until.js';

describe('controllerManager over HTTP against the embedded API server', () => {
  let server: EmbeddedApiServer;
  beforeEach(async () => {
    server = await startApiServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('resolves selectors through discovery, reconciles owners when owned objects change, and stops cleanly', async () => {
    server.create('configmaps', configMap('a', ''));
    server.create('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'a', uid: 'x', controller: true }] },
    });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions(server.kubeConfigOptions());
    const mgr = controllerManager({ kubeConfig });
    const cms = mgr.select('cms', { resource: 'cm', namespace: 'default' });
    mgr.select('secrets', { resource: 'secrets', namespace: 'default' });
    const reconciled: string[] = [];
    mgr.controller({
      name: 'cm',
      for: cms,
      triggers: [{ selector: 'secrets', keys: ownerKeys({ kind: 'ConfigMap', group: '' }) }],
      reconcile: async (key) => {
        reconciled.push(key);
        return Promise.resolve(done);
      },
    });
    const stop = new Subject<void>();
    const events: ManagerEvent[] = [];
    const finished = new Promise<void>((resolve, reject) => {
      mgr.run({ shutdown$: stop }).subscribe({ next: (e) => events.push(e), complete: resolve, error: reject });
    });
    await until(() => reconciled.length >= 1);
    server.patch('secrets', 'default', 's', { data: { k: 'dg==' } });
    await until(() => reconciled.length >= 2);
    expect(reconciled.every((k) => k === 'default/a')).toBe(true);
    stop.next();
    await finished;
    await until(() => server.activeWatches() === 0);
    expect(events.filter((e) => e._tag === 'Status' && e.status._tag === 'Watching').map((e) => (e._tag === 'Status' ? e.selector : ''))).toEqual(
      expect.arrayContaining(['cms', 'secrets']),
    );
  });
});
