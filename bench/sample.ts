/**
 * Shared measurement of the microbenchmarks (bench/hotPath.ts, bench/listDecode.ts): wall and CPU
 * ns per unit of one run (CPU: this process, GC helper threads included; less noisy on a shared
 * machine), and heap bytes allocated per unit: the growth of the used heap, exact when no garbage
 * collection runs meanwhile (run with `--min-semi-space-size=1024 --max-semi-space-size=1024`;
 * with Node's defaults the figure is meaningless). It does not depend on the machine's load.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** One timed run, per unit (event, item). */
export interface Sample {
  readonly wall: number;
  readonly cpu: number;
  alloc: number;
  readonly from: number;
  readonly to: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => undefined);

/** Start times of the garbage collections (a sample with one inside its run has no allocation figure). */
const gcStarts: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcStarts.push(e.startTime);
}).observe({ entryTypes: ['gc'] });

/** Runs `run` once after a full GC and returns its figures divided by `units`. */
export const sampleRun = (run: () => void, units: number): Sample => {
  gc();
  const h0 = getHeapStatistics().used_heap_size;
  const from = performance.now();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  run();
  const wall = Number(process.hrtime.bigint() - t0) / units;
  const c = process.cpuUsage(c0);
  const alloc = (getHeapStatistics().used_heap_size - h0) / units;
  return { wall, cpu: ((c.user + c.system) * 1000) / units, alloc, from, to: performance.now() };
};

/** Marks the samples with a GC inside their run as having no allocation figure (waits for the observer). */
export const dropGcSamples = async (samples: Iterable<Sample[]>): Promise<void> => {
  // the observer reports asynchronously
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (const xs of samples) for (const x of xs) if (gcStarts.some((t) => t > x.from && t < x.to)) x.alloc = Number.NaN;
};

/** The median of the finite values. */
export const median = (xs: number[]): number => {
  const ok = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return ok[Math.floor(ok.length / 2)] ?? Number.NaN;
};
