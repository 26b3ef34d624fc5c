import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { resolveResource } from '../../lib/listwatch/discovery.js';
import { type Exchange, httpServer, json, kubeConfigFor, status, TOKEN, type TestServer } from './testServer.js';

const res = (name: string, kind: string, namespaced: boolean, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name,
  kind,
  namespaced,
  verbs: ['get', 'list', 'watch'],
  ...extra,
});

const group = (name: string, versions: ReadonlyArray<string>, preferred = versions[0]): Record<string, unknown> => ({
  name,
  versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
  preferredVersion: { groupVersion: `${name}/${preferred}`, version: preferred },
});

/** A discovery tree like a small cluster with two CRD groups and an unavailable aggregated API. */
const documents: Readonly<Record<string, unknown>> = {
  '/api': { kind: 'APIVersions', versions: ['v1'] },
  '/apis': {
    kind: 'APIGroupList',
    groups: [
      group('apps', ['v1']),
      group('events.k8s.io', ['v1']),
      group('example.com', ['v1', 'v1beta1']),
      group('a.example.com', ['v1']),
      group('b.example.com', ['v1']),
      group('metrics.k8s.io', ['v1beta1']),
    ],
  },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      res('configmaps', 'ConfigMap', true, { singularName: 'configmap', shortNames: ['cm'] }),
      res('pods', 'Pod', true, { singularName: 'pod', shortNames: ['po'] }),
      res('pods/log', 'Pod', true),
      res('events', 'Event', true, { singularName: 'event', shortNames: ['ev'] }),
      res('namespaces', 'Namespace', false, { singularName: '', shortNames: ['ns'] }),
    ],
  },
  '/apis/apps/v1': {
    kind: 'APIResourceList',
    groupVersion: 'apps/v1',
    resources: [res('deployments', 'Deployment', true, { singularName: 'deployment', shortNames: ['deploy'] }), res('deployments/scale', 'Scale', true)],
  },
  '/apis/events.k8s.io/v1': {
    kind: 'APIResourceList',
    groupVersion: 'events.k8s.io/v1',
    resources: [res('events', 'Event', true, { singularName: 'event', shortNames: ['ev'] })],
  },
  '/apis/example.com/v1': {
    kind: 'APIResourceList',
    groupVersion: 'example.com/v1',
    resources: [res('widgets', 'Widget', true, { singularName: 'widget', shortNames: ['wd'] })],
  },
  '/apis/example.com/v1beta1': {
    kind: 'APIResourceList',
    groupVersion: 'example.com/v1beta1',
    resources: [res('widgets', 'Widget', true, { singularName: 'widget' })],
  },
  '/apis/a.example.com/v1': {
    kind: 'APIResourceList',
    groupVersion: 'a.example.com/v1',
    resources: [res('gizmos', 'Gizmo', false, { singularName: 'gizmo', shortNames: ['gz'] })],
  },
  '/apis/b.example.com/v1': {
    kind: 'APIResourceList',
    groupVersion: 'b.example.com/v1',
    resources: [res('gizmos', 'Gizmo', true, { singularName: 'gizmo', shortNames: ['gz'] })],
  },
};

let server: TestServer;
let paths: string[] = [];
let override: ((x: Exchange) => boolean) | undefined;

beforeAll(async () => {
  server = await httpServer((x) => {
    paths.push(x.url.pathname);
    if (override?.(x) === true) return;
    expect(x.req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const doc = documents[x.url.pathname];
    if (x.url.pathname === '/apis/metrics.k8s.io/v1beta1') json(x.res, 503, status(503, 'ServiceUnavailable', 'the server is currently unable to handle the request'));
    else if (doc === undefined) json(x.res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    else json(x.res, 200, doc);
  });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  paths = [];
  override = undefined;
});

const resolve = (name: string): Promise<ApiResource> => firstValueFrom(resolveResource(kubeConfigFor(server.url), name));
const failure = async (name: string): Promise<unknown> => {
  try {
    await resolve(name);
  } catch (e: unknown) {
    return e;
  }
  throw new Error(`"${name}" resolved`);
};

const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const deployments: ApiResource = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true };
const widgetsV1: ApiResource = { group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true };

describe('resolveResource', () => {
  it.each([
    ['configmaps', configMaps],
    ['configmap', configMaps],
    ['cm', configMaps],
    ['ConfigMap', configMaps],
    ['CONFIGMAPS', configMaps],
    ['deployments', deployments],
    ['deploy', deployments],
    ['deployments.apps', deployments],
    ['deployment.apps', deployments],
    ['deployments.v1.apps', deployments],
    ['widgets', widgetsV1],
    ['widgets.example.com', widgetsV1],
    ['widgets.v1.example.com', widgetsV1],
    ['widgets.v1beta1.example.com', { ...widgetsV1, version: 'v1beta1' }],
    ['Widget', widgetsV1],
    ['namespace', { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false }],
    ['gizmos.a.example.com', { group: 'a.example.com', version: 'v1', plural: 'gizmos', kind: 'Gizmo', namespaced: false }],
  ] as const)('%s', async (name, expected) => {
    expect(await resolve(name)).toEqual(expected);
  });

  it('the core group wins a tie (events is v1 events, as in kubectl)', async () => {
    expect(await resolve('events')).toMatchObject({ group: '', version: 'v1', plural: 'events' });
    expect(await resolve('events.events.k8s.io')).toMatchObject({ group: 'events.k8s.io', plural: 'events' });
  });

  it('a qualified name reads only the named groups', async () => {
    await resolve('deployments.v1.apps');
    expect(paths.sort()).toEqual(['/api', '/apis', '/apis/apps/v1']);
  });

  it('a bare name reads every preferred version, tolerating a failing aggregated API', async () => {
    await resolve('cm');
    expect(paths).toContain('/apis/metrics.k8s.io/v1beta1');
    expect(paths).not.toContain('/apis/example.com/v1beta1');
  });

  it('not found: names the failed group versions', async () => {
    const e = await failure('nodes');
    expect(e).toMatchObject({ _tag: 'ResolveError', reason: 'NotFound', name: 'nodes', candidates: [] });
    expect((e as { message: string }).message).toMatch(/^the server doesn't have a resource type "nodes" \(discovery failed for metrics\.k8s\.io\/v1beta1: .*ServiceUnavailable/);
    expect(await failure('widgets.nope.io')).toMatchObject({ _tag: 'ResolveError', reason: 'NotFound' });
    expect(await failure('pods/log')).toMatchObject({ _tag: 'ResolveError', reason: 'NotFound' });
  });

  it('ambiguous: lists the candidates by their qualified names', async () => {
    const e = await failure('gz');
    expect(e).toMatchObject({ _tag: 'ResolveError', reason: 'Ambiguous', name: 'gz' });
    expect((e as { message: string }).message).toBe('"gz" matches several resources: gizmos.v1.a.example.com, gizmos.v1.b.example.com; use one of these names');
    expect((e as { candidates: ReadonlyArray<ApiResource> }).candidates.map((c) => c.group)).toEqual(['a.example.com', 'b.example.com']);
  });

  it('a failing /apis is an HttpError with verb discovery', async () => {
    override = (x) => {
      if (x.url.pathname !== '/apis') return false;
      json(x.res, 403, status(403, 'Forbidden', 'User "x" cannot get path "/apis"'));
      return true;
    };
    expect(await failure('cm')).toMatchObject({
      _tag: 'HttpError',
      verb: 'discovery',
      resource: '/apis',
      code: 403,
      message: 'discovery /apis: Forbidden: User "x" cannot get path "/apis"',
    });
  });

  it('a discovery document of the wrong shape is InvalidDiscovery', async () => {
    override = (x) => {
      if (x.url.pathname !== '/api') return false;
      json(x.res, 200, { kind: 'Nope' });
      return true;
    };
    expect(await failure('cm')).toMatchObject({ _tag: 'ResolveError', reason: 'InvalidDiscovery' });
  });

  it('connection refused is a TransportError', async () => {
    const gone = await httpServer();
    const url = gone.url;
    await gone.close();
    await expect(firstValueFrom(resolveResource(kubeConfigFor(url), 'cm'))).rejects.toMatchObject({
      _tag: 'TransportError',
      verb: 'discovery',
      code: 'ECONNREFUSED',
    });
  });
});
