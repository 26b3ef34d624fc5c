/**
 * Custom resources defined once (issue 24) against kube-apiserver 1.20.2: the CRD that
 * `crdManifest` derives from the io-ts codecs of `spec/crd/gadget.ts` (every supported form) is
 * accepted and becomes Established; every object generated from the codec is accepted; objects
 * that break the schema are refused by both the server (422) and the codec; unknown fields are
 * pruned by the server exactly as the exact codec strips them; printer columns show in a Table.
 *
 * Requests are raw HTTPS with the kubeconfig's credentials, so the server sees exactly the JSON
 * kube-rx builds (client-node's typed models would rename or drop `x-kubernetes-*` and `enum`).
 */
import { request, type RequestOptions } from 'node:https';

import { KubeConfig } from '@kubernetes/client-node';
import fc from 'fast-check';
import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { crdManifest, type CustomResource } from 'kube-rx';
import { collectionPath } from 'kube-rx/protocol';

import { Gadget, GadgetSpec } from '../crd/gadget.js';
import { arbitraryOf } from '../helpers/arbitraryOf.js';
import { eventually, type Kube, startKube } from './harness.js';

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** One JSON request with the kubeconfig's credentials and CA (verified TLS). */
const send = async (kc: KubeConfig, method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Answer> => {
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, server);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const options: RequestOptions = {
    method,
    hostname: url.hostname,
    port: url.port,
    path: `${url.pathname}${url.search}`,
    headers: { Accept: accept, ...(payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': payload.length }) },
  };
  await kc.applyToHTTPSOptions(options);
  return new Promise<Answer>((resolve, reject) => {
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : (JSON.parse(text) as unknown) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
};

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/** Creates the CRD of `resource` and waits until it is Established. */
const install = async (kc: KubeConfig, resource: CustomResource): Promise<void> => {
  const created = await send(kc, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crdManifest(resource));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await eventually(`${resource.crdName} Established`, async () => {
    const got = await send(kc, 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${resource.crdName}`);
    const status = isRecord(got.body) ? got.body['status'] : undefined;
    const conditions = isRecord(status) && Array.isArray(status['conditions']) ? status['conditions'] : [];
    return conditions.some((c) => isRecord(c) && c['type'] === 'Established' && c['status'] === 'True');
  });
  // the new resource is served (discovery and the REST handler catch up a moment after Established)
  await eventually(`${resource.plural} served`, async () => (await send(kc, 'GET', collectionPath(resource, 'default'))).status === 200);
};

/** JSON round trip: what a value is once sent (no undefined fields). */
const json = (u: unknown): unknown => JSON.parse(JSON.stringify(u)) as unknown;

describe('custom resources from io-ts codecs against kube-apiserver 1.20', () => {
  let kube: Kube;
  let kc: KubeConfig;
  let counter = 0;
  const path = collectionPath(Gadget, 'default');
  const object = (spec: unknown): Record<string, unknown> => ({
    apiVersion: `${Gadget.group}/${Gadget.version}`,
    kind: Gadget.kind,
    metadata: { name: `g-${++counter}` },
    spec,
  });

  beforeAll(async () => {
    kube = await startKube();
    kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigAdmin);
    await install(kc, Gadget);
  });

  afterAll(async () => {
    await kube.stop();
  });

  it('every object generated from the codec is accepted, decodes with the descriptor codec and comes back unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryOf(GadgetSpec), async (spec) => {
        expect(GadgetSpec.is(spec)).toBe(true);
        const sent = object(spec);
        const answer = await send(kc, 'POST', path, sent);
        expect(answer.status, JSON.stringify(answer.body)).toBe(201);
        const decoded = Gadget.codec.decode(answer.body);
        expect(isRight(decoded)).toBe(true);
        expect(isRecord(answer.body) ? answer.body['spec'] : undefined).toEqual(json(spec));
      }),
      { numRuns: 30 },
    );
  });

  /** A valid spec to break one field of. */
  const valid = {
    replicas: 3,
    name: 'gadget',
    ratio: 0.5,
    enabled: true,
    mode: 'Fast',
    level: 2,
    port: 'http',
    tags: ['a', 'b'],
    ports: [{ name: 'web', port: 8080 }],
    labels: { app: 'x' },
    shape: { kind: 'Circle', radius: 1 },
  };

  it('the valid sample is accepted by both', async () => {
    expect(isRight(GadgetSpec.decode(valid))).toBe(true);
    expect((await send(kc, 'POST', path, object(valid))).status).toBe(201);
  });

  const broken: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ['wrong type', { ...valid, replicas: 'three' }, 'spec.replicas'],
    ['wrong type in an array item', { ...valid, ports: [{ name: 'web', port: 'x' }] }, 'spec.ports.port'],
    ['missing required', { ...valid, name: undefined }, 'spec.name'],
    ['missing required in a union branch', { ...valid, shape: { kind: 'Circle' } }, 'spec.shape'],
    ['enum outside', { ...valid, mode: 'Slow' }, 'spec.mode'],
    ['integer enum outside', { ...valid, level: 4 }, 'spec.level'],
    ['discriminant outside', { ...valid, shape: { kind: 'Triangle', side: 1 } }, 'spec.shape'],
    ['above maximum', { ...valid, replicas: 101 }, 'spec.replicas'],
    ['not above the exclusive minimum', { ...valid, ratio: 0 }, 'spec.ratio'],
    ['not an integer', { ...valid, replicas: 1.5 }, 'spec.replicas'],
    ['int-or-string neither', { ...valid, port: 1.5 }, 'spec.port'],
    ['longer than maxLength', { ...valid, name: 'a'.repeat(21) }, 'spec.name'],
    ['pattern', { ...valid, name: '9lives' }, 'spec.name'],
    ['too many items', { ...valid, ports: Array.from({ length: 5 }, (_, i) => ({ name: `p${i}`, port: 80 })) }, 'spec.ports'],
    ['duplicate in a set list', { ...valid, tags: ['a', 'a'] }, 'spec.tags'],
    ['too many properties', { ...valid, weights: { a: 1, b: 2, c: 3, d: 4 } }, 'spec.weights'],
    ['not a multiple', { ...valid, step: 7 }, 'spec.step'],
    ['bad uuid', { ...valid, id: 'not-a-uuid' }, 'spec.id'],
    ['bad date-time', { ...valid, createdAt: 'yesterday' }, 'spec.createdAt'],
    ['bad date', { ...valid, day: '2023-02-30' }, 'spec.day'],
    ['bad base64', { ...valid, blob: 'not base64!' }, 'spec.blob'],
    ['missing required in a nullable object', { ...valid, owner: { name: 'o' } }, 'spec.owner.uid'],
    ['wrong record value type', { ...valid, labels: { app: 1 } }, 'spec.labels'],
    ['null where not nullable', { ...valid, mode: null }, 'spec.mode'],
  ];

  it.each(broken)('%s: the server answers 422 and the codec refuses it', async (_what, spec, field) => {
    expect(isLeft(GadgetSpec.decode(json(spec)))).toBe(true);
    const answer = await send(kc, 'POST', path, object(spec));
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(JSON.stringify(answer.body)).toContain(field);
  });

  it('null where nullable is accepted and kept by both', async () => {
    const spec = { ...valid, note: null, owner: null, aliases: null };
    expect(GadgetSpec.decode(spec)).toEqual({ _tag: 'Right', right: spec });
    const answer = await send(kc, 'POST', path, object(spec));
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(isRecord(answer.body) ? answer.body['spec'] : undefined).toEqual(spec);
  });

  it('an unknown field under a closed object: 1.20 prunes it (201), and the exact codec strips it the same way', async () => {
    const spec = { ...valid, surplus: 1, ports: [{ name: 'web', port: 8080, surplus: true }], shape: { kind: 'Circle', radius: 1, colour: 'red' } };
    const decoded = GadgetSpec.decode(spec);
    const answer = await send(kc, 'POST', path, object(spec));
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const stored = isRecord(answer.body) ? answer.body['spec'] : undefined;
    expect(stored).toEqual(valid);
    expect(decoded).toEqual({ _tag: 'Right', right: stored });
  });

  /**
   * kube-apiserver 1.20.2's type check (go-openapi) takes an empty string for null inside arrays,
   * maps and int-or-string fields and refuses it, though the schema says `type: string`; a direct
   * field may be empty. The codec follows the schema and accepts them: a server quirk kube-rx
   * cannot express, pinned here so a change is noticed (arbitraryOf generates no empty strings).
   */
  const emptyStrings: ReadonlyArray<readonly [string, Record<string, unknown>, number]> = [
    ['a map value', { ...valid, labels: { app: '' } }, 422],
    ['an int-or-string', { ...valid, port: '' }, 422],
    ['an array item', { ...valid, tags: [''] }, 422],
    ['a field of an array item', { ...valid, ports: [{ name: '', port: 1 }] }, 422],
    ['a direct field', { ...valid, note: '' }, 201],
    ['a preserved field', { ...valid, extra: { a: '' } }, 201],
  ];

  it.each(emptyStrings)('an empty string as %s: the codec accepts it, kube-apiserver 1.20 answers %i', async (_where, spec, status) => {
    expect(isRight(GadgetSpec.decode(spec))).toBe(true);
    const answer = await send(kc, 'POST', path, object(spec));
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  });

  it('preserveUnknownFields keeps whatever is under it', async () => {
    const spec = { ...valid, extra: { anything: { nested: [1, 'two', null] } } };
    const answer = await send(kc, 'POST', path, object(spec));
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(isRecord(answer.body) ? answer.body['spec'] : undefined).toEqual(spec);
  });

  it('printer columns show in a Table GET', async () => {
    const name = `table-${++counter}`;
    await send(kc, 'POST', path, { ...object(valid), metadata: { name } });
    const table = await send(kc, 'GET', `${path}/${name}`, undefined, 'application/json;as=Table;g=meta.k8s.io;v=v1');
    expect(table.status).toBe(200);
    const body = table.body as { kind: string; columnDefinitions: { name: string; type: string }[]; rows: { cells: unknown[] }[] };
    expect(body.kind).toBe('Table');
    expect(body.columnDefinitions.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Replicas', 'integer'],
      ['Mode', 'string'],
      ['Phase', 'string'],
      ['Age', 'date'],
    ]);
    expect(body.rows[0]?.cells.slice(0, 4)).toEqual([name, 3, 'Fast', null]);
  });

  it('the status and scale subresources work at the paths the descriptor names', async () => {
    const name = `scaled-${++counter}`;
    await send(kc, 'POST', path, { ...object(valid), metadata: { name } });
    const status = await send(kc, 'PUT', `${path}/${name}/status`, {
      ...(await send(kc, 'GET', `${path}/${name}`)).body as object,
      status: { replicas: 2, selector: 'app=x', phase: 'Ready' },
    });
    expect(status.status, JSON.stringify(status.body)).toBe(200);
    expect(isRight(Gadget.codec.decode(status.body))).toBe(true);
    const scale = await send(kc, 'GET', `${path}/${name}/scale`);
    expect(scale.status).toBe(200);
    expect(scale.body).toMatchObject({ kind: 'Scale', spec: { replicas: 3 }, status: { replicas: 2, selector: 'app=x' } });
  });

  it('the other version is served with its own schema and codec', async () => {
    const v1beta1 = Gadget.atVersion('v1beta1');
    const answer = await send(kc, 'POST', collectionPath(v1beta1, 'default'), {
      apiVersion: `${v1beta1.group}/${v1beta1.version}`,
      kind: v1beta1.kind,
      metadata: { name: `beta-${++counter}` },
      spec: { replicas: 1, surplus: 'pruned' },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(v1beta1.codec.decode(answer.body)).toMatchObject({ _tag: 'Right', right: { spec: { replicas: 1 } } });
    expect(isRecord(answer.body) ? answer.body['spec'] : undefined).toEqual({ replicas: 1 });
  });
});
