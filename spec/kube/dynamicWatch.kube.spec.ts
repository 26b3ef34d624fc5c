/**
 * Dynamic watches (issue 15.6) against kube-apiserver 1.20.2: a manager with a controller on a
 * custom resource whose CRD is not installed waits (informer `Stopped`, reason `NotServed`, no
 * LIST 404s retried), starts when the CRD is created and Established, reconciles an object,
 * stops cleanly when the CRD is deleted (no error storm), and resumes when it is created again.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { metadataCodec } from '../../lib/client/builtinResources.js';
import { objectClient } from '../../lib/client/objectClient.js';
import { controllerManager } from '../../lib/controller/controllerManager.js';
import { CUSTOM_RESOURCE_DEFINITIONS } from '../../lib/controller/whenServed.js';
import { isNotFound } from '../../lib/listwatch/ListerWatcherError.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { runRecordingController } from '../helpers/recordingController.js';
import { eventually, type Kube, startKube } from './harness.js';

const START_TIMEOUT_MS = 180_000;
const GROUP = 'kube-rx-dynamic.example.com';
const CRD_NAME = `sprockets.${GROUP}`;

type Sprocket = KubeObject & { readonly spec?: { readonly teeth?: number } };
const sprockets = { group: GROUP, version: 'v1', plural: 'sprockets', kind: 'Sprocket', namespaced: true, codec: metadataCodec<Sprocket>('Sprocket') };

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: CRD_NAME },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'sprockets', singular: 'sprocket', kind: 'Sprocket', listKind: 'SprocketList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { teeth: { type: 'integer' } } } } } },
      },
    ],
  },
};

describe('dynamic watches against kube-apiserver', () => {
  let kube: Kube;
  let kc: KubeConfig;

  beforeAll(async () => {
    kube = await startKube();
    kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfigAdmin);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await kube.stop();
  });

  it('waits for the CRD, reconciles, stops cleanly when it is deleted, and resumes when it comes back', async () => {
    const crds = objectClient(CUSTOM_RESOURCE_DEFINITIONS, { kubeConfig: kc, fieldManager: 'kube-rx-test' });
    const objects = objectClient(sprockets, { kubeConfig: kc, namespace: 'default', fieldManager: 'kube-rx-test' });
    const install = async (): Promise<void> => {
      await crds.promise.apply(crd);
      await eventually('the CRD is established', async () =>
        JSON.stringify((await crds.promise.get({ name: CRD_NAME }))['status'] ?? {}).includes('"type":"Established","status":"True"'),
      );
    };
    const create = async (name: string): Promise<void> => {
      // the REST handler may answer 404 for a moment after Established
      await eventually(`${name} created`, async () => {
        try {
          await objects.promise.create({ apiVersion: `${GROUP}/v1`, kind: 'Sprocket', metadata: { name }, spec: { teeth: 12 } });
          return true;
        } catch (e: unknown) {
          if (typeof e === 'object' && e !== null && '_tag' in e && isNotFound(e as never)) return false;
          throw e;
        }
      });
    };

    const mgr = controllerManager({ kubeConfig: kc, servedPollIntervalMs: 500 });
    const selector = mgr.select('sprockets', { resource: sprockets, namespace: 'default' });
    const c = runRecordingController(mgr, selector);
    const problems = (): number => c.problems().length;
    try {
      // 1. no CRD: the informer waits, and nothing is listed (no 404s retried)
      await eventually('the informer waits for its resource', () => Promise.resolve(c.notServed()));
      expect(c.status()).toMatchObject({ _tag: 'Stopped', reason: 'NotServed', message: `customresourcedefinition "${CRD_NAME}" not found` });
      expect(problems()).toBe(0);

      // 2. the CRD appears: the informer starts and the controller reconciles
      await install();
      await eventually('the informer syncs', () => {
        const st = c.status();
        return Promise.resolve(st._tag === 'Watching' && st.synced);
      });
      await create('s1');
      await eventually('s1 reconciled', () => Promise.resolve(c.reconciled.includes('default/s1')));

      // 3. the CRD is deleted: the informer stops with a reason, without an error storm
      await crds.promise.delete({ name: CRD_NAME });
      await eventually('the informer stops', () => Promise.resolve(c.notServed()));
      await eventually('the CRD is gone', async () => {
        try {
          await crds.promise.get({ name: CRD_NAME });
          return false;
        } catch {
          return true;
        }
      });
      const problemsWhenGone = problems();
      // an observation window: an informer backing off on 404s would report one problem per attempt
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(c.notServed()).toBe(true);
      expect(problems()).toBe(problemsWhenGone);
      expect(problemsWhenGone).toBeLessThanOrEqual(2);

      // 4. the CRD comes back: the informer lists again and the controller resumes
      await install();
      await create('s2');
      await eventually('s2 reconciled', () => Promise.resolve(c.reconciled.includes('default/s2')));
      expect(c.status()).toMatchObject({ _tag: 'Watching', synced: true });
      expect(c.error()).toBeUndefined();
    } finally {
      c.stop();
    }
  }, 120_000);
});
