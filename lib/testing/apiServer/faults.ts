import { prng } from '../../internal/prng.js';

/**
 * The verbs the embedded API server tells apart, as kube-apiserver's authorizer names them.
 *
 * Maps to `authorizer.Attributes.GetVerb()`.
 *
 * @category testing
 * @since 0.1.0
 */
export type ApiVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

/**
 * Which requests a fault applies to: every field given must match; `{}` matches every request
 * (discovery included). `resource` accepts any name `resolveResource` accepts.
 *
 * @example
 * ```ts
 * import type { FaultMatch } from 'kube-rx/testing';
 * const firstWatchOfConfigMaps: FaultMatch = { verb: 'watch', resource: 'configmaps' };
 * ```
 * @category testing
 * @since 0.1.0
 */
export interface FaultMatch {
  readonly verb?: ApiVerb;
  readonly resource?: string;
}

/**
 * Options of {@link Faults.respond}.
 *
 * @category testing
 * @since 0.1.0
 */
export interface RespondOptions {
  /** Sets the `Retry-After` header and the Status' `details.retryAfterSeconds`. */
  readonly retryAfterSeconds?: number;
  /** How many matching requests get this answer (default 1). */
  readonly times?: number;
  /** The Status message (default: a generic one naming the code). */
  readonly message?: string;
}

/**
 * Options of {@link Faults.delayWatchEvents}.
 *
 * @example
 * ```ts
 * import type { WatchDelayOptions } from 'kube-rx/testing';
 * const slowNetwork: WatchDelayOptions = { ms: 50, jitterMs: 20, seed: 14 };
 * ```
 * @category testing
 * @since 0.3.0
 */
export interface WatchDelayOptions {
  /** The least delay of each event line, in ms (>= 0). */
  readonly ms: number;
  /** A random extra delay in [0, jitterMs) per event (default 0), drawn from a generator seeded by `seed`. */
  readonly jitterMs?: number;
  /** The seed of the jitter (default 0): the same seed delays the same sequence of events alike. */
  readonly seed?: number;
}

/**
 * Options of {@link Faults.restart}.
 *
 * @example
 * ```ts
 * import type { RestartOptions } from 'kube-rx/testing';
 * const coldRestart: RestartOptions = { keepHistory: false, downForMs: 500 };
 * ```
 * @category testing
 * @since 0.2.0
 */
export interface RestartOptions {
  /**
   * Whether watches and continue tokens from before the restart stay servable (default true: a
   * restart behind a load balancer whose peers still hold the history). `false` forgets the
   * history as a restarted kube-apiserver's watch cache does: a watch from an older
   * resourceVersion gets `410 Expired`, and so does every continue token issued before.
   */
  readonly keepHistory?: boolean;
  /** How long the port refuses connections before the server listens again (default 200 ms). */
  readonly downForMs?: number;
}

/**
 * Fault injection of the embedded API server. Each fault applies to the next matching
 * request(s), then clears itself.
 *
 * Maps to nothing in kube-apiserver: these are the failures a real cluster shows under load,
 * restarts and network trouble (throttling, `410 Gone`, dropped connections, proxies that mangle
 * or stall a stream).
 *
 * @example
 * ```ts
 * import { startApiServer } from 'kube-rx/testing';
 * const server = await startApiServer();
 * server.faults.respond({ verb: 'list' }, 429, { retryAfterSeconds: 1 });
 * server.faults.dropWatches({ midLine: true });
 * await server.faults.restart({ keepHistory: false }); // resolves when it serves again
 * await server.close();
 * ```
 * @category testing
 * @since 0.1.0
 */
export interface Faults {
  /** The next `times` (default 1) matching requests are answered with `code` and a failure Status. */
  respond(match: FaultMatch, code: number, options?: RespondOptions): void;
  /**
   * Destroys every open watch connection now (no terminating chunk: the client sees the
   * connection reset), after writing the first half of an event line if `midLine`. Returns how
   * many watches were dropped.
   */
  dropWatches(options?: { readonly midLine?: boolean }): number;
  /** The next event written on a matching watch (open or to come) is preceded by a line that is not JSON. */
  garbageLine(match?: FaultMatch): void;
  /** The next matching watch sends its headers, then never a byte (no events, no bookmarks, no timeout) until closed. */
  stall(match?: FaultMatch): void;
  /**
   * From now until `clear()`, every event line of a matching watch (open or to come; bookmarks
   * and the end of the stream included) is written `ms` plus a seeded jitter in [0, `jitterMs`)
   * after it happened, never before the line in front of it (order is kept): a slow network or
   * a lagging watch cache. Writes are not delayed, so a client's write returns before its watch
   * delivers the change: the window read-your-writes must close. A later call replaces the delay
   * for the same match.
   *
   * ```
   * writes:   a--b-----c
   * watch:    ----a--b-----c        (ms = 4 frames, jitter 0)
   * ```
   */
  delayWatchEvents(match: FaultMatch | undefined, options: WatchDelayOptions): void;
  /** Every continue token issued so far is answered with `410 Expired`. */
  expireContinueTokens(): void;
  /**
   * Simulates a kube-apiserver restart: destroys every open connection (watches, lists in
   * flight, idle keep-alive sockets), closes the listening socket, and listens again on the same
   * port after `downForMs` (connections meanwhile are refused: `ECONNREFUSED`). Stored objects and
   * the resourceVersion are kept (etcd survives); with `keepHistory: false` the watch history and
   * continue tokens are forgotten. Writes through the seeding methods keep working while it is
   * down (as writes through another replica would). Pending faults stay armed.
   *
   * Resolves when the server serves again; rejects if the port cannot be bound again or the
   * server is closed meanwhile. Restarts queue behind each other.
   *
   * Maps to a kube-apiserver process restart: etcd keeps its objects and revision, the watch cache
   * is rebuilt from etcd at the current revision (`keepHistory: false`), or another replica that
   * still holds the history answers (`keepHistory: true`).
   *
   * ```
   * watch ──a──b──X  (connection reset)   refused…   listening ── watch?rv=b ──c──   (keepHistory)
   *                                                              watch?rv=b ──ERROR 410|   (keepHistory: false)
   * ```
   */
  restart(options?: RestartOptions): Promise<void>;
  /** Removes every pending fault. */
  clear(): void;
}

/** A pending `respond` fault. */
interface PendingResponse {
  readonly verb: ApiVerb | undefined;
  readonly resource: string | undefined;
  readonly code: number;
  readonly options: RespondOptions;
  remaining: number;
}

interface PendingMatch {
  readonly verb: ApiVerb | undefined;
  readonly resource: string | undefined;
}

/** A standing watch delay: its match and the delay of the next event. */
interface WatchDelay extends PendingMatch {
  readonly next: () => number;
}

/**
 * The server's side of {@link Faults}: the public methods plus what the request handlers consume.
 *
 * @category testing
 * @since 0.1.0
 */
export interface FaultState extends Faults {
  /** Consumes and returns the response fault for this request, if one matches. */
  takeResponse(verb: ApiVerb | undefined, resource: string | undefined): { readonly code: number; readonly options: RespondOptions } | undefined;
  /** Consumes a pending garbage line for a watch of `resource`. */
  takeGarbage(resource: string): boolean;
  /** Consumes a pending stall for a watch of `resource`. */
  takeStall(resource: string): boolean;
  /** How long to hold the next event line of a watch of `resource` (0: no delay fault). */
  watchEventDelay(resource: string): number;
  /** The generation of continue tokens: tokens of an older one are expired. */
  tokenGeneration(): number;
}

/**
 * Creates the fault state of one server. `resolve` maps a resource name of a {@link FaultMatch}
 * to the server's resource id (a name it does not serve is a `TypeError`); `drop` destroys the
 * open watches; `restart` carries out {@link Faults.restart}.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { createFaultState } from './faults.js';
 * const faults = createFaultState((name) => name, () => 0, () => Promise.resolve());
 * faults.respond({ verb: 'list' }, 500);
 * faults.takeResponse('list', 'configmaps')?.code; // 500
 * faults.takeResponse('list', 'configmaps'); // undefined
 * ```
 * @category testing
 * @since 0.1.0
 */
export const createFaultState = (
  resolve: (name: string) => string | undefined,
  drop: (midLine: boolean) => number,
  restart: (options: RestartOptions) => Promise<void>,
): FaultState => {
  let responses: Array<PendingResponse> = [];
  let garbage: Array<PendingMatch> = [];
  let stalls: Array<PendingMatch> = [];
  let delays: Array<WatchDelay> = [];
  let generation = 0;

  const toMatch = (match: FaultMatch | undefined): PendingMatch => {
    const resource = match?.resource === undefined ? undefined : resolve(match.resource);
    if (match?.resource !== undefined && resource === undefined) {
      throw new TypeError(`faults: the server does not serve a resource named "${match.resource}"`);
    }
    return { verb: match?.verb, resource };
  };
  const matches = (m: PendingMatch, verb: ApiVerb | undefined, resource: string | undefined): boolean =>
    (m.verb === undefined || m.verb === verb) && (m.resource === undefined || m.resource === resource);
  const take = (list: Array<PendingMatch>, resource: string): boolean => {
    const i = list.findIndex((m) => matches(m, 'watch', resource));
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  };

  return {
    respond: (match, code, options = {}) => {
      const m = toMatch(match);
      responses.push({ ...m, code, options, remaining: options.times ?? 1 });
    },
    dropWatches: (options = {}) => drop(options.midLine ?? false),
    garbageLine: (match) => {
      garbage.push(toMatch(match));
    },
    stall: (match) => {
      stalls.push(toMatch(match));
    },
    delayWatchEvents: (match, options) => {
      const { ms, jitterMs = 0, seed = 0 } = options;
      if (!(ms >= 0) || !(jitterMs >= 0)) throw new TypeError(`faults.delayWatchEvents: ms and jitterMs must be >= 0, got ${ms} and ${jitterMs}`);
      const m = toMatch(match);
      if (m.verb !== undefined && m.verb !== 'watch') throw new TypeError(`faults.delayWatchEvents: only watches are delayed, got verb "${m.verb}"`);
      const random = prng(seed);
      delays = [...delays.filter((d) => d.resource !== m.resource), { ...m, next: () => ms + Math.floor(jitterMs * random()) }];
    },
    expireContinueTokens: () => {
      generation += 1;
    },
    restart: (options = {}) => restart(options),
    clear: () => {
      responses = [];
      garbage = [];
      stalls = [];
      delays = [];
    },
    takeResponse: (verb, resource) => {
      const found = responses.find((r) => matches(r, verb, resource));
      if (found === undefined) return undefined;
      found.remaining -= 1;
      if (found.remaining <= 0) responses = responses.filter((r) => r !== found);
      return { code: found.code, options: found.options };
    },
    takeGarbage: (resource) => take(garbage, resource),
    takeStall: (resource) => take(stalls, resource),
    // a delay for this resource wins over one for every resource
    watchEventDelay: (resource) => (delays.find((d) => d.resource === resource) ?? delays.find((d) => d.resource === undefined))?.next() ?? 0,
    tokenGeneration: () => generation,
  };
};
