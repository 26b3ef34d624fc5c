import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { RequestOptions } from 'node:https';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';

import type { KubeConfig } from '@kubernetes/client-node';
import { isRight } from 'fp-ts/lib/Either.js';
import { Observable } from 'rxjs';

import { type Status, StatusCodec } from '../codec/Status.js';
import { messageOf } from '../internal/messageOf.js';
import { agentPool } from './agentPool.js';
import { credentialCache } from './credentialCache.js';
import { READ_SLICE_MS, readSlices } from './readSlices.js';
import { httpError, type ListerWatcherError, type ListerWatcherVerb, transportError } from './ListerWatcherError.js';
import { redactBody, redactor, secretsOf, tlsHint, warnIfInsecure } from './transportSecurity.js';

/**
 * The part of a client-node `KubeConfig` that kube-rx uses: the current cluster's server URL and
 * `applyToHTTPSOptions` (TLS material, bearer tokens, client certificates, exec and OIDC plugins,
 * `insecure-skip-tls-verify`, proxies, all as client-node supports them). Any `KubeConfig` of
 * client-node 1.4 or 2.x fits; kube-rx never loads client-node at run time.
 *
 * Maps to client-go's `rest.Config` (as built by `clientcmd`).
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import type { KubeConfigLike } from 'kube-rx';
 * const kc = new KubeConfig();
 * kc.loadFromDefault();
 * const config: KubeConfigLike = kc;
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export type KubeConfigLike = Pick<KubeConfig, 'getCurrentCluster' | 'applyToHTTPSOptions'>;

/**
 * One request to the API server (a GET unless `method` says otherwise), as {@link kubeGet} and {@link kubeStream} make it.
 *
 * Maps to client-go's `rest.Request` (`Verb("GET")`, `AbsPath`, `Param`s).
 *
 * @example
 * ```ts
 * import type { KubeRequest } from 'kube-rx/protocol';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const r: KubeRequest = {
 *   kubeConfig, verb: 'list', resource: 'configmaps', namespace: 'default',
 *   path: '/api/v1/namespaces/default/configmaps', query: { limit: '500' },
 * };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export interface KubeRequest {
  readonly kubeConfig: KubeConfigLike;
  /** For error values and messages only. */
  readonly verb: ListerWatcherVerb;
  /** The resource as `plural.group` (`configmaps`, `deployments.apps`) or the discovery path, for errors. */
  readonly resource: string;
  /** The namespace the request is about, for error messages; absent for cluster-wide requests. */
  readonly namespace?: string;
  /** When the resource is namespaced but no namespace is given, messages say "in all namespaces". */
  readonly namespaced?: boolean;
  /** The API path, appended to the path of the cluster's server URL. */
  readonly path: string;
  /** Query parameters; `undefined` values are left out. */
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** `User-Agent` header. Default `kube-rx`. */
  readonly userAgent?: string;
  /**
   * `Accept` header. Default `application/json`; a metadata-only list or watch asks for
   * `PartialObjectMetadataList` / `PartialObjectMetadata` here.
   * @since 0.3.0
   */
  readonly accept?: string;
  /**
   * Byte-level watchdog: when nothing arrives for this long (from the start of the request, then
   * after the response head and each chunk), the request is destroyed and the Observable errors
   * with a `TransportError` with code `'ETIMEDOUT'`. Never before this long, at most a quarter
   * of it later (the watchdog looks four times per limit instead of reading the clock per
   * chunk). Absent or `Infinity`: no watchdog.
   */
  readonly idleTimeoutMs?: number;
  /** The HTTP method. Default `GET`. */
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** A JSON body, sent as JSON text with `Content-Type: contentType` (for `POST`, `PUT`, `PATCH`, `DELETE`). Absent: no body. */
  readonly body?: unknown;
  /**
   * The `Content-Type` of `body` (default `application/json`): `application/merge-patch+json`,
   * `application/json-patch+json`, `application/strategic-merge-patch+json` or
   * `application/apply-patch+yaml` (JSON text is valid YAML) for a `PATCH`.
   * @since 0.3.0
   */
  readonly contentType?: string;
  /**
   * What error messages call the request instead of `verb` (`update`, `create`), for writes, whose
   * callers re-tag the errors with their own verb. Absent: `verb`.
   */
  readonly operation?: string;
  /**
   * Largest accepted response body in bytes ({@link kubeGet} and {@link kubeStream}): a `Content-Length` over it,
   * or as many bytes received, destroys the request and errors with a `TransportError` with code
   * `'EBODYTOOLARGE'`. Absent: no limit.
   */
  readonly maxBodyBytes?: number;
}

/**
 * A whole response: status, headers and the body read into one Buffer.
 *
 * Maps to client-go's `rest.Result`.
 *
 * @example
 * ```ts
 * import type { KubeResponse } from 'kube-rx/protocol';
 * const r: KubeResponse = { statusCode: 200, headers: {}, body: Buffer.from('{}') };
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export interface KubeResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const DEFAULT_USER_AGENT = 'kube-rx';
const BODY_EXCERPT_LIMIT = 256;
/** How much of a non-2xx body {@link kubeStream} keeps (a Status is a few hundred bytes). */
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * The code of the `TransportError` of a response body larger than its limit (`maxBodyBytes` of a
 * {@link KubeRequest}; `maxListBytes` of an HTTP ListerWatcher; `maxBodyBytes` of discovery).
 *
 * Maps to nothing in client-go (it reads bodies of any size); a guard against unbounded buffering.
 *
 * @example
 * ```ts
 * import { type ListerWatcherError } from 'kube-rx';
 * import { BODY_TOO_LARGE } from 'kube-rx/protocol';
 * const tooLarge = (e: ListerWatcherError) => e._tag === 'TransportError' && e.code === BODY_TOO_LARGE;
 * ```
 * @category listwatch
 * @since 0.2.0
 */
export const BODY_TOO_LARGE = 'EBODYTOOLARGE';

const errorCodeOf = (e: unknown): string | undefined => {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  const code: unknown = e.code;
  return typeof code === 'string' ? code : undefined;
};


/**
 * Node 24 ends an untrusted certificate's message with advice about the system's CA store, which
 * does not apply to a cluster whose CA belongs in the kubeconfig; the TLS hint says what does.
 */
const NODE_SYSTEM_CA_ADVICE = /; if the root CA is installed locally, try running Node\.js with --use-system-ca\.?$/;

/** A system or TLS error's message, with what to do about it when the code is a TLS one (the same on every Node). */
const systemMessage = (e: unknown): string => {
  const code = errorCodeOf(e);
  const hint = tlsHint(code);
  return hint === undefined ? messageOf(e) : `${messageOf(e).replace(NODE_SYSTEM_CA_ADVICE, '')} (${code ?? ''}): ${hint}`;
};

/**
 * Why `applyToHTTPSOptions` failed. An exec plugin whose output is not JSON gives a
 * `SyntaxError` whose message may quote that output (newer V8 does), token included: only the
 * kind of failure is kept.
 */
const kubeConfigMessage = (e: unknown): string =>
  e instanceof SyntaxError
    ? 'a credential plugin printed something that is not JSON (its output is not shown: it may hold a token)'
    : messageOf(e);

/** `verb resource in namespace "ns"` (or `in all namespaces`, or nothing for cluster-scoped). */
const describe = (request: KubeRequest): string => {
  const where =
    request.namespace !== undefined && request.namespace !== ''
      ? ` in namespace "${request.namespace}"`
      : request.namespaced === true
        ? ' in all namespaces'
        : '';
  return `${request.operation ?? request.verb} ${request.resource}${where}`;
};

const fail = (request: KubeRequest, message: string, code?: string): ListerWatcherError =>
  transportError(request.verb, request.resource, `${describe(request)}: ${message}`, code);

/** The URL of a request: the server URL's path prefix (Rancher-style proxies) plus the API path. */
const requestUrl = (server: string, request: KubeRequest): URL => {
  const url = new URL(server);
  const prefix = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  url.pathname = `${prefix}${request.path}`;
  url.search = '';
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.append(key, value);
  }
  return url;
};

/**
 * Parses a `Retry-After` header: delay seconds, or an HTTP date (seconds from `now`, at least 0).
 *
 * Maps to client-go's `rest.checkWait` / `retryAfterSeconds`.
 *
 * @example
 * ```ts
 * import { parseRetryAfter } from 'kube-rx/protocol';
 * parseRetryAfter('3');    // 3
 * parseRetryAfter('soon'); // undefined
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const parseRetryAfter = (header: string | undefined, now: number = Date.now()): number | undefined => {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
};

const decodeStatus = (body: Buffer): Status | undefined => {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const decoded = StatusCodec.decode(json);
  return isRight(decoded) ? decoded.right : undefined;
};

/**
 * The reason of a status code when the body is no `metav1.Status` (a proxy's page, an empty
 * body), as client-go's `apierrors.NewGenericServerResponse` names it.
 */
export const REASON_OF_CODE: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

const bodyExcerpt = (body: Buffer): string => {
  const text = body.toString('utf8', 0, Math.min(body.length, BODY_EXCERPT_LIMIT)).replace(/\s+/g, ' ').trim();
  return body.length > BODY_EXCERPT_LIMIT ? `${text}…` : text;
};

/**
 * Turns a non-2xx response into an `HttpError`: the body decoded as a `metav1.Status` when it is
 * one, `reason` from the Status (else from the status code, as client-go names it: 403 →
 * `Forbidden`, 401 → `Unauthorized`, ...), `retryAfterSeconds` from the `Retry-After` header or else from
 * `status.details.retryAfterSeconds`, and a message that names the verb, the resource and the
 * namespace, then the reason and the server's message, e.g.
 * `watch configmaps in namespace "default": Forbidden: configmaps is forbidden: User "x" cannot watch …`.
 * The message is built from the response only, so it never contains credentials.
 *
 * Maps to client-go's `rest.Result.Error` / `apierrors.FromObject` and `newUnstructuredResponseError`.
 *
 * @example
 * ```ts
 * import { httpErrorOf } from 'kube-rx/protocol';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * const body = Buffer.from('{"kind":"Status","code":410,"reason":"Expired","message":"too old"}');
 * httpErrorOf({ kubeConfig, verb: 'watch', resource: 'pods', path: '/api/v1/pods' }, { statusCode: 410, headers: {}, body });
 * // { _tag: 'HttpError', code: 410, reason: 'Expired', message: 'watch pods: Expired: too old', … }
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const httpErrorOf = (request: KubeRequest, response: KubeResponse): ListerWatcherError => {
  const status = decodeStatus(response.body);
  const retryAfterHeader = response.headers['retry-after'];
  const retryAfterSeconds = parseRetryAfter(retryAfterHeader) ?? status?.details?.retryAfterSeconds;
  const statusReason = status?.reason !== undefined && status.reason !== '' ? status.reason : undefined;
  const reason = statusReason ?? REASON_OF_CODE[response.statusCode];
  const serverMessage =
    status?.message !== undefined && status.message !== ''
      ? status.message
      : response.body.length > 0 && status === undefined
        ? bodyExcerpt(response.body)
        : '';
  const label = statusReason ?? `HTTP ${response.statusCode}${reason === undefined ? '' : ` ${reason}`}`;
  const parts = [describe(request), label, ...(serverMessage === '' ? [] : [serverMessage])];
  return httpError(request.verb, request.resource, response.statusCode, {
    message: parts.join(': '),
    ...(reason === undefined ? {} : { reason }),
    ...(status === undefined ? {} : { status }),
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
};

/** What {@link open} reports to its caller. */
interface Handlers {
  readonly response: (res: IncomingMessage) => void;
  readonly data: (chunk: Buffer) => void;
  /** `secrets`: the credentials the request carried, to redact from an error body. */
  readonly end: (secrets: ReadonlyArray<string>) => void;
  readonly error: (e: ListerWatcherError) => void;
}

/**
 * The credentials of exec-plugin and auth-provider users, shared by every request of the process
 * (per kubeConfig object, so nothing outlives the kubeConfigs it was made for).
 */
const CREDENTIALS = credentialCache();
/** Keep-alive agents shared by requests to the same server with the same TLS identity. */
const AGENTS = agentPool();

/** The process's reading slices: LIST and discovery responses read for READ_SLICE_MS without the event loop idling wait for its next turn. */
const READS = readSlices(
  READ_SLICE_MS,
  () => performance.now(),
  () => performance.nodeTiming.idleTime,
  (f) => setImmediate(f),
);

/** How many times per `idleTimeoutMs` the byte-level watchdog looks (it fires at most 1 / WATCHDOG_LOOKS of it late). */
const WATCHDOG_LOOKS = 4;
/** The longest delay Node's timers take as it is (a longer one fires after 1 ms, with a warning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A pooled socket handed to a request: no idle timer while in use (the request has its own
 * watchdog, and Node would refresh the agent's free-socket timer on every chunk); the agent sets
 * it again when the socket is freed.
 */
const inUse = (socket: Socket): void => {
  socket.setTimeout(0);
};

/**
 * The one place that talks HTTP: resolves the kubeConfig (once, asynchronously), sends the request,
 * runs the byte-level watchdog and maps every transport failure to a `TransportError`. Returns the
 * teardown: clear the watchdog and destroy the request (and so its socket) unless the response
 * already ended.
 *
 * Security: every message is redacted of the credentials the request carries (bearer token,
 * basic auth, client key and certificate; see `secretsOf`), TLS failures say how to fix them,
 * and a request without TLS verification emits the one-time `KUBE_RX_INSECURE_TLS` warning.
 */
const open = (request: KubeRequest, on: Handlers): (() => void) => {
  let req: ClientRequest | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  let finished = false;
  let ended = false;
  let closed = false;
  let secrets: ReadonlyArray<string> = [];

  const finish = (): void => {
    finished = true;
    if (watchdog !== undefined) clearTimeout(watchdog);
    watchdog = undefined;
  };
  const failWith = (e: ListerWatcherError): void => {
    if (finished || closed) return;
    finish();
    on.error(secrets.length === 0 ? e : { ...e, message: redactor(secrets)(e.message) });
  };

  const { idleTimeoutMs } = request;
  // Every chunk only counts itself: no clock read per chunk (issue 23: a clock read costs about
  // a microsecond on a watch event that arrives alone). The timer looks a quarter of the limit
  // at a time; a count that moved since its last look means bytes came since then, and the quiet
  // time is counted from that look. So it never fires early, and at most a quarter late.
  let activity = 0;
  // Infinity (or NaN) arms nothing: Node would run a timer that long after 1 ms, and again, forever
  if (idleTimeoutMs !== undefined && Number.isFinite(idleTimeoutMs)) {
    const period = Math.min(idleTimeoutMs / WATCHDOG_LOOKS, MAX_TIMER_MS);
    let lastAlive = performance.now();
    let seen = 0;
    const check = (): void => {
      const now = performance.now();
      if (activity !== seen) {
        seen = activity;
        lastAlive = now;
      }
      const quiet = now - lastAlive;
      if (quiet < idleTimeoutMs) {
        watchdog = setTimeout(check, Math.min(period, idleTimeoutMs - quiet));
        return;
      }
      failWith(fail(request, `no bytes received for ${idleTimeoutMs} ms`, 'ETIMEDOUT'));
      req?.destroy();
    };
    watchdog = setTimeout(check, period);
  }
  const alive = (): void => {
    activity += 1;
  };
  const { maxBodyBytes } = request;
  let received = 0;
  const tooLarge = (seen: string): void => {
    failWith(fail(request, `the response body exceeds maxBodyBytes (${maxBodyBytes ?? 0} bytes; ${seen})`, BODY_TOO_LARGE));
  };

  const cluster = request.kubeConfig.getCurrentCluster();
  let url: URL | undefined;
  if (cluster === null) {
    failWith(fail(request, 'the kubeconfig has no current cluster', 'EKUBECONFIG'));
  } else {
    try {
      url = requestUrl(cluster.server, request);
    } catch (e: unknown) {
      failWith(fail(request, `invalid server URL in the kubeconfig: ${messageOf(e)}`, 'EKUBECONFIG'));
    }
  }
  if (url === undefined) return finish;

  const target = url;
  const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), 'utf8');
  const options: RequestOptions = {
    method: request.method ?? 'GET',
    protocol: target.protocol,
    hostname: target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname,
    ...(target.port === '' ? {} : { port: Number(target.port) }),
    path: `${target.pathname}${target.search}`,
    headers: {
      Accept: request.accept ?? 'application/json',
      'User-Agent': request.userAgent ?? DEFAULT_USER_AGENT,
      ...(payload === undefined ? {} : { 'Content-Type': request.contentType ?? 'application/json', 'Content-Length': payload.length }),
    },
  };

  /** `pooled`: the request goes over a socket of the pool, whose idle timer is off while in use. */
  const send = (pooled: boolean): void => {
    if (closed || finished) return;
    const requestFn = target.protocol === 'http:' ? httpRequest : httpsRequest;
    try {
      req = requestFn(options);
    } catch (e: unknown) {
      failWith(fail(request, systemMessage(e), errorCodeOf(e)));
      return;
    }
    req.on('error', (e: unknown) => {
      failWith(fail(request, systemMessage(e), errorCodeOf(e)));
    });
    if (pooled) req.once('socket', inUse);
    req.on('response', (res: IncomingMessage) => {
      alive();
      if (res.statusCode === 401) CREDENTIALS.invalidate(request.kubeConfig);
      // a watch is not sliced (why: readSlices.ts)
      const sliced = request.verb !== 'watch';
      res.on('data', (chunk: Buffer) => {
        alive();
        if (sliced) READS.chunk(res);
        received += chunk.length;
        if (maxBodyBytes !== undefined && received > maxBodyBytes) tooLarge(`${received} received`);
        if (!finished && !closed) on.data(chunk);
      });
      res.on('end', () => {
        ended = true;
        if (finished || closed) return;
        finish();
        on.end(secrets);
      });
      res.on('error', (e: unknown) => {
        failWith(fail(request, `connection lost while reading the response: ${messageOf(e)}`, errorCodeOf(e) ?? 'ECONNRESET'));
      });
      res.on('close', () => {
        failWith(fail(request, 'connection closed before the response ended', 'ECONNRESET'));
      });
      const declared = Number(res.headers['content-length']);
      if (maxBodyBytes !== undefined && declared > maxBodyBytes) tooLarge(`Content-Length ${declared}`);
      if (!finished && !closed) on.response(res);
    });
    req.end(payload);
  };

  CREDENTIALS.apply(request.kubeConfig, options).then(
    () => {
      secrets = secretsOf(options);
      warnIfInsecure(target, options.rejectUnauthorized === false || cluster?.skipTLSVerify === true);
      send(AGENTS.reuse(target, options));
    },
    (e: unknown) => {
      // the options may hold a token already (client-node sets it before it refuses plain http:)
      secrets = secretsOf(options);
      failWith(fail(request, `cannot apply the kubeconfig: ${kubeConfigMessage(e)}`, errorCodeOf(e) ?? 'EKUBECONFIG'));
    },
  );

  return () => {
    closed = true;
    finish();
    if (!ended) req?.destroy();
  };
};

const isSuccess = (statusCode: number): boolean => statusCode >= 200 && statusCode < 300;

/**
 * Makes one request (a GET unless `method` says otherwise, with the JSON `body` if any) with the
 * kubeConfig's server, TLS and credentials and reads the whole response:
 * emits one {@link KubeResponse} (whatever its status; the caller decides) and completes. The
 * body is read as chunks and concatenated once.
 *
 * Maps to client-go's `rest.Request.Do` (with `rest.Result.Raw`).
 *
 * ```
 * kubeGet(r):  ------------(R|)     R = { statusCode, headers, body }
 * failure:     ------#              # = TransportError (ECONNREFUSED, TLS code, ETIMEDOUT, ECONNRESET, EKUBECONFIG)
 * too large:   ---c-c-#             # = TransportError EBODYTOOLARGE (maxBodyBytes), the request destroyed
 * unsubscribe: ---!                 the request is destroyed, its socket closed
 * ```
 *
 * The body of a non-2xx response is redacted: any credential the request carried (a server or
 * proxy that echoes the `Authorization` header) reads `[REDACTED]`, so errors built from it are safe.
 *
 * ## Recovery
 * Errors only with a `TransportError` (never for an HTTP status). Nothing is retried here.
 *
 * @example
 * ```ts
 * import { kubeGet } from 'kube-rx/protocol';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * kubeGet({ kubeConfig, verb: 'discovery', resource: '/version', path: '/version' })
 *   .subscribe((r) => console.log(r.statusCode, r.body.toString()));
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const kubeGet = (request: KubeRequest): Observable<KubeResponse> =>
  new Observable<KubeResponse>((subscriber) => {
    const chunks: Buffer[] = [];
    let head: IncomingMessage | undefined;
    return open(request, {
      response: (res) => {
        head = res;
      },
      data: (chunk) => {
        chunks.push(chunk);
      },
      end: (secrets) => {
        const statusCode = head?.statusCode ?? 0;
        const whole = chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks);
        const body = isSuccess(statusCode) ? whole : redactBody(whole, secrets);
        subscriber.next({ statusCode, headers: head?.headers ?? {}, body });
        subscriber.complete();
      },
      error: (e) => {
        subscriber.error(e);
      },
    });
  });

/**
 * Makes one streaming GET (a watch): on a 2xx answer, emits the body's chunks as they arrive and
 * completes when the server ends the response; on any other status, reads the body (its first
 * 64 KiB; credentials the request carried are redacted from it) and errors with the `HttpError`
 * of {@link httpErrorOf}.
 *
 * Maps to client-go's `rest.Request.Watch` (the transport half; framing and decoding come after).
 *
 * ```
 * 200:          ----c--c---c----|    c = Buffer chunk (any boundaries)
 * 403:          ----#                # = HttpError (Status decoded)
 * reset:        ----c--c-#           # = TransportError ECONNRESET
 * stalled:      ----c----- idle -#   # = TransportError ETIMEDOUT (idleTimeoutMs)
 * unsubscribe:  ----c--!             the request is destroyed, its socket closed
 * ```
 *
 * ## Recovery
 * Errors with `HttpError` or `TransportError`; nothing is retried here (the reflector decides).
 *
 * @example
 * ```ts
 * import { kubeStream } from 'kube-rx/protocol';
 * declare const kubeConfig: import('kube-rx').KubeConfigLike;
 * kubeStream({ kubeConfig, verb: 'watch', resource: 'pods', path: '/api/v1/pods', query: { watch: 'true' } })
 *   .subscribe((chunk) => console.log(chunk.length));
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const kubeStream = (request: KubeRequest): Observable<Buffer> =>
  new Observable<Buffer>((subscriber) => {
    let head: IncomingMessage | undefined;
    let streaming = false;
    const errorBody: Buffer[] = [];
    let errorBytes = 0;
    return open(request, {
      response: (res) => {
        head = res;
        streaming = isSuccess(res.statusCode ?? 0);
      },
      data: (chunk) => {
        if (streaming) {
          subscriber.next(chunk);
        } else if (errorBytes < ERROR_BODY_LIMIT) {
          // keep the start of an error body (its Status); a runaway one is not buffered whole
          const kept = chunk.subarray(0, ERROR_BODY_LIMIT - errorBytes);
          errorBytes += kept.length;
          errorBody.push(kept);
        }
      },
      end: (secrets) => {
        if (streaming || head === undefined) {
          subscriber.complete();
          return;
        }
        const body = redactBody(Buffer.concat(errorBody), secrets);
        subscriber.error(httpErrorOf(request, { statusCode: head.statusCode ?? 0, headers: head.headers, body }));
      },
      error: (e) => {
        subscriber.error(e);
      },
    });
  });

/**
 * True for a 2xx status code.
 *
 * @example
 * ```ts
 * import { isSuccessStatus } from 'kube-rx/protocol';
 * isSuccessStatus(204); // true
 * ```
 * @category listwatch
 * @since 0.1.0
 */
export const isSuccessStatus = isSuccess;
