import type { ResourceEvent } from '../informer/ResourceEvent.js';
import { metaNamespaceKeyFunc } from '../meta/keyFunc.js';
import type { KubeObject } from '../meta/KubeObject.js';

/**
 * Options of the {@link addedEvent} family: the store key (default `namespace/name`, client-go's
 * `MetaNamespaceKeyFunc`) and whether the event belongs to the initial list (default `false`).
 *
 * @category testing
 * @since 0.3.0
 */
export interface ResourceEventOptions {
  readonly key?: string;
  readonly initial?: boolean;
}

const common = (object: KubeObject, options: ResourceEventOptions): { readonly key: string; readonly initial: boolean } => ({
  key: options.key ?? metaNamespaceKeyFunc(object),
  initial: options.initial ?? false,
});

/**
 * Builds the informer event `Added` (client-go `OnAdd(obj, isInInitialList)`) for an expected
 * marble value. Every builder of this family returns the whole `ResourceEvent<T>` union, so that
 * `cold(...)` and `expectObservable(...).toBe(...)` infer one element type from mixed values.
 *
 * @example
 * ```ts
 * import { addedEvent, configMap, updatedEvent } from 'kube-rx/testing';
 * const a1 = configMap('a', '1');
 * const a2 = configMap('a', '2');
 * const values = { a: addedEvent(a1, { initial: true }), u: updatedEvent(a1, a2) };
 * // expectObservable(informer.events$).toBe('-a--u', values);
 * ```
 * @category testing
 * @since 0.3.0
 */
export const addedEvent = <T extends KubeObject>(object: T, options: ResourceEventOptions = {}): ResourceEvent<T> => ({
  _tag: 'Added',
  ...common(object, options),
  object,
});

/**
 * Builds the informer event `Updated` with the `old` and the new `object` (client-go
 * `OnUpdate(old, new)`); the key is the new object's.
 *
 * @example
 * ```ts
 * import { configMap, updatedEvent } from 'kube-rx/testing';
 * updatedEvent(configMap('a', '1'), configMap('a', '2')).key; // 'default/a'
 * ```
 * @category testing
 * @since 0.3.0
 */
export const updatedEvent = <T extends KubeObject>(old: T, object: T, options: ResourceEventOptions = {}): ResourceEvent<T> => ({
  _tag: 'Updated',
  ...common(object, options),
  old,
  object,
});

/**
 * Builds the informer event `Deleted` with the last known object (client-go `OnDelete(obj)`);
 * `finalStateUnknown` for a delete inferred from a relist (`DeletedFinalStateUnknown`).
 *
 * @example
 * ```ts
 * import { configMap, deletedEvent } from 'kube-rx/testing';
 * deletedEvent(configMap('a', '1'), { finalStateUnknown: true });
 * ```
 * @category testing
 * @since 0.3.0
 */
export const deletedEvent = <T extends KubeObject>(
  object: T,
  options: ResourceEventOptions & { readonly finalStateUnknown?: boolean } = {},
): ResourceEvent<T> => ({
  _tag: 'Deleted',
  ...common(object, options),
  object,
  finalStateUnknown: options.finalStateUnknown ?? false,
});

/**
 * Builds the informer event `Sync` (a resync, or a relist that found the object unchanged; client-go
 * `OnUpdate(obj, obj)`).
 *
 * @example
 * ```ts
 * import { configMap, syncEvent } from 'kube-rx/testing';
 * syncEvent(configMap('a', '1'))._tag; // 'Sync'
 * ```
 * @category testing
 * @since 0.3.0
 */
export const syncEvent = <T extends KubeObject>(object: T, options: ResourceEventOptions = {}): ResourceEvent<T> => ({
  _tag: 'Sync',
  ...common(object, options),
  object,
});
