import * as E from 'fp-ts/lib/Either.js';

import type { KubeObject } from '../../meta/KubeObject.js';

/**
 * One requirement of a label selector.
 *
 * Maps to `k8s.io/apimachinery/pkg/labels.Requirement` (operators `=`/`==`, `!=`, `in`, `notin`,
 * exists, `!key`).
 *
 * @category testing
 * @since 0.1.0
 */
export type LabelRequirement =
  | { readonly _tag: 'Equals' | 'NotEquals'; readonly key: string; readonly value: string }
  | { readonly _tag: 'In' | 'NotIn'; readonly key: string; readonly values: ReadonlyArray<string> }
  | { readonly _tag: 'Exists' | 'DoesNotExist'; readonly key: string };

/**
 * A parsed label selector: every requirement must hold. The empty selector matches everything.
 *
 * Maps to `labels.Selector`.
 *
 * @category testing
 * @since 0.1.0
 */
export type LabelSelector = ReadonlyArray<LabelRequirement>;

/**
 * One requirement of a field selector: only `metadata.name` and `metadata.namespace` are
 * supported, as for most resources of kube-apiserver.
 *
 * Maps to `k8s.io/apimachinery/pkg/fields.Requirement`.
 *
 * @category testing
 * @since 0.1.0
 */
export interface FieldRequirement {
  readonly field: 'metadata.name' | 'metadata.namespace';
  readonly op: 'Equals' | 'NotEquals';
  readonly value: string;
}

/**
 * A parsed field selector: every requirement must hold.
 *
 * Maps to `fields.Selector`.
 *
 * @category testing
 * @since 0.1.0
 */
export type FieldSelector = ReadonlyArray<FieldRequirement>;

const KEY = String.raw`(?:[A-Za-z0-9][-A-Za-z0-9_.]*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?`;
const VALUE = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const EXISTS = new RegExp(String.raw`^(!?)\s*(${KEY})$`);
const EQUALITY = new RegExp(String.raw`^(${KEY})\s*(==|=|!=)\s*(${VALUE})$`);
const SET = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s*\(([^()]*)\)$`);

/** Splits on the commas that are not inside parentheses. */
const splitTopLevel = (s: string): ReadonlyArray<string> => {
  const parts: Array<string> = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
};

const parseRequirement = (raw: string): E.Either<string, LabelRequirement> => {
  const s = raw.trim();
  const set = SET.exec(s);
  if (set !== null) {
    const [, key = '', op, list = ''] = set;
    const values = list.split(',').map((v) => v.trim());
    if (values.some((v) => !new RegExp(`^${VALUE}$`).test(v))) return E.left(`invalid value in "${s}"`);
    return E.right({ _tag: op === 'in' ? 'In' : 'NotIn', key, values });
  }
  const eq = EQUALITY.exec(s);
  if (eq !== null) {
    const [, key = '', op, value = ''] = eq;
    return E.right({ _tag: op === '!=' ? 'NotEquals' : 'Equals', key, value });
  }
  const ex = EXISTS.exec(s);
  if (ex !== null) {
    const [, bang, key = ''] = ex;
    return E.right({ _tag: bang === '!' ? 'DoesNotExist' : 'Exists', key });
  }
  return E.left(`unable to parse requirement: "${s}"`);
};

/**
 * Parses a label selector string (`app=web,tier in (a,b),!legacy`). An empty or blank string is
 * the selector that matches everything. Errors are the message kube-apiserver would put in its
 * 400 `BadRequest` Status.
 *
 * Maps to `labels.Parse`.
 *
 * @example
 * ```ts
 * import { parseLabelSelector } from 'kube-rx/testing';
 * parseLabelSelector('app=web,!legacy'); // right([{ _tag: 'Equals', ... }, { _tag: 'DoesNotExist', ... }])
 * ```
 * @category testing
 * @since 0.1.0
 */
export const parseLabelSelector = (selector: string): E.Either<string, LabelSelector> => {
  if (selector.trim() === '') return E.right([]);
  const out: Array<LabelRequirement> = [];
  for (const part of splitTopLevel(selector)) {
    const r = parseRequirement(part);
    if (E.isLeft(r)) return r;
    out.push(r.right);
  }
  return E.right(out);
};

const FIELD = /^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$/;

/**
 * Parses a field selector string (`metadata.name=a,metadata.namespace!=kube-system`). Fields
 * other than `metadata.name` and `metadata.namespace` are refused with kube's message
 * `field label not supported: <field>`.
 *
 * Maps to `fields.ParseSelector` plus the per-resource field label conversion.
 *
 * @example
 * ```ts
 * import { parseFieldSelector } from 'kube-rx/testing';
 * parseFieldSelector('metadata.name=a'); // right([{ field: 'metadata.name', op: 'Equals', value: 'a' }])
 * ```
 * @category testing
 * @since 0.1.0
 */
export const parseFieldSelector = (selector: string): E.Either<string, FieldSelector> => {
  if (selector.trim() === '') return E.right([]);
  const out: Array<FieldRequirement> = [];
  for (const part of selector.split(',')) {
    const m = FIELD.exec(part);
    if (m === null) return E.left(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [, field = '', op, value = ''] = m;
    if (field !== 'metadata.name' && field !== 'metadata.namespace') {
      return E.left(`field label not supported: ${field}`);
    }
    out.push({ field, op: op === '!=' ? 'NotEquals' : 'Equals', value });
  }
  return E.right(out);
};

const labelMatches = (labels: Readonly<Record<string, string>>, r: LabelRequirement): boolean => {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r._tag) {
    case 'Equals':
      return has && value === r.value;
    case 'NotEquals':
      return !has || value !== r.value;
    case 'In':
      return has && value !== undefined && r.values.includes(value);
    case 'NotIn':
      return !has || value === undefined || !r.values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
};

/**
 * Whether an object's labels satisfy every requirement (`!=` and `notin` hold when the label is
 * absent, as in Kubernetes).
 *
 * Maps to `labels.Selector.Matches`.
 *
 * @example
 * ```ts
 * import { matchesLabels } from 'kube-rx/testing';
 * matchesLabels([{ _tag: 'Exists', key: 'app' }], { metadata: { name: 'a', labels: { app: 'x' } } }); // true
 * ```
 * @category testing
 * @since 0.1.0
 */
export const matchesLabels = (selector: LabelSelector, obj: KubeObject): boolean => {
  const labels = obj.metadata.labels ?? {};
  return selector.every((r) => labelMatches(labels, r));
};

/**
 * Whether an object satisfies every field requirement; a cluster-scoped object has namespace `''`.
 *
 * Maps to `fields.Selector.Matches` over `generic.ObjectMetaFieldsSet`.
 *
 * @example
 * ```ts
 * import { matchesFields } from 'kube-rx/testing';
 * matchesFields([{ field: 'metadata.name', op: 'NotEquals', value: 'b' }], { metadata: { name: 'a' } }); // true
 * ```
 * @category testing
 * @since 0.1.0
 */
export const matchesFields = (selector: FieldSelector, obj: KubeObject): boolean =>
  selector.every((r) => {
    const actual = r.field === 'metadata.name' ? obj.metadata.name : (obj.metadata.namespace ?? '');
    return r.op === 'Equals' ? actual === r.value : actual !== r.value;
  });

/**
 * The filter of a list or watch: in `namespace` (any when undefined, or when the resource is
 * cluster-scoped), and matching both selectors. The embedded API server and the fake cluster
 * both select with it.
 *
 * Maps to `storage.SelectionPredicate.Matches` plus the namespace of the request path.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing
 * import { objectMatcher } from './selectors.js';
 * objectMatcher({ namespaced: true }, 'ns', [], [])({ metadata: { name: 'a', namespace: 'ns' } }); // true
 * ```
 * @category testing
 * @since 0.3.0
 */
export const objectMatcher =
  (resource: { readonly namespaced: boolean }, namespace: string | undefined, labelSelector: LabelSelector, fieldSelector: FieldSelector) =>
  (o: KubeObject): boolean =>
    (!resource.namespaced || namespace === undefined || o.metadata.namespace === namespace) && matchesLabels(labelSelector, o) && matchesFields(fieldSelector, o);
