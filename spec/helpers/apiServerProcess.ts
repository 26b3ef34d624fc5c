import { type ChildProcess, fork } from 'node:child_process';

import type { ApiServerConfig } from '../../lib/testing/apiServer/server.js';
import type { KubeConfigOptions } from '../../lib/testing/apiServer/kubeConfig.js';
import type { ChurnConfig } from './churn.js';

/** Commands to the child (apiServerChild.ts). */
export type ParentCommand =
  | ({ readonly id: number; readonly op: 'churn'; readonly ratePerSec: number } & ChurnConfig)
  | ({ readonly id: number; readonly op: 'write'; readonly count: number } & ChurnConfig)
  | { readonly id: number; readonly op: 'stop' }
  | { readonly id: number; readonly op: 'snapshot' }
  | { readonly id: number; readonly op: 'close' };

/** Replies of the child. */
export type ChildReply =
  | { readonly id: number; readonly op: 'ready'; readonly kubeConfig: KubeConfigOptions; readonly url: string }
  | { readonly id: number; readonly op: 'ok'; readonly writes: number }
  | {
      readonly id: number;
      readonly op: 'snapshot';
      readonly items: string[];
      readonly resourceVersion: string;
      readonly watches: number;
      readonly lists: number;
      readonly requests: number;
    };

export type ServerSnapshot = Extract<ChildReply, { op: 'snapshot' }>;

/** The embedded API server running in a child process, driven over IPC. */
export interface ApiServerProcess {
  readonly kubeConfig: KubeConfigOptions;
  /** Starts (or restarts) a steady churn of `ratePerSec` writes per second (see churnStep). */
  churn(config: ChurnConfig & { readonly ratePerSec: number }): Promise<void>;
  /** Makes `count` churn writes at once, continuing the churn's sequence. */
  write(count: number, config: ChurnConfig): Promise<void>;
  /** Stops the churn; resolves with the number of writes made so far. */
  stop(): Promise<number>;
  /** The server's objects (`ns/name@rv`, sorted), its resourceVersion and open watch count. */
  snapshot(): Promise<ServerSnapshot>;
  /** Closes the server; resolves when the child has exited. */
  close(): Promise<void>;
}

/**
 * Forks apiServerChild.ts (with tsx) and resolves when its server listens. The child is killed
 * if it does not exit within 10 s of `close()`.
 */
export const startApiServerProcess = (config: ApiServerConfig = {}): Promise<ApiServerProcess> =>
  new Promise((resolve, reject) => {
    const child: ChildProcess = fork(new URL('./apiServerChild.ts', import.meta.url), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, KUBE_RX_CHILD_SERVER: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<void>((done) => {
      child.once('exit', () => {
        done();
      });
    });
    let nextId = 1;
    const waiting = new Map<number, (r: ChildReply) => void>();
    child.on('message', (raw) => {
      const reply = raw as ChildReply;
      waiting.get(reply.id)?.(reply);
      waiting.delete(reply.id);
    });
    const ask = <R extends ChildReply>(command: (id: number) => ParentCommand): Promise<R> =>
      new Promise<R>((answer, fail) => {
        const id = nextId++;
        waiting.set(id, (r) => {
          answer(r as R);
        });
        child.send(command(id), (e) => {
          if (e !== null) fail(e);
        });
      });
    const onEarlyExit = (code: number | null): void => {
      reject(new Error(`the API server process exited with ${code ?? 'a signal'} before listening`));
    };
    child.once('exit', onEarlyExit);
    waiting.set(0, (ready) => {
      child.off('exit', onEarlyExit);
      if (ready.op !== 'ready') return;
      resolve({
        kubeConfig: ready.kubeConfig,
        churn: async (c) => {
          await ask((id) => ({ id, op: 'churn', ...c }));
        },
        write: async (count, c) => {
          await ask((id) => ({ id, op: 'write', count, ...c }));
        },
        stop: async () => (await ask<Extract<ChildReply, { op: 'ok' }>>((id) => ({ id, op: 'stop' }))).writes,
        snapshot: () => ask<ServerSnapshot>((id) => ({ id, op: 'snapshot' })),
        close: async () => {
          if (child.exitCode === null && child.signalCode === null && child.connected) child.send({ id: nextId++, op: 'close' });
          const killer = setTimeout(() => child.kill(), 10_000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
  });
