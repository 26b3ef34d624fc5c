/**
 * Loaded into each replica of the soak (scripts/soak.ts) with `--import`: every
 * KUBE_RX_SOAK_SAMPLE_MS (default 5000) it appends `{t, pid, heap, rss}` (heap after a full GC when
 * run with --expose-gc) to the file KUBE_RX_SOAK_PROBE; on SIGUSR2 it appends
 * `{t, pid, resources}`: the counts of `process.getActiveResourcesInfo()` (open sockets, timers).
 * Its own timer is unref'd and not counted. Does nothing without KUBE_RX_SOAK_PROBE.
 */
import { appendFileSync } from 'node:fs';

const file = process.env['KUBE_RX_SOAK_PROBE'];
if (file !== undefined && file !== '') {
  const gc = (globalThis as { gc?: () => void }).gc;
  const write = (fields: Record<string, unknown>): void => {
    appendFileSync(file, `${JSON.stringify({ t: Date.now(), pid: process.pid, ...fields })}\n`);
  };
  const sample = (): void => {
    gc?.();
    const m = process.memoryUsage();
    write({ heap: m.heapUsed, rss: m.rss });
  };
  sample();
  setInterval(sample, Number(process.env['KUBE_RX_SOAK_SAMPLE_MS'] ?? '5000')).unref();
  process.on('SIGUSR2', () => {
    const counts: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
    // the probe's own interval
    if (counts['Timeout'] !== undefined) counts['Timeout'] -= 1;
    write({ resources: counts });
  });
}
