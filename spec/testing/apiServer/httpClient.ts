import http from 'node:http';
import https from 'node:https';

import type { EmbeddedApiServer } from '../../../lib/testing/apiServer/server.js';

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
  readonly text: string;
}

const requestOptions = (server: EmbeddedApiServer, method: string, path: string, token: string | null, headers: Readonly<Record<string, string>>): https.RequestOptions => ({
  method,
  path,
  host: '127.0.0.1',
  port: new URL(server.url).port,
  ca: server.caPem,
  agent: false,
  headers: { ...(token === null ? {} : { Authorization: `Bearer ${token}` }), ...headers },
});

const send = (server: EmbeddedApiServer, options: https.RequestOptions, cb: (res: http.IncomingMessage) => void): http.ClientRequest =>
  server.url.startsWith('https:') ? https.request(options, cb) : http.request(options, cb);

/** One plain request; the body is parsed as JSON when it can be. */
export const call = (
  server: EmbeddedApiServer,
  method: string,
  path: string,
  body?: unknown,
  { token = 'admin-token', headers = {} }: { token?: string | null; headers?: Readonly<Record<string, string>> } = {},
): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const req = send(server, requestOptions(server, method, path, token, { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers }), (res) => {
      const chunks: Array<Buffer> = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // keep the text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body));
  });

export const get = (server: EmbeddedApiServer, path: string, token: string | null = 'admin-token'): Promise<Reply> =>
  call(server, 'GET', path, undefined, { token });

/** A line of a watch stream: the parsed JSON, or `{ raw }` when it is not JSON. */
export type Line = { readonly type: string; readonly object: Record<string, unknown> & { readonly metadata?: Record<string, unknown> } } | { readonly raw: string };

export interface WatchClient {
  readonly status: Promise<number>;
  /** Resolves with the next line (waits for it). */
  next(): Promise<Line>;
  /** Resolves when the response ends: 'end' for a clean close, 'error' for a reset. */
  readonly ended: Promise<'end' | 'error'>;
  /** Every line received so far. */
  readonly lines: ReadonlyArray<Line>;
  /** Bytes received so far. */
  bytes(): number;
  abort(): void;
}

/** Opens a watch and splits its body into lines. */
export const watch = (server: EmbeddedApiServer, path: string, token = 'admin-token'): WatchClient => {
  const lines: Array<Line> = [];
  const waiters: Array<(l: Line) => void> = [];
  let consumed = 0;
  let buffer = '';
  let bytes = 0;
  let resolveStatus: (n: number) => void = () => undefined;
  let resolveEnded: (r: 'end' | 'error') => void = () => undefined;
  const status = new Promise<number>((r) => (resolveStatus = r));
  const ended = new Promise<'end' | 'error'>((r) => (resolveEnded = r));
  const push = (raw: string): void => {
    let line: Line;
    try {
      line = JSON.parse(raw) as Line;
    } catch {
      line = { raw };
    }
    lines.push(line);
    const w = waiters.shift();
    if (w !== undefined) {
      consumed++;
      w(line);
    }
  };
  const req = send(server, requestOptions(server, 'GET', path, token, {}), (res) => {
    resolveStatus(res.statusCode ?? 0);
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      bytes += c.length;
      buffer += c;
      let i: number;
      while ((i = buffer.indexOf('\n')) >= 0) {
        push(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
      }
    });
    res.on('end', () => {
      resolveEnded('end');
    });
    res.on('aborted', () => {
      resolveEnded('error');
    });
    res.on('error', () => {
      resolveEnded('error');
    });
    res.on('close', () => {
      resolveEnded(res.complete ? 'end' : 'error');
    });
  });
  req.on('error', () => {
    resolveStatus(0);
    resolveEnded('error');
  });
  req.end();
  return {
    status,
    ended,
    lines,
    bytes: () => bytes,
    next: () =>
      new Promise<Line>((resolve) => {
        const l = lines[consumed];
        if (l !== undefined) {
          consumed++;
          resolve(l);
        } else waiters.push(resolve);
      }),
    abort: () => req.destroy(),
  };
};

/** Takes the next `n` lines. */
export const take = async (w: WatchClient, n: number): Promise<ReadonlyArray<Line>> => {
  const out: Array<Line> = [];
  for (let i = 0; i < n; i++) out.push(await w.next());
  return out;
};

/** A compact view of an event line: `TYPE name@rv`. */
export const brief = (l: Line): string => {
  if ('raw' in l) return `RAW ${l.raw}`;
  const m = l.object.metadata ?? {};
  const name = typeof m['name'] === 'string' ? m['name'] : '';
  const rv = typeof m['resourceVersion'] === 'string' ? m['resourceVersion'] : '';
  return `${l.type} ${name}@${rv}`;
};
