import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';

/** How long an idle kept-alive socket is kept: below the usual 5 s server keep-alive timeouts (Node's), far below kube-apiserver's 90 s. */
export const FREE_SOCKET_TIMEOUT_MS = 4_000;
/** Distinct (server, TLS identity) pairs kept; the oldest agent is destroyed beyond (rotated client certificates). */
export const MAX_AGENTS = 32;

/** The TLS fields of request options that identify a connection's peer and our identity on it. */
const TLS_FIELDS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername', 'ciphers', 'secureProtocol'] as const;

const material = (value: unknown): unknown =>
  Buffer.isBuffer(value) ? value.toString('base64') : Array.isArray(value) ? value.map(material) : value;

/** A digest of the server and the TLS identity (never the material itself: a key holds secrets). */
const identityOf = (target: URL, options: RequestOptions): string => {
  const record = options as Readonly<Record<string, unknown>>;
  const agentOptions = (options.agent as { readonly options?: Readonly<Record<string, unknown>> } | undefined)?.options ?? {};
  const fields = TLS_FIELDS.map((f) => material(record[f] ?? agentOptions[f]));
  return createHash('sha256').update(JSON.stringify([target.protocol, target.host, fields])).digest('hex');
};

/**
 * Shared keep-alive agents per (server, TLS identity), so that requests reuse connections.
 * client-node 1.4's `applyToHTTPSOptions` makes a new `https.Agent` per call, and 2.x caches one
 * per (cluster, user) but without keep-alive: either way every request (lease renews, writes,
 * lists, each watch) opened a new TCP and TLS connection. `reuse` swaps such a per-request agent
 * (exactly an `http.Agent` or `https.Agent`, never a proxy agent or a subclass) for the pool's
 * keep-alive agent of the same server and TLS material. Idle sockets close after
 * {@link FREE_SOCKET_TIMEOUT_MS} and are unref'd (they keep no process alive). That timeout is
 * meant for free sockets only: Node's `Agent` gives it to sockets in use too, and refreshes the
 * timer on every chunk read; `reuse` answers whether it pooled the request, and the caller then
 * clears it while the socket is in use (the agent sets it again when the socket is freed).
 *
 * Maps to client-go's shared `http.Transport` per `rest.Config` TLS identity (`tlsCache`).
 *
 * State: a Map from the sha256 of (protocol, host:port, TLS material) to its agent, insertion
 * ordered; beyond {@link MAX_AGENTS} the oldest is destroyed.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx, used by every request
 * import { agentPool } from './agentPool.js';
 * const pool = agentPool();
 * // after kubeConfig.applyToHTTPSOptions(options): pool.reuse(url, options); https.request(options)
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export const agentPool = (freeSocketTimeoutMs = FREE_SOCKET_TIMEOUT_MS, maxAgents = MAX_AGENTS) => {
  const agents = new Map<string, HttpAgent>();
  return {
    /**
     * Replaces `options.agent` by the pool's keep-alive agent when it is a plain per-request one;
     * true when it did (the request's socket is then a pooled one).
     */
    reuse: (target: URL, options: RequestOptions): boolean => {
      const given = options.agent;
      const plainHttps = given instanceof HttpsAgent && given.constructor === HttpsAgent;
      const plainHttp = given instanceof HttpAgent && given.constructor === HttpAgent;
      if (!plainHttps && !plainHttp) return false;
      const key = identityOf(target, options);
      let agent = agents.get(key);
      if (agent === undefined) {
        const base = { ...(given as HttpAgent & { readonly options?: object }).options, keepAlive: true, timeout: freeSocketTimeoutMs, scheduling: 'lifo' as const };
        agent = plainHttps ? new HttpsAgent(base) : new HttpAgent(base);
        agents.set(key, agent);
        if (agents.size > maxAgents) {
          const [oldestKey, oldest] = agents.entries().next().value ?? [];
          if (oldestKey !== undefined) agents.delete(oldestKey);
          oldest?.destroy();
        }
      }
      given.destroy();
      options.agent = agent;
      return true;
    },
    /** Agents kept. */
    size: (): number => agents.size,
  };
};
