/**
 * vitest globalSetup for the real kube-apiserver tier: builds (or finds cached) the kube-apiserver
 * binary once per test run, before any `*.kube.spec.ts` file starts a tier. The first build on a
 * machine compiles Kubernetes from Debian's source package (about 7 minutes on 2 cores); later runs
 * find the binary in ${KUBE_RX_CACHE:-$HOME/.cache/kube-rx} and return in about a second.
 */
import { spawn } from 'node:child_process';

import { BUILD_TIMEOUT_MS, KUBE_SCRIPT } from './harness.js';

export default async function setup(): Promise<void> {
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    // Progress lines go straight to the terminal / CI log (stderr); stdout is not used by `build`.
    const child = spawn('bash', [KUBE_SCRIPT, 'build'], { stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
    }, BUILD_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) {
        resolve();
      } else {
        reject(
          new Error(
            `scripts/kube-apiserver.sh build failed (${signal ?? `exit code ${code ?? 'unknown'}`}); ` +
              'the real kube-apiserver tier cannot run. See the output above.',
          ),
        );
      }
    });
  });
  process.stderr.write(`[kube globalSetup] kube-apiserver ready to use after ${Math.round((Date.now() - started) / 1000)} s\n`);
}
