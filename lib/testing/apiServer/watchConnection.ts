import type { ServerResponse } from 'node:http';

import type { KubeObject } from '../../meta/KubeObject.js';
import type { StoredEvent } from './ObjectStore.js';

/**
 * One line of a watch stream as the server sends it.
 *
 * Maps to `metav1.WatchEvent` (`{type, object}`).
 *
 * @category testing
 * @since 0.1.0
 */
export interface WireWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: unknown;
}

/**
 * What a watcher with a namespace and selectors sees of a stored event: an object that stops
 * matching on MODIFIED becomes DELETED (with its previous content and the event's
 * resourceVersion), one that starts matching becomes ADDED, and non-matching ones are dropped.
 *
 * Maps to the apiserver watch cache's `cacheWatcher.convertToWatchEvent`.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { filterStoredEvent } from './watchConnection.js';
 * const prev = { metadata: { name: 'a', labels: { app: 'x' } } };
 * const object = { metadata: { name: 'a', resourceVersion: '3' } };
 * filterStoredEvent({ rv: 3, resource: 'configmaps', key: 'a', type: 'MODIFIED', object, prev }, (o) => o.metadata.labels?.['app'] === 'x');
 * // { type: 'DELETED', object: { metadata: { name: 'a', labels: { app: 'x' }, resourceVersion: '3' } } }
 * ```
 * @category testing
 * @since 0.1.0
 */
export const filterStoredEvent = (
  event: StoredEvent,
  matches: (obj: KubeObject) => boolean,
): WireWatchEvent | undefined => {
  const cur = event.type !== 'DELETED' && matches(event.object);
  const old = event.prev !== undefined && matches(event.prev);
  switch (event.type) {
    case 'ADDED':
      return cur ? { type: 'ADDED', object: event.object } : undefined;
    case 'DELETED':
      return old || matches(event.object) ? { type: 'DELETED', object: event.object } : undefined;
    case 'MODIFIED':
      if (cur && old) return { type: 'MODIFIED', object: event.object };
      if (cur) return { type: 'ADDED', object: event.object };
      if (event.prev !== undefined && old) {
        return {
          type: 'DELETED',
          object: { ...event.prev, metadata: { ...event.prev.metadata, resourceVersion: String(event.rv) } },
        };
      }
      return undefined;
  }
};

/**
 * Configuration of a {@link WatchConnection}.
 *
 * @category testing
 * @since 0.1.0
 */
export interface WatchConnectionConfig {
  readonly res: ServerResponse;
  /** The resource id this watch is on. */
  readonly resource: string;
  /** Events queued while the socket does not drain; past this the watcher is dropped (as a slow watcher is). */
  readonly bufferLimit: number;
  /** Called before each event line: true to precede it with a garbage line. */
  readonly takeGarbage: () => boolean;
  /** Called for each event line and for the end: how many ms to hold it back (0 or absent: none; order is kept). */
  readonly delayOf?: () => number;
  /** Called once, when the connection is over for any reason. */
  readonly onClose: () => void;
}

/**
 * One open watch: writes NDJSON lines with backpressure, owns its timers, and tears down once.
 *
 * Maps to the apiserver's `WatchServer` serving one `cacheWatcher`.
 *
 * @category testing
 * @since 0.1.0
 */
export interface WatchConnection {
  readonly resource: string;
  /** Queues one event line. */
  send(event: WireWatchEvent): void;
  /** Ends the response cleanly (terminating chunk) once the queue is written. */
  end(): void;
  /** Destroys the socket (after half a line if `midLine`). */
  drop(midLine: boolean): void;
  /** Registers a timer to clear on close. */
  own(timer: NodeJS.Timeout): void;
  isClosed(): boolean;
}

/**
 * Opens a {@link WatchConnection} on a response whose headers are not yet sent: status 200,
 * `application/json`, chunked.
 *
 * @category testing
 * @since 0.1.0
 */
export const openWatchConnection = (config: WatchConnectionConfig): WatchConnection => {
  const { res } = config;
  const queue: Array<string> = [];
  const timers: Array<NodeJS.Timeout> = [];
  let closed = false;
  let waiting = false;
  let ending = false;
  /** `end()` was called (the end may still be held back by a delay fault). */
  let endCalled = false;
  /** Lines (undefined: the end) held back by a delay fault, due in order. */
  const held: Array<{ readonly due: number; readonly line: string | undefined }> = [];
  let heldTimer: NodeJS.Timeout | undefined;

  const teardown = (): void => {
    if (closed) return;
    closed = true;
    for (const t of timers) clearTimeout(t);
    if (heldTimer !== undefined) clearTimeout(heldTimer);
    queue.length = 0;
    held.length = 0;
    config.onClose();
  };
  const flush = (): void => {
    while (!closed && !waiting && queue.length > 0) {
      const line = queue.shift();
      if (line !== undefined && !res.write(line)) waiting = true;
    }
    if (!closed && !waiting && ending) {
      res.end();
      teardown();
    }
  };
  const enqueue = (line: string): void => {
    queue.push(line);
    if (queue.length > config.bufferLimit) {
      res.destroy();
      teardown();
      return;
    }
    flush();
  };
  /** Writes the held lines that are due, then waits for the next one. */
  const release = (): void => {
    heldTimer = undefined;
    const now = Date.now();
    while (!closed && held[0] !== undefined && held[0].due <= now) {
      const { line } = held.shift() ?? {};
      if (line === undefined) {
        ending = true;
        flush();
      } else enqueue(line);
    }
    const next = held[0];
    if (!closed && next !== undefined) heldTimer = setTimeout(release, next.due - now);
  };
  /** Holds `line` (undefined: the end) for the delay fault's time, behind the lines held before it. */
  const hold = (line: string | undefined): boolean => {
    const ms = config.delayOf?.() ?? 0;
    if (ms <= 0 && held.length === 0) return false;
    const due = Math.max(Date.now() + ms, held.at(-1)?.due ?? 0);
    held.push({ due, line });
    if (heldTimer === undefined) heldTimer = setTimeout(release, due - Date.now());
    return true;
  };
  res.on('drain', () => {
    waiting = false;
    flush();
  });
  res.on('close', teardown);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache' });
  res.flushHeaders();

  return {
    resource: config.resource,
    send: (event) => {
      if (closed || endCalled) return;
      const line = `${config.takeGarbage() ? 'this is not JSON {\n' : ''}${JSON.stringify(event)}\n`;
      if (!hold(line)) enqueue(line);
    },
    end: () => {
      if (closed || endCalled) return;
      endCalled = true;
      if (hold(undefined)) return;
      ending = true;
      flush();
    },
    drop: (midLine) => {
      if (closed) return;
      const socket = res.socket;
      if (midLine && socket !== null) {
        const line = JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '0' } } });
        res.write(line.slice(0, Math.floor(line.length / 2)), () => socket.destroy());
      } else {
        socket?.destroy();
      }
      teardown();
    },
    own: (timer) => {
      if (closed) clearTimeout(timer);
      else timers.push(timer);
    },
    isClosed: () => closed,
  };
};
