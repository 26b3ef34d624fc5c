/**
 * examples/cronJob.ts against kube-apiserver 1.20, the scenario of kubebuilder's own
 * cronjob_controller_test.go: create the CronJob CRD and a CronJob, create a Job it owns with
 * active pods in its status (set by the test: no kube-controller-manager runs here), and see the
 * controller list that Job in `status.active`. Plus: the CRD the codec writes is accepted, its
 * job template's labels survive pruning, and the controller's first Job is named after its start.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { asyncScheduler, Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { clientEventSink, controllerManager, eventRecorder, events, jobs, namespaces, objectClient, setControllerReference } from 'kube-rx';

import { type BatchJob, type CronJob, CRONJOB_MANAGER, CRONJOB_RESOURCE, cronJobController } from '../../examples/cronJob.js';
import { installCrd } from '../../examples/support.js';
import { eventually, type Kube, startKube } from './harness.js';

const NS = 'cronjob-tutorial';

describe('examples/cronJob against kube-apiserver 1.20 (the tutorial test)', () => {
  let kube: Kube;
  let kc: KubeConfig;
  const stop$ = new Subject<void>();

  beforeAll(async () => {
    kube = await startKube();
    kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigAdmin);
    await objectClient(namespaces, { kubeConfig: kc, fieldManager: 'test' }).promise.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await installCrd(kc, CRONJOB_RESOURCE, CRONJOB_MANAGER);
    const recorder = eventRecorder({ sink: clientEventSink(objectClient(events, { kubeConfig: kc, namespace: NS })), component: 'cronjob-controller' });
    const mgr = controllerManager({ kubeConfig: kc });
    cronJobController(mgr, {
      recorder,
      scheduler: asyncScheduler,
      namespace: NS,
    });
    mgr.run({ shutdown$: stop$ }).subscribe();
  }, 200_000);

  afterAll(async () => {
    stop$.next();
    await kube.stop();
  });

  it('lists the Job it owns, with active pods, in status.active', async () => {
    const cronJobs = objectClient(CRONJOB_RESOURCE, { kubeConfig: kc, namespace: NS, fieldManager: 'test' });
    const jobClient = objectClient(jobs, { kubeConfig: kc, namespace: NS, fieldManager: 'test' });
    // the tutorial's CronJob: "1 * * * *", one container
    const created = await cronJobs.promise.create({
      apiVersion: `${CRONJOB_RESOURCE.group}/${CRONJOB_RESOURCE.version}`,
      kind: 'CronJob',
      metadata: { name: 'test-cronjob', namespace: NS },
      spec: {
        schedule: '1 * * * *',
        jobTemplate: {
          metadata: { labels: { app: 'tutorial' } },
          spec: { template: { spec: { containers: [{ name: 'test-container', image: 'test-image' }], restartPolicy: 'OnFailure' } } },
        },
      },
    } satisfies CronJob);
    expect(created.spec.jobTemplate.metadata.labels).toEqual({ app: 'tutorial' });

    // a Job owned by the CronJob, its status set as kube-controller-manager would (2 active pods)
    const testJob: BatchJob = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'test-job', namespace: NS },
      spec: { template: { spec: { containers: [{ name: 'test-container', image: 'test-image' }], restartPolicy: 'OnFailure' } } },
    };
    const job = setControllerReference(created, testJob, CRONJOB_RESOURCE);
    if (job._tag === 'Left') throw new Error(job.left.message);
    await jobClient.promise.create(job.right);
    await jobClient.promise.patchStatus({ name: 'test-job' }, { status: { active: 2 } });

    await eventually('status.active lists test-job', async () => {
      const cj = await cronJobs.promise.get({ name: 'test-cronjob' });
      return (cj.status?.active ?? []).some((r) => r.name === 'test-job' && r.kind === 'Job');
    });
    const cj = await cronJobs.promise.get({ name: 'test-cronjob' });
    expect(cj.status?.conditions?.[0]).toMatchObject({ type: 'Valid', status: 'True' });
    // the test's Job has no scheduled-at annotation, so no lastScheduleTime yet
    expect(cj.status?.lastScheduleTime).toBeUndefined();
  });

  /** Creates a CronJob with `spec`, waits for `Valid=False` with `reason` and a Warning Event of that reason; returns the CronJob. */
  const reportedInvalid = async (name: string, spec: CronJob['spec'], reason: string, waitMs = 30_000): Promise<CronJob> => {
    const cronJobs = objectClient(CRONJOB_RESOURCE, { kubeConfig: kc, namespace: NS, fieldManager: 'test' });
    await cronJobs.promise.create({ apiVersion: `${CRONJOB_RESOURCE.group}/${CRONJOB_RESOURCE.version}`, kind: 'CronJob', metadata: { name, namespace: NS }, spec });
    await eventually(
      `Valid=False, ${reason}`,
      async () => (await cronJobs.promise.get({ name })).status?.conditions?.[0]?.reason === reason,
      waitMs,
    );
    await eventually('a Warning Event', async () => {
      const found = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: NS });
      return found.items.some((e) => e.type === 'Warning' && e.reason === reason && e.involvedObject.name === name);
    });
    return cronJobs.promise.get({ name });
  };

  it('an unparseable schedule: Valid=False with the reason, and a Warning Event', async () => {
    const cj = await reportedInvalid('bad-schedule', { schedule: 'every day', jobTemplate: { metadata: {}, spec: { template: { spec: { containers: [] } } } } }, 'UnparseableSchedule');
    expect(cj.status?.conditions?.[0]?.message).toMatch(/unparseable schedule "every day"/);
  });

  it('a Job template the server refuses (422): Valid=False with the server\'s message, and a Warning Event', async () => {
    // every minute; the template has no pod template, which batch/v1 validation refuses
    const cj = await reportedInvalid('bad-template', { schedule: '* * * * *', jobTemplate: { metadata: {}, spec: { parallelism: 1 } } }, 'JobTemplateRejected', 90_000);
    expect(cj.status?.conditions?.[0]?.message).toMatch(/spec\.template/);
  }, 120_000);
});
