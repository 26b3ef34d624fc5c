/**
 * The object type of an informer comes from a typed resource or a codec, never from a bare type
 * argument (that would be a cast: only metadata is checked). These are type tests: `npm run
 * typecheck` (tsc over spec/) fails when a signature lets a cast through or infers the wrong type;
 * the runtime half checks that the decoder used is the one the type promises.
 */
import { KubeConfig } from '@kubernetes/client-node';
import * as t from 'io-ts';
import { describe, expect, expectTypeOf, it } from 'vitest';

import { controllerManager, type Selector } from '../../lib/controller/controllerManager.js';
import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import { codecOf, httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import type { ListerWatcher } from '../../lib/listwatch/ListerWatcher.js';
import type { TypedResource } from '../../lib/listwatch/TypedResource.js';
import { type KubeObject, KubeObjectCodec } from '../../lib/meta/KubeObject.js';
import { type TestConfigMap, TestConfigMapCodec } from '../../lib/testing/builders.js';

const plain: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const typed: TypedResource<TestConfigMap> = { ...plain, codec: TestConfigMapCodec };
const WidgetCodec = t.intersection([KubeObjectCodec, t.type({ spec: t.type({ size: t.number }) })]);
type Widget = t.TypeOf<typeof WidgetCodec>;
const kubeConfig = new KubeConfig();

describe('httpListerWatcher typing', () => {
  it('infers T from a TypedResource, from a codec, and gives KubeObject with neither', () => {
    expectTypeOf(httpListerWatcher({ kubeConfig, resource: typed })).toEqualTypeOf<ListerWatcher<TestConfigMap>>();
    expectTypeOf(httpListerWatcher({ kubeConfig, resource: plain, codec: WidgetCodec })).toEqualTypeOf<ListerWatcher<Widget>>();
    expectTypeOf(httpListerWatcher({ kubeConfig, resource: plain })).toEqualTypeOf<ListerWatcher<KubeObject>>();
    // a type argument without a codec or typed resource would be an unchecked cast: refused
    // @ts-expect-error -- no codec for TestConfigMap
    httpListerWatcher<TestConfigMap>({ kubeConfig, resource: plain });
  });

  it('decodes with the codec, else the typed resource’s, else KubeObjectCodec', () => {
    expect(codecOf({ resource: typed })).toBe(TestConfigMapCodec);
    expect(codecOf({ resource: typed, codec: KubeObjectCodec })).toBe(KubeObjectCodec);
    expect(codecOf({ resource: plain })).toBe(KubeObjectCodec);
    expect(codecOf({ resource: 'configmaps' })).toBe(KubeObjectCodec);
  });
});

describe('controllerManager selector typing', () => {
  it('infers the selector type from a TypedResource or a codec, KubeObject otherwise', () => {
    const mgr = controllerManager({ kubeConfig });
    expectTypeOf(mgr.select('typed', { resource: typed })).toEqualTypeOf<Selector<TestConfigMap>>();
    expectTypeOf(mgr.select('widgets', { resource: 'widgets.example.com', codec: WidgetCodec })).toEqualTypeOf<Selector<Widget>>();
    expectTypeOf(mgr.select('plain', { resource: 'configmaps' })).toEqualTypeOf<Selector<KubeObject>>();
    // @ts-expect-error -- a bare type argument is a cast
    mgr.select<TestConfigMap>('cast', { resource: 'configmaps' });
  });
});
