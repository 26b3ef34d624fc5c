import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { lastValueFrom, tap } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { kubeStream } from '../../lib/listwatch/kubeRequest.js';
import { READ_SLICE_MS, readSlices, type SlicedReader } from '../../lib/listwatch/readSlices.js';
import { kubeConfigFor } from './testServer.js';

/** A hand-driven clock, idle time and `defer` queue. */
const harness = () => {
  let t = 0;
  let idle = 0;
  const deferred: Array<() => void> = [];
  const log: string[] = [];
  const slices = readSlices(
    5,
    () => t,
    () => idle,
    (f) => deferred.push(f),
  );
  return {
    slices,
    log,
    deferred,
    advance: (ms: number) => {
      t += ms;
    },
    idle: (ms: number) => {
      t += ms;
      idle += ms;
    },
    comeRound: () => {
      for (const f of deferred.splice(0)) f();
    },
    reader: (name: string): SlicedReader => ({ pause: () => log.push(`pause ${name}`), resume: () => log.push(`resume ${name}`) }),
  };
};

describe('readSlices', () => {
  it('chunks within the slice pause nothing and defer nothing (a chunk that arrives alone costs two clock reads)', () => {
    const h = harness();
    const a = h.reader('a');
    h.slices.chunk(a);
    h.advance(4);
    h.slices.chunk(a);
    expect(h.deferred).toEqual([]);
    expect(h.log).toEqual([]);
  });

  it('a chunk read once the slice has lasted its time pauses its reader; every paused reader resumes when the event loop comes round', () => {
    const h = harness();
    const a = h.reader('a');
    const b = h.reader('b');
    h.slices.chunk(a);
    h.advance(5);
    h.slices.chunk(a);
    h.slices.chunk(b);
    expect(h.log).toEqual(['pause a', 'pause b']);
    expect(h.deferred).toHaveLength(1);
    h.comeRound();
    expect(h.log).toEqual(['pause a', 'pause b', 'resume a', 'resume b']);
  });

  it('the event loop idling ends the slice: chunks far apart never pause', () => {
    const h = harness();
    const a = h.reader('a');
    for (let i = 0; i < 10; i++) {
      h.slices.chunk(a);
      h.advance(1);
      h.idle(1);
    }
    expect(h.log).toEqual([]);
    expect(h.deferred).toEqual([]);
  });

  it('after the event loop came round, the next chunk starts a new slice', () => {
    const h = harness();
    const a = h.reader('a');
    h.slices.chunk(a);
    h.advance(6);
    h.slices.chunk(a);
    h.comeRound();
    h.slices.chunk(a);
    h.advance(4);
    h.slices.chunk(a);
    expect(h.log).toEqual(['pause a', 'resume a']);
    expect(h.deferred).toEqual([]);
  });
});

/**
 * A plain HTTP server in a child process (its writes do not wait for this event loop) that answers
 * every request with `kib` KiB in HTTP chunks of 2 KiB, written at once; once the kernel has taken
 * `backlogKiB` KiB of a response (or all of it) it creates the file `marker`. A client that waits
 * for the marker before reading on finds that backlog in its socket whatever the machine's load, so
 * its event-loop turns read as much as the runtime reads in one (Node 20 hands each HTTP chunk over
 * as a `data` event, tens per turn; Node 22 and 24 join them into 64 KiB ones, a few per turn).
 */
const chunkedServer = async (kib: number, backlogKiB: number, marker: string): Promise<{ readonly url: string; readonly stop: () => void }> => {
  const script = `
    const piece = Buffer.alloc(2048, 0x61);
    const server = require('node:http').createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.cork();
      for (let i = 0; i < ${kib / 2}; i++) res.write(piece);
      res.uncork();
      const total = res.writableLength + res.socket.writableLength;
      let marked = false;
      const mark = () => {
        clearInterval(poll);
        if (!marked) require('node:fs').writeFileSync(${JSON.stringify(marker)}, '');
        marked = true;
      };
      const poll = setInterval(() => {
        if (total - res.writableLength - res.socket.writableLength >= ${backlogKiB * 1024}) mark();
      }, 1);
      res.end(mark);
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => {
      resolve(d.toString().trim());
    });
    child.once('exit', (code) => {
      reject(new Error(`chunked server exited with ${String(code)}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      child.kill();
    },
  };
};

/** The body (KiB) and what of it sits in the socket before the client reads on. */
const BODY_KIB = 512;
const BACKLOG_KIB = 256;

/**
 * What handling one chunk costs, in ms (a decoder's work): a whole slice, so that every second chunk
 * of an event-loop turn ends one, however the runtime groups the body into chunks.
 */
const COST_MS = READ_SLICE_MS;

describe('a response body read faster than it is handled (real HTTP)', () => {
  const stops: Array<() => void> = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    vi.restoreAllMocks();
  });

  /**
   * Reads the body as a request of `verb`, each chunk taking COST_MS: the most chunks handled in
   * one event-loop turn, and how often a response was paused.
   */
  const readFast = async (verb: 'list' | 'watch'): Promise<{ readonly mostPerTurn: number; readonly pauses: number }> => {
    const dir = await mkdtemp(join(tmpdir(), 'kube-rx-slices-'));
    const marker = join(dir, 'backlog');
    const server = await chunkedServer(BODY_KIB, BACKLOG_KIB, marker);
    // the server first, then its marker's directory
    stops.push(server.stop, () => {
      rmSync(dir, { recursive: true, force: true });
    });
    const pause = vi.spyOn(IncomingMessage.prototype, 'pause');
    /** Holds the first chunk's handler until the server's backlog sits in the socket (at most 30 s). */
    const awaitBacklog = (): void => {
      const until = performance.now() + 30_000;
      while (!existsSync(marker)) {
        if (performance.now() > until) throw new Error(`the server never had ${String(BACKLOG_KIB)} KiB taken by the kernel`);
      }
    };
    // the event loop's turns, counted by a setImmediate that re-arms itself
    let turn = 0;
    let counting = true;
    const count = (): void => {
      turn += 1;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    /** How many chunks each turn handled. */
    const perTurn = new Map<number, number>();
    let bytes = 0;
    try {
      await lastValueFrom(
        kubeStream({ kubeConfig: kubeConfigFor(server.url), verb, resource: 'blobs', path: '/blob' }).pipe(
          tap((chunk) => {
            if (bytes === 0) awaitBacklog();
            bytes += chunk.length;
            perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1);
            const until = performance.now() + COST_MS;
            while (performance.now() < until);
          }),
        ),
      );
    } finally {
      counting = false;
    }
    expect(bytes).toBe(BODY_KIB * 1024);
    return { mostPerTurn: Math.max(...perTurn.values()), pauses: pause.mock.calls.length };
  };

  it(`a LIST response: the event loop comes round after about ${READ_SLICE_MS} ms of chunks, not after everything read from the socket`, async () => {
    const { mostPerTurn, pauses } = await readFast('list');
    // a slice: the chunk that starts it and the one read once it has lasted READ_SLICE_MS
    expect(mostPerTurn).toBe(2);
    expect(pauses).toBeGreaterThan(0);
  });

  it('a watch is not sliced: its chunks are handled as the socket gives them (pausing a busy watch costs it throughput)', async () => {
    const { mostPerTurn, pauses } = await readFast('watch');
    // turns held a slice's end (a LIST pauses at the second chunk of a turn) ...
    expect(mostPerTurn).toBeGreaterThanOrEqual(2);
    // ... and the watch was never paused
    expect(pauses).toBe(0);
  });
});
