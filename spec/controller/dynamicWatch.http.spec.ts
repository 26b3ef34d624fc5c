/**
 * Dynamic watches over real HTTP (issue 15.6), on the embedded API server: it has no
 * apiextensions group, so the manager falls back to polling discovery for the resource. The
 * resource is installed and removed at run time (`serve` / `unserve`, as a CRD would be).
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { metadataCodec } from '../../lib/client/builtinResources.js';
import { controllerManager } from '../../lib/controller/controllerManager.js';
import { kubeGet } from '../../lib/listwatch/kubeRequest.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { DEFAULT_RESOURCES, type ServedResource } from '../../lib/testing/apiServer/resources.js';
import { embeddedKubeConfig, embeddedServerPerTest } from '../helpers/embeddedKubeConfig.js';
import { runRecordingController } from '../helpers/recordingController.js';
import { until } from '../helpers/until.js';

const gizmos: ServedResource = { group: 'gizmo.example.com', version: 'v1', plural: 'gizmos', kind: 'Gizmo', namespaced: true };
const Gizmos = { ...gizmos, codec: metadataCodec<KubeObject>('Gizmo') };

describe('dynamic watches on the embedded API server', () => {
  const server = embeddedServerPerTest({ resources: DEFAULT_RESOURCES });

  it('serve/unserve change discovery, list and watch at run time', async () => {
    const s = server();
    const kc = embeddedKubeConfig(s);
    const get = async (path: string): Promise<number> =>
      (await firstValueFrom(kubeGet({ kubeConfig: kc, verb: 'discovery', resource: path, path }))).statusCode;
    expect(await get('/apis/gizmo.example.com/v1')).toBe(404);
    s.serve(gizmos);
    expect(() => {
      s.serve(gizmos);
    }).toThrow(TypeError);
    expect(await get('/apis/gizmo.example.com/v1')).toBe(200);
    s.create('gizmos.gizmo.example.com', { metadata: { name: 'g1' } });
    expect(await get('/apis/gizmo.example.com/v1/namespaces/default/gizmos')).toBe(200);
    s.unserve('gizmos.gizmo.example.com');
    expect(await get('/apis/gizmo.example.com/v1/namespaces/default/gizmos')).toBe(404);
    expect(await get('/apis/gizmo.example.com/v1')).toBe(404);
    s.serve(gizmos);
    expect(s.list('gizmos.gizmo.example.com')).toEqual([]);
  });

  it('a controller waits for its resource, runs, pauses when it goes and resumes when it comes back', async () => {
    const s = server();
    const mgr = controllerManager({ kubeConfig: embeddedKubeConfig(s), servedPollIntervalMs: 20, logger: { log: () => undefined } });
    const selector = mgr.select('gizmos', { resource: Gizmos, namespace: 'default' });
    const c = runRecordingController(mgr, selector);
    // initial lists: a LIST, or a streaming list (the default 'auto' mode streams where served)
    const gizmoLists = (): number =>
      s.requests.filter((r) => r.resource === 'gizmos.gizmo.example.com' && (r.verb === 'list' || (r.verb === 'watch' && r.query['sendInitialEvents'] === 'true'))).length;
    try {
      await until(c.notServed);
      expect(c.status()).toEqual({ _tag: 'Stopped', reason: 'NotServed', message: 'the server does not serve gizmo.example.com/v1' });
      // the CRD informer is refused (no apiextensions here): reported once, then discovery is polled
      const problems = c.problems();
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ problem: { error: { _tag: 'ListFailed', error: { code: 404, resource: 'customresourcedefinitions.apiextensions.k8s.io' } } } });
      expect(gizmoLists()).toBe(0);

      s.serve(gizmos);
      s.create('gizmos.gizmo.example.com', { metadata: { name: 'g1' } });
      await until(() => c.reconciled.includes('default/g1'));

      s.unserve('gizmos.gizmo.example.com');
      await until(c.notServed);
      const listsWhenGone = gizmoLists();
      s.serve(gizmos);
      s.create('gizmos.gizmo.example.com', { metadata: { name: 'g2' } });
      await until(() => c.reconciled.includes('default/g2'));
      expect(gizmoLists()).toBe(listsWhenGone + 1);
      // between the removal and the next discovery poll, the watch that ended may be retried once
      // or twice with a 404: bounded, never a backoff storm
      const later = c.problems().slice(1);
      expect(later.length).toBeLessThanOrEqual(2);
      for (const p of later) expect(p).toMatchObject({ problem: { error: { error: { code: 404, resource: 'gizmos.gizmo.example.com' } } } });
      expect(c.error()).toBeUndefined();
    } finally {
      c.stop();
    }
  });
});
