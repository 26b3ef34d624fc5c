/**
 * The child side of {@link startApiServerProcess}: runs the embedded API server in its own
 * process, so it keeps serving and changing while the test process is blocked or busy, and so
 * the test process's heap holds only the client. Commands arrive over IPC; see apiServerProcess.ts.
 */
import { type ApiServerConfig, startApiServer } from '../../lib/testing/apiServer/server.js';
import { type ChurnConfig, churnStep, snapshotOf } from './churn.js';
import type { ChildReply, ParentCommand } from './apiServerProcess.js';

const send = (m: ChildReply): void => {
  process.send?.(m);
};

const config = JSON.parse(process.env['KUBE_RX_CHILD_SERVER'] ?? '{}') as ApiServerConfig;
const server = await startApiServer(config);
let n = 0;
let writes = 0;
let churn: NodeJS.Timeout | undefined;

const startChurn = (c: ChurnConfig & { readonly ratePerSec: number }): void => {
  // a batch every 10 ms; the batch size makes up for timer lateness so the rate holds on average
  const started = Date.now();
  const base = writes;
  churn = setInterval(() => {
    const due = Math.floor(((Date.now() - started) * c.ratePerSec) / 1000) - (writes - base);
    for (let i = 0; i < due; i++) {
      churnStep(server, n++, c);
      writes++;
    }
  }, 10);
};

process.on('message', (raw) => {
  const m = raw as ParentCommand;
  switch (m.op) {
    case 'churn':
      clearInterval(churn);
      startChurn(m);
      send({ id: m.id, op: 'ok', writes });
      return;
    case 'write':
      for (let i = 0; i < m.count; i++) {
        churnStep(server, n++, m);
        writes++;
      }
      send({ id: m.id, op: 'ok', writes });
      return;
    case 'stop':
      clearInterval(churn);
      churn = undefined;
      send({ id: m.id, op: 'ok', writes });
      return;
    case 'snapshot':
      send({
        id: m.id,
        op: 'snapshot',
        items: snapshotOf(server.list('configmaps')),
        resourceVersion: server.resourceVersion(),
        watches: server.activeWatches(),
        lists: server.requests.filter((r) => r.verb === 'list').length,
        requests: server.requests.length,
      });
      return;
    case 'close':
      clearInterval(churn);
      void server.close().then(() => {
        process.disconnect();
      });
      return;
  }
});

send({ id: 0, op: 'ready', kubeConfig: server.kubeConfigOptions(), url: server.url });
