import * as t from 'io-ts';

import type { DecodeFailure } from '../codec/DecodeFailure.js';
import type { Status } from '../codec/Status.js';
import type { ListPage, WatchEvent } from '../listwatch/ListerWatcher.js';
import { type KubeObject, KubeObjectCodec } from '../meta/KubeObject.js';

/**
 * A ConfigMap-shaped test object.
 *
 * @example
 * ```ts
 * import { configMap } from 'kube-rx/testing';
 * configMap('a', '5', 'ns', { k: 'v' }).metadata.resourceVersion; // '5'
 * ```
 * @category testing
 * @since 0.1.0
 */
export interface TestConfigMap extends KubeObject {
  readonly data?: Readonly<Record<string, string>>;
}

/**
 * The io-ts codec of a {@link TestConfigMap}: `KubeObjectCodec` plus an optional string map
 * `data`. Give it to `httpListerWatcher` (or a selector) to get `TestConfigMap`s, checked.
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { httpListerWatcher } from 'kube-rx';
 * import { TestConfigMapCodec } from 'kube-rx/testing';
 * const kubeConfig = new KubeConfig();
 * const resource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
 * const lw = httpListerWatcher({ kubeConfig, resource, codec: TestConfigMapCodec }); // ListerWatcher<TestConfigMap>
 * ```
 * @category testing
 * @since 0.3.0
 */
export const TestConfigMapCodec: t.Decoder<unknown, TestConfigMap> = t.intersection([
  KubeObjectCodec,
  t.partial({ data: t.readonly(t.record(t.string, t.string)) }),
]);

/**
 * Builds a {@link TestConfigMap} named `name` at `resourceVersion` in `namespace` (default `default`).
 *
 * @example
 * ```ts
 * import { configMap } from 'kube-rx/testing';
 * configMap('a', '1').metadata.namespace; // 'default'
 * ```
 * @category testing
 * @since 0.1.0
 */
export const configMap = (
  name: string,
  resourceVersion: string,
  namespace = 'default',
  data?: Readonly<Record<string, string>>,
  labels?: Readonly<Record<string, string>>,
): TestConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, resourceVersion, ...(labels === undefined ? {} : { labels }) },
  ...(data === undefined ? {} : { data }),
});

/**
 * Builds a LIST page.
 *
 * @example
 * ```ts
 * import { listPage, configMap } from 'kube-rx/testing';
 * listPage('10', [configMap('a', '9')], 'next-token').continue; // 'next-token'
 * ```
 * @category testing
 * @since 0.1.0
 */
export const listPage = <T>(
  resourceVersion: string,
  items: ReadonlyArray<T>,
  continueToken?: string,
  invalid: ReadonlyArray<DecodeFailure> = [],
): ListPage<T> => ({
  resourceVersion,
  items,
  invalid,
  ...(continueToken === undefined ? {} : { continue: continueToken }),
});

/**
 * Builds an `ADDED` watch event.
 *
 * @category testing
 * @since 0.1.0
 */
export const added = <T>(object: T): WatchEvent<T> => ({ _tag: 'Added', object });

/**
 * Builds a `MODIFIED` watch event.
 *
 * @category testing
 * @since 0.1.0
 */
export const modified = <T>(object: T): WatchEvent<T> => ({ _tag: 'Modified', object });

/**
 * Builds a `DELETED` watch event.
 *
 * @category testing
 * @since 0.1.0
 */
export const deleted = <T>(object: T): WatchEvent<T> => ({ _tag: 'Deleted', object });

/**
 * Builds a `BOOKMARK` watch event (`initialEventsEnd` marks the end of a streaming list).
 *
 * @example
 * ```ts
 * import { bookmark } from 'kube-rx/testing';
 * bookmark('42'); // { _tag: 'Bookmark', resourceVersion: '42', initialEventsEnd: false }
 * ```
 * @category testing
 * @since 0.1.0
 */
export const bookmark = <T>(resourceVersion: string, initialEventsEnd = false): WatchEvent<T> => ({
  _tag: 'Bookmark',
  resourceVersion,
  initialEventsEnd,
});

/**
 * Builds an in-stream `ERROR` watch event carrying a `Status` with `code` (410 gives reason `Expired`).
 *
 * @example
 * ```ts
 * import { errorEvent } from 'kube-rx/testing';
 * errorEvent(410); // { _tag: 'Error', status: { kind: 'Status', code: 410, reason: 'Expired', ... } }
 * ```
 * @category testing
 * @since 0.1.0
 */
export const errorEvent = <T>(code: number, reason?: string, message?: string): WatchEvent<T> => {
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason: reason ?? (code === 410 ? 'Expired' : code === 429 ? 'TooManyRequests' : 'InternalError'),
    message: message ?? `status ${code}`,
  };
  return { _tag: 'Error', status };
};
