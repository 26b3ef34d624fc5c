import { describe, expect, it } from 'vitest';

import { columnsFor, humanDuration, padRow } from '../../lib/cli/columns.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration (kubectl AGE)', () => {
  it('follows apimachinery duration.HumanDuration at each boundary', () => {
    const cases: Array<[number, string]> = [
      [-5 * s, '<invalid>'],
      [-500, '0s'],
      [0, '0s'],
      [119 * s, '119s'],
      [2 * m, '2m'],
      [9 * m + 59 * s, '9m59s'],
      [10 * m + 30 * s, '10m'],
      [179 * m, '179m'],
      [3 * h, '3h'],
      [7 * h + 59 * m, '7h59m'],
      [47 * h, '47h'],
      [2 * d, '2d'],
      [7 * d + 23 * h, '7d23h'],
      [8 * d, '8d'],
      [729 * d, '729d'],
      [730 * d, '2y'],
      [731 * d, '2y1d'],
      [8 * 365 * d, '8y'],
    ];
    for (const [ms, text] of cases) expect([ms, humanDuration(ms)]).toEqual([ms, text]);
  });
});

describe('columnsFor', () => {
  const now = Date.parse('2026-01-01T01:00:00Z');
  const cells = (kind: string, obj: KubeObject, wide = false): string[] => columnsFor(kind, { wide, allNamespaces: false }).map((c) => c.cell(obj, now));
  const meta = { name: 'x', namespace: 'ns', creationTimestamp: '2026-01-01T00:00:00Z' } as KubeObject['metadata'];

  it('has kubectl’s columns for common kinds and NAME, AGE otherwise', () => {
    const headers = (kind: string, wide = false, allNamespaces = false): string[] => columnsFor(kind, { wide, allNamespaces }).map((c) => c.header);
    expect(headers('ConfigMap')).toEqual(['NAME', 'DATA', 'AGE']);
    expect(headers('Secret')).toEqual(['NAME', 'TYPE', 'DATA', 'AGE']);
    expect(headers('Pod', true)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE']);
    expect(headers('Service')).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(headers('Deployment')).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    expect(headers('Namespace')).toEqual(['NAME', 'STATUS', 'AGE']);
    expect(headers('Node')).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(headers('Widget', true, true)).toEqual(['NAMESPACE', 'NAME', 'AGE']);
  });

  it('fills the cells from the object', () => {
    expect(cells('ConfigMap', { metadata: meta, data: { a: '1', b: '2' }, binaryData: { c: '' } } as KubeObject)).toEqual(['x', '3', '60m']);
    const pod = {
      metadata: meta,
      spec: { containers: [{}, {}], nodeName: 'n1' },
      status: {
        phase: 'Running',
        podIP: '10.0.0.1',
        containerStatuses: [
          { ready: true, restartCount: 2, state: { running: {} } },
          { ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
    } as KubeObject;
    expect(cells('Pod', pod, true)).toEqual(['x', '1/2', 'CrashLoopBackOff', '3', '60m', '10.0.0.1', 'n1']);
    const svc = { metadata: meta, spec: { type: 'NodePort', clusterIP: '10.96.0.1', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] } } as KubeObject;
    expect(cells('Service', svc)).toEqual(['x', 'NodePort', '10.96.0.1', '<none>', '80:30080/TCP', '60m']);
    const deploy = { metadata: meta, spec: { replicas: 3 }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } } as KubeObject;
    expect(cells('Deployment', deploy)).toEqual(['x', '2/3', '3', '2', '60m']);
    expect(cells('Widget', { metadata: { name: 'w' } })).toEqual(['w', '<unknown>']);
  });

  it('pads every column but the last to its width plus three spaces', () => {
    expect(padRow(['EVENT', 'NAME', 'AGE'], [8, 6, 3])).toBe('EVENT      NAME     AGE');
  });
});
