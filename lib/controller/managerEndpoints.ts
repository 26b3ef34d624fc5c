import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { BehaviorSubject, filter, Observable } from 'rxjs';

import { messageOf } from '../internal/messageOf.js';
import type { LeaderState } from '../leaderelection/leaderElection.js';

/**
 * Where `/metrics` gets its text: a function, or a registry-like object with `metrics()` (a
 * prom-client `Registry` fits, as does `register`; its `contentType` is used when present). kube-rx
 * never imports prom-client here: pass the registry the `kube-rx/prometheus` adapter filled.
 *
 * Maps to controller-runtime's `metrics.Registry` behind the manager's metrics server.
 *
 * @example
 * ```ts
 * import type { MetricsSource } from 'kube-rx';
 * const source: MetricsSource = async () => '# no metrics\n';
 * ```
 * @category controller
 * @since 0.3.0
 */
export type MetricsSource = (() => Promise<string>) | { metrics(): Promise<string>; readonly contentType?: string };

/**
 * Options of {@link managerEndpoints}.
 *
 * Maps to controller-runtime's `manager.Options` `HealthProbeBindAddress` and `Metrics.BindAddress`
 * (here one listener serves both).
 *
 * @example
 * ```ts
 * import type { ManagerEndpointsConfig } from 'kube-rx';
 * const config: ManagerEndpointsConfig = { host: '0.0.0.0', port: 8081 };
 * ```
 * @category controller
 * @since 0.3.0
 */
export interface ManagerEndpointsConfig {
  /** The port to bind (default 8081, controller-runtime's usual probe port; 0 picks a free one). */
  readonly port?: number;
  /** The address to bind (default: every address, as Node's `listen` does without one). */
  readonly host?: string;
  /** What `/metrics` serves; without it `/metrics` answers 404. */
  readonly metrics?: MetricsSource;
}

/**
 * The address the endpoints are bound to.
 *
 * @category controller
 * @since 0.3.0
 */
export interface EndpointsAddress {
  readonly address: string;
  readonly port: number;
  readonly family: string;
}

/**
 * Why the endpoints could not be served (the listener could not bind: the port is taken, the
 * address does not exist ...). The manager's `run()` errors with it.
 *
 * @category controller
 * @since 0.3.0
 */
export interface EndpointsError {
  readonly _tag: 'EndpointsError';
  readonly message: string;
  /** The system error code: `EADDRINUSE`, `EACCES`, ... */
  readonly code?: string;
}

/**
 * What the manager tells its endpoints: the informers in use with their sync state, and (with
 * leader election) the leadership state so far (`undefined` before the first).
 *
 * @category controller
 * @since 0.3.0
 */
export interface ManagerHealth {
  readonly informers: () => ReadonlyArray<{ readonly name: string; readonly synced: boolean }>;
  /** Absent without leader election. */
  readonly leader?: () => LeaderState | undefined;
}

/**
 * A manager's HTTP endpoints, passed to `run({ endpoints })`: they listen while the manager runs.
 *
 * @category controller
 * @since 0.3.0
 */
export interface ManagerEndpoints {
  /** The bound address while serving, else `undefined`. */
  address(): EndpointsAddress | undefined;
  /** The bound address each time the endpoints start listening (the current one first, if any). */
  readonly listening$: Observable<EndpointsAddress>;
  /**
   * Runs `main$` with the endpoints serving `health`: the listener starts on subscribe and closes
   * when `main$` ends (the result then ends as `main$` did, once the listener is closed) or on
   * unsubscribe. A listener that cannot bind errors the result with an {@link EndpointsError}.
   */
  serveWhile<T>(health: ManagerHealth, main$: Observable<T>): Observable<T>;
}

interface Check {
  readonly name: string;
  readonly ok: boolean;
  /** Shown after `ok` in the verbose output (controller-runtime withholds failure reasons). */
  readonly detail?: string;
}

const leaderDetail = (state: LeaderState | undefined): string =>
  state === undefined
    ? 'not decided yet'
    : state._tag === 'Leading'
      ? 'leading'
      : state.leader === undefined
        ? 'following, no leader known'
        : `following ${state.leader}`;

/** `/readyz`'s checks: one per informer (synced), and the leadership state, which never fails readiness. */
const readyChecks = (health: ManagerHealth): ReadonlyArray<Check> => [
  ...health.informers().map((i) => ({ name: `informer-${i.name}`, ok: i.synced })),
  ...(health.leader === undefined ? [] : [{ name: 'leader-election', ok: true, detail: leaderDetail(health.leader()) }]),
];

/**
 * Answers a health path as controller-runtime's `healthz.handleRootHealthz` does: `ok` when every
 * check passes (the list with `?verbose`), the list and `<path> check failed` with 500 otherwise;
 * `?exclude=name` skips a check.
 */
const answerChecks = (path: string, checks: ReadonlyArray<Check>, url: URL, res: ServerResponse): void => {
  const excluded = new Set(url.searchParams.getAll('exclude'));
  let failed = false;
  const lines: string[] = [];
  for (const c of checks) {
    if (excluded.delete(c.name)) {
      lines.push(`[+]${c.name} excluded: ok`);
    } else if (c.ok) {
      lines.push(`[+]${c.name} ok${c.detail === undefined ? '' : ` (${c.detail})`}`);
    } else {
      failed = true;
      lines.push(`[-]${c.name} failed: reason withheld`);
    }
  }
  if (excluded.size > 0) lines.push(`warn: some health checks cannot be excluded: no matches for ${[...excluded].map((n) => JSON.stringify(n)).join(',')}`);
  const verbose = url.searchParams.has('verbose');
  const body = failed ? `${lines.join('\n')}\n${path} check failed\n` : verbose ? `${lines.join('\n')}\n${path} check passed\n` : 'ok';
  res.writeHead(failed ? 500 : 200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(body);
};

/** `/healthz/NAME`, `/readyz/NAME`: one check, as controller-runtime's `adaptCheckToHandler`. */
const answerOneCheck = (c: Check | undefined, res: ServerResponse): void => {
  const headers = { 'content-type': 'text/plain; charset=utf-8' };
  if (c === undefined) res.writeHead(404, headers).end('no such check\n');
  else if (c.ok) res.writeHead(200, headers).end('ok');
  else res.writeHead(500, headers).end(`internal server error: ${c.name} not ready\n`);
};

/** Liveness: the manager runs (the listener only serves while it does). */
const PING: ReadonlyArray<Check> = [{ name: 'ping', ok: true }];

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

const answerMetrics = (source: MetricsSource | undefined, res: ServerResponse): void => {
  if (source === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('no metrics registry configured\n');
    return;
  }
  const [text, contentType] = typeof source === 'function' ? [source(), PROMETHEUS_TEXT] : [source.metrics(), source.contentType ?? PROMETHEUS_TEXT];
  text.then(
    (body) => {
      res.writeHead(200, { 'content-type': contentType }).end(body);
    },
    (error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`collecting metrics failed: ${messageOf(error)}\n`);
    },
  );
};

const handler =
  (health: ManagerHealth, metrics: MetricsSource | undefined) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://endpoints');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    const [, root = '', check] = /^\/([^/]+)(?:\/(.+))?$/.exec(url.pathname) ?? [];
    const checks = root === 'readyz' ? readyChecks(health) : root === 'healthz' || root === 'livez' ? PING : undefined;
    if (checks !== undefined) {
      if (check === undefined) answerChecks(root, checks, url, res);
      else answerOneCheck(checks.find((c) => c.name === check), res);
      return;
    }
    switch (url.pathname) {
      case '/metrics':
        answerMetrics(metrics, res);
        return;
      default:
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  };

const endpointsError = (error: unknown): EndpointsError => {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return { _tag: 'EndpointsError', message: `manager endpoints: ${messageOf(error)}`, ...(code === undefined ? {} : { code }) };
};

/**
 * A manager's HTTP endpoints on one `node:http` listener: `/healthz` (liveness: 200 `ok` while the
 * manager runs; `/livez` too), `/readyz` (readiness: 200 once every informer the manager uses has
 * synced, else 500 naming the informers not synced; with leader election the leadership state is
 * listed, and, as in controller-runtime, a replica that does not lead is still ready: standbys
 * keep warm caches and take over at once), and `/metrics` (the text of a {@link MetricsSource},
 * e.g. the prom-client registry `kube-rx/prometheus` fills). Pass it to the manager's
 * `run({ endpoints })`: it listens from the start of the run until the run has ended (drain
 * included), and closes when the run is unsubscribed.
 *
 * Maps to controller-runtime's manager health probe server (`HealthProbeBindAddress`,
 * `AddHealthzCheck`/`AddReadyzCheck`, `pkg/healthz`: `ok`, `?verbose`, `?exclude=`,
 * `[-]name failed: reason withheld`, one check at `/readyz/NAME`) and its metrics server
 * (`Metrics.BindAddress`). As there, the listener starts before the caches and serves whether
 * or not this replica leads.
 *
 * ```
 * run():      ^--------------------stop---drained|
 * listening:  ^-------------------------------------!     (port 0: see address() / listening$)
 * /readyz:    500 (informer-cms not synced) -- 200 ok ----
 * ```
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { controllerManager, managerEndpoints } from 'kube-rx';
 *
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const mgr = controllerManager({ kubeConfig });
 * mgr.observe(mgr.select('cms', { resource: 'configmaps' }), (events$) => events$);
 * const endpoints = managerEndpoints({ port: 8081, metrics: async () => '' });
 * endpoints.listening$.subscribe((a) => console.log(`probes on ${a.address}:${a.port}`));
 * mgr.run({ handleSignals: true, endpoints }).subscribe();
 * ```
 * @category controller
 * @since 0.3.0
 */
export const managerEndpoints = (config: ManagerEndpointsConfig = {}): ManagerEndpoints => {
  const { port = 8081, host, metrics } = config;
  const bound = new BehaviorSubject<EndpointsAddress | undefined>(undefined);
  return {
    address: () => bound.value,
    listening$: bound.pipe(filter((a): a is EndpointsAddress => a !== undefined)),
    serveWhile: <T>(health: ManagerHealth, main$: Observable<T>): Observable<T> =>
      new Observable<T>((subscriber) => {
        const server: Server = createServer(handler(health, metrics));
        let open = true;
        const close = (then?: () => void): void => {
          if (!open) {
            then?.();
            return;
          }
          open = false;
          bound.next(undefined);
          server.close(() => then?.());
          server.closeAllConnections();
        };
        server.once('error', (error: unknown) => {
          close();
          subscriber.error(endpointsError(error));
        });
        server.listen({ port, ...(host === undefined ? {} : { host }) }, () => {
          const a = server.address() as AddressInfo | null;
          if (!open || a === null) {
            server.close(); // the run ended before the listener was up
            return;
          }
          bound.next({ address: a.address, port: a.port, family: a.family });
        });
        const main = main$.subscribe({
          next: (v) => {
            subscriber.next(v);
          },
          error: (error: unknown) => {
            close(() => {
              subscriber.error(error);
            });
          },
          complete: () => {
            close(() => {
              subscriber.complete();
            });
          },
        });
        return (): void => {
          main.unsubscribe();
          close();
        };
      }),
  };
};
