/**
 * Loopback fake API server for the side-by-side suite, run as its own child process (so on a
 * 2-core machine it has one core and the contender the other). Everything is pre-serialised at
 * start-up; requests only copy bytes, written in 64 KiB chunks that respect backpressure.
 *
 *   GET …/pods                          LIST, whole (metadata.resourceVersion = objects)
 *   GET …/pods?limit=L&continue=C       LIST page (continue = next offset, opaque to clients)
 *   GET …/pods?watch=true               WATCH: replays `events` MODIFIED events, then stays open
 *   GET …/pods?watch=true&sendInitialEvents=true
 *                                       streaming list: ADDED per object, the BOOKMARK annotated
 *                                       k8s.io/initial-events-end, then the replay, then stays open
 *
 * Configuration: JSON in the BENCH_SERVER env variable ({@link ServerConfig}). Reports
 * `{ port, listBytes, eventBytes }` to the parent over IPC when listening.
 */
import { createServer, type ServerResponse } from 'node:http';

import { podAt, prng } from './podGenerator.js';

export interface ServerConfig {
  readonly objects: number;
  readonly events: number;
  readonly managedFields: boolean;
  readonly seed: number;
}

export interface ServerReady {
  readonly port: number;
  readonly listBytes: number;
  readonly eventBytes: number;
  readonly buildMs: number;
}

const CHUNK = 64 * 1024;
const config = JSON.parse(process.env['BENCH_SERVER'] ?? '{}') as ServerConfig;
const gen = { seed: config.seed, managedFields: config.managedFields, namespaces: 100 };
const t0 = performance.now();

const items: Buffer[] = [];
for (let i = 0; i < config.objects; i++) items.push(Buffer.from(JSON.stringify(podAt(gen, i, i + 1))));
const listRv = String(config.objects);

const listBody = (from: number, to: number, next: string | undefined): Buffer => {
  const meta = next === undefined ? { resourceVersion: listRv } : { resourceVersion: listRv, continue: next, remainingItemCount: config.objects - to };
  const parts: Buffer[] = [Buffer.from(`{"kind":"PodList","apiVersion":"v1","metadata":${JSON.stringify(meta)},"items":[`)];
  for (let i = from; i < to; i++) {
    if (i > from) parts.push(Buffer.from(','));
    parts.push(items[i]!);
  }
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
};
const wholeList = listBody(0, config.objects, undefined);

const line = (type: string, object: Buffer): Buffer[] => [Buffer.from(`{"type":"${type}","object":`), object, Buffer.from('}\n')];

const rnd = prng(config.seed ^ 0x5eed);
const replayParts: Buffer[] = [];
for (let j = 0; j < config.events; j++) {
  const k = Math.floor(rnd() * config.objects);
  replayParts.push(...line('MODIFIED', Buffer.from(JSON.stringify(podAt(gen, k, config.objects + j + 1)))));
}
const replay = Buffer.concat(replayParts);
replayParts.length = 0;

let streamBody: Buffer | undefined;
const initialEvents = (): Buffer => {
  if (streamBody === undefined) {
    const parts: Buffer[] = [];
    for (const item of items) parts.push(...line('ADDED', item));
    const bookmark = { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: listRv, annotations: { 'k8s.io/initial-events-end': 'true' } } };
    parts.push(...line('BOOKMARK', Buffer.from(JSON.stringify(bookmark))));
    streamBody = Buffer.concat(parts);
  }
  return streamBody;
};

/** Writes `bufs` in 64 KiB chunks, waiting for 'drain' whenever the socket buffer is full. */
const writeAll = (res: ServerResponse, bufs: readonly Buffer[], done: () => void): void => {
  let b = 0;
  let off = 0;
  const pump = (): void => {
    while (b < bufs.length) {
      if (res.destroyed) return;
      const buf = bufs[b]!;
      if (off >= buf.length) {
        b++;
        off = 0;
        continue;
      }
      const end = Math.min(off + CHUNK, buf.length);
      const ok = res.write(buf.subarray(off, end));
      off = end;
      if (!ok) {
        res.once('drain', pump);
        return;
      }
    }
    done();
  };
  pump();
};

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (!url.pathname.endsWith('/pods')) {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}');
    return;
  }
  const q = url.searchParams;
  if (q.get('watch') === 'true' || q.get('watch') === '1') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders(); // an empty replay must still answer (client-node waits for the head)
    const bufs = q.get('sendInitialEvents') === 'true' ? [initialEvents(), replay] : [replay];
    // the watch stays open after the replay: the contender ends it by exiting
    writeAll(res, bufs, () => undefined);
    return;
  }
  const limit = Number(q.get('limit') ?? '0');
  let body = wholeList;
  if (limit > 0) {
    const from = Number(q.get('continue') ?? '0') || 0;
    const to = Math.min(from + limit, config.objects);
    body = listBody(from, to, to < config.objects ? String(to) : undefined);
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  writeAll(res, [body], () => res.end());
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const ready: ServerReady = { port, listBytes: wholeList.length, eventBytes: replay.length, buildMs: performance.now() - t0 };
  process.send?.(ready);
});
process.on('disconnect', () => process.exit(0));
