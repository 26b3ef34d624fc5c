import * as t from 'io-ts';
import { describe, expect, it } from 'vitest';

import { configMaps, customResourceDefinitions, deployments, namespaces } from '../../lib/client/builtinResources.js';
import { typeMeta } from '../../lib/client/typeMeta.js';
import { customResource } from '../../lib/crd/customResource.js';

describe('typeMeta', () => {
  it('gives `v1` for the core group, `group/version` otherwise, and the kind', () => {
    const gadgets = customResource({ group: 'example.com', kind: 'Gadget', plural: 'gadgets', scope: 'Cluster', versions: [{ name: 'v1beta1', spec: t.type({ n: t.number }) }] });
    expect([configMaps, namespaces, deployments, customResourceDefinitions, gadgets].map(typeMeta)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap' },
      { apiVersion: 'v1', kind: 'Namespace' },
      { apiVersion: 'apps/v1', kind: 'Deployment' },
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' },
      { apiVersion: 'example.com/v1beta1', kind: 'Gadget' },
    ]);
  });

  it('makes a cached object (a LIST item, without apiVersion and kind) a complete Event subject', () => {
    const cached = { metadata: { name: 'a', namespace: 'ns' } };
    expect({ ...cached, ...typeMeta(configMaps) }).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' } });
  });
});
