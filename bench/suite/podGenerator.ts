/**
 * Deterministic, seeded generator of Pod-shaped objects (a Deployment-owned Pod, 2 containers,
 * status with conditions; about 4.4 KB of JSON, about 5.5 KB with managedFields), spread over
 * 100 namespaces. The same seed always yields the same bytes, so every contender of a run reads
 * exactly the same stream.
 */
import { prng } from '../../lib/internal/prng.js';

export interface PodGenConfig {
  readonly seed: number;
  readonly managedFields: boolean;
  readonly namespaces: number;
}

/** A small, fast PRNG (mulberry32): deterministic across runs and platforms. */
export { prng };

const hex = (rnd: () => number, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rnd() * 16).toString(16);
  return s;
};

const alnum = (rnd: () => number, n: number): string => {
  const chars = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0; i < n; i++) s += chars[Math.floor(rnd() * chars.length)] ?? 'x';
  return s;
};

const uid = (rnd: () => number): string => `${hex(rnd, 8)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 4)}-${hex(rnd, 12)}`;

const time = (rnd: () => number): string =>
  new Date(Date.UTC(2026, 0, 1) + Math.floor(rnd() * 300 * 86_400_000)).toISOString().replace(/\.\d{3}Z$/, 'Z');

const container = (rnd: () => number, name: string, app: string): Record<string, unknown> => ({
  name,
  image: `registry.example.com/${app}/${name}:v1.${Math.floor(rnd() * 40)}.${Math.floor(rnd() * 10)}`,
  ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
  env: [
    { name: 'APP_NAME', value: app },
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
  ],
  resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
  volumeMounts: [{ name: 'kube-api-access', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
  livenessProbe: { httpGet: { path: '/healthz', port: 8080, scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
  readinessProbe: { httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
  imagePullPolicy: 'IfNotPresent',
});

const containerStatus = (rnd: () => number, name: string, image: unknown, started: string): Record<string, unknown> => ({
  name,
  state: { running: { startedAt: started } },
  lastState: {},
  ready: true,
  restartCount: Math.floor(rnd() * 3),
  image,
  imageID: `registry.example.com/sha256:${hex(rnd, 64)}`,
  containerID: `containerd://${hex(rnd, 64)}`,
  started: true,
});

const managedFieldsOf = (created: string): unknown[] => [
  {
    manager: 'kube-controller-manager',
    operation: 'Update',
    apiVersion: 'v1',
    time: created,
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:generateName': {}, 'f:labels': { '.': {}, 'f:app': {}, 'f:pod-template-hash': {} }, 'f:ownerReferences': { '.': {}, 'k:{"uid":"x"}': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:env': {}, 'f:image': {}, 'f:name': {}, 'f:ports': {}, 'f:resources': {} }, 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {}, 'f:name': {} } }, 'f:dnsPolicy': {}, 'f:restartPolicy': {}, 'f:schedulerName': {} },
    },
  },
  {
    manager: 'kubelet',
    operation: 'Update',
    apiVersion: 'v1',
    time: created,
    fieldsType: 'FieldsV1',
    subresource: 'status',
    fieldsV1: {
      'f:status': { 'f:conditions': { 'k:{"type":"ContainersReady"}': { '.': {}, 'f:status': {}, 'f:type': {} }, 'k:{"type":"Ready"}': { '.': {}, 'f:status': {}, 'f:type': {} } }, 'f:containerStatuses': {}, 'f:hostIP': {}, 'f:phase': {}, 'f:podIP': {}, 'f:podIPs': { '.': {}, 'k:{"ip":"x"}': { '.': {}, 'f:ip': {} } }, 'f:startTime': {} },
    },
  },
];

/** The i-th Pod (stable identity: name and namespace depend only on i) at resourceVersion `rv`. */
export const podAt = (config: PodGenConfig, i: number, rv: number): Record<string, unknown> => {
  const rnd = prng(config.seed * 1_000_003 + i * 7919 + rv);
  const ns = `ns-${i % config.namespaces}`;
  const app = `app-${(i >> 4) % 997}`;
  const hash = alnum(prng(config.seed + i), 10);
  const name = `${app}-${hash}-${i}`;
  const created = time(rnd);
  const app0 = container(rnd, 'app', app);
  const side = container(rnd, 'sidecar', app);
  const metadata: Record<string, unknown> = {
    name,
    generateName: `${app}-${hash}-`,
    namespace: ns,
    uid: uid(prng(config.seed * 31 + i)),
    resourceVersion: String(rv),
    creationTimestamp: created,
    labels: { app, 'pod-template-hash': hash, tier: rnd() < 0.5 ? 'web' : 'worker' },
    annotations: { 'kubectl.kubernetes.io/restartedAt': created, 'example.com/revision': String(Math.floor(rnd() * 100)) },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-${hash}`, uid: uid(rnd), controller: true, blockOwnerDeletion: true },
    ],
  };
  if (config.managedFields) metadata['managedFields'] = managedFieldsOf(created);
  const podIP = `10.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`;
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata,
    spec: {
      volumes: [{ name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }], defaultMode: 420 } }],
      containers: [app0, side],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      serviceAccount: 'default',
      nodeName: `node-${Math.floor(rnd() * 500)}`,
      securityContext: {},
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
      priority: 0,
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
    },
    status: {
      phase: 'Running',
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
        type,
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: created,
      })),
      hostIP: `192.168.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`,
      podIP,
      podIPs: [{ ip: podIP }],
      startTime: created,
      containerStatuses: [containerStatus(rnd, 'app', app0['image'], created), containerStatus(rnd, 'sidecar', side['image'], created)],
      qosClass: 'Burstable',
    },
  };
};
