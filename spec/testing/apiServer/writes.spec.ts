import { describe, expect, it } from 'vitest';

import { embeddedServerPerTest } from '../../helpers/embeddedKubeConfig.js';
import { call } from './httpClient.js';

const APPLY = { 'Content-Type': 'application/apply-patch+yaml' };

describe('embedded API server: writes over HTTP', () => {
  const current = embeddedServerPerTest();

  it('apply: a YAML body, 201 when it creates, 200 after; fieldManager required; identity checked', async () => {
    const server = current();
    const yaml = Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n');
    const path = '/api/v1/namespaces/ns/configmaps/a';
    expect((await call(server, 'PATCH', path, yaml, { headers: APPLY })).status).toBe(400);
    const created = await call(server, 'PATCH', `${path}?fieldManager=m`, yaml, { headers: APPLY });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ data: { k: 'v' }, metadata: { managedFields: [{ manager: 'm', operation: 'Apply', fieldsV1: { 'f:data': { 'f:k': {} } } }] } });
    const again = await call(server, 'PATCH', `${path}?fieldManager=m`, yaml, { headers: APPLY });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);
    const wrongName = await call(server, 'PATCH', '/api/v1/namespaces/ns/configmaps/b?fieldManager=m', yaml, { headers: APPLY });
    expect(wrongName.status).toBe(400);
    const wrongKind = await call(server, 'PATCH', `${path}?fieldManager=m`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' } }, { headers: APPLY });
    expect(wrongKind.status).toBe(400);
  });

  it('status: only for resources with a status subresource; status writes never bump the generation nor change the spec', async () => {
    const server = current();
    server.create('configmaps', { metadata: { name: 'a', namespace: 'ns' } });
    expect((await call(server, 'PUT', '/api/v1/namespaces/ns/configmaps/a/status', { metadata: { name: 'a' } })).status).toBe(404);
    const w = server.create('widgets', { metadata: { name: 'w', namespace: 'ns' }, spec: { size: 1 } });
    const status = await call(server, 'PUT', '/apis/example.com/v1/namespaces/ns/widgets/w/status', { ...w, spec: { size: 5 }, status: { phase: 'Ready' } });
    expect(status.body).toMatchObject({ spec: { size: 1 }, status: { phase: 'Ready' }, metadata: { generation: 1 } });
    expect((await call(server, 'DELETE', '/apis/example.com/v1/namespaces/ns/widgets/w/status')).status).toBe(405);
    // seeding writes the whole object (status included), as a test setup wants
    expect(server.patch('widgets', 'ns', 'w', { status: { phase: 'Seeded' } })).toMatchObject({ status: { phase: 'Seeded' } });
  });

  it('dryRun accepts only All; a write fault applies to its verb', async () => {
    const server = current();
    expect((await call(server, 'POST', '/api/v1/namespaces/ns/configmaps?dryRun=Some', { metadata: { name: 'a' } })).status).toBe(400);
    server.faults.respond({ verb: 'delete' }, 503, { retryAfterSeconds: 1 });
    server.create('configmaps', { metadata: { name: 'a', namespace: 'ns' } });
    const refused = await call(server, 'DELETE', '/api/v1/namespaces/ns/configmaps/a');
    expect(refused).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    expect(server.get('configmaps', 'ns', 'a')).toBeDefined();
    expect((await call(server, 'DELETE', '/api/v1/namespaces/ns/configmaps/a')).status).toBe(200);
  });
});
