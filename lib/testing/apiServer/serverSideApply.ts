import * as E from 'fp-ts/lib/Either.js';

import { jsonEqual } from './mergePatch.js';

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/** A field path: the keys from the root (`['spec', 'replicas']`). */
export type FieldPath = ReadonlyArray<string>;

/**
 * One manager's fields, as kept in `metadata.managedFields` (`fieldsV1` in the `f:` notation of
 * the real server, without list keys: lists are atomic here).
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
  (path.length === 1 && IGNORED_TOP.has(path[0] ?? '')) || (path.length === 2 && path[0] === 'metadata' && IGNORED_META.has(path[1] ?? ''));

/**
 * The leaf paths of an applied object: every path to a scalar, an array (atomic) or an empty
 * object, identity and server-set fields left out.
 */
export const leafPaths = (value: unknown, prefix: FieldPath = []): ReadonlyArray<FieldPath> => {
  if (ignored(prefix)) return [];
  if (!isObject(value) || (Object.keys(value).length === 0 && prefix.length > 0)) return prefix.length === 0 ? [] : [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
};

/** Paths to `fieldsV1` (`{ "f:spec": { "f:replicas": {} } }`). */
export const toFieldsV1 = (paths: ReadonlyArray<FieldPath>): Record<string, unknown> => {
  const root: Record<string, unknown> = {};
  for (const path of paths) {
    let node = root;
    for (const key of path) {
      const k = `f:${key}`;
      const child = node[k];
      const next: Record<string, unknown> = isObject(child) ? { ...child } : {};
      node[k] = next;
      node = next;
    }
  }
  return root;
};

/** `fieldsV1` back to its leaf paths. */
export const fromFieldsV1 = (fields: unknown, prefix: FieldPath = []): ReadonlyArray<FieldPath> => {
  if (!isObject(fields)) return [];
  const keys = Object.keys(fields).filter((k) => k.startsWith('f:'));
  if (keys.length === 0) return prefix.length === 0 ? [] : [prefix];
  return keys.flatMap((k) => fromFieldsV1(fields[k], [...prefix, k.slice(2)]));
};

const key = (path: FieldPath): string => JSON.stringify(path);

const getAt = (doc: unknown, path: FieldPath): { readonly found: boolean; readonly value?: unknown } => {
  let cur = doc;
  for (const k of path) {
    if (!isObject(cur) || !Object.hasOwn(cur, k)) return { found: false };
    cur = cur[k];
  }
  return { found: true, value: cur };
};

const withoutPath = (doc: unknown, path: FieldPath): unknown => {
  const [head, ...rest] = path;
  if (head === undefined || !isObject(doc) || !Object.hasOwn(doc, head)) return doc;
  const copy: Record<string, unknown> = { ...doc };
  if (rest.length === 0) Reflect.deleteProperty(copy, head);
  else copy[head] = withoutPath(doc[head], rest);
  return copy;
};

/** Merges the applied fields into `target`: objects recursively, anything else (lists too) replaces; identity skipped. */
const mergeApplied = (target: unknown, applied: unknown, prefix: FieldPath = []): unknown => {
  if (!isObject(applied)) return applied;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(applied)) {
    const path = [...prefix, k];
    if (ignored(path)) continue;
    result[k] = mergeApplied(result[k], v, path);
  }
  return result;
};

/** Which part of the object an apply writes: the main resource (all but status when the resource has a status subresource) or the status. */
export type ApplyScope = 'all' | 'main' | 'status';

const inScope = (scope: ApplyScope) => (path: FieldPath): boolean =>
  scope === 'all' ? true : scope === 'status' ? path[0] === 'status' : path[0] !== 'status';

/** A 409 apply conflict: which manager owns which of the fields. */
export interface ApplyConflict {
  readonly conflicts: ReadonlyArray<{ readonly manager: string; readonly path: FieldPath }>;
}

/**
 * Server-side apply, simplified: field ownership per manager as a set of leaf paths (lists are
 * atomic leaves; no list-map keys, no unions, no defaulting).
 *
 * 1. The applied object's leaf paths in scope (identity and server-set fields left out) are what
 *    `manager` now owns (entries are per manager and subresource).
 * 2. A leaf path another entry owns whose current value differs from the applied one is a
 *    conflict; with `force` the other entry loses it, without the apply fails (409). Equal values
 *    are shared: both keep it.
 * 3. The applied fields are merged into the current object (objects recursively, lists and
 *    scalars replaced).
 * 4. A path `manager` owned before and no longer applies, owned by no one else, is removed.
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
}): E.Either<ApplyConflict, { readonly object: Record<string, unknown>; readonly managedFields: ReadonlyArray<ManagedFieldsEntry> }> => {
  const { current, applied, manager, force, scope, apiVersion } = args;
  const subresource = scope === 'status' ? 'status' : undefined;
  const within = inScope(scope);
  const appliedPaths = leafPaths(applied).filter(within);
  const mine = (e: ManagedFieldsEntry): boolean => e.manager === manager && e.subresource === subresource;
  const previous = new Set(fromFieldsV1(args.managedFields.find(mine)?.fieldsV1 ?? {}).map(key));
  const others = args.managedFields.filter((e) => !mine(e)).map((e) => ({ entry: e, paths: new Set(fromFieldsV1(e.fieldsV1).map(key)) }));
  const conflicts: Array<{ readonly manager: string; readonly path: FieldPath }> = [];
  for (const path of appliedPaths) {
    const at = getAt(current, path);
    const same = at.found && jsonEqual(at.value, getAt(applied, path).value);
    for (const o of others) {
      if (!o.paths.has(key(path)) || same) continue;
      if (force) o.paths.delete(key(path));
      else conflicts.push({ manager: o.entry.manager, path });
    }
  }
  if (conflicts.length > 0) return E.left({ conflicts });
  const appliedKeys = new Set(appliedPaths.map(key));
  const ownedByOthers = (k: string): boolean => others.some((o) => o.paths.has(k));
  let object = mergeApplied(current ?? {}, scope === 'all' ? applied : Object.fromEntries(Object.entries(applied).filter(([k]) => within([k]))));
  for (const k of previous) {
    if (!appliedKeys.has(k) && !ownedByOthers(k)) object = withoutPath(object, JSON.parse(k) as FieldPath);
  }
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
      const o = others.find((x) => x.entry === e);
      return o === undefined ? e : entry(e.manager, [...o.paths].map((k) => JSON.parse(k) as FieldPath), e.subresource);
    }),
    ...(args.managedFields.some(mine) ? [] : [entry(manager, appliedPaths, subresource)]),
  ].filter((e) => Object.keys(e.fieldsV1).length > 0);
  return E.right({ object: object as Record<string, unknown>, managedFields });
};

/** `.spec.size`: how the real server names a conflicting field. */
export const fieldPathText = (path: FieldPath): string => path.map((k) => `.${k}`).join('');
