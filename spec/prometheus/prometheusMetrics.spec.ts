import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { KubeConfig } from '@kubernetes/client-node';
import { filter, firstValueFrom, map, Subject, timeout } from 'rxjs';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import { prometheusMetrics } from '../../lib/prometheus/prometheusMetrics.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { configMap, TestConfigMapCodec } from '../../lib/testing/builders.js';
import { done, type ReconcileResult } from '../../lib/workqueue/ReconcileResult.js';
import { reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { until } from '../helpers/until.js';

const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of a Prometheus text exposition. */
const parse = (text: string): Sample[] =>
  text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(l);
      if (m === null) throw new Error(`not a sample: ${l}`);
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((p) => [p[1] ?? '', p[2] ?? '']));
      return { name: m[1] ?? '', labels, value: Number(m[3]) };
    });

/** The value of the one sample of `name` whose labels include `labels`. */
const value = (samples: ReadonlyArray<Sample>, name: string, labels: Readonly<Record<string, string>>): number => {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value ?? Number.NaN;
};

const METRICS: ReadonlyArray<readonly [string, string, ReadonlyArray<string>]> = [
  ['workqueue_depth', 'gauge', ['name']],
  ['workqueue_adds_total', 'counter', ['name']],
  ['workqueue_queue_duration_seconds', 'histogram', ['name']],
  ['workqueue_work_duration_seconds', 'histogram', ['name']],
  ['workqueue_unfinished_work_seconds', 'gauge', ['name']],
  ['workqueue_longest_running_processor_seconds', 'gauge', ['name']],
  ['workqueue_retries_total', 'counter', ['name']],
  ['kube_rx_workqueue_depth_by_priority', 'gauge', ['name', 'priority']],
  ['reflector_lists_total', 'counter', ['name']],
  ['reflector_list_duration_seconds', 'histogram', ['name']],
  ['reflector_items_per_list', 'histogram', ['name']],
  ['reflector_watches_total', 'counter', ['name']],
  ['reflector_short_watches_total', 'counter', ['name']],
  ['reflector_watch_duration_seconds', 'histogram', ['name']],
  ['reflector_items_per_watch', 'histogram', ['name']],
  ['reflector_last_resource_version', 'gauge', ['name']],
  ['kube_rx_informer_served', 'gauge', ['name']],
  ['controller_runtime_reconcile_total', 'counter', ['controller', 'result']],
  ['controller_runtime_reconcile_errors_total', 'counter', ['controller']],
  ['controller_runtime_terminal_reconcile_errors_total', 'counter', ['controller']],
  ['controller_runtime_reconcile_time_seconds', 'histogram', ['controller']],
  ['controller_runtime_active_workers', 'gauge', ['controller']],
  ['kube_rx_debounce_pending_keys', 'gauge', ['name']],
  ['kube_rx_events_dropped_total', 'counter', ['component', 'reason']],
];

describe('prometheusMetrics', () => {
  it("registers client-go's and controller-runtime's metrics, with their types and labels, under the prefix", () => {
    const registry = new Registry();
    prometheusMetrics({ registry, prefix: 'app_' });
    const registered = registry.getMetricsAsArray().map((m) => {
      const { name, type, labelNames } = m as unknown as { name: string; type: string; labelNames: string[] };
      return [name, type, labelNames] as const;
    });
    expect(registered).toEqual(METRICS.map(([n, t, l]) => [`app_${n}`, t, l]));
  });

  it('reuses the metrics already registered when called again with the same registry', async () => {
    const registry = new Registry();
    prometheusMetrics({ registry }).newAddsMetric('q').inc();
    prometheusMetrics({ registry }).newAddsMetric('q').inc();
    expect(value(parse(await registry.metrics()), 'workqueue_adds_total', { name: 'q' })).toBe(2);
  });

  it('makes a series exist as soon as its metric is made (every reconcile result at 0)', async () => {
    const registry = new Registry();
    const provider = prometheusMetrics({ registry });
    for (const result of ['success', 'error', 'requeue', 'requeue_after'] as const) provider.newReconcileTotalMetric('c', result);
    provider.newLatencyMetric('q');
    const samples = parse(await registry.metrics());
    expect(samples.filter((s) => s.name === 'controller_runtime_reconcile_total').map((s) => [s.labels['result'], s.value])).toEqual([
      ['success', 0],
      ['error', 0],
      ['requeue', 0],
      ['requeue_after', 0],
    ]);
    expect(value(samples, 'workqueue_queue_duration_seconds_count', { name: 'q' })).toBe(0);
  });
});

describe('the kube-rx entry does not load prom-client', () => {
  it('no module of lib/ outside lib/prometheus imports it', () => {
    const lib = fileURLToPath(new URL('../../lib/', import.meta.url));
    const offenders = readdirSync(lib, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.startsWith('prometheus'))
      .filter((f) => /from\s+['"]prom-client['"]|import\(\s*['"]prom-client['"]\s*\)|require\(\s*['"]prom-client['"]\s*\)/.test(readFileSync(join(lib, f), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

describe('prometheusMetrics over HTTP: an informer on the embedded API server and a reconcile loop, scraped', () => {
  let server: EmbeddedApiServer;
  beforeEach(async () => {
    server = await startApiServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('exposes the reflector, work queue and reconcile metrics with the values of what happened', async () => {
    for (const name of ['a', 'b', 'c']) server.create('configmaps', configMap(name, ''));
    const registry = new Registry();
    const metrics = prometheusMetrics({ registry });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions(server.kubeConfigOptions());
    const informer = sharedIndexInformer(httpListerWatcher({ codec: TestConfigMapCodec, kubeConfig, resource: configMaps, namespace: 'default' }), {
      name: 'cms',
      metrics,
    });
    const reconciled: string[] = [];
    let failures = 0;
    const stop = new Subject<void>();
    const finished = new Promise<void>((resolve, reject) => {
      informer.events$
        .pipe(
          map((e) => e.key),
          reconcileWith(
            (key): Promise<ReconcileResult> => {
              // default/b fails once, then succeeds
              if (key === 'default/b' && failures === 0) {
                failures += 1;
                return Promise.reject(new Error('first attempt fails'));
              }
              reconciled.push(key);
              return Promise.resolve(done);
            },
            { name: 'cm-controller', metrics, shutdown$: stop, concurrency: 2 },
          ),
        )
        .subscribe({ complete: resolve, error: reject });
    });
    await firstValueFrom(informer.synced$.pipe(filter(Boolean), timeout(10_000)));
    await until(() => reconciled.length === 3);
    server.create('configmaps', configMap('d', ''));
    await until(() => reconciled.length === 4);

    const samples = parse(await registry.metrics());
    const reflector = { name: 'cms' };
    expect(value(samples, 'reflector_lists_total', reflector)).toBe(1);
    expect(value(samples, 'reflector_items_per_list_count', reflector)).toBe(1);
    expect(value(samples, 'reflector_items_per_list_sum', reflector)).toBe(3);
    expect(value(samples, 'reflector_list_duration_seconds_count', reflector)).toBe(1);
    expect(value(samples, 'reflector_watches_total', reflector)).toBe(1);
    expect(value(samples, 'reflector_short_watches_total', reflector)).toBe(0);
    expect(value(samples, 'reflector_last_resource_version', reflector)).toBe(Number(informer.lastSyncResourceVersion()));

    const queue = { name: 'cm-controller' };
    expect(value(samples, 'workqueue_adds_total', queue)).toBe(5); // a, b, c, b again (after its failure), d
    expect(value(samples, 'workqueue_retries_total', queue)).toBe(1);
    expect(value(samples, 'workqueue_depth', queue)).toBe(0);
    expect(value(samples, 'workqueue_queue_duration_seconds_count', queue)).toBe(5);
    expect(value(samples, 'workqueue_work_duration_seconds_count', queue)).toBe(5);
    expect(value(samples, 'workqueue_work_duration_seconds_bucket', { ...queue, le: '+Inf' })).toBe(5);

    const controller = { controller: 'cm-controller' };
    expect(value(samples, 'controller_runtime_reconcile_total', { ...controller, result: 'success' })).toBe(4);
    expect(value(samples, 'controller_runtime_reconcile_total', { ...controller, result: 'error' })).toBe(1);
    expect(value(samples, 'controller_runtime_reconcile_total', { ...controller, result: 'requeue' })).toBe(0);
    expect(value(samples, 'controller_runtime_reconcile_errors_total', controller)).toBe(1);
    expect(value(samples, 'controller_runtime_reconcile_time_seconds_count', controller)).toBe(5);
    expect(value(samples, 'controller_runtime_active_workers', controller)).toBe(0);

    stop.next();
    await finished;
    await until(() => server.activeWatches() === 0);
    // the queue and the workers are back to zero once stopped
    const after = parse(await registry.metrics());
    expect(value(after, 'workqueue_depth', queue)).toBe(0);
    expect(value(after, 'workqueue_unfinished_work_seconds', queue)).toBe(0);
  });
});
