import type { KubeObject } from '../meta/KubeObject.js';

/**
 * One column of `kube-rx watch -o table|wide`: its header and its cell for an object at a time
 * (`nowMs`, for AGE).
 *
 * @category cli
 * @since 0.3.0
 */
export interface Column {
  readonly header: string;
  readonly cell: (obj: KubeObject, nowMs: number) => string;
}

/**
 * How long ago, as kubectl prints AGE: seconds under 2 minutes, then minutes (with seconds under
 * 10 minutes), hours (with minutes under 8 hours), days (with hours under 8 days), years (with
 * days under 8 years). Maps to apimachinery's `duration.HumanDuration`.
 *
 * @example
 * ```ts
 * // part of the kube-rx command, not of the library's exports
 * import { humanDuration } from './columns.js';
 * humanDuration(90_000); // '90s'
 * humanDuration(3_723_000); // '62m'
 * ```
 * @category cli
 * @since 0.3.0
 */
export const humanDuration = (ms: number): string => {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
};

/** The value at `path` in an object, or undefined. */
const at = (obj: unknown, ...path: string[]): unknown => {
  let v = obj;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
};
const text = (v: unknown, none = '<none>'): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : none);
const count = (v: unknown): number => (typeof v === 'object' && v !== null ? Object.keys(v).length : 0);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

const NAME: Column = { header: 'NAME', cell: (o) => o.metadata.name };
const AGE: Column = {
  header: 'AGE',
  cell: (o, now) => {
    const created: unknown = o.metadata.creationTimestamp;
    return typeof created === 'string' ? humanDuration(now - Date.parse(created)) : '<unknown>';
  },
};
const col = (header: string, cell: (o: KubeObject) => string): Column => ({ header, cell });

const podStatus = (o: KubeObject): string => {
  if (o.metadata.deletionTimestamp !== undefined) return 'Terminating';
  const waiting = list(at(o, 'status', 'containerStatuses'))
    .map((c) => at(c, 'state', 'waiting', 'reason') ?? at(c, 'state', 'terminated', 'reason'))
    .find((r) => typeof r === 'string');
  return text(waiting ?? at(o, 'status', 'reason') ?? at(o, 'status', 'phase'), 'Unknown');
};
const labelsText = (v: unknown): string =>
  typeof v === 'object' && v !== null && count(v) > 0 ? Object.entries(v).map(([k, x]) => `${k}=${text(x, '')}`).join(',') : '<none>';
const ports = (o: KubeObject): string => {
  const ps = list(at(o, 'spec', 'ports')).map((p) => {
    const node = at(p, 'nodePort');
    return `${text(at(p, 'port'), '')}${node === undefined ? '' : `:${text(node, '')}`}/${text(at(p, 'protocol'), 'TCP')}`;
  });
  return ps.length === 0 ? '<none>' : ps.join(',');
};

/** Columns per kind (kubectl's printers in pkg/printers/internalversion), then the wide extras. */
const KINDS: Readonly<Record<string, { readonly columns: readonly Column[]; readonly wide?: readonly Column[] }>> = {
  ConfigMap: { columns: [NAME, col('DATA', (o) => String(count(at(o, 'data')) + count(at(o, 'binaryData')))), AGE] },
  Secret: { columns: [NAME, col('TYPE', (o) => text(at(o, 'type'), 'Opaque')), col('DATA', (o) => String(count(at(o, 'data')))), AGE] },
  Pod: {
    columns: [
      NAME,
      col('READY', (o) => {
        const cs = list(at(o, 'status', 'containerStatuses'));
        const total = Math.max(cs.length, list(at(o, 'spec', 'containers')).length);
        return `${cs.filter((c) => at(c, 'ready') === true).length}/${total}`;
      }),
      col('STATUS', podStatus),
      col('RESTARTS', (o) => String(list(at(o, 'status', 'containerStatuses')).reduce<number>((n, c) => n + num(at(c, 'restartCount')), 0))),
      AGE,
    ],
    wide: [col('IP', (o) => text(at(o, 'status', 'podIP'))), col('NODE', (o) => text(at(o, 'spec', 'nodeName')))],
  },
  Service: {
    columns: [
      NAME,
      col('TYPE', (o) => text(at(o, 'spec', 'type'), 'ClusterIP')),
      col('CLUSTER-IP', (o) => text(at(o, 'spec', 'clusterIP'))),
      col('EXTERNAL-IP', (o) => {
        const ips = [...list(at(o, 'status', 'loadBalancer', 'ingress')).map((i) => at(i, 'ip') ?? at(i, 'hostname')), ...list(at(o, 'spec', 'externalIPs'))];
        return ips.length === 0 ? (at(o, 'spec', 'type') === 'LoadBalancer' ? '<pending>' : '<none>') : ips.map((i) => text(i, '')).join(',');
      }),
      col('PORT(S)', ports),
      AGE,
    ],
    wide: [col('SELECTOR', (o) => labelsText(at(o, 'spec', 'selector')))],
  },
  Deployment: {
    columns: [
      NAME,
      col('READY', (o) => `${num(at(o, 'status', 'readyReplicas'))}/${num(at(o, 'spec', 'replicas'))}`),
      col('UP-TO-DATE', (o) => String(num(at(o, 'status', 'updatedReplicas')))),
      col('AVAILABLE', (o) => String(num(at(o, 'status', 'availableReplicas')))),
      AGE,
    ],
    wide: [
      col('CONTAINERS', (o) => list(at(o, 'spec', 'template', 'spec', 'containers')).map((c) => text(at(c, 'name'), '')).join(',')),
      col('IMAGES', (o) => list(at(o, 'spec', 'template', 'spec', 'containers')).map((c) => text(at(c, 'image'), '')).join(',')),
      col('SELECTOR', (o) => labelsText(at(o, 'spec', 'selector', 'matchLabels'))),
    ],
  },
  Namespace: { columns: [NAME, col('STATUS', (o) => text(at(o, 'status', 'phase'), 'Active')), AGE] },
  Node: {
    columns: [
      NAME,
      col('STATUS', (o) => {
        const ready = list(at(o, 'status', 'conditions')).find((c) => at(c, 'type') === 'Ready');
        return ready === undefined ? 'Unknown' : at(ready, 'status') === 'True' ? 'Ready' : 'NotReady';
      }),
      col('ROLES', (o) => {
        const roles = Object.keys(o.metadata.labels ?? {})
          .filter((k) => k.startsWith('node-role.kubernetes.io/'))
          .map((k) => k.slice('node-role.kubernetes.io/'.length));
        return roles.length === 0 ? '<none>' : roles.join(',');
      }),
      AGE,
      col('VERSION', (o) => text(at(o, 'status', 'nodeInfo', 'kubeletVersion'), '')),
    ],
  },
};

/**
 * The columns kubectl prints for `kind` (ConfigMap, Secret, Pod, Service, Deployment, Namespace,
 * Node), or NAME and AGE for any other kind; `wide` adds kubectl's `-o wide` extras, and
 * `allNamespaces` a leading NAMESPACE column (kubectl's `-A`).
 *
 * Maps to kubectl's table printers (`pkg/printers/internalversion/printers.go`).
 *
 * @example
 * ```ts
 * // part of the kube-rx command, not of the library's exports
 * import { columnsFor } from './columns.js';
 * columnsFor('ConfigMap', { wide: false, allNamespaces: false }).map((c) => c.header); // ['NAME', 'DATA', 'AGE']
 * ```
 * @category cli
 * @since 0.3.0
 */
export const columnsFor = (kind: string, options: { readonly wide: boolean; readonly allNamespaces: boolean }): readonly Column[] => {
  const known = KINDS[kind];
  const columns = [...(known?.columns ?? [NAME, AGE]), ...(options.wide ? (known?.wide ?? []) : [])];
  return options.allNamespaces ? [{ header: 'NAMESPACE', cell: (o) => o.metadata.namespace ?? '' }, ...columns] : columns;
};

/**
 * Lays rows out as kubectl does: each column as wide as its widest cell, three spaces between.
 *
 * @example
 * ```ts
 * // part of the kube-rx command, not of the library's exports
 * import { padRow } from './columns.js';
 * padRow(['NAME', 'AGE'], [10, 3]); // 'NAME         AGE'
 * ```
 * @category cli
 * @since 0.3.0
 */
export const padRow = (cells: readonly string[], widths: readonly number[]): string =>
  cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] ?? c.length) + 3))).join('');
