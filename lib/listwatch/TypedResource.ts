import type * as t from 'io-ts';

import type { KubeObject } from '../meta/KubeObject.js';
import type { ApiResource } from './ApiResource.js';

/**
 * A resource that knows the type of its objects: an {@link ApiResource} plus the io-ts decoder of
 * one object. Everything that takes a resource (informers, the HTTP ListerWatcher, the object
 * client, apply) infers its object type `T` from it, so nothing needs a cast.
 *
 * Built-in kinds (`ConfigMap`, `Pod`, ...) carry a decoder that checks metadata only and keeps the
 * rest, typed with the wire-format types of the `kubernetes-types` package; custom resources carry
 * the codec they were defined with, which checks the whole object.
 *
 * Maps to client-go's typed clients (`kubernetes.Interface`'s `CoreV1().ConfigMaps(ns)`) and
 * kube-rs's `Resource` trait (`Api<K>`, whose `K` fixes the kind and its type).
 *
 * @example
 * ```ts
 * import type { TypedResource, KubeObject } from 'kube-rx';
 * import { KubeObjectCodec } from 'kube-rx';
 * const widgets: TypedResource<KubeObject> = {
 *   group: 'example.com', version: 'v1', plural: 'widgets', kind: 'Widget', namespaced: true,
 *   codec: KubeObjectCodec,
 * };
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export interface TypedResource<T extends KubeObject = KubeObject> extends ApiResource {
  /** Decoder of one object as the server sends it (JSON wire format). */
  readonly codec: t.Decoder<unknown, T>;
}

/**
 * The object type of a {@link TypedResource}.
 *
 * @example
 * ```ts
 * import type { ObjectOf, TypedResource, KubeObject } from 'kube-rx';
 * declare const r: TypedResource<KubeObject>;
 * type O = ObjectOf<typeof r>; // KubeObject
 * ```
 * @category listwatch
 * @since 0.3.0
 */
export type ObjectOf<R> = R extends TypedResource<infer T> ? T : never;
