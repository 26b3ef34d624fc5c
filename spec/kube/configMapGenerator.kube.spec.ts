/**
 * examples/configMapGenerator.ts run as a real process, as a user runs it, against kube-apiserver
 * 1.20: it installs its CRD (from the io-ts codec), then keeps each generator's ConfigMap (create,
 * content change, delete by hand), records Events and writes `status.observedGeneration` through
 * the status subresource. No kube-controller-manager runs here, so the garbage collection of the
 * ConfigMap is checked through the owner reference the collector follows.
 */
import { randomBytes } from 'node:crypto';

import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { configMaps, crdManifest, customResourceDefinitions, namespaces, objectClient } from 'kube-rx';

import { CONFIGMAP_GENERATOR, MANAGER } from '../../examples/configMapGenerator.js';
import { type LinesChild, spawnTs } from '../helpers/spawnLines.js';
import { eventually, type Kube, startKube } from './harness.js';

describe('configMapGenerator example against kube-apiserver 1.20', () => {
  let kube: Kube;
  let kubeConfig: KubeConfig;
  let controller: LinesChild | undefined;

  beforeAll(async () => {
    kube = await startKube();
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kube.kubeconfigAdmin);
  });
  afterEach(async () => {
    if (controller !== undefined && controller.child.exitCode === null && controller.child.signalCode === null) {
      controller.child.kill('SIGKILL');
      await controller.exited;
    }
  });
  afterAll(async () => {
    await kube.stop();
  });

  it('installs its CRD, applies the owned ConfigMap, follows content, re-creates it when deleted, records Events and observedGeneration', async () => {
    const ns = `cmg-${randomBytes(3).toString('hex')}`;
    await objectClient(namespaces, { kubeConfig }).promise.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const generators = objectClient(CONFIGMAP_GENERATOR, { kubeConfig, namespace: ns, fieldManager: 'test' });
    const cms = objectClient(configMaps, { kubeConfig, namespace: ns, fieldManager: 'test' });
    const core = kubeConfig.makeApiClient(CoreV1Api);

    controller = spawnTs('examples/configMapGenerator.ts', ['--kubeconfig', kube.kubeconfigAdmin, '--namespace', ns, '--install-crd', '--identity', 'kube-test']);
    const running = controller;

    // the CRD the process applied is the codec's, with the status subresource
    await eventually(
      'CRD installed',
      async () => (await objectClient(customResourceDefinitions, { kubeConfig }).promise.get({ name: CONFIGMAP_GENERATOR.crdName })).metadata.uid !== undefined,
      60_000,
    );
    const crd = await objectClient(customResourceDefinitions, { kubeConfig }).promise.get({ name: CONFIGMAP_GENERATOR.crdName });
    expect(crd.spec.versions.map((v) => v.subresources?.status)).toEqual([{}]);
    expect(crd.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.['spec']).toEqual(crdManifest(CONFIGMAP_GENERATOR).spec.versions[0]?.schema.openAPIV3Schema.properties?.['spec']);

    // created once the CRD is Established
    let uid = '';
    await eventually(
      'generator created',
      async () => {
        const g = await generators.promise.create({ apiVersion: 'kube-rx.io/v1', kind: 'ConfigMapGenerator', metadata: { name: 'g', namespace: ns }, spec: { content: 'hello' } });
        uid = g.metadata.uid ?? '';
        return true;
      },
      60_000,
    );
    const content = async (): Promise<string | undefined> => (await cms.promise.get({ name: 'g' })).data?.['content'];
    const observed = async (): Promise<number | undefined> => (await generators.promise.get({ name: 'g' })).status?.observedGeneration;
    /** The controller's Events about the generator, their counts summed. */
    const applied = async (): Promise<number> =>
      (await core.listNamespacedEvent({ namespace: ns })).items
        .filter((e) => e.involvedObject.kind === 'ConfigMapGenerator' && e.involvedObject.name === 'g' && e.reason === 'ConfigMapApplied' && e.source?.component === MANAGER)
        .reduce((n, e) => n + (e.count ?? 1), 0);
    await eventually('ConfigMap g holds hello, generation 1 observed, an Event', async () => (await content()) === 'hello' && (await observed()) === 1 && (await applied()) === 1);

    // the owner reference a cluster's garbage collector follows: the generator's group/version,
    // kind, name and uid, in the same namespace; controller and blockOwnerDeletion set
    const cm = await cms.promise.get({ name: 'g' });
    expect(cm.metadata.ownerReferences).toEqual([
      { apiVersion: 'kube-rx.io/v1', kind: 'ConfigMapGenerator', name: 'g', uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(cm.metadata.managedFields?.find((f) => f.manager === MANAGER)?.operation).toBe('Apply');

    // content changes: the ConfigMap follows
    await generators.promise.patch({ name: 'g' }, { spec: { content: 'world' } });
    await eventually('ConfigMap g holds world, generation 2 observed, an Event', async () => (await content()) === 'world' && (await observed()) === 2 && (await applied()) === 2);

    // deleted by hand: re-created (a new uid), with the same owner
    await cms.promise.delete({ name: 'g' });
    await eventually('ConfigMap g re-created', async () => {
      const again = await cms.promise.get({ name: 'g' });
      return again.metadata.uid !== cm.metadata.uid && again.data?.['content'] === 'world' && again.metadata.ownerReferences?.[0]?.uid === uid && (await applied()) === 3;
    });

    expect(running.err).toEqual([]);
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });
});
