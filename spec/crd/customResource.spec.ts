import { isLeft, isRight } from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

import {
  crdManifest,
  type CrdProblem,
  type CustomObject,
  customResource,
  type CustomResourceDefinitionInput,
  CustomResourceError,
  type ObjectOf,
  renderCrds,
  type TypedResource,
  validateCustomResource,
} from 'kube-rx';

import { Gadget } from './gadget.js';

const Spec = t.exact(t.type({ size: t.Int, mode: t.keyof({ a: null, b: null }) }));
const Status = t.exact(t.partial({ phase: t.string, replicas: t.Int }));

const base = {
  group: 'example.com',
  kind: 'Widget',
  plural: 'widgets',
  scope: 'Namespaced',
  versions: [{ name: 'v1', spec: Spec, status: Status }],
} as const;

const problemsOf = (def: CustomResourceDefinitionInput): readonly CrdProblem[] => {
  const r = validateCustomResource(def);
  return isLeft(r) ? r.left : [];
};

describe('customResource', () => {
  it('is a TypedResource of its storage version whose codec decodes the whole object', () => {
    const Widget = customResource(base);
    const resource: TypedResource<ObjectOf<typeof Widget>> = Widget;
    expect(resource).toMatchObject({ group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true });
    expect(Widget.crdName).toBe('widgets.example.com');
    expect(Widget.names).toEqual({ plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: [], categories: [] });
    const object = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3, mode: 'a' }, status: { phase: 'Ready' } };
    expect(Widget.codec.decode(object)).toEqual({ _tag: 'Right', right: object });
    expect(isLeft(Widget.codec.decode({ ...object, spec: { size: 1.5, mode: 'a' } }))).toBe(true);
    expect(isLeft(Widget.codec.decode({ ...object, metadata: {} }))).toBe(true);
    expect(isLeft(Widget.codec.decode({ metadata: { name: 'w' } }))).toBe(true);
    expectTypeOf<ObjectOf<typeof Widget>>().toEqualTypeOf<CustomObject<t.TypeOf<typeof Spec>, t.TypeOf<typeof Status>>>();
    expectTypeOf<ObjectOf<typeof Widget>['spec']['mode']>().toEqualTypeOf<'a' | 'b'>();
  });

  it('a lone version is the storage version and served; the status subresource follows the status codec', () => {
    const Widget = customResource(base);
    expect(Widget).toMatchObject({ storage: true, served: true, deprecated: false, subresources: { status: true } });
    const NoStatus = customResource({ ...base, versions: [{ name: 'v1', spec: Spec }] });
    expect(NoStatus.subresources).toEqual({ status: false });
  });

  it('atVersion gives another version, typed by its own codecs', () => {
    const V1beta1Spec = t.type({ size: t.number });
    const Widget = customResource({
      ...base,
      versions: [
        { name: 'v1', spec: Spec, storage: true },
        { name: 'v1beta1', spec: V1beta1Spec, deprecated: true },
      ],
    });
    const beta = Widget.atVersion('v1beta1');
    expect(beta).toMatchObject({ version: 'v1beta1', storage: false, served: true, deprecated: true });
    expect(isRight(beta.codec.decode({ metadata: { name: 'w' }, spec: { size: 1.5 } }))).toBe(true);
    expectTypeOf<ObjectOf<typeof beta>>().toEqualTypeOf<CustomObject<{ size: number }>>();
    expectTypeOf<ObjectOf<typeof Widget>['spec']['size']>().toEqualTypeOf<t.Int>();
    expect(Widget.versions.map((v) => v.version)).toEqual(['v1', 'v1beta1']);
    expect(() => (Widget.atVersion as (n: string) => unknown)('v2')).toThrow(CustomResourceError);
  });

  it('a spec codec that accepts undefined makes spec optional', () => {
    const Opt = customResource({ ...base, versions: [{ name: 'v1', spec: t.union([Spec, t.undefined]) }] });
    expect(Opt.schema.required).toBeUndefined();
    expect(customResource(base).schema.required).toEqual(['spec']);
  });

  it.each<readonly [string, CustomResourceDefinitionInput, string, CrdProblem['reason']]>([
    ['a plural that is not lowercase', { ...base, plural: 'Widgets' }, 'plural', 'InvalidName'],
    ['a plural equal to the singular', { ...base, plural: 'widget' }, 'plural', 'InvalidName'],
    ['a singular that does not match the kind', { ...base, singular: 'gizmo' }, 'singular', 'InvalidName'],
    ['a lowercase kind', { ...base, kind: 'widget', plural: 'widgets' }, 'kind', 'InvalidName'],
    ['a group without a dot', { ...base, group: 'example' }, 'group', 'InvalidName'],
    ['an uppercase group', { ...base, group: 'Example.com' }, 'group', 'InvalidName'],
    ['a short name that is not lowercase', { ...base, shortNames: ['wD'] }, 'shortNames[0]', 'InvalidName'],
    ['a category with a space', { ...base, categories: ['my things'] }, 'categories[0]', 'InvalidName'],
    ['a listKind equal to the kind', { ...base, listKind: 'Widget' }, 'listKind', 'InvalidName'],
    ['a bad scope', { ...base, scope: 'Global' as 'Cluster' }, 'scope', 'InvalidName'],
    ['no version', { ...base, versions: [] }, 'versions', 'StorageVersion'],
    [
      'two storage versions',
      { ...base, versions: [{ name: 'v1', spec: Spec, storage: true }, { name: 'v2', spec: Spec, storage: true }] },
      'versions',
      'StorageVersion',
    ],
    ['no storage version', { ...base, versions: [{ name: 'v1', spec: Spec }, { name: 'v2', spec: Spec }] }, 'versions', 'StorageVersion'],
    ['a lone version marked not storage', { ...base, versions: [{ name: 'v1', spec: Spec, storage: false }] }, 'versions', 'StorageVersion'],
    [
      'a duplicate version',
      { ...base, versions: [{ name: 'v1', spec: Spec, storage: true }, { name: 'v1', spec: Spec }] },
      'versions[1]',
      'DuplicateVersion',
    ],
    ['a bad version name', { ...base, versions: [{ name: 'V1', spec: Spec }] }, 'versions[0].name', 'InvalidName'],
    ['no served version', { ...base, versions: [{ name: 'v1', spec: Spec, served: false }] }, 'versions', 'StorageVersion'],
    [
      'a printer column path not in the codec',
      { ...base, versions: [{ name: 'v1', spec: Spec, printerColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.sise' }] }] },
      'versions[v1].printerColumns[0]',
      'PrinterColumn',
    ],
    [
      'a printer column of the wrong type',
      { ...base, versions: [{ name: 'v1', spec: Spec, printerColumns: [{ name: 'Mode', type: 'integer', jsonPath: '.spec.mode' }] }] },
      'versions[v1].printerColumns[0]',
      'PrinterColumn',
    ],
    [
      'a printer column path that does not parse',
      { ...base, versions: [{ name: 'v1', spec: Spec, printerColumns: [{ name: 'Size', type: 'integer', jsonPath: 'spec.size' }] }] },
      'versions[v1].printerColumns[0]',
      'PrinterColumn',
    ],
    [
      'two printer columns with one name',
      {
        ...base,
        versions: [
          {
            name: 'v1',
            spec: Spec,
            printerColumns: [
              { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
              { name: 'Size', type: 'string', jsonPath: '.spec.mode' },
            ],
          },
        ],
      },
      'versions[v1].printerColumns[1]',
      'PrinterColumn',
    ],
    [
      'a scale path not in the codec',
      { ...base, subresources: { scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } } },
      'versions[v1].subresources.scale.specReplicasPath',
      'ScalePath',
    ],
    [
      'a scale path that is not an integer',
      { ...base, subresources: { scale: { specReplicasPath: '.spec.mode', statusReplicasPath: '.status.replicas' } } },
      'versions[v1].subresources.scale.specReplicasPath',
      'ScalePath',
    ],
    [
      'a scale path outside .status',
      { ...base, subresources: { scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.spec.size' } } },
      'versions[v1].subresources.scale.statusReplicasPath',
      'ScalePath',
    ],
    [
      'a status subresource without a status codec',
      { ...base, versions: [{ name: 'v1', spec: Spec }], subresources: { status: true } },
      'versions[v1].subresources.status',
      'Unsupported',
    ],
    ['a spec form with no schema', { ...base, versions: [{ name: 'v1', spec: t.type({ any: t.unknown }) }] }, 'versions[v1] .spec.any', 'Unsupported'],
  ])('%s is a typed problem naming the place', (_what, def, path, reason) => {
    const problems = problemsOf(def);
    expect(problems.map((p) => [p.path, p.reason])).toContainEqual([path, reason]);
    let thrown: unknown;
    try {
      customResource(def);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(CustomResourceError);
    expect((thrown as CustomResourceError).problems).toEqual(problems);
    expect((thrown as CustomResourceError).message).toContain(path);
  });

  it('printer columns may name metadata fields, array items and map values', () => {
    const Thing = t.exact(t.type({ list: t.array(t.type({ type: t.string, status: t.string })), map: t.record(t.string, t.Int) }));
    const r = validateCustomResource({
      ...base,
      versions: [
        {
          name: 'v1',
          spec: Thing,
          printerColumns: [
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
            { name: 'Gen', type: 'integer', jsonPath: '.metadata.generation' },
            { name: 'App', type: 'string', jsonPath: '.metadata.labels.app' },
            { name: 'Ready', type: 'string', jsonPath: '.spec.list[?(@.type=="Ready")].status' },
            { name: 'First', type: 'string', jsonPath: '.spec.list[0].type' },
            { name: 'X', type: 'integer', jsonPath: ".spec.map['x']" },
          ],
        },
      ],
    });
    expect(r).toMatchObject({ _tag: 'Right' });
  });
});

describe('crdManifest and renderCrds', () => {
  it('builds the apiextensions.k8s.io/v1 CRD: names, scope, versions, schema, subresources, printer columns', () => {
    const crd = crdManifest(Gadget);
    expect(crd).toMatchObject({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.crd.kube-rx.example.com' },
      spec: {
        group: 'crd.kube-rx.example.com',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList', shortNames: ['gd'], categories: ['kube-rx'] },
        scope: 'Namespaced',
      },
    });
    const [v1, v1beta1] = crd.spec.versions;
    expect(v1).toMatchObject({
      name: 'v1',
      served: true,
      storage: true,
      subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
    });
    expect(v1?.additionalPrinterColumns?.map((c) => c.name)).toEqual(['Replicas', 'Mode', 'Phase', 'Age']);
    expect(v1?.schema.openAPIV3Schema).toMatchObject({
      type: 'object',
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec: { type: 'object' }, status: { type: 'object' } },
      required: ['spec'],
    });
    expect(v1beta1).toEqual({
      name: 'v1beta1',
      served: true,
      storage: false,
      deprecated: true,
      deprecationWarning: 'crd.kube-rx.example.com/v1beta1 Gadget is deprecated; use v1',
      schema: { openAPIV3Schema: Gadget.atVersion('v1beta1').schema },
    });
  });

  it('renders one YAML document per CRD, and JSON (a List for several)', () => {
    const Widget = customResource(base);
    const docs = parseAllDocuments(renderCrds([Gadget, Widget]));
    expect(Array.isArray(docs) ? docs.map((d) => d.toJS() as unknown) : []).toEqual([crdManifest(Gadget), crdManifest(Widget)]);
    expect(JSON.parse(renderCrds([Widget], 'json'))).toEqual(crdManifest(Widget));
    expect(JSON.parse(renderCrds([Gadget, Widget], 'json'))).toEqual({ apiVersion: 'v1', kind: 'List', items: [crdManifest(Gadget), crdManifest(Widget)] });
  });
});
