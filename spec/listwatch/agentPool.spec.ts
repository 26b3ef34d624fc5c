import { Agent as HttpsAgent, createServer, type RequestOptions } from 'node:https';
import { type AddressInfo, Socket } from 'node:net';

import { lastValueFrom } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { agentPool, FREE_SOCKET_TIMEOUT_MS } from '../../lib/listwatch/agentPool.js';
import { kubeGet } from '../../lib/listwatch/kubeRequest.js';
import { until } from '../helpers/until.js';
import { kubeConfigFor, tls } from './testServer.js';

/** A node:https server answering `{}` to everything, counting the TLS connections it accepted. */
const countingServer = async (): Promise<{ readonly url: string; readonly accepted: () => number; readonly close: () => Promise<void> }> => {
  let accepted = 0;
  const server = createServer({ cert: tls.serverCert, key: tls.serverKey, ca: tls.ca, requestCert: true, rejectUnauthorized: false }, (_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end('{}');
  });
  server.on('secureConnection', () => {
    accepted++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
};

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

describe('agentPool: keep-alive connection reuse per (server, TLS identity)', () => {
  it('sequential requests of one kubeConfig share one connection (client-node makes a new agent per request)', async () => {
    const server = await countingServer();
    closers.push(server.close);
    const kubeConfig = kubeConfigFor(server.url, { caData: tls.ca });
    const plain: RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(plain);
    const again: RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(again);
    // what kubeRequest is given: a fresh plain agent per call (1.4) or a cached one without keep-alive (2.x)
    expect(plain.agent === again.agent && (plain.agent as { readonly keepAlive?: boolean }).keepAlive === true).toBe(false);
    for (let i = 0; i < 5; i++) {
      const response = await lastValueFrom(kubeGet({ kubeConfig, verb: 'list', resource: 'configmaps', path: '/api/v1/configmaps' }));
      expect(response.statusCode).toBe(200);
    }
    expect(server.accepted()).toBe(1);
  });

  it('another TLS identity (a client certificate) gets its own connection; a token user and a cert user do not share', async () => {
    const server = await countingServer();
    closers.push(server.close);
    const byToken = kubeConfigFor(server.url, { caData: tls.ca });
    const byCert = kubeConfigFor(server.url, { caData: tls.ca, clientCert: true });
    for (const kubeConfig of [byToken, byCert, byToken, byCert]) {
      await lastValueFrom(kubeGet({ kubeConfig, verb: 'list', resource: 'configmaps', path: '/api/v1/configmaps' }));
    }
    expect(server.accepted()).toBe(2);
  });

  it('a pooled socket has no idle timer while a request uses it (Node would refresh it on every chunk); the free-socket timeout comes back once it is free', async () => {
    // the client's sockets, found by the calls Node and kubeRequest make to their setTimeout
    const calls = vi.spyOn(Socket.prototype, 'setTimeout');
    const clientSocket = (port: number | undefined): Socket | undefined => calls.mock.contexts.find((s): s is Socket => s instanceof Socket && s.localPort === port && port !== undefined);
    const inUse: Array<number | undefined> = [];
    let port: number | undefined;
    const server = createServer({ cert: tls.serverCert, key: tls.serverKey, ca: tls.ca }, (req, res) => {
      port = req.socket.remotePort;
      inUse.push(clientSocket(port)?.timeout);
      res.setHeader('Content-Type', 'application/json');
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          calls.mockRestore();
          server.closeAllConnections();
          server.close(() => {
            resolve();
          });
        }),
    );
    const kubeConfig = kubeConfigFor(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, { caData: tls.ca });
    for (let i = 0; i < 2; i++) {
      const response = await lastValueFrom(kubeGet({ kubeConfig, verb: 'list', resource: 'configmaps', path: '/api/v1/configmaps' }));
      expect(response.statusCode).toBe(200);
      // free again, the socket waits with the pool's idle timeout
      await until(() => clientSocket(port)?.timeout === FREE_SOCKET_TIMEOUT_MS);
    }
    // one connection, used twice, each time without a timer
    expect(inUse).toEqual([0, 0]);
  });

  it('reuse swaps only plain agents, one per identity, and leaves proxy or custom agents alone', () => {
    const pool = agentPool();
    const url = new URL('https://127.0.0.1:6443');
    const a: RequestOptions = { agent: new HttpsAgent({ ca: 'CA' }), ca: 'CA' };
    const b: RequestOptions = { agent: new HttpsAgent({ ca: 'CA' }), ca: 'CA' };
    const c: RequestOptions = { agent: new HttpsAgent({ ca: 'CA' }), ca: 'CA', cert: 'C', key: 'K' };
    class ProxyAgent extends HttpsAgent {}
    const proxied = new ProxyAgent();
    const d: RequestOptions = { agent: proxied };
    expect([a, b, c, d].map((o) => pool.reuse(url, o))).toEqual([true, true, true, false]);
    expect(a.agent).toBe(b.agent);
    expect((a.agent as HttpsAgent & { readonly keepAlive: boolean }).keepAlive).toBe(true);
    expect(c.agent).not.toBe(a.agent);
    expect(d.agent).toBe(proxied);
    expect(pool.size()).toBe(2);
  });

  it('keeps at most maxAgents, destroying the oldest', () => {
    const pool = agentPool(1000, 2);
    const url = new URL('https://127.0.0.1:6443');
    const options = (ca: string): RequestOptions => ({ agent: new HttpsAgent(), ca });
    const first = options('1');
    pool.reuse(url, first);
    const destroyed = new Promise<void>((resolve) => {
      const agent = first.agent as HttpsAgent;
      const destroy = agent.destroy.bind(agent);
      agent.destroy = () => {
        destroy();
        resolve();
      };
    });
    pool.reuse(url, options('2'));
    pool.reuse(url, options('3'));
    expect(pool.size()).toBe(2);
    return destroyed;
  });
});
