import { KubeConfig } from '@kubernetes/client-node';
import { map, Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { controllerManager } from '../../lib/controller/controllerManager.js';
import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import { leaderElection } from '../../lib/leaderelection/leaderElection.js';
import { httpLeaseClient } from '../../lib/leaderelection/leaseClient.js';
import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import { consoleLogger } from '../../lib/logging/consoleLogger.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { configMap, TestConfigMapCodec } from '../../lib/testing/builders.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import { reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { until } from '../helpers/until.js';

const FORBIDDEN_TOKEN = 'forbidden-token-7f3a9c1e';
const UNKNOWN_TOKEN = 'unknown-token-b42d8e06';
const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

describe('logs over HTTP with token auth never contain the token (every line scanned)', () => {
  let server: EmbeddedApiServer;
  beforeEach(async () => {
    server = await startApiServer({ tokens: { 'admin-token': 'admin', [FORBIDDEN_TOKEN]: 'forbidden' } });
  });
  afterEach(async () => {
    await server.close();
  });

  const kubeConfigWith = (token: string): KubeConfig => {
    const kc = new KubeConfig();
    kc.loadFromOptions(server.kubeConfigOptions(token));
    return kc;
  };

  it('informer problems (401, 403), manager lines, reconcile failures and leader election failures', async () => {
    server.create('configmaps', configMap('a', ''));
    const out: string[] = [];
    const write = (line: unknown): void => {
      out.push(String(line));
    };
    const logger = consoleLogger({
      level: 'debug',
      format: 'json',
      console: { debug: write, info: write, warn: write, error: write },
    });
    const forbidden = kubeConfigWith(FORBIDDEN_TOKEN);
    const unknown = kubeConfigWith(UNKNOWN_TOKEN);
    const stop = new Subject<void>();
    const subs = [];
    const backoff = { initialMs: 20, maxMs: 100 };

    // a manager whose informer is forbidden (403), with a manager-level logger
    const mgr = controllerManager({ kubeConfig: forbidden, logger });
    mgr.select('cms', { resource: configMaps, namespace: 'default', informer: { backoff } });
    mgr.controller({ name: 'cm', for: 'cms', reconcile: () => Promise.resolve(done) });
    subs.push(mgr.run({ shutdown$: stop }).subscribe());

    // an informer whose token is unknown (401)
    const informer = sharedIndexInformer(httpListerWatcher({ codec: TestConfigMapCodec, kubeConfig: unknown, resource: configMaps }), {
      name: 'direct',
      logger,
      backoff,
    });
    subs.push(informer.events$.subscribe());

    // a reconcile loop whose reconciler calls the API server with the forbidden token
    const leases = httpLeaseClient(forbidden);
    const keys = new Subject<string>();
    subs.push(
      keys.pipe(reconcileWith(() => leases.get('default', 'x').pipe(map(() => done)), { name: 'leases', logger })).subscribe(),
    );
    keys.next('default/a');

    // a leader election candidate whose token is unknown
    subs.push(
      leaderElection({ client: httpLeaseClient(unknown), namespace: 'default', name: 'ctl', identity: 'me', retryPeriodMs: 50, renewDeadlineMs: 100, leaseDurationMs: 200, logger }).subscribe(),
    );

    const seen = (pattern: RegExp): boolean => out.some((l) => pattern.test(l));
    await until(
      () =>
        seen(/"informer error".*"informer":"cms".*"code":403/) &&
        seen(/"informer error".*"informer":"direct".*"code":401/) &&
        seen(/"reconcile failed".*"controller":"leases".*"code":403/) &&
        seen(/"lease acquire attempt failed".*"code":401/),
    );
    stop.next();
    for (const s of subs) s.unsubscribe();
    await until(() => server.activeWatches() === 0 && seen(/"manager stopped"/));

    expect(seen(/"manager starting"/)).toBe(true);
    expect(out.length).toBeGreaterThan(6);
    const leaks = out.filter((l) => l.includes(FORBIDDEN_TOKEN) || l.includes(UNKNOWN_TOKEN) || /authorization|bearer/i.test(l));
    expect(leaks).toEqual([]);
  });
});
