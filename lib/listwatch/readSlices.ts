/*
 * Response bodies read in slices of the event loop (issue 23). When bytes arrive faster than they
 * are decoded (a big LIST over loopback or a fast network), libuv reads a socket up to 32 times
 * (64 KiB each) in one poll phase, Node's HTTP parser hands every body chunk of a read to the
 * response at once, and each chunk is decoded in its `data` callback: one event-loop turn then
 * holds 40-80 ms of decoding, and timers, other sockets and the informer's own batches wait that
 * long. Go has no such loop to hold: client-go's decoding runs beside everything else.
 *
 * LIST (and discovery) responses are sliced, watches are not: a watch's chunks are events as they
 * happen, and pausing a busy watch into a 100k cache cost it a third of its rate (measured: more
 * collector work per event), while a streaming list's events arrive slower than they decode.
 */

/** Reading that has gone on this long (ms) without the event loop idling pauses until it comes round. */
export const READ_SLICE_MS = 5;

/** A body being read that can stop and go on reading: an `IncomingMessage` is one. */
export interface SlicedReader {
  readonly pause: () => unknown;
  readonly resume: () => unknown;
}

/**
 * The reading slice of one process: when it began, and the readers paused until the event loop
 * comes round.
 */
export interface ReadSlices {
  /**
   * Called before a chunk of `reader` is handled: a chunk after the event loop idled starts a
   * slice; one read when the slice has lasted its time pauses its reader, which resumes once the
   * event loop has come round. The chunk itself is handled either way (what was read is never held
   * back).
   */
  readonly chunk: (reader: SlicedReader) => void;
}

/**
 * The reading slices of one process (one event loop), on `now` (ms), `idleTime` (the event loop's
 * total idle time, ms: a slice ends when it moves) and `defer` (runs after the current poll phase:
 * `setImmediate`, scheduled only to resume paused readers, so that a chunk that arrives alone costs
 * two clock reads). Internal.
 */
export const readSlices = (sliceMs: number, now: () => number, idleTime: () => number, defer: (f: () => void) => void): ReadSlices => {
  let sliceStart = 0;
  /** The idle time when the slice began; NaN when no slice runs. */
  let sliceIdle = Number.NaN;
  let paused: SlicedReader[] = [];
  const endSlice = (): void => {
    sliceIdle = Number.NaN;
    const readers = paused;
    paused = [];
    for (const reader of readers) reader.resume();
  };
  return {
    chunk: (reader) => {
      const t = now();
      const idle = idleTime();
      if (idle !== sliceIdle) {
        sliceStart = t;
        sliceIdle = idle;
        return;
      }
      if (t - sliceStart < sliceMs) return;
      reader.pause();
      if (paused.length === 0) defer(endSlice);
      paused.push(reader);
    },
  };
};
