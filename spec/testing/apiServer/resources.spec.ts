import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';

import { objectClient } from '../../../lib/client/objectClient.js';
import { customResource } from '../../../lib/crd/customResource.js';
import { DEFAULT_RESOURCES, servedResource } from '../../../lib/testing/apiServer/resources.js';
import { embeddedKubeConfig, embeddedServerPerTest } from '../../helpers/embeddedKubeConfig.js';

const Gadget = customResource({
  group: 'example.org',
  kind: 'Gadget',
  plural: 'gadgets',
  shortNames: ['gd'],
  scope: 'Namespaced',
  versions: [{ name: 'v1', spec: t.type({ size: t.number }), status: t.partial({ ready: t.boolean }) }],
});
const Knob = customResource({ group: 'example.org', kind: 'Knob', plural: 'knobs', scope: 'Cluster', versions: [{ name: 'v2', spec: t.type({ on: t.boolean }) }] });

describe('servedResource', () => {
  it('serves a custom resource as its CRD says: storage version, names, scope, status subresource', () => {
    expect(servedResource(Gadget)).toEqual({
      group: 'example.org', version: 'v1', plural: 'gadgets', kind: 'Gadget', namespaced: true, singularName: 'gadget', shortNames: ['gd'], statusSubresource: true,
    });
    expect(servedResource(Knob)).toEqual({
      group: 'example.org', version: 'v2', plural: 'knobs', kind: 'Knob', namespaced: false, singularName: 'knob', shortNames: [], statusSubresource: false,
    });
  });

  describe('over HTTP', () => {
    const current = embeddedServerPerTest({ resources: [...DEFAULT_RESOURCES, servedResource(Gadget), servedResource(Knob)] });

    it('the status subresource takes status writes (and only there); a resource without one has no /status', async () => {
      const server = current();
      const kubeConfig = embeddedKubeConfig(server);
      server.create('gd', { apiVersion: 'example.org/v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'default' }, spec: { size: 1 } });
      const gadgets = objectClient(Gadget, { kubeConfig, namespace: 'default', fieldManager: 'test' });
      const written = await gadgets.promise.applyStatus({ apiVersion: 'example.org/v1', kind: 'Gadget', metadata: { name: 'g' }, status: { ready: true } });
      expect(written.status).toEqual({ ready: true });
      expect(written.metadata.generation).toBe(1);

      server.create('knobs', { apiVersion: 'example.org/v2', kind: 'Knob', metadata: { name: 'k' }, spec: { on: true } });
      const knobs = objectClient(Knob, { kubeConfig, fieldManager: 'test' });
      await expect(knobs.promise.patchStatus({ name: 'k' }, { status: { on: false } })).rejects.toMatchObject({ code: 404 });
    });
  });
});
