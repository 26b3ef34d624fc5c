// TLS verification is on by default; a failure says why and how to fix it; turning verification
// off (insecure-skip-tls-verify, or plain http:) is loud: one process warning per server.
import { KubeConfig } from '@kubernetes/client-node';
import { lastValueFrom } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import { INSECURE_TLS_WARNING } from '../../lib/listwatch/transportSecurity.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { closedAfterEach, configMaps, errorOf, httpServer, httpsServer, json, kubeConfigFor, tls, TOKEN } from '../listwatch/testServer.js';
import { expectNoSecrets } from './leaks.js';

const track = closedAfterEach();

/** The embedded server's kubeconfig with its cluster entry changed. */
const kubeConfigOf = (server: EmbeddedApiServer, cluster: Record<string, unknown>): KubeConfig => {
  const options = server.kubeConfigOptions();
  const kc = new KubeConfig();
  kc.loadFromOptions({ ...options, clusters: options.clusters.map((c) => ({ ...c, ...cluster })) });
  return kc;
};

const list = (kubeConfig: KubeConfig) => lastValueFrom(httpListerWatcher({ kubeConfig, resource: configMaps }).list({}));

describe('TLS verification is on by default', () => {
  it('a server whose CA is not in the kubeconfig fails with a typed TLS error naming the cause and the fix', async () => {
    const server = track(await startApiServer());
    const error = await errorOf(httpListerWatcher({ kubeConfig: kubeConfigOf(server, { caData: undefined }), resource: configMaps }).list({}));
    expect(error).toMatchObject({ _tag: 'TransportError', verb: 'list', resource: 'configmaps', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(error.message).toMatch(/^list configmaps in all namespaces: unable to verify the first certificate \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    expect(error.message).toContain("the server's certificate is not signed by a CA the kubeconfig trusts");
    expect(error.message).toContain('certificate-authority-data');
    expect(server.requests).toHaveLength(0);
  });

  it('a self-signed server certificate: DEPTH_ZERO_SELF_SIGNED_CERT with the same advice, no token', async () => {
    const server = track(await httpsServer({ cert: tls.selfSignedCert, key: tls.selfSignedKey }));
    const error = await errorOf(httpListerWatcher({ kubeConfig: kubeConfigFor(server.url, { caData: tls.ca }), resource: configMaps }).list({}));
    expect(error).toMatchObject({ _tag: 'TransportError', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(error.message).toMatch(/self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\): .*insecure-skip-tls-verify: true turns verification off \(test clusters only\)/);
    expectNoSecrets([error], [TOKEN]);
  });

  it('a certificate for another host name: ERR_TLS_CERT_ALTNAME_INVALID, pointing at tls-server-name', async () => {
    const server = track(await startApiServer());
    const error = await errorOf(
      httpListerWatcher({ kubeConfig: kubeConfigOf(server, { tlsServerName: 'elsewhere.example' }), resource: configMaps }).list({}),
    );
    expect(error).toMatchObject({ _tag: 'TransportError', code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(error.message).toContain('tls-server-name');
  });

  it('an https: URL pointing at a plain HTTP endpoint: EPROTO, pointing at the URL', async () => {
    const server = track(await httpServer((x) => { json(x.res, 200, {}); }));
    const error = await errorOf(
      httpListerWatcher({ kubeConfig: kubeConfigFor(server.url.replace('http:', 'https:'), { caData: tls.ca }), resource: configMaps }).list({}),
    );
    expect(error).toMatchObject({ _tag: 'TransportError', code: 'EPROTO' });
    expect(error.message).toContain('points at a TLS endpoint');
  });
});

describe('turning verification off is loud', () => {
  const warnings: Array<Error & { code?: string }> = [];
  const onWarning = (w: Error): void => {
    warnings.push(w);
  };
  beforeEach(() => {
    warnings.length = 0;
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });
  const ours = (): Array<Error & { code?: string }> => warnings.filter((w) => w.code === INSECURE_TLS_WARNING);

  it('insecure-skip-tls-verify: requests work, and one SecurityWarning per process and server says so', async () => {
    const a = track(await startApiServer());
    const b = track(await startApiServer());
    const insecureA = kubeConfigOf(a, { caData: undefined, skipTLSVerify: true });
    await list(insecureA);
    await list(insecureA);
    await list(kubeConfigOf(a, { caData: undefined, skipTLSVerify: true })); // another KubeConfig, same server
    // the warning is dispatched on the next tick, long before a response arrives
    expect(ours()).toHaveLength(1);
    expect(ours()[0]).toMatchObject({ name: 'SecurityWarning', code: INSECURE_TLS_WARNING });
    expect(ours()[0]?.message).toContain(`TLS certificate verification is OFF for ${a.url}`);
    expect(ours()[0]?.message).toContain('insecure-skip-tls-verify');

    await list(kubeConfigOf(b, { caData: undefined, skipTLSVerify: true }));
    expect(ours()).toHaveLength(2);
    expect(ours()[1]?.message).toContain(b.url);
    expectNoSecrets(ours(), ['admin-token']);
  });

  it('plain http: (which needs insecure-skip-tls-verify) warns that nothing is encrypted', async () => {
    const server = track(await httpServer((x) => { json(x.res, 200, { metadata: { resourceVersion: '1' }, items: [] }); }));
    await list(kubeConfigFor(server.url));
    expect(ours()).toHaveLength(1);
    expect(ours()[0]?.message).toContain(`plain HTTP to ${server.url}`);
    expect(ours()[0]?.message).toContain('clear text');
  });

  it('a verified server emits no warning', async () => {
    const server = track(await startApiServer());
    await list(kubeConfigOf(server, {}));
    expect(ours()).toEqual([]);
  });
});
