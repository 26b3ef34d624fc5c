import { filter, type MonoTypeOperatorFunction } from 'rxjs';

import type { ResourceEvent } from '../informer/ResourceEvent.js';
import type { KubeObject } from '../meta/KubeObject.js';

/**
 * Decides whether an informer event should reach a controller.
 *
 * Maps to controller-runtime's `predicate.Predicate` and kube-rs's `predicates::*` (used with
 * `predicate_filter`).
 *
 * @example
 * ```ts
 * import type { EventPredicate, KubeObject } from 'kube-rx';
 * const notDeleting: EventPredicate<KubeObject> = (e) => e.object.metadata.deletionTimestamp === undefined;
 * ```
 * @category controller
 * @since 0.1.0
 */
export type EventPredicate<T> = (event: ResourceEvent<T>) => boolean;

/**
 * Lets through the updates for which `changed(old, new)` holds, a change of object identity (same
 * name, new uid: a delete and re-create seen as one update), and every event that is not an update
 * (`Added`, `Deleted`). `Sync` (old and new alike) is an update that changed nothing, so it is held
 * back by every `…Changed` predicate, as in controller-runtime.
 */
const updateWhere =
  <T extends KubeObject>(changed: (old: T, object: T) => boolean): EventPredicate<T> =>
  (e) => {
    if (e._tag === 'Added' || e._tag === 'Deleted') return true;
    if (e._tag === 'Sync') return false;
    return e.old.metadata.uid !== e.object.metadata.uid || changed(e.old, e.object);
  };

const sameRecord = (a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean => {
  const ka = a === undefined ? [] : Object.keys(a);
  const kb = b === undefined ? [] : Object.keys(b);
  return ka.length === kb.length && ka.every((k) => a?.[k] === b?.[k]);
};

/**
 * Passes updates that changed `metadata.generation` (the spec changed; status-only writes don't
 * bump it), adds, deletes, and re-creations under the same name (a new uid, kube-rs#1830).
 * Updates of objects without a `metadata.generation` (ConfigMaps, Secrets, most kinds with no
 * spec/status split) always pass, as kube-rs's `predicate_filter` lets through objects for which
 * `predicates::generation` gives no value; controller-runtime would drop them all. For such
 * kinds `resourceVersionChanged` is the predicate that fits.
 *
 * Maps to controller-runtime's `predicate.GenerationChangedPredicate` and kube-rs's
 * `predicates::generation`.
 *
 * ```
 * events:  -A-U(gen 1→1)-U(gen 1→2)-U(no gen)-S-D-
 * passes:  -A-------------U---------U--------D-
 * ```
 *
 * @example
 * ```ts
 * import { generationChanged, onlyWhen, type SharedIndexInformer, type KubeObject } from 'kube-rx';
 * declare const informer: SharedIndexInformer<KubeObject>;
 * const specChanges$ = informer.events$.pipe(onlyWhen(generationChanged));
 * ```
 * @category controller
 * @since 0.1.0
 */
export const generationChanged: EventPredicate<KubeObject> = updateWhere(
  (old, object) => object.metadata.generation === undefined || old.metadata.generation !== object.metadata.generation,
);

/**
 * Passes updates whose resourceVersion changed (any write), adds, deletes and re-creations; holds
 * back `Sync` events (resyncs, relists that found the object unchanged).
 *
 * Maps to controller-runtime's `predicate.ResourceVersionChangedPredicate` and kube-rs's
 * `predicates::resource_version`.
 *
 * @example
 * ```ts
 * import { onlyWhen, resourceVersionChanged, type SharedIndexInformer, type KubeObject } from 'kube-rx';
 * declare const informer: SharedIndexInformer<KubeObject>;
 * const writes$ = informer.events$.pipe(onlyWhen(resourceVersionChanged));
 * ```
 * @category controller
 * @since 0.1.0
 */
export const resourceVersionChanged: EventPredicate<KubeObject> = updateWhere(
  (old, object) => old.metadata.resourceVersion !== object.metadata.resourceVersion,
);

/**
 * Passes updates that changed the labels, adds, deletes and re-creations.
 *
 * Maps to controller-runtime's `predicate.LabelChangedPredicate` and kube-rs's `predicates::labels`.
 *
 * @example
 * ```ts
 * import { labelsChanged, onlyWhen, type SharedIndexInformer, type KubeObject } from 'kube-rx';
 * declare const informer: SharedIndexInformer<KubeObject>;
 * informer.events$.pipe(onlyWhen(labelsChanged));
 * ```
 * @category controller
 * @since 0.1.0
 */
export const labelsChanged: EventPredicate<KubeObject> = updateWhere(
  (old, object) => !sameRecord(old.metadata.labels, object.metadata.labels),
);

/**
 * Passes updates that changed the annotations, adds, deletes and re-creations.
 *
 * Maps to controller-runtime's `predicate.AnnotationChangedPredicate` and kube-rs's
 * `predicates::annotations`.
 *
 * @example
 * ```ts
 * import { annotationsChanged, onlyWhen, type SharedIndexInformer, type KubeObject } from 'kube-rx';
 * declare const informer: SharedIndexInformer<KubeObject>;
 * informer.events$.pipe(onlyWhen(annotationsChanged));
 * ```
 * @category controller
 * @since 0.1.0
 */
export const annotationsChanged: EventPredicate<KubeObject> = updateWhere(
  (old, object) => !sameRecord(old.metadata.annotations, object.metadata.annotations),
);

/**
 * True when any of the predicates is (controller-runtime's `predicate.Or`).
 *
 * @example
 * ```ts
 * import { anyOf, generationChanged, labelsChanged } from 'kube-rx';
 * const specOrLabels = anyOf(generationChanged, labelsChanged);
 * ```
 * @category controller
 * @since 0.1.0
 */
export const anyOf =
  <T>(...predicates: ReadonlyArray<EventPredicate<T>>): EventPredicate<T> =>
  (e) =>
    predicates.some((p) => p(e));

/**
 * True when all of the predicates are (controller-runtime's `predicate.And`).
 *
 * @example
 * ```ts
 * import { allOf, generationChanged, labelsChanged } from 'kube-rx';
 * const both = allOf(generationChanged, labelsChanged);
 * ```
 * @category controller
 * @since 0.1.0
 */
export const allOf =
  <T>(...predicates: ReadonlyArray<EventPredicate<T>>): EventPredicate<T> =>
  (e) =>
    predicates.every((p) => p(e));

/**
 * Keeps the events that pass every given predicate (none given: all pass).
 *
 * Maps to controller-runtime's `builder.WithPredicates` and kube-rs's `predicate_filter`.
 *
 * ```
 * events:   -A-U-S-U-D-
 * onlyWhen(resourceVersionChanged)
 * result:   -A-U---U-D-
 * ```
 *
 * @example
 * ```ts
 * import { generationChanged, onlyWhen, type SharedIndexInformer, type KubeObject } from 'kube-rx';
 * declare const informer: SharedIndexInformer<KubeObject>;
 * informer.events$.pipe(onlyWhen(generationChanged)).subscribe((e) => console.log(e.key));
 * ```
 * @category controller
 * @since 0.1.0
 */
export const onlyWhen = <T>(...predicates: ReadonlyArray<EventPredicate<T>>): MonoTypeOperatorFunction<ResourceEvent<T>> =>
  filter(allOf(...predicates));
