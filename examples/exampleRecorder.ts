/**
 * Shared plumbing of the controller examples (examples/configMapToSecret.ts,
 * examples/widgetController.ts): their event recorder. Not an example on its own.
 */
import type { KubeConfig } from '@kubernetes/client-node';

import { clientEventSink, type EventRecorder, eventRecorder, events, objectClient } from 'kube-rx';

/**
 * The example's event recorder: core/v1 Events written through kube-rx's object client (same
 * kubeconfig as everything else), named after `component`; its problems (dropped events, retries)
 * are JSON lines on stderr.
 */
export const exampleRecorder = (kubeConfig: KubeConfig, namespace: string, component: string, identity: string): EventRecorder => {
  const recorder = eventRecorder({ sink: clientEventSink(objectClient(events, { kubeConfig, namespace })), component });
  recorder.problems$.subscribe((p) => {
    const error = p._tag === 'EventDropped' ? p.message : p.error.message;
    process.stderr.write(`${JSON.stringify({ identity, type: p._tag, error })}\n`);
  });
  return recorder;
};
