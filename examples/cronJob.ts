/**
 * kubebuilder's CronJob tutorial controller (the controller-runtime book's running example),
 * ported to kube-rx. A `CronJob` custom resource (`batch.tutorial.kubebuilder.io/v1`) creates
 * batch/v1 Jobs on a cron schedule:
 *
 * - the schedule is a standard 5-field cron expression (or `@hourly` etc.), read by `croner`, in
 *   `spec.timeZone` (an IANA name; default UTC);
 * - each reconcile lists the CronJob's Jobs (an index of the Job informer by controlling owner),
 *   writes `status.active` (references to the unfinished Jobs) and `status.lastScheduleTime` (the
 *   latest `scheduled-at` annotation) through the status subresource, and deletes the oldest
 *   finished Jobs beyond `successfulJobsHistoryLimit` / `failedJobsHistoryLimit`;
 * - unless `spec.suspend`, it finds the latest missed start time since `lastScheduleTime` (or the
 *   CronJob's creation), bounded by `startingDeadlineSeconds`; more than 100 missed starts is an
 *   error, as in the tutorial; a start older than the deadline is skipped;
 * - `concurrencyPolicy`: `Allow` runs Jobs side by side, `Forbid` skips a start while a Job runs,
 *   `Replace` deletes the running Jobs first;
 * - the Job is named `<cronjob>-<scheduled unix time>`, so a repeated reconcile never creates a
 *   second Job for one start (409 AlreadyExists counts as done);
 * - it requeues itself at the next start time (`requeueAfter`). Every clock read is
 *   `scheduler.now()`, so a TestScheduler drives it across days of virtual time.
 *
 * Bad input: an unparseable schedule (or time zone), too many missed starts, and a Job template the
 * server refuses (422) each get a Warning Event, a `Valid=False` condition in the status, and a
 * terminal error (no retries until the CronJob changes).
 *
 * Run it against the cluster of your kubeconfig:
 *
 *   node --import tsx examples/cronJob.ts --install-crd --namespace default
 *
 * `reconcileCronJob(...)`, `nextSchedule(...)`, `cronJobController(...)` and the resource are exported for tests.
 */
import { parseArgs } from 'node:util';

import { Cron } from 'croner';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import type { Job, JobSpec } from 'kubernetes-types/batch/v1.js';
import { asyncScheduler, catchError, concat, defer, EMPTY, ignoreElements, type Observable, of, type SchedulerLike, throwError } from 'rxjs';

import {
  constrained,
  type ControllerManager,
  controllerManager,
  crdManifest,
  customResource,
  done,
  type EventRecorder,
  eventRecorder,
  clientEventSink,
  events,
  generationChanged,
  type Indexer,
  Integer,
  isAlreadyExists,
  isClientError,
  isInvalid,
  isNotFound,
  jobs,
  objectClient,
  type ObjectOf,
  ownerKeys,
  preserveUnknownFields,
  type ReconcileResult,
  requeueAfter,
  setControllerReference,
  type Store,
  type Stored,
  terminalError,
  type TrackedReconciler,
} from 'kube-rx';

import { defaultIdentity, installCrd, isMain, loadKubeConfig, runToExit } from './support.js';

// -------------------------------------------------------------------------------------------
// The CronJob custom resource (the tutorial's api/v1/cronjob_types.go), defined once.
// -------------------------------------------------------------------------------------------

const ObjectReference = t.partial({ apiVersion: t.string, kind: t.string, name: t.string, namespace: t.string, uid: t.string });

const Condition = t.type({
  type: t.string,
  status: t.keyof({ True: null, False: null, Unknown: null }),
  reason: t.string,
  message: t.string,
  lastTransitionTime: constrained(t.string, { format: 'date-time' }),
});

const JobTemplate = t.type({
  metadata: t.partial({ labels: t.record(t.string, t.string), annotations: t.record(t.string, t.string) }),
  // the Job's spec, checked by the server when the Job is created
  spec: preserveUnknownFields(t.UnknownRecord),
});

/** The tutorial's CronJob: schedule, job template, deadlines, concurrency policy, suspend, history limits. */
export const CRONJOB_RESOURCE = customResource({
  group: 'batch.tutorial.kubebuilder.io',
  kind: 'CronJob',
  plural: 'cronjobs',
  scope: 'Namespaced',
  versions: [
    {
      name: 'v1',
      spec: t.intersection([
        t.type({ schedule: constrained(t.string, { minLength: 0 }), jobTemplate: JobTemplate }),
        t.partial({
          timeZone: t.string,
          startingDeadlineSeconds: constrained(Integer, { minimum: 0 }),
          concurrencyPolicy: t.keyof({ Allow: null, Forbid: null, Replace: null }),
          suspend: t.boolean,
          successfulJobsHistoryLimit: constrained(Integer, { minimum: 0 }),
          failedJobsHistoryLimit: constrained(Integer, { minimum: 0 }),
        }),
      ]),
      status: t.partial({
        active: t.array(ObjectReference),
        lastScheduleTime: constrained(t.string, { format: 'date-time' }),
        conditions: t.array(Condition),
      }),
      printerColumns: [
        { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
        { name: 'Last Schedule', type: 'date', jsonPath: '.status.lastScheduleTime' },
      ],
    },
  ],
});

export type CronJob = ObjectOf<typeof CRONJOB_RESOURCE>;
export type CronJobStatus = NonNullable<CronJob['status']>;
export type BatchJob = Stored<Job>;

/** The CustomResourceDefinition (with the status subresource). */
export const cronJobCrd = crdManifest(CRONJOB_RESOURCE);

/** The annotation that carries a Job's scheduled start time (RFC 3339). */
export const SCHEDULED_AT = 'batch.tutorial.kubebuilder.io/scheduled-at';
/** The field manager of the controller's writes. */
export const CRONJOB_MANAGER = 'kube-rx-cronjob';
/** The Job informer's index of Jobs by their controlling CronJob (`ns/name`). */
export const JOB_OWNER_INDEX = 'cronjob';
/** The tutorial's bound on missed start times. */
export const MAX_MISSED_STARTS = 100;

/** The controlling CronJob of a Job, as a reconcile key (the index function and the trigger). */
export const jobOwner = ownerKeys({ kind: 'CronJob', group: CRONJOB_RESOURCE.group });

// -------------------------------------------------------------------------------------------
// Pure schedule logic
// -------------------------------------------------------------------------------------------

/** Why a CronJob cannot be scheduled. */
export interface ScheduleProblem {
  readonly reason: 'UnparseableSchedule' | 'TooManyMissedStarts';
  readonly message: string;
}

/** A parsed schedule: the first start strictly after a time (ms), or undefined when it never runs again. */
export interface Schedule {
  readonly after: (ms: number) => number | undefined;
}

/**
 * A {@link Schedule} over croner, remembering its last answers: the reconciles between two
 * starts all ask for the start after the same last scheduled time.
 */
const memoized = (cron: Cron, size = 64): Schedule => {
  const answers = new Map<number, number | undefined>();
  return {
    after: (ms) => {
      if (answers.has(ms)) return answers.get(ms);
      const next = cron.nextRun(new Date(ms))?.getTime();
      if (answers.size >= size) answers.delete(answers.keys().next().value ?? ms);
      answers.set(ms, next);
      return next;
    },
  };
};

/** The schedule of `spec.schedule` in `timeZone` (default UTC), or why it cannot be read. */
export const parseSchedule = (schedule: string, timeZone = 'UTC'): E.Either<ScheduleProblem, Schedule> => {
  const unparseable = (why: string): E.Either<ScheduleProblem, never> =>
    E.left({ reason: 'UnparseableSchedule', message: `unparseable schedule ${JSON.stringify(schedule)}: ${why}` });
  // the standard syntax: five fields, or a @descriptor (croner also takes seconds and years)
  if (!schedule.trim().startsWith('@') && schedule.trim().split(/\s+/).length !== 5) return unparseable('expected exactly 5 fields');
  try {
    // UTC by offset: the same times, without a time zone conversion per computed start
    const cron = new Cron(schedule, timeZone === 'UTC' || timeZone === 'Etc/UTC' ? { utcOffset: 0 } : { timezone: timeZone });
    cron.nextRun(new Date(0)); // an unknown time zone throws here
    return E.right(memoized(cron));
  } catch (e: unknown) {
    return unparseable(e instanceof Error ? e.message : String(e));
  }
};

/** The latest missed start (if any) and the next start, as the tutorial's `getNextSchedule`. */
export interface NextSchedule {
  readonly lastMissed: number | undefined;
  readonly next: number | undefined;
}

/**
 * The tutorial's `getNextSchedule`: starts are looked for after `earliest` (the last scheduled
 * time, else the creation time), moved up to `now - startingDeadlineSeconds` when that is later;
 * every start up to `now` is missed, the latest is returned; more than {@link MAX_MISSED_STARTS}
 * is a `TooManyMissedStarts` problem.
 */
export const nextSchedule = (schedule: Schedule, earliest: number, now: number, startingDeadlineSeconds?: number): E.Either<ScheduleProblem, NextSchedule> => {
  const from = startingDeadlineSeconds === undefined ? earliest : Math.max(earliest, now - startingDeadlineSeconds * 1000);
  if (from > now) return E.right({ lastMissed: undefined, next: schedule.after(now) });
  let lastMissed: number | undefined;
  let starts = 0;
  let s = schedule.after(from);
  for (; s !== undefined && s <= now; s = schedule.after(s)) {
    lastMissed = s;
    starts += 1;
    if (starts > MAX_MISSED_STARTS) {
      return E.left({
        reason: 'TooManyMissedStarts',
        message: `too many missed start times (> ${String(MAX_MISSED_STARTS)}): set or decrease .spec.startingDeadlineSeconds or check clock skew`,
      });
    }
  }
  // the first start after `from` that is past `now` is the first start after `now`
  return E.right({ lastMissed, next: s });
};

/** RFC 3339 in whole seconds, as `metav1.Time` is written. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The Job's name for a start time: `<cronjob>-<unix seconds>`. */
export const jobName = (cronJob: CronJob, scheduled: number): string => `${cronJob.metadata.name}-${String(Math.floor(scheduled / 1000))}`;

const finishedAs = (job: BatchJob): 'Complete' | 'Failed' | undefined =>
  job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type as 'Complete' | 'Failed' | undefined;

const scheduledAt = (job: BatchJob): number | undefined => {
  const raw = job.metadata.annotations?.[SCHEDULED_AT];
  const ms = raw === undefined ? NaN : Date.parse(raw);
  return Number.isNaN(ms) ? undefined : ms;
};

/** Oldest first by `status.startTime`, Jobs not started first (the tutorial's sort). */
const byStartTime = (a: BatchJob, b: BatchJob): number =>
  (a.status?.startTime === undefined ? -Infinity : Date.parse(a.status.startTime)) - (b.status?.startTime === undefined ? -Infinity : Date.parse(b.status.startTime));

/** The finished Jobs beyond `limit`, oldest first (none without a limit). */
const beyondLimit = (finished: ReadonlyArray<BatchJob>, limit: number | undefined): ReadonlyArray<BatchJob> =>
  limit === undefined ? [] : [...finished].sort(byStartTime).slice(0, Math.max(0, finished.length - limit));

/** The `Valid` condition, keeping its transition time while its status stays. */
const validCondition = (cronJob: CronJob, ok: boolean, reason: string, message: string, now: number): t.TypeOf<typeof Condition> => {
  const status = ok ? 'True' : 'False';
  const old = cronJob.status?.conditions?.find((c) => c.type === 'Valid');
  return { type: 'Valid', status, reason, message, lastTransitionTime: old?.status === status ? old.lastTransitionTime : rfc3339(now) };
};

/** What one reconcile does, computed from the CronJob, its Jobs and the time. */
export interface CronJobPlan {
  readonly status: CronJobStatus;
  /** Finished Jobs beyond the history limits. */
  readonly deleteOld: ReadonlyArray<BatchJob>;
  /** Running Jobs to delete first (`Replace`). */
  readonly deleteActive: ReadonlyArray<BatchJob>;
  readonly create?: BatchJob;
  /** When to reconcile again (ms from now). */
  readonly requeueAfterMs?: number;
  readonly problem?: ScheduleProblem;
}

/** {@link parseSchedule}, remembering the last few schedules read (a reconcile reads one per CronJob). */
export const scheduleCache = (size = 256): typeof parseSchedule => {
  const cache = new Map<string, ReturnType<typeof parseSchedule>>();
  return (schedule, timeZone) => {
    const key = `${timeZone ?? ''}\n${schedule}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const parsed = parseSchedule(schedule, timeZone);
    if (cache.size >= size) cache.delete(cache.keys().next().value ?? key);
    cache.set(key, parsed);
    return parsed;
  };
};

/** The tutorial's whole decision as a pure function of the CronJob, its Jobs and `now`. */
export const planCronJob = (cronJob: CronJob, children: ReadonlyArray<BatchJob>, now: number, parse: typeof parseSchedule = parseSchedule): CronJobPlan => {
  const active = children.filter((j) => finishedAs(j) === undefined);
  const times = children.map(scheduledAt).filter((ms): ms is number => ms !== undefined);
  const last = times.length === 0 ? undefined : Math.max(...times);
  const { spec } = cronJob;
  const statusWith = (ok: boolean, reason: string, message: string): CronJobStatus => ({
    active: active.map((j) => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: j.metadata.namespace ?? '', uid: j.metadata.uid ?? '' })),
    ...(last === undefined ? {} : { lastScheduleTime: rfc3339(last) }),
    conditions: [validCondition(cronJob, ok, reason, message, now)],
  });
  const deleteOld = [
    ...beyondLimit(children.filter((j) => finishedAs(j) === 'Failed'), spec.failedJobsHistoryLimit),
    ...beyondLimit(children.filter((j) => finishedAs(j) === 'Complete'), spec.successfulJobsHistoryLimit),
  ];
  const parsed = parse(spec.schedule, spec.timeZone);
  if (E.isLeft(parsed)) return { status: statusWith(false, parsed.left.reason, parsed.left.message), deleteOld, deleteActive: [], problem: parsed.left };
  const base = { status: statusWith(true, 'Valid', 'the schedule and the job template are valid'), deleteOld, deleteActive: [] };
  if (spec.suspend === true) return base;
  const { creationTimestamp } = cronJob.metadata;
  const created = typeof creationTimestamp === 'string' ? Date.parse(creationTimestamp) : NaN;
  const schedule = nextSchedule(parsed.right, last ?? (Number.isNaN(created) ? now : created), now, spec.startingDeadlineSeconds);
  if (E.isLeft(schedule)) return { ...base, status: statusWith(false, schedule.left.reason, schedule.left.message), problem: schedule.left };
  const { lastMissed, next } = schedule.right;
  const requeue = next === undefined ? {} : { requeueAfterMs: next - now };
  const tooLate = lastMissed !== undefined && spec.startingDeadlineSeconds !== undefined && lastMissed + spec.startingDeadlineSeconds * 1000 < now;
  if (lastMissed === undefined || tooLate) return { ...base, ...requeue };
  const policy = spec.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid' && active.length > 0) return { ...base, ...requeue };
  const ns = cronJob.metadata.namespace;
  const job: BatchJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cronJob, lastMissed),
      ...(ns === undefined ? {} : { namespace: ns }),
      labels: { ...spec.jobTemplate.metadata.labels },
      annotations: { ...spec.jobTemplate.metadata.annotations, [SCHEDULED_AT]: rfc3339(lastMissed) },
    },
    // the template's spec is kept as the user wrote it; the server validates it (422 if wrong)
    spec: spec.jobTemplate.spec as unknown as JobSpec,
  };
  const owned = setControllerReference(cronJob, job, CRONJOB_RESOURCE);
  return { ...base, ...requeue, deleteActive: policy === 'Replace' ? active : [], ...(E.isRight(owned) ? { create: owned.right } : {}) };
};

// -------------------------------------------------------------------------------------------
// The reconciler
// -------------------------------------------------------------------------------------------

/**
 * What the reconciler needs besides its context (whose `client` writes, as the controller's field
 * manager, recorded for read-your-writes and fenced when the run is): the caches, the event
 * recorder and the clock.
 */
export interface CronJobDeps {
  readonly cronJobs: Store<CronJob>;
  /** The Job informer's store, indexed by {@link JOB_OWNER_INDEX}. */
  readonly jobs: Indexer<BatchJob>;
  readonly recorder: Pick<EventRecorder, 'record'>;
  readonly scheduler: SchedulerLike;
}

const statusEquals = (a: CronJobStatus | undefined, b: CronJobStatus): boolean => JSON.stringify(a ?? {}) === JSON.stringify(b);

/**
 * The tutorial's `Reconcile`: plan, write the status if it changed, delete old Jobs (a failure
 * is a Warning Event, as the tutorial only logs it), then report a schedule problem (Warning
 * Event + terminal error), delete the running Jobs for `Replace`, create the Job (AlreadyExists
 * is done; 422 is a Warning Event, a `Valid=False` status and a terminal error) and requeue at
 * the next start.
 */
export const reconcileCronJob =
  (deps: CronJobDeps): TrackedReconciler => {
  const parse = scheduleCache();
  return (key, _signal, context) =>
    defer((): Observable<ReconcileResult> => {
      const cronJobClient = context.client(CRONJOB_RESOURCE);
      const jobClient = context.client(jobs);
      const cronJob = deps.cronJobs.get(key);
      if (cronJob === undefined) return of(done);
      const now = deps.scheduler.now();
      const plan = planCronJob(cronJob, deps.jobs.byIndex(JOB_OWNER_INDEX, key), now, parse);
      const ref = { name: cronJob.metadata.name, ...(cronJob.metadata.namespace === undefined ? {} : { namespace: cronJob.metadata.namespace }) };
      const writeStatus = (status: CronJobStatus): Observable<never> =>
        statusEquals(cronJob.status, status)
          ? EMPTY
          : cronJobClient.applyStatus({ apiVersion: `${CRONJOB_RESOURCE.group}/${CRONJOB_RESOURCE.version}`, kind: 'CronJob', metadata: ref, status }, { force: true }).pipe(ignoreElements());
      const remove = (job: BatchJob): Observable<never> =>
        jobClient.delete(job.metadata, { propagationPolicy: 'Background' }).pipe(
          ignoreElements(),
          catchError((e: unknown) => (isClientError(e) && isNotFound(e) ? EMPTY : throwError(() => e))),
        );
      const bestEffort = (job: BatchJob): Observable<never> =>
        remove(job).pipe(
          catchError((e: unknown) => {
            deps.recorder.record(cronJob, 'Warning', 'FailedDelete', `deleting old job ${job.metadata.name}: ${e instanceof Error || isClientError(e) ? e.message : String(e)}`);
            return EMPTY;
          }),
        );
      const fail = (reason: string, message: string): Observable<never> => {
        deps.recorder.record(cronJob, 'Warning', reason, message);
        return throwError(() => terminalError(new Error(message)));
      };
      const { create, problem } = plan;
      const createJob: Observable<never> =
        create === undefined
          ? EMPTY
          : jobClient.create(create).pipe(
              ignoreElements(),
              catchError((e: unknown) => {
                if (isClientError(e) && isAlreadyExists(e)) return EMPTY;
                if (!isClientError(e) || !isInvalid(e)) return throwError(() => e);
                const message = `the server refused job ${create.metadata.name}: ${e.message}`;
                return concat(writeStatus({ ...plan.status, conditions: [validCondition(cronJob, false, 'JobTemplateRejected', message, now)] }), fail('JobTemplateRejected', message));
              }),
            );
      return concat(
        writeStatus(plan.status),
        concat(...plan.deleteOld.map(bestEffort)),
        problem === undefined ? EMPTY : fail(problem.reason, problem.message),
        concat(...plan.deleteActive.map(remove)),
        createJob,
        of(plan.requeueAfterMs === undefined ? done : requeueAfter(plan.requeueAfterMs)),
      );
    });
};

/** What {@link cronJobController} needs besides the manager (which gives the clients). */
export interface CronJobControllerConfig {
  readonly recorder: CronJobDeps['recorder'];
  readonly scheduler: SchedulerLike;
  readonly namespace?: string;
}

/**
 * The tutorial's `SetupWithManager`: `For(CronJob)` (new generations only: the controller's own
 * status writes do not retrigger it), `Owns(Job)` (a Job's controlling CronJob is triggered), and
 * the Job index by owner.
 */
export const cronJobController = (mgr: ControllerManager, config: CronJobControllerConfig): void => {
  const ns = config.namespace === undefined ? {} : { namespace: config.namespace };
  const cronJobs = mgr.select('cronjobs', { resource: CRONJOB_RESOURCE, ...ns });
  const children = mgr.select('jobs', { resource: jobs, ...ns, informer: { indexers: { [JOB_OWNER_INDEX]: jobOwner } } });
  mgr.controller({
    name: 'cronjob',
    fieldManager: CRONJOB_MANAGER,
    for: cronJobs,
    predicates: [generationChanged],
    triggers: [{ selector: children, keys: jobOwner }],
    reconcile: reconcileCronJob({
      cronJobs: mgr.informer(cronJobs).store,
      jobs: mgr.informer(children).store,
      recorder: config.recorder,
      scheduler: config.scheduler,
    }),
  });
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: { kubeconfig: { type: 'string' }, namespace: { type: 'string', default: 'default' }, 'install-crd': { type: 'boolean', default: false } },
  });
  const kubeConfig = loadKubeConfig(values.kubeconfig);
  if (values['install-crd']) await installCrd(kubeConfig, CRONJOB_RESOURCE, CRONJOB_MANAGER);
  const recorder = eventRecorder({ sink: clientEventSink(objectClient(events, { kubeConfig, namespace: values.namespace })), component: 'cronjob-controller' });
  const mgr = controllerManager({ kubeConfig });
  cronJobController(mgr, {
    recorder,
    scheduler: asyncScheduler,
    namespace: values.namespace,
  });
  runToExit(defaultIdentity(), mgr.run({ handleSignals: true }));
};

if (isMain(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
  });
}
