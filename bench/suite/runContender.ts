/**
 * One run of one contender (bench/suite/contender.ts) in a fresh child process, with the load the
 * machine had meanwhile: shared by the suite (bench/suite.ts, against the loopback bench server) and
 * bench/kubeSync.ts (against a real kube-apiserver).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

import type { RunConfig, RunResult } from './contender.js';

/** Foreign load of one run: CPU the machine spent on anything but this suite, in cores (issue 23). */
export interface RunLoad {
  readonly loadBefore: number;
  readonly loadAfter: number;
  readonly foreignCores: number;
}

/** A run during which other processes than the bench's took more CPU than this (cores) ran on a busy machine. */
export const BUSY_FOREIGN_CORES = 0.5;
/** The largest max/min of a contender's repetitions that still counts as a steady measurement. */
export const MAX_SPREAD = 1.3;

export interface RunOptions {
  /** The node binary that runs the contender. */
  readonly nodeBin: string;
  readonly execArgv: ReadonlyArray<string>;
  readonly timeoutMs: number;
  /** The server's processes, whose CPU during the run is the suite's own, not foreign. */
  readonly serverPids: ReadonlyArray<number>;
}

/** A run that produced no figures. */
export const failedRun = (error: string): RunResult => ({
  ok: false, error, syncMs: NaN, watchMs: NaN, eventsPerSec: NaN, syncCpuMsPer1k: NaN, watchCpuMsPer1k: NaN, syncGcMs: NaN,
  watchGcMs: NaN, heapBytesPerObject: NaN, cached: 0, peakRssMb: NaN, eldP99Ms: NaN, eldMaxMs: NaN, deliveries: 0,
  relistPeakRatio: NaN, relistMs: NaN, latencyP50Ms: NaN, latencyP99Ms: NaN,
});

/** Runs `config` once; resolves with its result (or a failed one) and the run's load. */
export const runContender = (config: RunConfig, { nodeBin, execArgv, timeoutMs, serverPids }: RunOptions): Promise<RunResult & RunLoad> =>
  new Promise((resolve) => {
    const loadBefore = loadavg()[0] ?? Number.NaN;
    const wall0 = performance.now();
    const machine0 = machineBusyMs();
    const serverCpuMs = (): number => serverPids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
    const server0 = serverCpuMs();
    const self0 = process.cpuUsage();
    const child = fork(new URL('./contender.ts', import.meta.url), [], {
      execPath: nodeBin,
      execArgv: [...execArgv],
      env: { ...process.env, BENCH_RUN: JSON.stringify(config) },
    });
    let settled = false;
    const settle = (r: RunResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // the contender's CPU is read before it is killed (it waits for that after reporting)
      const ownMs = processCpuMs(child.pid) + (serverCpuMs() - server0);
      const self = process.cpuUsage(self0);
      const ours = ownMs + (self.user + self.system) / 1000;
      const foreignCores = (machineBusyMs() - machine0 - ours) / (performance.now() - wall0);
      child.kill();
      resolve({ ...r, loadBefore, loadAfter: loadavg()[0] ?? Number.NaN, foreignCores: Math.max(0, foreignCores) });
    };
    const timer = setTimeout(() => {
      settle(failedRun(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('message', (m) => {
      const r = m as Partial<RunResult>;
      settle(r.syncMs === undefined ? failedRun(r.error ?? 'failed') : (r as RunResult));
    });
    child.once('exit', (code) => {
      settle(failedRun(`exited with ${code ?? 'signal'} before reporting`));
    });
  });

const CLOCK_TICKS = 100;

/** Busy CPU time of the whole machine so far, in ms (Linux `/proc/stat`; NaN elsewhere). */
export const machineBusyMs = (): number => {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    // user nice system idle iowait irq softirq steal: everything but idle and iowait
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
};

/** CPU time of one process so far, in ms (`/proc/<pid>/stat` utime + stime; NaN when gone or elsewhere). */
export const processCpuMs = (pid: number | undefined): number => {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
};
