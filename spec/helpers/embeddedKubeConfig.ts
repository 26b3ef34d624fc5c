import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach } from 'vitest';

import { type ApiServerConfig, type EmbeddedApiServer, startApiServer } from '../../lib/testing/apiServer/server.js';

/** A client-node KubeConfig for an embedded API server (its CA, the given token or the default admin one). */
export const embeddedKubeConfig = (server: EmbeddedApiServer, token?: string): KubeConfig => {
  const kc = new KubeConfig();
  kc.loadFromOptions(server.kubeConfigOptions(token));
  return kc;
};

/** A fresh embedded API server for each test of the calling `describe` (closed after it); call the result inside a test. */
export const embeddedServerPerTest = (config: ApiServerConfig = {}): (() => EmbeddedApiServer) => {
  let server: EmbeddedApiServer | undefined;
  beforeEach(async () => {
    server = await startApiServer(config);
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  return () => {
    if (server === undefined) throw new Error('embeddedServerPerTest: call it inside a test');
    return server;
  };
};
