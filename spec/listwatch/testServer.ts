// Real HTTP(S) servers on loopback for the HTTP ListerWatcher and discovery specs, plus
// client-node KubeConfigs pointing at them.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';

import { KubeConfig } from '@kubernetes/client-node';
import { lastValueFrom, type Observable } from 'rxjs';
import { afterEach } from 'vitest';

import type { ApiResource } from '../../lib/listwatch/ApiResource.js';
import type { ListerWatcherError } from '../../lib/listwatch/ListerWatcherError.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));

export const tls = {
  ca: fixture('ca.crt'),
  serverCert: fixture('server.crt'),
  serverKey: fixture('server.key'),
  clientCert: fixture('client.crt'),
  clientKey: fixture('client.key'),
  selfSignedCert: fixture('selfsigned.crt'),
  selfSignedKey: fixture('selfsigned.key'),
};

export const TOKEN = 'sekret-token-do-not-print';

/** One request the server received, with its response still open for the test to script. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Resolves when the server sees the request's connection close. */
  readonly closed: Promise<void>;
}

/** A FIFO of values with an awaitable `next()`: requests arrive, tests take them in order. */
class Queue<A> {
  private readonly items: A[] = [];
  private readonly waiters: ((a: A) => void)[] = [];
  push(a: A): void {
    const w = this.waiters.shift();
    if (w === undefined) this.items.push(a);
    else w(a);
  }
  next(): Promise<A> {
    const a = this.items.shift();
    if (a !== undefined) return Promise.resolve(a);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  get size(): number {
    return this.items.length;
  }
}

export interface TestServer {
  readonly url: string;
  /** The next request, in arrival order. */
  next(): Promise<Exchange>;
  pending(): number;
  connections(): Promise<number>;
  close(): Promise<void>;
}

const wrap = (server: Server, protocol: 'http' | 'https', auto?: (x: Exchange) => void): Promise<TestServer> => {
  const queue = new Queue<Exchange>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const closed = new Promise<void>((resolve) => {
      res.on('close', () => {
        resolve();
      });
    });
    const exchange: Exchange = { req, res, url: new URL(req.url ?? '/', 'http://x'), closed };
    if (auto === undefined) queue.push(exchange);
    else auto(exchange);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `${protocol}://127.0.0.1:${port}`,
        next: () => queue.next(),
        pending: () => queue.size,
        connections: () =>
          new Promise((res, rej) => {
            server.getConnections((err, n) => {
              if (err) rej(err);
              else res(n);
            });
          }),
        close: () =>
          new Promise((res) => {
            server.closeAllConnections();
            server.close(() => {
              res();
            });
          }),
      });
    });
  });
};

/** A plain HTTP server; with `auto`, each request is answered by it instead of being queued. */
export const httpServer = (auto?: (x: Exchange) => void): Promise<TestServer> => wrap(createServer(), 'http', auto);

export const httpsServer = (options: ServerOptions, auto?: (x: Exchange) => void): Promise<TestServer> =>
  wrap(createTlsServer(options), 'https', auto);

/** A client-node KubeConfig for `server`, with token auth (or a client certificate). */
export const kubeConfigFor = (
  server: string,
  options: { readonly caData?: Buffer; readonly clientCert?: boolean; readonly token?: string } = {},
): KubeConfig => {
  const kc = new KubeConfig();
  const plain = server.startsWith('http:');
  kc.loadFromOptions({
    clusters: [
      {
        name: 'test',
        server,
        skipTLSVerify: plain,
        ...(options.caData === undefined ? {} : { caData: options.caData.toString('base64') }),
      },
    ],
    users: [
      {
        name: 'tester',
        ...(options.clientCert === true
          ? { certData: tls.clientCert.toString('base64'), keyData: tls.clientKey.toString('base64') }
          : { token: options.token ?? TOKEN }),
      },
    ],
    contexts: [{ name: 'test', cluster: 'test', user: 'tester' }],
    currentContext: 'test',
  });
  return kc;
};

export const json = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

export const status = (code: number, reason: string, message: string, details?: Record<string, unknown>): unknown => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code,
  reason,
  message,
  ...(details === undefined ? {} : { details }),
});

export const startWatch = (res: ServerResponse): void => {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
};

export const line = (type: string, object: unknown): string => `${JSON.stringify({ type, object })}\n`;

export const cm = (name: string, rv: string, ns = 'default'): { metadata: Record<string, string> } => ({
  metadata: { name, namespace: ns, resourceVersion: rv },
});

/** The core ConfigMap resource, as discovery would resolve it. */
export const configMaps: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };

/** Anything a test starts and must close. */
export interface Closable {
  close(): Promise<void>;
}

/**
 * Registers an `afterEach` (in the calling spec file) that closes every server handed to the
 * returned `track`; `track` gives back what it was given (a server, or a promise of one).
 */
export const closedAfterEach = (): { <S extends Closable>(s: Promise<S>): Promise<S>; <S extends Closable>(s: S): S } => {
  const open: Closable[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  function track<S extends Closable>(s: Promise<S>): Promise<S>;
  function track<S extends Closable>(s: S): S;
  function track<S extends Closable>(s: S | Promise<S>): S | Promise<S> {
    if (s instanceof Promise) return s.then((x) => track(x));
    open.push(s);
    return s;
  }
  return track;
};

/** The error `o` ends with (typed as the ListerWatcher's by default); rejects when it completes. */
export const errorOf = async <E = ListerWatcherError>(o: Observable<unknown>): Promise<E> => {
  try {
    await lastValueFrom(o);
  } catch (e: unknown) {
    return e as E;
  }
  throw new Error('expected an error');
};
