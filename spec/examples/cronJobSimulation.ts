import { filter, type Observable, Subject, tap } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

import { type BatchJob, type CronJob, CRONJOB_RESOURCE, cronJobController } from '../../examples/cronJob.js';
import { events, jobs } from '../../lib/client/builtinResources.js';
import { withPromises } from '../../lib/client/objectClient.js';
import type { ClientFactory } from '../../lib/controller/controllerClient.js';
import { controllerManager, type ManagerEvent } from '../../lib/controller/controllerManager.js';
import { clientEventSink } from '../../lib/events/clientEventSink.js';
import { eventRecorder } from '../../lib/events/eventRecorder.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { type FakeCluster, fakeCluster } from '../../lib/testing/fakeCluster.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const NS = 'default';

export interface Run {
  readonly cluster: FakeCluster;
  /** Every Job the controller created (successful creates, in order). */
  readonly created: Array<string>;
  /** Every Job it deleted. */
  readonly deleted: Array<string>;
  /** Every reconcile event of the controller. */
  readonly reconciles: Array<ManagerEvent>;
}

export interface Scenario {
  readonly spec: Partial<CronJob['spec']>;
  /** [start, stop) of each controller run, in ms of virtual time. */
  readonly runs: ReadonlyArray<readonly [number, number]>;
  /** How a Job ends: `Complete`/`Failed` after `afterMs`, or never. */
  readonly kubelet?: (job: BatchJob) => { readonly afterMs: number; readonly as: 'Complete' | 'Failed' } | undefined;
  /** Writes of other actors: [at ms, action]. */
  readonly actions?: ReadonlyArray<readonly [number, (cluster: FakeCluster) => void]>;
  readonly validate?: (obj: KubeObject) => string | undefined;
  /** Run the scheduler until (ms). */
  readonly until: number;
}

const cronJob = (spec: Partial<CronJob['spec']>): CronJob => ({
  apiVersion: `${CRONJOB_RESOURCE.group}/${CRONJOB_RESOURCE.version}`,
  kind: 'CronJob',
  metadata: { name: 'tick', namespace: NS },
  spec: { schedule: '*/5 * * * *', jobTemplate: { metadata: { labels: { app: 'tick' } }, spec: { template: { spec: { containers: [] } } } }, ...spec },
});

/**
 * Runs the controller over a fake cluster in virtual time: the CronJob is created at 0, each
 * controller run is a new manager over the same cluster, a "kubelet" polls every minute and ends
 * Jobs as the scenario says (setting `status.startTime` and the condition through the status).
 */
export const simulate = (rx: TestScheduler, scenario: Scenario): Run => {
  const cluster = fakeCluster({
    resources: [
      { ...CRONJOB_RESOURCE, statusSubresource: true },
      { ...jobs, statusSubresource: true },
      events,
    ],
    scheduler: rx,
    ...(scenario.validate === undefined ? {} : { validate: (_r, obj) => (_r.plural === 'jobs' ? scenario.validate?.(obj) : undefined) }),
  });
  const run: Run = { cluster, created: [], deleted: [], reconciles: [] };
  rx.run(() => {
    cluster.create(CRONJOB_RESOURCE, cronJob(scenario.spec));
    // the manager's clients: the cluster's, with the Job creates and deletes counted
    const client: ClientFactory = (resource) => {
      const base = cluster.client(resource);
      if (resource.plural !== jobs.plural) return base;
      return withPromises({
        ...base,
        create: (job, options) => base.create(job, options).pipe(tap((j) => run.created.push(j.metadata.name))),
        delete: (ref, options) => base.delete(ref, options).pipe(tap(() => run.deleted.push(ref.name))),
      });
    };
    for (const [start, stop] of scenario.runs) {
      rx.schedule(() => {
        const stop$ = new Subject<void>();
        const mgr = controllerManager({ listerWatcher: cluster.managerListerWatcher, client, scheduler: rx });
        const recorder = eventRecorder({ sink: clientEventSink(cluster.client(events)), component: 'cronjob-controller', scheduler: rx });
        cronJobController(mgr, {
          recorder,
          scheduler: rx,
        });
        const events$: Observable<ManagerEvent> = mgr.run({ shutdown$: stop$ });
        events$.pipe(filter((e) => e._tag === 'Reconcile')).subscribe((e) => run.reconciles.push(e));
        rx.schedule(() => {
          stop$.next();
          recorder.close();
        }, stop - start);
      }, start);
    }
    const kubelet = scenario.kubelet;
    if (kubelet !== undefined) {
      rx.schedule(function poll(this: { schedule(state?: unknown, delay?: number): void }) {
        const now = rx.now();
        for (const o of cluster.list(jobs, NS)) {
          const job = o as BatchJob;
          const created = Date.parse(String(job.metadata.creationTimestamp));
          const end = kubelet(job);
          const startTime = job.status?.startTime ?? new Date(created).toISOString().replace(/\.\d{3}Z$/, 'Z');
          if (end !== undefined && job.status?.conditions === undefined && created + end.afterMs <= now) {
            // started and ended since the last poll: one write, as a status update that batched both
            cluster.patch(jobs, NS, job.metadata.name, { status: { startTime, active: 0, conditions: [{ type: end.as, status: 'True' }] } }, 'status');
          } else if (job.status?.startTime === undefined && created < now) {
            cluster.patch(jobs, NS, job.metadata.name, { status: { startTime, active: 1 } }, 'status');
          }
        }
        if (now < scenario.until) this.schedule(undefined, MIN);
      }, MIN);
    }
    for (const [at, action] of scenario.actions ?? []) rx.schedule(() => { action(cluster); }, at);
    rx.schedule(() => undefined, scenario.until);
  });
  return run;
};

