/**
 * Reading the JSON-line logs of replicas run as child processes (spec/kube/fencedReplica.ts,
 * examples/configMapToSecret.ts `--log`), and the overlap check of their reconciles: no key may be
 * reconciled by two replicas at once.
 */
import { readFile } from 'node:fs/promises';

/** One log line: at least a time and the writer's identity; `phase` says what it is. */
export interface ReplicaLogLine {
  readonly t: number;
  readonly identity: string;
  readonly phase: string;
  readonly key?: string;
  /** `write`: `sent`, `fenced` or `error`, and when the write was attempted. */
  readonly outcome?: string;
  readonly attemptT?: number;
  /** `leader`: `Leading` or `Following`. */
  readonly state?: string;
  /** `store`: the informer's objects as `name@resourceVersion`. */
  readonly objects?: ReadonlyArray<string>;
}

/** The lines of a JSON-lines log (none when the file does not exist yet). */
export const readLog = async (path: string): Promise<ReplicaLogLine[]> => {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ReplicaLogLine);
};

/** A replica's log, with when its run ended (a killed replica's unfinished reconcile ends there). */
export interface ReplicaRun {
  readonly identity: string;
  readonly lines: ReadonlyArray<ReplicaLogLine>;
  /** Default: still running (an unfinished reconcile lasts forever). */
  readonly endedAt?: number;
}

/** What {@link reconcileOverlaps} found. */
export interface OverlapReport {
  /** Reconciles checked (start/end pairs, unfinished ones included). */
  readonly checked: number;
  /** Reconciles per identity. */
  readonly perIdentity: Readonly<Record<string, number>>;
  /** One line per overlapping pair of one key across two identities. */
  readonly overlaps: ReadonlyArray<string>;
}

/**
 * Pairs each replica's `start` and `end` lines per key into intervals and reports every two
 * intervals of one key from different identities that intersect.
 */
export const reconcileOverlaps = (runs: ReadonlyArray<ReplicaRun>): OverlapReport => {
  const intervals = new Map<string, Array<{ readonly identity: string; readonly from: number; readonly to: number }>>();
  const perIdentity: Record<string, number> = {};
  let checked = 0;
  const add = (key: string, identity: string, from: number, to: number): void => {
    intervals.set(key, [...(intervals.get(key) ?? []), { identity, from, to }]);
    perIdentity[identity] = (perIdentity[identity] ?? 0) + 1;
    checked++;
  };
  for (const run of runs) {
    const open = new Map<string, number>();
    for (const line of run.lines) {
      if (line.key === undefined) continue;
      if (line.phase === 'start') open.set(line.key, line.t);
      else if (line.phase === 'end') {
        const from = open.get(line.key);
        open.delete(line.key);
        if (from !== undefined) add(line.key, run.identity, from, line.t);
      }
    }
    for (const [key, from] of open) add(key, run.identity, from, run.endedAt ?? Number.POSITIVE_INFINITY);
  }
  const overlaps: string[] = [];
  for (const [key, list] of intervals) {
    for (const x of list) {
      for (const y of list) {
        if (x.identity < y.identity && x.from <= y.to && y.from <= x.to) {
          overlaps.push(`${key}: ${x.identity} [${x.from}, ${x.to}] / ${y.identity} [${y.from}, ${y.to}]`);
        }
      }
    }
  }
  return { checked, perIdentity, overlaps };
};
