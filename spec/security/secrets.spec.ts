// Credentials (bearer tokens, exec plugin tokens, basic-auth passwords, client keys and
// certificates) never appear in an error, its cause, its JSON or inspect rendering, or in an
// informer's status$ / problems$ values.
import { KubeConfig } from '@kubernetes/client-node';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';

import { sharedIndexInformer } from '../../lib/informer/sharedIndexInformer.js';
import type { InformerProblem, InformerStatus } from '../../lib/informer/InformerStatus.js';
import { resolveResource } from '../../lib/listwatch/discovery.js';
import { httpListerWatcher } from '../../lib/listwatch/httpListerWatcher.js';
import { isForbidden, isUnauthorized, type ListerWatcherError } from '../../lib/listwatch/ListerWatcherError.js';
import { type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';
import { closedAfterEach, configMaps, errorOf, type Exchange, httpServer, httpsServer, json, kubeConfigFor, status, type TestServer, tls } from '../listwatch/testServer.js';
import { expectNoSecrets, pemPieces, renderAll } from './leaks.js';

const ADMIN = 'admin-token-a8f3e1c7d9b24f6e';
const NOBODY = 'forbidden-token-5c2e9a7b1d3f48e0';
const WRONG = 'wrong-token-9d1b7e3a5c8f24b6';
const PASSWORD = 'basic-password-7e4c1a9f3b';
const EXEC_TOKEN = 'exec-plugin-token-3f8a2d6c9e1b47';
const KEY_MATERIAL = [...pemPieces(tls.clientKey), ...pemPieces(tls.serverKey)];
const CERT_MATERIAL = pemPieces(tls.clientCert);
const ALL_SECRETS = [ADMIN, NOBODY, WRONG, PASSWORD, EXEC_TOKEN, Buffer.from(`alice:${PASSWORD}`).toString('base64'), ...KEY_MATERIAL, ...CERT_MATERIAL];

const track = closedAfterEach();

const embedded = async (): Promise<EmbeddedApiServer> =>
  track(await startApiServer({ tokens: { [ADMIN]: 'admin', [NOBODY]: 'forbidden' } }));

/** A KubeConfig from options, with the user replaced. */
const kubeConfigWith = (server: EmbeddedApiServer, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): KubeConfig => {
  const options = server.kubeConfigOptions(ADMIN);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    ...options,
    clusters: options.clusters.map((c) => ({ ...c, ...cluster })),
    users: [{ name: options.users[0]?.name ?? 'u', ...user }],
  });
  return kc;
};

/** How a ListerWatcher Observable ended: its error (it must not complete). */

/** Runs an informer until it reported `n` problems; returns everything status$ and problems$ said. */
const observeInformer = async (kubeConfig: KubeConfig, n = 3): Promise<{ problems: InformerProblem[]; statuses: InformerStatus[] }> => {
  const informer = sharedIndexInformer(httpListerWatcher({ kubeConfig, resource: configMaps }), {
    backoff: { initialMs: 5, maxMs: 20 },
  });
  const statuses: InformerStatus[] = [];
  const s = informer.status$.subscribe((x) => statuses.push(x));
  const problems$ = firstValueFrom(informer.problems$.pipe(take(n), toArray()));
  const sub = informer.events$.subscribe();
  const problems = await problems$;
  sub.unsubscribe();
  s.unsubscribe();
  return { problems, statuses };
};

const errorsOf = (problems: ReadonlyArray<InformerProblem>): ListerWatcherError[] =>
  problems.flatMap((p) => (p._tag === 'ReflectorError' && 'error' in p.error ? [p.error.error] : []));

describe('secrets never leak', () => {
  it('401 (a wrong token): Unauthorized in problems$ and status$, without the token', async () => {
    const server = await embedded();
    const { problems, statuses } = await observeInformer(kubeConfigWith(server, { token: WRONG }));
    const errors = errorsOf(problems);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every(isUnauthorized)).toBe(true);
    // initialList 'auto': the streaming-list WATCH first, then the LIST it falls back to
    expect(errors[0]?.message).toMatch(/^watch configmaps in all namespaces: Unauthorized/);
    expect(errors[1]?.message).toMatch(/^list configmaps in all namespaces: Unauthorized/);
    expectNoSecrets([...problems, ...statuses], ALL_SECRETS);
  });

  it('403: Forbidden with the server message in problems$ and status$, without the token', async () => {
    const server = await embedded();
    const { problems, statuses } = await observeInformer(kubeConfigWith(server, { token: NOBODY }));
    const errors = errorsOf(problems);
    expect(errors.every(isForbidden)).toBe(true);
    expect(errors[0]).toMatchObject({ _tag: 'HttpError', code: 403, reason: 'Forbidden' });
    expect(errors[0]?.message).toContain('User "kube-rx:forbidden" cannot watch resource "configmaps"');
    expect(errors[1]?.message).toContain('User "kube-rx:forbidden" cannot list resource "configmaps"');
    const backingOff = statuses.find((s) => s._tag === 'BackingOff');
    expect(backingOff).toMatchObject({ _tag: 'BackingOff', error: { _tag: 'ListFailed', error: { code: 403, reason: 'Forbidden' } } });
    expectNoSecrets([...problems, ...statuses], ALL_SECRETS);
  });

  it('discovery errors (401, 403) carry no token', async () => {
    const server = await embedded();
    const e401 = await errorOf(resolveResource(kubeConfigWith(server, { token: WRONG }), 'cm'));
    const e403 = await errorOf(resolveResource(kubeConfigWith(server, { token: NOBODY }), 'cm'));
    expect(e401).toMatchObject({ _tag: 'HttpError', verb: 'discovery', code: 401 });
    expect(e403).toMatchObject({ _tag: 'HttpError', verb: 'discovery', code: 403 });
    expectNoSecrets([e401, e403], ALL_SECRETS);
  });

  it('a TLS failure with a token and a client certificate in the kubeconfig names the cause, not the credentials', async () => {
    const server = await embedded();
    const kc = kubeConfigWith(
      server,
      { token: ADMIN, certData: tls.clientCert.toString('base64'), keyData: tls.clientKey.toString('base64') },
      { caData: undefined },
    );
    const error = await errorOf(httpListerWatcher({ kubeConfig: kc, resource: configMaps }).list({}));
    expect(error).toMatchObject({ _tag: 'TransportError', code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expectNoSecrets([error], ALL_SECRETS);
  });

  it('a client key that does not match its certificate: a clear error without key material', async () => {
    const server = await embedded();
    const kc = kubeConfigWith(server, { certData: tls.clientCert.toString('base64'), keyData: tls.serverKey.toString('base64') });
    const error = await errorOf(httpListerWatcher({ kubeConfig: kc, resource: configMaps }).list({}));
    expect(error).toMatchObject({ _tag: 'TransportError', code: 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' });
    expect((error).message).toMatch(/client certificate or key of the kubeconfig/);
    expectNoSecrets([error], ALL_SECRETS);
  });

  it('an exec credential plugin whose output is not JSON: its output (a token) is not quoted', async () => {
    const server = await embedded();
    const output = `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${EXEC_TOKEN}"}} trailing log line`;
    const exec = { command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(output)})`], apiVersion: 'client.authentication.k8s.io/v1' };
    const error = await errorOf(httpListerWatcher({ kubeConfig: kubeConfigWith(server, { exec }), resource: configMaps }).list({}));
    expect(error).toMatchObject({ _tag: 'TransportError', code: 'EKUBECONFIG' });
    expect((error).message).toMatch(/credential plugin printed something that is not JSON/);
    expectNoSecrets([error], ALL_SECRETS);
  });

  describe('a server or proxy that echoes the credentials back', () => {
    /** Answers every request with `code` and a body quoting the request's Authorization header. */
    const echo = (code: number, asStatus: boolean) => (x: Exchange) => {
      const said = `rejected credentials: ${x.req.headers.authorization ?? '(none)'}`;
      if (asStatus) json(x.res, code, status(code, 'Forbidden', said));
      else {
        x.res.writeHead(code, { 'Content-Type': 'text/plain' });
        x.res.end(said);
      }
    };

    it.each([
      { what: 'a Status message', code: 403, asStatus: true },
      { what: 'a plain-text body', code: 502, asStatus: false },
    ])('bearer token echoed in $what: redacted in list and watch errors', async ({ code, asStatus }) => {
      const server = track(await httpServer(echo(code, asStatus)));
      const lw = httpListerWatcher({ kubeConfig: kubeConfigFor(server.url, { token: ADMIN }), resource: configMaps });
      const listError = await errorOf(lw.list({}));
      const watchError = await errorOf(lw.watch({ resourceVersion: '1', allowWatchBookmarks: true }));
      for (const e of [listError, watchError]) {
        expect(e).toMatchObject({ _tag: 'HttpError', code });
        expect((e).message).toContain('rejected credentials: Bearer [REDACTED]');
      }
      expectNoSecrets([listError, watchError], ALL_SECRETS);
    });

    it('basic auth (user and password) echoed back: redacted, in plain and base64 form', async () => {
      const server: TestServer = track(await httpServer(echo(401, true)));
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'c', server: server.url, skipTLSVerify: true }],
        users: [{ name: 'alice', username: 'alice', password: PASSWORD }],
        contexts: [{ name: 'c', cluster: 'c', user: 'alice' }],
        currentContext: 'c',
      });
      const error = await errorOf(httpListerWatcher({ kubeConfig: kc, resource: configMaps }).list({}));
      expect((error).message).toContain('rejected credentials: Basic [REDACTED]');
      expectNoSecrets([error], ALL_SECRETS);
    });

    it('a token from an exec plugin, echoed back: redacted', async () => {
      const server = track(await httpsServer({ cert: tls.serverCert, key: tls.serverKey }, echo(403, true)));
      const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: EXEC_TOKEN } };
      const exec = { command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(JSON.stringify(credential))})`] };
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'c', server: server.url, caData: tls.ca.toString('base64'), skipTLSVerify: false }],
        users: [{ name: 'plugin-user', exec }],
        contexts: [{ name: 'c', cluster: 'c', user: 'plugin-user' }],
        currentContext: 'c',
      });
      const error = await errorOf(httpListerWatcher({ kubeConfig: kc, resource: configMaps }).list({}));
      expect((error).message).toContain('Bearer [REDACTED]');
      expectNoSecrets([error], ALL_SECRETS);
    });
  });

  it('the renderings searched include messages, causes and hidden properties (the check itself can fail)', () => {
    const leaky = new Error('outer', { cause: new Error(`inner ${ADMIN}`) });
    expect(renderAll([leaky])).toContain(ADMIN);
    expect(renderAll([{ nested: { deep: [KEY_MATERIAL[1]] } }])).toContain(KEY_MATERIAL[1]);
  });
});
