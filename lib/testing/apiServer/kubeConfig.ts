/**
 * A kubeconfig as a plain object, in the shape `@kubernetes/client-node`'s
 * `KubeConfig.loadFromOptions` accepts (declared here so the testing kit needs no runtime import
 * of client-node).
 *
 * Maps to client-go's `clientcmdapi.Config` (and client-node's `Cluster`, `User`, `Context`).
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { startApiServer } from 'kube-rx/testing';
 * const server = await startApiServer();
 * const kc = new KubeConfig();
 * kc.loadFromOptions(server.kubeConfigOptions());
 * ```
 * @category testing
 * @since 0.1.0
 */
export interface KubeConfigOptions {
  readonly clusters: ReadonlyArray<{
    readonly name: string;
    readonly server: string;
    readonly caData?: string;
    readonly skipTLSVerify: boolean;
  }>;
  readonly users: ReadonlyArray<{ readonly name: string; readonly token: string }>;
  readonly contexts: ReadonlyArray<{
    readonly name: string;
    readonly cluster: string;
    readonly user: string;
    readonly namespace: string;
  }>;
  readonly currentContext: string;
}

const NAME = 'kube-rx-embedded';

/**
 * The {@link KubeConfigOptions} of a server at `url` (TLS verified against `caPem` when given).
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { kubeConfigOptionsFor } from './kubeConfig.js';
 * kubeConfigOptionsFor('http://127.0.0.1:8080', undefined, 'admin-token').currentContext; // 'kube-rx-embedded'
 * ```
 * @category testing
 * @since 0.1.0
 */
export const kubeConfigOptionsFor = (url: string, caPem: string | undefined, token: string): KubeConfigOptions => ({
  clusters: [
    {
      name: NAME,
      server: url,
      skipTLSVerify: false,
      ...(caPem === undefined ? {} : { caData: Buffer.from(caPem).toString('base64') }),
    },
  ],
  users: [{ name: NAME, token }],
  contexts: [{ name: NAME, cluster: NAME, user: NAME, namespace: 'default' }],
  currentContext: NAME,
});

/**
 * The same kubeconfig as kubeconfig file text (`apiVersion: v1, kind: Config`, with
 * `certificate-authority-data`), written as JSON, which every YAML reader accepts; usable with
 * `--kubeconfig` or `KUBECONFIG`.
 *
 * Maps to `clientcmd.Write`.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { kubeConfigYamlFor, kubeConfigOptionsFor } from './kubeConfig.js';
 * const text = kubeConfigYamlFor(kubeConfigOptionsFor('http://127.0.0.1:8080', undefined, 't'));
 * JSON.parse(text)['current-context']; // 'kube-rx-embedded'
 * ```
 * @category testing
 * @since 0.1.0
 */
export const kubeConfigYamlFor = (options: KubeConfigOptions): string =>
  `${JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: options.clusters.map((c) => ({
        name: c.name,
        cluster: {
          server: c.server,
          ...(c.caData === undefined ? {} : { 'certificate-authority-data': c.caData }),
        },
      })),
      users: options.users.map((u) => ({ name: u.name, user: { token: u.token } })),
      contexts: options.contexts.map((c) => ({
        name: c.name,
        context: { cluster: c.cluster, user: c.user, namespace: c.namespace },
      })),
      'current-context': options.currentContext,
      preferences: {},
    },
    null,
    2,
  )}\n`;
