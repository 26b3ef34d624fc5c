import * as E from 'fp-ts/lib/Either.js';

import type { Status } from '../../codec/Status.js';
import { failureStatus } from './apiStatus.js';
import { type FieldSelector, type LabelSelector, parseFieldSelector, parseLabelSelector } from './selectors.js';

/**
 * The query of a LIST or WATCH request, decoded and validated.
 *
 * Maps to `metainternalversion.ListOptions` after `ValidateListOptions`.
 *
 * @category testing
 * @since 0.1.0
 */
export interface ListQuery {
  readonly watch: boolean;
  readonly labelSelector: LabelSelector;
  readonly fieldSelector: FieldSelector;
  /** Whether a label or field selector was given (kube omits `remainingItemCount` then). */
  readonly selective: boolean;
  /** `undefined` when absent or empty. */
  readonly resourceVersion: string | undefined;
  readonly resourceVersionMatch: string | undefined;
  /** 0 when absent: no paging. */
  readonly limit: number;
  readonly continue: string | undefined;
  readonly allowWatchBookmarks: boolean;
  readonly sendInitialEvents: boolean | undefined;
  readonly timeoutSeconds: number | undefined;
}

/** Go's `strconv.ParseBool`. */
const parseBool = (s: string | null): boolean | undefined => {
  if (s === null) return undefined;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(s)) return false;
  return undefined;
};

const nonNegativeInt = (s: string | null): number | undefined | 'invalid' => {
  if (s === null || s === '') return undefined;
  return /^\d+$/.test(s) ? Number(s) : 'invalid';
};

const invalid = (causes: ReadonlyArray<{ readonly field: string; readonly message: string }>): Status =>
  failureStatus(
    422,
    `ListOptions.meta.k8s.io "" is invalid: ${
      causes.length === 1 ? `${causes[0]?.field ?? ''}: Forbidden: ${causes[0]?.message ?? ''}` : `[${causes.map((c) => `${c.field}: Forbidden: ${c.message}`).join(', ')}]`
    }`,
    {
      group: 'meta.k8s.io',
      kind: 'ListOptions',
      causes: causes.map((c) => ({ type: 'FieldValueForbidden', message: `Forbidden: ${c.message}`, field: c.field })),
    },
  );

/**
 * Decodes and validates the query of a collection GET. Selector or number syntax errors are
 * `400 BadRequest`; option combinations kube-apiserver forbids are `422 Invalid` on
 * `ListOptions.meta.k8s.io`, as `ValidateListOptions` reports them (e.g. `sendInitialEvents`
 * without `resourceVersionMatch=NotOlderThan`, or without `allowWatchBookmarks`). With
 * `watchList: false` (the `WatchList` feature gate off) any `sendInitialEvents` on a watch is refused.
 *
 * Maps to `metainternalversionscheme.ParameterCodec.DecodeParameters` plus
 * `metainternalversionvalidation.ValidateListOptions`.
 *
 * @example
 * ```ts
 * import { isLeft } from 'fp-ts/lib/Either.js';
 * // an internal module of kube-rx/testing, not exported by the package
 * import { parseListQuery } from './listQuery.js';
 * isLeft(parseListQuery(new URLSearchParams('watch=1&sendInitialEvents=true'), true)); // true (422)
 * ```
 * @category testing
 * @since 0.1.0
 */
export const parseListQuery = (q: URLSearchParams, watchList: boolean): E.Either<Status, ListQuery> => {
  const labels = parseLabelSelector(q.get('labelSelector') ?? '');
  if (E.isLeft(labels)) return E.left(failureStatus(400, labels.left));
  const fields = parseFieldSelector(q.get('fieldSelector') ?? '');
  if (E.isLeft(fields)) return E.left(failureStatus(400, fields.left));
  const limit = nonNegativeInt(q.get('limit'));
  const timeoutSeconds = nonNegativeInt(q.get('timeoutSeconds'));
  if (limit === 'invalid' || timeoutSeconds === 'invalid') {
    return E.left(failureStatus(400, 'limit and timeoutSeconds must be non-negative integers'));
  }
  const watch = parseBool(q.get('watch')) ?? false;
  const sendInitialEvents = parseBool(q.get('sendInitialEvents'));
  const allowWatchBookmarks = parseBool(q.get('allowWatchBookmarks')) ?? false;
  const rv = q.get('resourceVersion') ?? '';
  const match = q.get('resourceVersionMatch') ?? '';
  const cont = q.get('continue') ?? '';
  const causes: Array<{ field: string; message: string }> = [];
  if (watch) {
    if (sendInitialEvents !== undefined) {
      if (match !== 'NotOlderThan') {
        causes.push({ field: 'resourceVersionMatch', message: 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan' });
      }
      if (!watchList) {
        causes.push({ field: 'sendInitialEvents', message: 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled' });
      }
    }
    if (match !== '') {
      if (sendInitialEvents === undefined) {
        causes.push({ field: 'resourceVersionMatch', message: 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided' });
      } else if (match !== 'NotOlderThan') {
        causes.push({ field: 'resourceVersionMatch', message: `unsupported value "${match}": supported values: "NotOlderThan"` });
      }
    }
    if (sendInitialEvents === true && !allowWatchBookmarks) {
      causes.push({ field: 'allowWatchBookmarks', message: 'sendInitialEvents requires setting allowWatchBookmarks to true' });
    }
  } else {
    if (match !== '') {
      if (rv === '') causes.push({ field: 'resourceVersionMatch', message: 'resourceVersionMatch is forbidden unless resourceVersion is provided' });
      if (cont !== '') causes.push({ field: 'resourceVersionMatch', message: 'resourceVersionMatch is forbidden when continue is provided' });
      if (match !== 'Exact' && match !== 'NotOlderThan') {
        causes.push({ field: 'resourceVersionMatch', message: `unsupported value "${match}": supported values: "Exact", "NotOlderThan", ""` });
      }
      if (match === 'Exact' && rv === '0') {
        causes.push({ field: 'resourceVersionMatch', message: 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"' });
      }
    }
    if (sendInitialEvents !== undefined) causes.push({ field: 'sendInitialEvents', message: 'sendInitialEvents is forbidden for list' });
  }
  if (causes.length > 0) return E.left(invalid(causes));
  if (rv !== '' && !/^\d+$/.test(rv)) {
    return E.left(failureStatus(400, `invalid resource version: strconv.ParseUint: parsing "${rv}": invalid syntax`));
  }
  return E.right({
    watch,
    labelSelector: labels.right,
    fieldSelector: fields.right,
    selective: labels.right.length > 0 || fields.right.length > 0,
    resourceVersion: rv === '' ? undefined : rv,
    resourceVersionMatch: match === '' ? undefined : match,
    limit: limit ?? 0,
    continue: cont === '' ? undefined : cont,
    allowWatchBookmarks,
    sendInitialEvents,
    timeoutSeconds,
  });
};
