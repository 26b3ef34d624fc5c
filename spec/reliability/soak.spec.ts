/**
 * Soak (issue 7): a bounded run of steady churn against the embedded API server (in a child
 * process, so this process's heap and handles are the client's alone) with an informer, a
 * subscriber with resync, a slow subscriber behind coalesceByKey, and a reconcile loop. The heap
 * after forced GC must stay flat, and nothing may be left open once everything is unsubscribed.
 *
 * `KUBE_RX_SOAK_SECONDS` sets the measured duration (default 60; 0 skips the soak, as the test
 * matrix does in all cells but one). `KUBE_RX_SOAK_LEAK_BYTES=n` makes
 * the first subscriber keep n bytes per event, a deliberate leak that shows the criteria catch one.
 *
 * The criteria, for the default run (300 writes/s, so 300 informer events/s, each reaching three
 * consumers): a leak of L bytes per event grows the heap by L × 300 × 60 bytes a minute (2.3 MB/min
 * for L = 128 B). The run passes when
 * - the least-squares slope of the heap samples after warm-up is below 1.5 MB/min, which a leak of
 *   ~90 B per event or more exceeds; clean runs measured 80–220 KB/min (60–150 s runs, a 2-core
 *   machine shared with other work), and `KUBE_RX_SOAK_LEAK_BYTES=100` (128 B per event kept)
 *   measured 2.8 MB/min and failed; and
 * - the last sample is at most 1.5 MB above the first one after warm-up (clean runs: 150–220 KB),
 *   a second check that a noisy sample bending the slope cannot hide a steady climb.
 * Warm-up (JIT, V8's caches, the connection, the reconcile loop's requeue timers reaching their
 * steady state; the heap still climbs ~0.5 MB in the first 15 s) is the first half of the run, at
 * most 15 s. Runs shorter than ~30 s are smoke runs: too few samples for the slope to mean much.
 */
import { map, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { reconcileWith } from '../../lib/workqueue/reconcileWith.js';
import { done, requeueAfter } from '../../lib/workqueue/ReconcileResult.js';
import { coalesceByKey } from '../../lib/operators/coalesceByKey.js';
import { startApiServerProcess } from '../helpers/apiServerProcess.js';
import { type ChurnConfig, snapshotOf } from '../helpers/churn.js';
import { configMapInformer, snapshotOfView, synced, track } from '../helpers/consumerViews.js';
import { heapAfterGc, mb } from '../helpers/heap.js';
import { until } from '../helpers/until.js';

const SECONDS = Number(process.env['KUBE_RX_SOAK_SECONDS'] ?? '60');
const LEAK_BYTES = Number(process.env['KUBE_RX_SOAK_LEAK_BYTES'] ?? '0');
const RATE = 300;
const SAMPLE_MS = 2000;
const WARMUP_MS = Math.min(15_000, (SECONDS * 1000) / 2);
const MAX_SLOPE_BYTES_PER_MIN = 1.5 * 1024 * 1024;
const MAX_GROWTH_BYTES = 1.5 * 1024 * 1024;

/** Least-squares slope of `y` over `x`. */
const slope = (points: ReadonlyArray<{ readonly x: number; readonly y: number }>): number => {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? 0 : sxy / sxx;
};

/** The active resources (handles, requests, ref'ed timers) keeping this process alive, by type. */
const activeResources = (): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
};

/** What is active now and was not at `baseline` (`Type ×n`): empty when nothing was left behind. */
const leftOver = (baseline: ReadonlyMap<string, number>): string[] =>
  [...activeResources()].filter(([type, n]) => n > (baseline.get(type) ?? 0)).map(([type, n]) => `${type} ×${n - (baseline.get(type) ?? 0)}`);

describe('soak', () => {
  it.skipIf(SECONDS === 0)(`${SECONDS} s of steady churn: the heap after GC stays flat, and nothing is left open after unsubscribing`, { timeout: SECONDS * 1000 + 120_000 }, async () => {
    // before anything starts: what vitest itself holds (its IPC pipes, this test's timeout)
    const baseline = activeResources();
    const proc = await startApiServerProcess({ bookmarkIntervalMs: 1000 });
    let closed = false;
    try {
      const churn: ChurnConfig = { keys: 200, padBytes: 256 };
      await proc.write(churn.keys, churn);
      const informer = configMapInformer(proc.kubeConfig);

      // subscriber 1: keeps its own view of the cache; resync every 5 s
      // (JSON.parse makes a fresh flat string: LEAK_BYTES + 16 bytes of heap, + 8 for its slot)
      const leaked: string[] = [];
      const leak = JSON.stringify('.'.repeat(LEAK_BYTES));
      const viewer = track(informer.observe({ resyncPeriodMs: 5000 }), () => {
        if (LEAK_BYTES > 0) leaked.push(JSON.parse(leak) as string);
      });
      // subscriber 2: a slow handler (5 ms per event), bounded by coalesceByKey
      let maxWaiting = 0;
      let handled = 0;
      const slow = informer.events$
        .pipe(
          coalesceByKey((e) => e.key, (e) => timer(5).pipe(map(() => e)), {
            waiting: {
              next: (n) => {
                maxWaiting = Math.max(maxWaiting, n);
              },
            },
          }),
        )
        .subscribe(() => {
          handled += 1;
        });
      // a reconcile loop: reads the store; every 5th state is requeued after 3 s, every 13th fails once
      const failedAt = new Map<string, number>();
      const outcomes = { Succeeded: 0, Failed: 0, Requeued: 0 };
      const loop = informer.events$
        .pipe(
          map((e) => e.key),
          reconcileWith(
            (key) => {
              const n = Number(informer.store.get(key)?.data?.['n'] ?? '1');
              return timer(1).pipe(
                map(() => {
                  if (n % 13 === 0 && failedAt.get(key) !== n) {
                    failedAt.set(key, n);
                    throw new Error(`transient failure of ${key}`);
                  }
                  return n % 5 === 0 ? requeueAfter(3000) : done;
                }),
              );
            },
            { concurrency: 2 },
          ),
        )
        .subscribe((e) => {
          if (e._tag === 'Succeeded' || e._tag === 'Failed' || e._tag === 'Requeued') outcomes[e._tag] += 1;
        });

      await synced(informer);
      await proc.churn({ ratePerSec: RATE, ...churn });
      const t0 = performance.now();
      const samples: Array<{ readonly x: number; readonly y: number }> = [];
      while (performance.now() - t0 < SECONDS * 1000) {
        // the sampling period of the soak (not a synchronisation: nothing is awaited but time)
        await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
        samples.push({ x: (performance.now() - t0) / 60_000, y: heapAfterGc() });
      }
      const writes = await proc.stop();
      const snap = await proc.snapshot();
      await until(() => snapshotOfView(viewer.view).join() === snap.items.join() && snapshotOf(informer.store.list()).join() === snap.items.join());

      const measured = samples.filter((s) => s.x * 60_000 >= WARMUP_MS);
      const perMinute = slope(measured);
      const first = measured[0]?.y ?? 0;
      const last = measured[measured.length - 1]?.y ?? 0;
      console.log(
        [
          `soak: ${SECONDS} s, ${writes} writes (${RATE}/s on ${churn.keys} keys), ${viewer.view.live} events per subscriber, ` +
            `${viewer.view.syncs} resync events, slow handler ran ${handled} times (at most ${maxWaiting} waiting), ` +
            `reconciles: ${outcomes.Succeeded} succeeded, ${outcomes.Failed} failed, ${outcomes.Requeued} requeued`,
          `heap after GC (MB) at s: ${samples.map((s) => `${(s.x * 60).toFixed(0)}:${mb(s.y)}`).join(' ')}`,
          `after warm-up (${WARMUP_MS / 1000} s): slope ${(perMinute / 1024).toFixed(0)} KB/min (bound ${MAX_SLOPE_BYTES_PER_MIN / 1024} KB/min), ` +
            `last - first ${((last - first) / 1024).toFixed(0)} KB (bound ${MAX_GROWTH_BYTES / 1024} KB); LISTs ${snap.lists}`,
        ].join('\n'),
      );

      expect(viewer.view.outOfOrder).toEqual([]);
      expect(viewer.view.live).toBe(writes - churn.keys); // every change, on one watch
      expect(maxWaiting).toBeLessThanOrEqual(churn.keys);
      expect(measured.length).toBeGreaterThanOrEqual(3);
      expect(perMinute).toBeLessThan(MAX_SLOPE_BYTES_PER_MIN);
      expect(last - first).toBeLessThan(MAX_GROWTH_BYTES);

      viewer.unsubscribe();
      slow.unsubscribe();
      loop.unsubscribe();
      // the server runs in its own process: any timer or socket still active here would be the client's
      const childOnly = (r: string): boolean => r.startsWith('ProcessWrap') || r.startsWith('PipeWrap');
      await until(() => leftOver(baseline).every(childOnly)).catch(() => undefined);
      expect(leftOver(baseline).filter((r) => !childOnly(r))).toEqual([]);

      await proc.close();
      closed = true;
      await until(() => leftOver(baseline).length === 0).catch(() => undefined);
      expect(leftOver(baseline)).toEqual([]);
    } finally {
      if (!closed) await proc.close();
    }
  });
});
