import * as fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { type BatchJob, type CronJob, CRONJOB_RESOURCE, nextSchedule, parseSchedule, SCHEDULED_AT } from '../../examples/cronJob.js';
import { events, jobs } from '../../lib/client/builtinResources.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import type { FakeCluster } from '../../lib/testing/fakeCluster.js';
import { newTestScheduler } from '../helpers/marbles.js';
import { HOUR, MIN, NS, type Run, simulate } from './cronJobSimulation.js';

/** The Job names of the starts `from`, `from + step`, ... up to `to` (ms). */
const namesOf = (from: number, to: number, step = 5 * MIN): ReadonlyArray<string> => {
  const names: Array<string> = [];
  for (let s = from; s <= to; s += step) names.push(`tick-${String(s / 1000)}`);
  return names;
};

const tick = (cluster: FakeCluster): CronJob => cluster.get(CRONJOB_RESOURCE, NS, 'tick') as CronJob;
const jobNames = (cluster: FakeCluster): ReadonlyArray<string> => cluster.list(jobs, NS).map((j) => j.metadata.name);
const warnings = (cluster: FakeCluster): ReadonlyArray<string> =>
  cluster.list(events, NS).map((e) => {
    const ev = e as KubeObject & { readonly type?: string; readonly reason?: string };
    return `${ev.type ?? ''} ${ev.reason ?? ''}`;
  });
/** One terminal failure, and no reconcile after it. */
const failedOnce = (run: Run): boolean => {
  const tags = run.reconciles.flatMap((e) => (e._tag === 'Reconcile' ? [e.event._tag] : []));
  return tags.filter((tag) => tag === 'Failed').length === 1 && tags.at(-1) === 'Failed';
};

describe('examples/cronJob in virtual time (fakeCluster)', () => {
  it('runs */5 for 48 hours: the exact Jobs, the history limits, and a restart that duplicates nothing', () => {
    const rx = newTestScheduler();
    const until = 48 * HOUR + 30_000;
    const run = simulate(rx, {
      spec: { successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 },
      // the hourly Jobs fail, the others complete; each after one minute
      kubelet: (job) => ({ afterMs: MIN, as: Number(job.metadata.name.slice('tick-'.length)) % 3600 === 0 ? 'Failed' : 'Complete' }),
      // the first controller stops at 24:02, a new one starts at 24:07 over the same cluster
      runs: [
        [0, 24 * HOUR + 2 * MIN],
        [24 * HOUR + 7 * MIN, until],
      ],
      until,
    });
    // every start of the 48 hours, once, in order: the one missed at 24:05 is created late (24:07) under its own name
    expect(run.created).toEqual(namesOf(5 * MIN, 48 * HOUR));
    expect(run.created).toHaveLength(576);
    // history: the last 3 successful, the last failed, and the one still running
    expect([...jobNames(run.cluster)].sort()).toEqual(['tick-169200', 'tick-171900', 'tick-172200', 'tick-172500', 'tick-172800']);
    const status = tick(run.cluster).status;
    expect(status?.active?.map((r) => r.name)).toEqual(['tick-172800']);
    expect(status?.lastScheduleTime).toBe('1970-01-03T00:00:00Z');
    expect(status?.conditions?.[0]).toMatchObject({ type: 'Valid', status: 'True' });
    const job = run.cluster.get(jobs, NS, 'tick-172800') as BatchJob;
    expect(job.metadata.annotations?.[SCHEDULED_AT]).toBe('1970-01-03T00:00:00Z');
    expect(job.metadata.labels).toEqual({ app: 'tick' });
    expect(job.metadata.ownerReferences).toMatchObject([{ kind: 'CronJob', name: 'tick', controller: true }]);
    expect(warnings(run.cluster)).toEqual([]);
  });

  it('Forbid skips the starts while a Job runs; startingDeadlineSeconds drops the late one', () => {
    const rx = newTestScheduler();
    const run = simulate(rx, {
      spec: { concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 60 },
      kubelet: () => ({ afterMs: 12 * MIN, as: 'Complete' }),
      runs: [[0, 3 * HOUR]],
      until: 3 * HOUR,
    });
    // a Job runs 12 minutes: 0:05 blocks 0:10 and 0:15 (too late at 0:17), so every third start runs
    expect(run.created).toEqual(namesOf(5 * MIN, 3 * HOUR, 15 * MIN));
    expect(run.deleted).toEqual([]);
  });

  it('Forbid without a deadline starts the latest missed run as soon as the running Job ends', () => {
    const rx = newTestScheduler();
    const run = simulate(rx, {
      spec: { concurrencyPolicy: 'Forbid' },
      kubelet: () => ({ afterMs: 12 * MIN, as: 'Complete' }),
      runs: [[0, 40 * MIN]],
      until: 40 * MIN,
    });
    // 0:05 runs to 0:17, then 0:15 starts at once (to 0:29), then 0:25 (to 0:41)
    expect(run.created).toEqual(['tick-300', 'tick-900', 'tick-1500']);
  });

  it('Replace deletes the running Job before each start', () => {
    const rx = newTestScheduler();
    const run = simulate(rx, {
      spec: { concurrencyPolicy: 'Replace' },
      kubelet: () => undefined, // Jobs never end
      runs: [[0, HOUR + MIN]],
      until: HOUR + MIN,
    });
    expect(run.created).toEqual(namesOf(5 * MIN, HOUR));
    expect(run.deleted).toEqual(namesOf(5 * MIN, 55 * MIN));
    expect(jobNames(run.cluster)).toEqual(['tick-3600']);
    expect(tick(run.cluster).status?.active?.map((r) => r.name)).toEqual(['tick-3600']);
  });

  it('Allow runs Jobs side by side', () => {
    const rx = newTestScheduler();
    const run = simulate(rx, { spec: {}, kubelet: () => undefined, runs: [[0, 31 * MIN]], until: 31 * MIN });
    expect(run.created).toEqual(namesOf(5 * MIN, 30 * MIN));
    expect(tick(run.cluster).status?.active?.map((r) => r.name)).toEqual(namesOf(5 * MIN, 30 * MIN));
  });

  it('suspend stops the starts; resuming starts only the latest missed one', () => {
    const rx = newTestScheduler();
    const suspend = (value: boolean) => (cluster: FakeCluster) => {
      cluster.patch(CRONJOB_RESOURCE, NS, 'tick', { spec: { suspend: value } });
    };
    const run = simulate(rx, {
      spec: {},
      kubelet: () => ({ afterMs: MIN, as: 'Complete' }),
      actions: [
        [HOUR + 2 * MIN, suspend(true)],
        [2 * HOUR + 2 * MIN, suspend(false)],
      ],
      runs: [[0, 2 * HOUR + 31 * MIN]],
      until: 2 * HOUR + 31 * MIN,
    });
    expect(run.created).toEqual([...namesOf(5 * MIN, HOUR), ...namesOf(2 * HOUR, 2 * HOUR + 30 * MIN)]);
  });

  it('more than 100 missed starts: a Warning Event, Valid=False, one terminal failure', () => {
    const rx = newTestScheduler();
    const run = simulate(rx, { spec: {}, runs: [[10 * HOUR, 11 * HOUR]], until: 11 * HOUR });
    expect(run.created).toEqual([]);
    expect(warnings(run.cluster)).toEqual(['Warning TooManyMissedStarts']);
    expect(tick(run.cluster).status?.conditions?.[0]).toMatchObject({ type: 'Valid', status: 'False', reason: 'TooManyMissedStarts' });
    expect(failedOnce(run)).toBe(true);
  });

  it('an unparseable schedule: a Warning Event, Valid=False with the reason, a terminal error and no requeue storm; a fix resumes', () => {
    const rx = newTestScheduler();
    const run = simulate(rx, {
      spec: { schedule: 'every five minutes' },
      actions: [[HOUR + 2 * MIN, (cluster) => cluster.patch(CRONJOB_RESOURCE, NS, 'tick', { spec: { schedule: '*/30 * * * *', startingDeadlineSeconds: 10 } })]],
      runs: [[0, 2 * HOUR + MIN]],
      until: 2 * HOUR + MIN,
    });
    expect(warnings(run.cluster)).toEqual(['Warning UnparseableSchedule']);
    const failed = run.reconciles.flatMap((e) => (e._tag === 'Reconcile' && e.event._tag === 'Failed' ? [e.event] : []));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ terminal: true });
    // one failed reconcile in the first hour, then the fixed schedule: Jobs at 1:30 and 2:00
    expect(run.created).toEqual(['tick-5400', 'tick-7200']);
    expect(tick(run.cluster).status?.conditions?.[0]).toMatchObject({ type: 'Valid', status: 'True' });
  });

  it('the status says why while the schedule is unparseable', () => {
    const rx = newTestScheduler();
    const run = simulate(rx, { spec: { schedule: '*/5 * * *' }, runs: [[0, HOUR]], until: HOUR });
    expect(tick(run.cluster).status?.conditions?.[0]).toMatchObject({ type: 'Valid', status: 'False', reason: 'UnparseableSchedule' });
    expect(tick(run.cluster).status?.conditions?.[0]?.message).toMatch(/unparseable schedule "\*\/5 \* \* \*"/);
    expect(failedOnce(run)).toBe(true);
  });

  it('a Job template the server refuses (422): a Warning Event, Valid=False, one terminal failure', () => {
    const rx = newTestScheduler();
    const run = simulate(rx, {
      spec: { jobTemplate: { metadata: {}, spec: {} } },
      validate: (obj) => ((obj as BatchJob).spec?.template === undefined ? 'spec.template: Required value' : undefined),
      runs: [[0, HOUR]],
      until: HOUR,
    });
    expect(run.created).toEqual([]);
    expect(warnings(run.cluster)).toEqual(['Warning JobTemplateRejected']);
    const condition = tick(run.cluster).status?.conditions?.[0];
    expect(condition).toMatchObject({ type: 'Valid', status: 'False', reason: 'JobTemplateRejected' });
    expect(condition?.message).toMatch(/spec\.template: Required value/);
    expect(failedOnce(run)).toBe(true);
  });
});

describe('nextSchedule (the tutorial getNextSchedule)', () => {
  const every5 = parseSchedule('*/5 * * * *');
  const step = 5 * MIN;

  it('parses standard schedules, descriptors and time zones; refuses the rest', () => {
    expect(E.isRight(parseSchedule('@hourly'))).toBe(true);
    expect(E.isRight(parseSchedule('0 9 * * 1-5', 'Europe/Berlin'))).toBe(true);
    expect(parseSchedule('* * * * * *')).toMatchObject({ left: { reason: 'UnparseableSchedule' } });
    expect(parseSchedule('0 9 * * *', 'Nowhere/City')).toMatchObject({ left: { reason: 'UnparseableSchedule' } });
    const berlin = parseSchedule('0 9 * * *', 'Europe/Berlin');
    if (E.isLeft(berlin)) throw new Error('expected a schedule');
    // 9:00 in Berlin (CET, UTC+1) on 1 January 1970
    expect(nextSchedule(berlin.right, 0, 0)).toEqual(E.right({ lastMissed: undefined, next: 8 * HOUR }));
  });

  it('finds the latest missed start and the next one, or refuses more than 100 missed starts', () => {
    if (E.isLeft(every5)) throw new Error('expected a schedule');
    const cron = every5.right;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * 24 * 60 * 60 }), fc.integer({ min: 0, max: 12 * 60 * 60 }), fc.option(fc.integer({ min: 0, max: 6 * 3600 }), { nil: undefined }), (earliestS, spanS, deadline) => {
        const earliest = earliestS * 1000;
        const now = earliest + spanS * 1000;
        const from = deadline === undefined ? earliest : Math.max(earliest, now - deadline * 1000);
        const missed = Math.floor(now / step) - Math.floor(from / step);
        const result = nextSchedule(cron, earliest, now, deadline);
        if (missed > 100) {
          expect(result).toMatchObject({ left: { reason: 'TooManyMissedStarts' } });
          return;
        }
        expect(result).toEqual(
          E.right({ lastMissed: missed === 0 ? undefined : Math.floor(now / step) * step, next: (Math.floor(now / step) + 1) * step }),
        );
      }),
    );
  });
});
