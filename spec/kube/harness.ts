/**
 * Harness for the real kube-apiserver test tier: a thin TypeScript face over
 * `scripts/kube-apiserver.sh` (which builds Kubernetes 1.20.2 from Debian's source package and runs
 * it with etcd). `spec/kube/globalSetup.ts` builds the binary once per run; each test file then
 * starts its own tier with `startKube()` and stops it in `afterAll`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { pemPieces } from '../security/pemPieces.js';

/** The script behind this harness. */
export const KUBE_SCRIPT = fileURLToPath(new URL('../../scripts/kube-apiserver.sh', import.meta.url));

/** The first build compiles Kubernetes (about 7 minutes on 2 cores); leave plenty of room. */
export const BUILD_TIMEOUT_MS = 40 * 60_000;
/** `start` and `restart-apiserver` wait up to 60 s for /readyz themselves. */
const START_TIMEOUT_MS = 150_000;
const STOP_TIMEOUT_MS = 60_000;

export interface StartKubeOptions {
  /** `false` starts kube-apiserver with `--watch-cache=false` (watches go straight to etcd, so
   * `compact()` makes a watch from an older RV get an in-stream ERROR 410). Default `true`. */
  readonly watchCache?: boolean;
}

/** A running etcd + kube-apiserver pair. */
export interface Kube {
  /** The tier's folder: logs (`etcd.log`, `kube-apiserver.log`), certs, tokens, `env`. */
  readonly dir: string;
  /** Kubeconfig of a `system:masters` token user (verified TLS). */
  readonly kubeconfigAdmin: string;
  /** Kubeconfig of a token user with no groups: RBAC forbids it almost everything. */
  readonly kubeconfigNobody: string;
  /** Kubeconfig of a `system:masters` user authenticated by a client certificate (certificate and key inline). */
  readonly kubeconfigCertAdmin: string;
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  /** PEM file of the CA that signed the serving certificate. */
  readonly caFile: string;
  /** `http://127.0.0.1:PORT` of etcd. */
  readonly etcdEndpoint: string;
  readonly watchCache: boolean;
  /** The bearer token of the admin kubeconfig's user. */
  readonly adminToken: string;
  /** The process ids of kube-apiserver and etcd, as they are now (`restartApiserver` changes the first). */
  serverPids(): Promise<readonly number[]>;
  /** Compacts etcd to its current revision; resolves to that revision. */
  compact(): Promise<string>;
  /** Kills kube-apiserver only and starts it again on the same port with the same flags. */
  restartApiserver(): Promise<void>;
  /** Stops both processes and removes `dir` (kept when KUBE_RX_KEEP_DIR=1). Idempotent. */
  stop(): Promise<void>;
  /**
   * Every credential of the tier's users in each form a leak could take, to search captured
   * output for: the two bearer tokens; the client key as its PEM, each base64 line of it, and the
   * base64 of the PEM that the kubeconfig carries inline (`client-key-data`), in 64-character
   * pieces. Read before `stop()`.
   */
  credentials(): Promise<string[]>;
}

interface ScriptResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `scripts/kube-apiserver.sh ARGS…`; rejects with the script's stderr in the message. */
export function runKubeScript(
  args: readonly string[],
  timeoutMs: number,
  env: Readonly<Record<string, string>> = {},
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [KUBE_SCRIPT, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGTERM', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `scripts/kube-apiserver.sh ${args.join(' ')} failed (${error.message.split('\n')[0] ?? ''})\n${stderr}`,
              { cause: error },
            ),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

/** The keys of DIR/env.json (written by the script's `start`) this harness reads. */
interface TierEnv {
  readonly APISERVER_URL: string;
  readonly ETCD_ENDPOINT: string;
  readonly CA_FILE: string;
  readonly KUBECONFIG_ADMIN: string;
  readonly KUBECONFIG_NOBODY: string;
  readonly KUBECONFIG_CERT_ADMIN: string;
  readonly ADMIN_TOKEN: string;
  readonly NOBODY_TOKEN: string;
  readonly APISERVER_PID: string;
  readonly ETCD_PID: string;
}

const ENV_KEYS = [
  'APISERVER_URL', 'ETCD_ENDPOINT', 'CA_FILE', 'KUBECONFIG_ADMIN', 'KUBECONFIG_NOBODY', 'KUBECONFIG_CERT_ADMIN',
  'ADMIN_TOKEN', 'NOBODY_TOKEN', 'APISERVER_PID', 'ETCD_PID',
] as const;

async function readTierEnv(dir: string): Promise<TierEnv> {
  const parsed: unknown = JSON.parse(await readFile(join(dir, 'env.json'), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) {
    throw new Error(`${dir}/env.json is not an object`);
  }
  const record = parsed as Record<string, unknown>;
  const env: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};
  for (const key of ENV_KEYS) {
    const value = record[key];
    if (typeof value !== 'string' || value === '') {
      throw new Error(`${dir}/env.json has no ${key}`);
    }
    env[key] = value;
  }
  return env as TierEnv;
}

/** Starts etcd + kube-apiserver in a fresh temporary folder; resolves when /readyz answers `ok`. */
export async function startKube(opts: StartKubeOptions = {}): Promise<Kube> {
  const watchCache = opts.watchCache ?? true;
  const dir = await mkdtemp(join(tmpdir(), 'kube-rx-kube-'));
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await runKubeScript(['stop', dir], STOP_TIMEOUT_MS);
      if (process.env['KUBE_RX_KEEP_DIR'] !== '1') {
        await rm(dir, { recursive: true, force: true });
      }
    })());
  try {
    await runKubeScript(['start', dir], START_TIMEOUT_MS, {
      KUBE_RX_WATCH_CACHE: String(watchCache),
      // The script's watchdog stops the tier if this (worker) process dies without calling stop().
      KUBE_RX_OWNER_PID: String(process.pid),
    });
    const env = await readTierEnv(dir);
    return {
      dir,
      kubeconfigAdmin: env.KUBECONFIG_ADMIN,
      kubeconfigNobody: env.KUBECONFIG_NOBODY,
      kubeconfigCertAdmin: env.KUBECONFIG_CERT_ADMIN,
      url: env.APISERVER_URL,
      caFile: env.CA_FILE,
      etcdEndpoint: env.ETCD_ENDPOINT,
      watchCache,
      adminToken: env.ADMIN_TOKEN,
      serverPids: async () => {
        const now = await readTierEnv(dir);
        return [Number(now.APISERVER_PID), Number(now.ETCD_PID)];
      },
      compact: async () => (await runKubeScript(['compact', dir], STOP_TIMEOUT_MS)).stdout.trim(),
      restartApiserver: async () => {
        await runKubeScript(['restart-apiserver', dir], START_TIMEOUT_MS);
      },
      stop,
      credentials: async () => {
        const tokens = await readTierEnv(dir);
        const key = await readFile(join(dir, 'cert-admin.key'), 'utf8');
        const inline = Buffer.from(key).toString('base64');
        const pieces = (text: string): string[] => Array.from({ length: Math.floor(text.length / 64) }, (_, i) => text.slice(i * 64, i * 64 + 64));
        return [tokens.ADMIN_TOKEN, tokens.NOBODY_TOKEN, ...pemPieces(key), ...pieces(inline)].filter((c) => c !== '');
      },
    };
  } catch (error) {
    // Leave nothing running after a failed start; keep the folder (and its logs) for diagnosis.
    await runKubeScript(['stop', dir], STOP_TIMEOUT_MS).catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`startKube failed (logs in ${dir}): ${reason}`, { cause: error });
  }
}

/**
 * Polls `probe` (typically an API read) until it resolves to true, 100 ms between attempts;
 * rejects after `ms` with `what` and the probe's last error. For conditions only an async read
 * can observe (the server's list, etcd); `spec/helpers/until.ts` covers synchronous ones.
 */
export const eventually = async (what: string, probe: () => Promise<boolean>, ms = 30_000): Promise<void> => {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const reason = last === undefined ? '' : ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})`;
      throw new Error(`not within ${ms} ms: ${what}${reason}`);
    }
    await new Promise<void>((resolve) => setTimeout(resolve, 100));
  }
};

/** A TCP proxy in front of kube-apiserver that can cut a client off (see {@link startTcpProxy}). */
export interface TcpProxy {
  /** `https://127.0.0.1:PORT`: the apiserver's serving certificate is valid for this address too. */
  readonly url: string;
  /** Connections accepted so far (cut ones included). */
  readonly accepted: () => number;
  /** A network partition: resets every open connection, and resets new ones at once, until `heal`. */
  partition(): void;
  /**
   * A silent partition (a blackhole): no byte is forwarded either way and nothing is reset; new
   * connections are accepted (the kernel does) but not connected upstream, until `heal`. Bytes a
   * side wrote meanwhile stay unread (as TCP retransmits them) and flow after the heal, unless
   * that side gave up and closed its connection first.
   */
  blackhole(): void;
  /** Ends a partition or a blackhole: held connections are connected and forwarding resumes. */
  heal(): void;
  close(): Promise<void>;
}

/**
 * Starts a byte-for-byte TCP proxy on 127.0.0.1 to `target` (`https://127.0.0.1:PORT`; TLS stays
 * end to end, so verification against the tier's CA still holds). A client pointed at it can be
 * partitioned from the apiserver while other clients keep talking to the apiserver directly.
 */
export const startTcpProxy = async (target: string): Promise<TcpProxy> => {
  const upstream = new URL(target);
  const open = new Set<Socket>();
  /** Connected pairs (to stop and resume forwarding) and clients held by a blackhole. */
  const pairs = new Set<readonly [Socket, Socket]>();
  const held = new Set<Socket>();
  let partitioned = false;
  let blackholed = false;
  let accepted = 0;
  const track = (socket: Socket): void => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  };
  const forward = (pair: readonly [Socket, Socket]): void => {
    pair[0].pipe(pair[1]);
    pair[1].pipe(pair[0]);
  };
  const connectUpstream = (client: Socket): void => {
    const apiserver = connect({ host: upstream.hostname, port: Number(upstream.port) });
    track(apiserver);
    const pair = [client, apiserver] as const;
    pairs.add(pair);
    // either side failing or closing takes the other one down (a reset when it failed)
    client.on('error', () => apiserver.resetAndDestroy());
    apiserver.on('error', () => client.resetAndDestroy());
    client.on('close', () => {
      pairs.delete(pair);
      apiserver.destroy();
    });
    apiserver.on('close', () => client.destroy());
    forward(pair);
  };
  const server = createServer((client) => {
    accepted++;
    if (partitioned) {
      client.resetAndDestroy();
      return;
    }
    track(client);
    if (blackholed) {
      client.pause();
      held.add(client);
      client.on('close', () => held.delete(client));
      client.on('error', () => held.delete(client));
      return;
    }
    connectUpstream(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  return {
    url: `https://127.0.0.1:${address.port}`,
    accepted: () => accepted,
    partition: () => {
      partitioned = true;
      for (const socket of open) socket.resetAndDestroy();
    },
    blackhole: () => {
      blackholed = true;
      for (const [client, apiserver] of pairs) {
        client.unpipe(apiserver);
        apiserver.unpipe(client);
        client.pause();
        apiserver.pause();
      }
    },
    heal: () => {
      partitioned = false;
      if (!blackholed) return;
      blackholed = false;
      for (const pair of pairs) forward(pair);
      for (const client of held) {
        held.delete(client);
        if (!client.destroyed) connectUpstream(client);
      }
    },
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => {
        resolve();
      }));
    },
  };
};
