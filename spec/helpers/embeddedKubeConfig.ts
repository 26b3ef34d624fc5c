import { KubeConfig } from '@kubernetes/client-node';

import type { EmbeddedApiServer } from '../../lib/testing/apiServer/server.js';

/** A client-node KubeConfig for an embedded API server (its CA, the given token or the default admin one). */
export const embeddedKubeConfig = (server: EmbeddedApiServer, token?: string): KubeConfig => {
  const kc = new KubeConfig();
  kc.loadFromOptions(server.kubeConfigOptions(token));
  return kc;
};
