import * as E from 'fp-ts/lib/Either.js';

import { canonicalJson, jsonEqual } from './mergePatch.js';

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * One step of a field path: an object field's name; the element of a list-map with these key
 * field values (`{ key: { uid: 'u1' } }`, the real server's `k:{"uid":"u1"}`); or the element of
 * a set with this value (`{ value: 'a' }`, the real server's `v:"a"`).
 */
export type PathElement = string | { readonly key: Readonly<Record<string, unknown>> } | { readonly value: unknown };

/** A field path: the steps from the root (`['spec', 'replicas']`, `['metadata', 'ownerReferences', { key: { uid } }, 'name']`). */
export type FieldPath = ReadonlyArray<PathElement>;

/**
 * How a list merges under apply, as the real server reads it from the OpenAPI markers
 * `x-kubernetes-list-type` and `x-kubernetes-list-map-keys`: `atomic` (replaced whole, owned whole),
 * `set` (scalar elements, each owned on its own), or `map` (object elements identified by the
 * `keys` fields, each element merged and owned field by field).
 */
export type ListType = { readonly _tag: 'atomic' } | { readonly _tag: 'set' } | { readonly _tag: 'map'; readonly keys: ReadonlyArray<string> };

const ATOMIC: ListType = { _tag: 'atomic' };
const SET: ListType = { _tag: 'set' };
const mapBy = (...keys: ReadonlyArray<string>): ListType => ({ _tag: 'map', keys });

/** Lists of built-in kinds that are list-maps, by the field's name (kube's OpenAPI markers). */
const BUILTIN_LIST_MAPS: Readonly<Record<string, ListType>> = {
  conditions: mapBy('type'),
  containers: mapBy('name'),
  initContainers: mapBy('name'),
  ephemeralContainers: mapBy('name'),
  env: mapBy('name'),
  volumes: mapBy('name'),
  volumeMounts: mapBy('mountPath'),
};

/**
 * The list types the embedded server knows: in every object `metadata.ownerReferences` is a map
 * keyed by `uid` and `metadata.finalizers` a set (ObjectMeta's markers); in objects of built-in
 * kinds (`builtin`), lists named `conditions` (by `type`), `containers`, `initContainers`,
 * `ephemeralContainers`, `env`, `volumes` (by `name`), `volumeMounts` (by `mountPath`), a
 * container's `ports` (by `containerPort` and `protocol`) and any other `ports` (by `port` and
 * `protocol`) are maps, wherever they are. Every other list is atomic, as is every list of a custom
 * resource outside `metadata` (a CRD schema's own markers are not read).
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { knownListType } from './serverSideApply.js';
 * knownListType(false)(['metadata', 'ownerReferences']); // { _tag: 'map', keys: ['uid'] }
 * knownListType(true)(['spec', 'containers']); // { _tag: 'map', keys: ['name'] }
 * knownListType(false)(['spec', 'containers']); // { _tag: 'atomic' }
 * ```
 * @category testing
 * @since 0.3.0
 */
export const knownListType =
  (builtin: boolean) =>
  (path: FieldPath): ListType => {
    if (path.length === 2 && path[0] === 'metadata') return path[1] === 'ownerReferences' ? mapBy('uid') : path[1] === 'finalizers' ? SET : ATOMIC;
    const name = path.at(-1);
    if (!builtin || typeof name !== 'string') return ATOMIC;
    if (name === 'ports') return typeof path.at(-2) === 'object' ? mapBy('containerPort', 'protocol') : mapBy('port', 'protocol');
    return BUILTIN_LIST_MAPS[name] ?? ATOMIC;
  };

/**
 * One manager's fields, as kept in `metadata.managedFields` (`fieldsV1` in the `f:`, `k:` and
 * `v:` notation of the real server).
 */
export interface ManagedFieldsEntry {
  readonly manager: string;
  readonly operation: 'Apply';
  readonly apiVersion: string;
  readonly fieldsType: 'FieldsV1';
  readonly fieldsV1: Readonly<Record<string, unknown>>;
  readonly subresource?: string;
}

/** Identity and server-set fields: never owned, never merged from an applied object. */
const IGNORED_TOP = new Set(['apiVersion', 'kind']);
const IGNORED_META = new Set(['name', 'namespace', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink']);

const ignored = (path: FieldPath): boolean =>
  (path.length === 1 && IGNORED_TOP.has(typeof path[0] === 'string' ? path[0] : '')) ||
  (path.length === 2 && path[0] === 'metadata' && typeof path[1] === 'string' && IGNORED_META.has(path[1]));

const isScalar = (u: unknown): boolean => u === null || ['string', 'number', 'boolean'].includes(typeof u);

/** The key of a list-map element, or undefined when it is not an object holding every key field with a scalar. */
const keyOf = (element: unknown, keys: ReadonlyArray<string>): Readonly<Record<string, unknown>> | undefined => {
  if (!isObject(element)) return undefined;
  const key: Record<string, unknown> = {};
  for (const k of keys) {
    if (!isScalar(element[k])) return undefined;
    key[k] = element[k];
  }
  return key;
};

/**
 * How `list` at `path` merges: its list type, unless an element does not fit it (an element
 * without its key fields, an object in a set) or two elements share a key or value: then atomic.
 */
const effectiveType = (listType: (path: FieldPath) => ListType, path: FieldPath, list: ReadonlyArray<unknown>): ListType => {
  const type = listType(path);
  if (type._tag === 'atomic') return type;
  const ids = type._tag === 'set' ? list.map((v) => (isScalar(v) ? canonicalJson(v) : undefined)) : list.map((e) => {
    const k = keyOf(e, type.keys);
    return k === undefined ? undefined : canonicalJson(k);
  });
  return ids.includes(undefined) || new Set(ids).size !== ids.length ? ATOMIC : type;
};

const sameElement = (type: ListType, step: PathElement) => (element: unknown): boolean => {
  if (typeof step === 'string' || type._tag === 'atomic') return false;
  if ('value' in step) return canonicalJson(element) === canonicalJson(step.value);
  const key = keyOf(element, type._tag === 'map' ? type.keys : []);
  return key !== undefined && canonicalJson(key) === canonicalJson(step.key);
};

/** The step to an element of a set or list-map. */
const stepTo = (type: Exclude<ListType, { readonly _tag: 'atomic' }>, element: unknown): PathElement =>
  type._tag === 'set' ? { value: element } : { key: keyOf(element, type.keys) ?? {} };

/**
 * The leaf paths of an applied object: every path to a scalar, an atomic list, an empty object,
 * or a set's value; a list-map's elements are walked by key (every field of an element is a
 * leaf of its own, the key fields too); an empty set or list-map owns nothing. Identity and
 * server-set fields are left out.
 */
export const leafPaths = (value: unknown, prefix: FieldPath = [], listType: (path: FieldPath) => ListType = knownListType(false)): ReadonlyArray<FieldPath> => {
  const out: Array<FieldPath> = [];
  collectLeafPaths(value, prefix, listType, out);
  return out;
};

/** {@link leafPaths} into `out`, in the same order, without an array per level. */
const collectLeafPaths = (value: unknown, prefix: FieldPath, listType: (path: FieldPath) => ListType, out: Array<FieldPath>): void => {
  if (ignored(prefix)) return;
  if (Array.isArray(value) && prefix.length > 0) {
    const type = effectiveType(listType, prefix, value);
    if (type._tag === 'atomic') {
      out.push(prefix);
      return;
    }
    for (const e of value as ReadonlyArray<unknown>) {
      const path = [...prefix, stepTo(type, e)];
      if (type._tag === 'set') out.push(path);
      else collectLeafPaths(e, path, listType, out);
    }
    return;
  }
  if (!isObject(value) || (prefix.length > 0 && Object.keys(value).length === 0)) {
    if (prefix.length > 0) out.push(prefix);
    return;
  }
  for (const k of Object.keys(value)) collectLeafPaths(value[k], [...prefix, k], listType, out);
};

const fieldsKey = (step: PathElement): string =>
  typeof step === 'string' ? `f:${step}` : 'key' in step ? `k:${canonicalJson(step.key)}` : `v:${canonicalJson(step.value)}`;

/** Paths to `fieldsV1` (`{ "f:spec": { "f:replicas": {} } }`; an element of a list-map `"k:{\"uid\":\"u1\"}": { ".": {}, ... }`, of a set `"v:\"a\""`). */
export const toFieldsV1 = (paths: ReadonlyArray<FieldPath>): Record<string, unknown> => {
  const root: Record<string, unknown> = {};
  for (const path of paths) {
    let node = root;
    for (const step of path) {
      const k = fieldsKey(step);
      const child = node[k];
      const next: Record<string, unknown> = isObject(child) ? { ...child } : {};
      if (typeof step === 'object' && 'key' in step) next['.'] = {};
      node[k] = next;
      node = next;
    }
  }
  return root;
};

const parseStep = (k: string): PathElement | undefined => {
  if (k.startsWith('f:')) return k.slice(2);
  try {
    if (k.startsWith('k:')) {
      const key: unknown = JSON.parse(k.slice(2));
      return isObject(key) ? { key } : undefined;
    }
    if (k.startsWith('v:')) return { value: JSON.parse(k.slice(2)) as unknown };
  } catch {
    return undefined; // another server's notation this one does not read
  }
  return undefined;
};

/** `fieldsV1` back to its leaf paths. */
export const fromFieldsV1 = (fields: unknown, prefix: FieldPath = []): ReadonlyArray<FieldPath> => {
  const out: Array<FieldPath> = [];
  collectFieldsV1(fields, prefix, out);
  return out;
};

/** {@link fromFieldsV1} into `out`, in the same order. */
const collectFieldsV1 = (fields: unknown, prefix: FieldPath, out: Array<FieldPath>): void => {
  if (!isObject(fields)) return;
  let any = false;
  for (const k of Object.keys(fields)) {
    const step = parseStep(k);
    if (step === undefined) continue;
    any = true;
    collectFieldsV1(fields[k], [...prefix, step], out);
  }
  if (!any && prefix.length > 0) out.push(prefix);
};

/** A path's identity: its canonical JSON (a path of field names only is its plain JSON). */
const key = (path: FieldPath): string => (path.every((step) => typeof step === 'string') ? JSON.stringify(path) : canonicalJson(path));

/** The list type of the list at `prefix` in `doc`, as `effectiveType` sees it there. */
type ListTypeOf = (path: FieldPath) => ListType;

const getAt = (doc: unknown, path: FieldPath, listType: ListTypeOf): { readonly found: boolean; readonly value?: unknown } => {
  let cur = doc;
  const walked: Array<PathElement> = [];
  for (const step of path) {
    if (typeof step === 'string') {
      if (!isObject(cur) || !Object.hasOwn(cur, step)) return { found: false };
      cur = cur[step];
    } else {
      if (!Array.isArray(cur)) return { found: false };
      const list = cur as ReadonlyArray<unknown>;
      const found = list.find(sameElement(effectiveType(listType, walked, list), step));
      if (found === undefined) return { found: false };
      cur = found;
    }
    walked.push(step);
  }
  return { found: true, value: cur };
};

const withoutPath = (doc: unknown, path: FieldPath, listType: ListTypeOf, prefix: FieldPath = []): unknown => {
  const [head, ...rest] = path;
  if (head === undefined) return doc;
  if (typeof head !== 'string') {
    if (!Array.isArray(doc)) return doc;
    const list = doc as ReadonlyArray<unknown>;
    const same = sameElement(effectiveType(listType, prefix, list), head);
    if (rest.length === 0) return list.filter((e) => !same(e));
    return list.map((e) => (same(e) ? withoutPath(e, rest, listType, [...prefix, head]) : e));
  }
  if (!isObject(doc) || !Object.hasOwn(doc, head)) return doc;
  const copy: Record<string, unknown> = { ...doc };
  if (rest.length === 0) Reflect.deleteProperty(copy, head);
  else copy[head] = withoutPath(doc[head], rest, listType, [...prefix, head]);
  return copy;
};

/**
 * Merges the applied fields into `target`: objects recursively; sets by value and list-maps by
 * key (an applied element merged into the element of the same key, a new one appended; the
 * others kept in place); atomic lists and scalars replace; identity skipped.
 */
const mergeApplied = (target: unknown, applied: unknown, listType: ListTypeOf, prefix: FieldPath = []): unknown => {
  if (Array.isArray(applied) && Array.isArray(target)) {
    const list = target as ReadonlyArray<unknown>;
    const appliedList = applied as ReadonlyArray<unknown>;
    const type = effectiveType(listType, prefix, appliedList);
    if (type._tag === 'atomic' || effectiveType(listType, prefix, list)._tag === 'atomic') return applied;
    const result = [...list];
    for (const element of appliedList) {
      const step = stepTo(type, element);
      const i = result.findIndex(sameElement(type, step));
      if (i < 0) result.push(element);
      else result[i] = type._tag === 'set' ? element : mergeApplied(result[i], element, listType, [...prefix, step]);
    }
    return result;
  }
  if (!isObject(applied)) return applied;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(applied)) {
    const path = [...prefix, k];
    if (ignored(path)) continue;
    result[k] = mergeApplied(result[k], v, listType, path);
  }
  return result;
};

/** Whether `path` ends at a key field of a list-map element (`[..., { key: { uid } }, 'uid']`). */
const isKeyField = (path: FieldPath): boolean => {
  const [parent, last] = [path.at(-2), path.at(-1)];
  return typeof last === 'string' && typeof parent === 'object' && 'key' in parent && Object.hasOwn(parent.key, last);
};

/** The prefixes of `path` that end at an element of a list-map (its own presence, owned while any of its fields is). */
const elementPrefixes = (path: FieldPath): ReadonlyArray<FieldPath> =>
  path.flatMap((step, i) => (typeof step === 'object' && 'key' in step && i < path.length - 1 ? [path.slice(0, i + 1)] : []));

/** Which part of the object an apply writes: the main resource (all but status when the resource has a status subresource) or the status. */
export type ApplyScope = 'all' | 'main' | 'status';

const inScope = (scope: ApplyScope) => (path: FieldPath): boolean =>
  scope === 'all' ? true : scope === 'status' ? path[0] === 'status' : path[0] !== 'status';

/** A 409 apply conflict: which manager owns which of the fields. */
export interface ApplyConflict {
  readonly conflicts: ReadonlyArray<{ readonly manager: string; readonly path: FieldPath }>;
}

/**
 * Server-side apply, simplified: field ownership per manager as a set of leaf paths, list-maps
 * and sets walked by key or value ({@link knownListType}; other lists atomic), no unions, no
 * defaulting, no schema.
 *
 * 1. The applied object's leaf paths in scope (identity and server-set fields left out) are what
 *    `manager` now owns (entries are per manager and subresource).
 * 2. A leaf path another entry owns whose current value differs from the applied one is a
 *    conflict; with `force` the other entry loses it, without the apply fails (409). Equal values
 *    are shared: both keep it.
 * 3. The applied fields are merged into the current object (objects recursively, list-maps by
 *    key and sets by value, atomic lists and scalars replaced).
 * 4. A path `manager` owned before and no longer applies, owned by no one else, is removed; so is
 *    an element of a list-map it owned a field of, once no one owns any field of it.
 *
 * Pure. `current` is undefined for an apply that creates the object.
 */
export const serverSideApply = (args: {
  readonly current: Readonly<Record<string, unknown>> | undefined;
  readonly managedFields: ReadonlyArray<ManagedFieldsEntry>;
  readonly applied: Readonly<Record<string, unknown>>;
  readonly manager: string;
  readonly force: boolean;
  readonly scope: ApplyScope;
  readonly apiVersion: string;
  /** How lists merge (default: {@link knownListType} of a custom resource: only metadata's lists are keyed). */
  readonly listType?: (path: FieldPath) => ListType;
}): E.Either<ApplyConflict, { readonly object: Record<string, unknown>; readonly managedFields: ReadonlyArray<ManagedFieldsEntry> }> => {
  const { current, applied, manager, force, scope, apiVersion, listType = knownListType(false) } = args;
  const subresource = scope === 'status' ? 'status' : undefined;
  const within = inScope(scope);
  const appliedPaths = leafPaths(applied, [], listType).filter(within);
  const mine = (e: ManagedFieldsEntry): boolean => e.manager === manager && e.subresource === subresource;
  const previous = new Set(fromFieldsV1(args.managedFields.find(mine)?.fieldsV1 ?? {}).map(key));
  const others = args.managedFields
    .filter((e) => !mine(e))
    .map((e) => ({ entry: e, paths: new Set(fromFieldsV1(e.fieldsV1).map(key)), changed: false }));
  const conflicts: Array<{ readonly manager: string; readonly path: FieldPath }> = [];
  const appliedKeys = new Set<string>();
  for (const path of appliedPaths) {
    const k = key(path);
    appliedKeys.add(k);
    const owners = others.filter((o) => o.paths.has(k));
    // only a field another manager owns can conflict: compare the values just for those
    if (owners.length === 0) continue;
    const at = getAt(current, path, listType);
    if (at.found && jsonEqual(at.value, getAt(applied, path, listType).value)) continue;
    for (const o of owners) {
      if (force) {
        o.paths.delete(k);
        o.changed = true;
      } else conflicts.push({ manager: o.entry.manager, path });
    }
  }
  if (conflicts.length > 0) return E.left({ conflicts });
  const ownedByOthers = (k: string): boolean => others.some((o) => o.paths.has(k));
  let object = mergeApplied(current ?? {}, scope === 'all' ? applied : Object.fromEntries(Object.entries(applied).filter(([k]) => within([k]))), listType);
  const dropped = [...previous].filter((k) => !appliedKeys.has(k) && !ownedByOthers(k)).map((k) => JSON.parse(k) as FieldPath);
  // an element of a list-map goes with the last owned field in it (first: its key must still find it)
  const prefixes = new Map(dropped.flatMap(elementPrefixes).map((p) => [key(p), p]));
  if (prefixes.size > 0) {
    const owned = [...appliedKeys, ...others.flatMap((o) => [...o.paths])].map((k) => JSON.parse(k) as FieldPath);
    const ownsUnder = (prefix: FieldPath): boolean => owned.some((p) => p.length > prefix.length && key(p.slice(0, prefix.length)) === key(prefix));
    for (const prefix of prefixes.values()) {
      if (!ownsUnder(prefix)) object = withoutPath(object, prefix, listType);
    }
  }
  // the key fields of an element that stays are kept: they identify it
  for (const path of dropped.filter((p) => !isKeyField(p))) object = withoutPath(object, path, listType);
  const entry = (m: string, paths: ReadonlyArray<FieldPath>, sub: string | undefined): ManagedFieldsEntry => ({
    manager: m,
    operation: 'Apply',
    apiVersion,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(paths),
    ...(sub === undefined ? {} : { subresource: sub }),
  });
  const managedFields = [
    ...args.managedFields.map((e) => {
      if (mine(e)) return entry(manager, appliedPaths, subresource);
      // another manager's entry is rewritten only when a forced apply took fields from it
      const o = others.find((x) => x.entry === e);
      return o === undefined || !o.changed ? e : entry(e.manager, [...o.paths].map((k) => JSON.parse(k) as FieldPath), e.subresource);
    }),
    ...(args.managedFields.some(mine) ? [] : [entry(manager, appliedPaths, subresource)]),
  ].filter((e) => Object.keys(e.fieldsV1).length > 0);
  return E.right({ object: object as Record<string, unknown>, managedFields });
};

const stepText = (step: PathElement): string =>
  typeof step === 'string'
    ? `.${step}`
    : 'key' in step
      ? `[${Object.entries(step.key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`
      : `[=${JSON.stringify(step.value)}]`;

/** `.spec.size`, `.metadata.ownerReferences[uid="u1"].controller`: how the real server names a conflicting field. */
export const fieldPathText = (path: FieldPath): string => path.map(stepText).join('');
