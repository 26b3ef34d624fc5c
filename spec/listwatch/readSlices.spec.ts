import { spawn } from 'node:child_process';

import { lastValueFrom, tap } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';

import { kubeStream } from '../../lib/listwatch/kubeRequest.js';
import { READ_SLICE_MS, readSlices } from '../../lib/listwatch/readSlices.js';
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
    reader: (name: string) => [() => log.push(`pause ${name}`), () => log.push(`resume ${name}`)] as const,
  };
};

describe('readSlices', () => {
  it('chunks within the slice pause nothing and defer nothing (a chunk that arrives alone costs two clock reads)', () => {
    const h = harness();
    const [pause, resume] = h.reader('a');
    h.slices.chunk(pause, resume);
    h.advance(4);
    h.slices.chunk(pause, resume);
    expect(h.deferred).toEqual([]);
    expect(h.log).toEqual([]);
  });

  it('a chunk read once the slice has lasted its time pauses its reader; every paused reader resumes when the event loop comes round', () => {
    const h = harness();
    const [pa, ra] = h.reader('a');
    const [pb, rb] = h.reader('b');
    h.slices.chunk(pa, ra);
    h.advance(5);
    h.slices.chunk(pa, ra);
    h.slices.chunk(pb, rb);
    expect(h.log).toEqual(['pause a', 'pause b']);
    expect(h.deferred).toHaveLength(1);
    h.comeRound();
    expect(h.log).toEqual(['pause a', 'pause b', 'resume a', 'resume b']);
  });

  it('the event loop idling ends the slice: chunks far apart never pause', () => {
    const h = harness();
    const [pause, resume] = h.reader('a');
    for (let i = 0; i < 10; i++) {
      h.slices.chunk(pause, resume);
      h.advance(1);
      h.idle(1);
    }
    expect(h.log).toEqual([]);
    expect(h.deferred).toEqual([]);
  });

  it('after the event loop came round, the next chunk starts a new slice', () => {
    const h = harness();
    const [pause, resume] = h.reader('a');
    h.slices.chunk(pause, resume);
    h.advance(6);
    h.slices.chunk(pause, resume);
    h.comeRound();
    h.slices.chunk(pause, resume);
    h.advance(4);
    h.slices.chunk(pause, resume);
    expect(h.log).toEqual(['pause a', 'resume a']);
    expect(h.deferred).toEqual([]);
  });
});

/**
 * A plain HTTP server in a child process (its writes do not wait for this event loop) that answers
 * every request with `mib` MiB in HTTP chunks of 2 KiB, written together: each read of the socket
 * holds many chunks, and Node's HTTP parser hands each to the response as its own `data` event.
 */
const chunkedServer = async (mib: number): Promise<{ readonly url: string; readonly stop: () => void }> => {
  const script = `
    const piece = Buffer.alloc(2048, 0x61);
    const server = require('node:http').createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      for (let run = 0; run < ${mib * 16}; run++) {
        res.cork();
        for (let i = 0; i < 32; i++) res.write(piece);
        res.uncork();
      }
      res.end();
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

/** What handling one chunk costs, in ms (a decoder's work). */
const COST_MS = 0.5;

describe('a response body read faster than it is handled (real HTTP)', () => {
  const stops: Array<() => void> = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  /** The most chunks of one response handled in one event-loop turn, each taking COST_MS, for a request of `verb`. */
  const mostChunksPerTurn = async (verb: 'list' | 'watch'): Promise<number> => {
    const mib = 2;
    const server = await chunkedServer(mib);
    stops.push(server.stop);
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
    expect(bytes).toBe(mib * 2 ** 20);
    return Math.max(...perTurn.values());
  };

  it(`a LIST response: the event loop comes round after about ${READ_SLICE_MS} ms of chunks, not after everything read from the socket`, async () => {
    // a slice: the chunks handled within READ_SLICE_MS and the one that ends it (a chunk handled in
    // less than COST_MS when the machine is busy only makes fewer fit)
    expect(await mostChunksPerTurn('list')).toBeLessThanOrEqual(Math.ceil(READ_SLICE_MS / COST_MS) + 1);
  });

  it('a watch is not sliced: its chunks are handled as the socket gives them (pausing a busy watch costs it throughput)', async () => {
    expect(await mostChunksPerTurn('watch')).toBeGreaterThan(Math.ceil(READ_SLICE_MS / COST_MS) + 1);
  });
});
