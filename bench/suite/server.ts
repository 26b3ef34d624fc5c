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
 * Options:
 * - `expireFirstWatch`: the first plain WATCH of each run (every other one) gets an in-stream
 *   `ERROR` 410 (`Expired`) after 300 ms plus 20 ms per 1k objects and ends, as an API server
 *   answers a too old resourceVersion, so the client relists; the watch after the relist is
 *   served normally.
 * - `rate`: the replay is paced at that many events/s, each event stamped when written with its
 *   send time (annotation `bench.kube-rx/sent`, see stamp.ts), for latency measurements.
 * - `metadata`: a LIST (whole or paged) whose `Accept` asks for
 *   `as=PartialObjectMetadataList;g=meta.k8s.io;v=v1` gets `PartialObjectMetadataList` bodies
 *   (each item `PartialObjectMetadata`: the pod's metadata only), as kube-apiserver serves a
 *   metadata-only informer.
 *
 * Configuration: JSON in the BENCH_SERVER env variable ({@link ServerConfig}). Reports
 * `{ port, listBytes, eventBytes }` to the parent over IPC when listening.
 */
import { createServer, type ServerResponse } from 'node:http';

import { podAt, prng } from './podGenerator.js';
import { SENT_ANNOTATION, STAMP_WIDTH, stamp } from './stamp.js';

export interface ServerConfig {
  readonly objects: number;
  readonly events: number;
  readonly managedFields: boolean;
  readonly seed: number;
  /** Answer the first plain WATCH with an in-stream ERROR 410 (relist scenario). */
  readonly expireFirstWatch?: boolean;
  /** Replay at this many events/s, each stamped with its send time (latency scenario). */
  readonly rate?: number;
  /** Also serve metadata-only LISTs (`PartialObjectMetadataList`) to an Accept header asking for them. */
  readonly metadata?: boolean;
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
const metaItems: Buffer[] = [];
if (config.metadata === true) {
  for (let i = 0; i < config.objects; i++) {
    const { metadata } = podAt(gen, i, i + 1) as { metadata: unknown };
    metaItems.push(Buffer.from(JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata })));
  }
}

const listBody = (from: number, to: number, next: string | undefined, partial = false): Buffer => {
  const meta = next === undefined ? { resourceVersion: listRv } : { resourceVersion: listRv, continue: next, remainingItemCount: config.objects - to };
  const head = partial ? '{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1"' : '{"kind":"PodList","apiVersion":"v1"';
  const parts: Buffer[] = [Buffer.from(`${head},"metadata":${JSON.stringify(meta)},"items":[`)];
  const source = partial ? metaItems : items;
  for (let i = from; i < to; i++) {
    if (i > from) parts.push(Buffer.from(','));
    parts.push(source[i]!);
  }
  parts.push(Buffer.from(']}'));
  return Buffer.concat(parts);
};
const wholeList = listBody(0, config.objects, undefined);

const line = (type: string, object: Buffer): Buffer[] => [Buffer.from(`{"type":"${type}","object":`), object, Buffer.from('}\n')];

const rnd = prng(config.seed ^ 0x5eed);
const replayParts: Buffer[] = [];
/** With `rate`: where each event ends in `replay`, and where its send-time placeholder is. */
const eventEnds: number[] = [];
const stampAt: number[] = [];
const placeholder = '0'.repeat(STAMP_WIDTH);
let replayLength = 0;
for (let j = 0; j < config.events; j++) {
  const k = Math.floor(rnd() * config.objects);
  const pod = podAt(gen, k, config.objects + j + 1) as { metadata: { annotations: Record<string, string> } };
  if (config.rate !== undefined) pod.metadata.annotations[SENT_ANNOTATION] = placeholder;
  const parts = line('MODIFIED', Buffer.from(JSON.stringify(pod)));
  const bytes = Buffer.concat(parts);
  if (config.rate !== undefined) stampAt.push(replayLength + bytes.indexOf(`"${SENT_ANNOTATION}":"${placeholder}"`) + SENT_ANNOTATION.length + 4);
  replayParts.push(bytes);
  replayLength += bytes.length;
  eventEnds.push(replayLength);
}
const replay = Buffer.concat(replayParts);
replayParts.length = 0;

/** Writes the replay at `rate` events/s, stamping each event's copy with the time it is written. */
const pacedReplay = (res: ServerResponse, rate: number): void => {
  const t0 = performance.now();
  let next = 0;
  const tick = (): void => {
    if (res.destroyed) return;
    const due = Math.min(config.events, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    if (due > next) {
      const from = next === 0 ? 0 : (eventEnds[next - 1] ?? 0);
      const chunk = Buffer.from(replay.subarray(from, eventEnds[due - 1]));
      const now = stamp();
      for (let j = next; j < due; j++) chunk.write(now, (stampAt[j] ?? 0) - from, 'latin1');
      next = due;
      res.write(chunk);
    }
    if (next < config.events) setTimeout(tick, 1);
  };
  tick();
};
/** Whether the last plain watch was expired (relist scenario). */
let expired = false;

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
    const streaming = q.get('sendInitialEvents') === 'true';
    // every other watch: each run (a fresh contender) gets its first watch expired, and the
    // watch after its relist served
    if (!streaming && config.expireFirstWatch === true) expired = !expired;
    if (!streaming && config.expireFirstWatch === true && expired) {
      const status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version', reason: 'Expired', code: 410 };
      // late enough for the contender to measure its steady cache first (two full GCs)
      setTimeout(() => res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`), 300 + config.objects / 50);
      return;
    }
    if (config.rate !== undefined && !streaming) {
      pacedReplay(res, config.rate);
      return;
    }
    const bufs = streaming ? [initialEvents(), replay] : [replay];
    // the watch stays open after the replay: the contender ends it by exiting
    writeAll(res, bufs, () => undefined);
    return;
  }
  const limit = Number(q.get('limit') ?? '0');
  const partial = config.metadata === true && (req.headers.accept ?? '').includes('as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');
  // a page is built for its request; the whole metadata-only list only when asked for whole (building
  // it for every page made the server, not the contender, the time of a paged metadata-only sync)
  const from = Number(q.get('continue') ?? '0') || 0;
  const to = Math.min(from + limit, config.objects);
  const body =
    limit > 0 ? listBody(from, to, to < config.objects ? String(to) : undefined, partial) : partial ? listBody(0, config.objects, undefined, true) : wholeList;
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
