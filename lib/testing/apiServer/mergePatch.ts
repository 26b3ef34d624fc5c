const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/**
 * Applies a JSON merge patch (RFC 7386) to a JSON value: objects merge recursively, `null`
 * removes a member, anything else (arrays included) replaces. Pure; returns a new value.
 *
 * Maps to kube-apiserver's `application/merge-patch+json` handling (`jsonpatch.MergePatch`).
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { applyMergePatch } from './mergePatch.js';
 * applyMergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 } }); // { a: 1, b: { d: 3, e: 4 } }
 * ```
 * @category testing
 * @since 0.1.0
 */
export const applyMergePatch = (target: unknown, patch: unknown): unknown => {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) Reflect.deleteProperty(result, k);
    else result[k] = applyMergePatch(result[k], v);
  }
  return result;
};

/**
 * JSON text with object keys sorted, so that two equal JSON values give the same string.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { canonicalJson } from './mergePatch.js';
 * canonicalJson({ b: 1, a: [2] }) === canonicalJson({ a: [2], b: 1 }); // true
 * ```
 * @category testing
 * @since 0.1.0
 */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );

/**
 * Whether two JSON values are equal, as their {@link canonicalJson} texts would be (object key
 * order ignored, members whose value is `undefined` absent), without building the texts: shared
 * subtrees compare by identity at once.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { jsonEqual } from './mergePatch.js';
 * jsonEqual({ b: 1, a: [2], c: undefined }, { a: [2], b: 1 }); // true
 * ```
 * @category testing
 * @since 0.3.0
 */
export const jsonEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, (b as ReadonlyArray<unknown>)[i]));
  if (!isObject(a) || !isObject(b)) return false;
  const keys = (o: Readonly<Record<string, unknown>>): ReadonlyArray<string> => Object.keys(o).filter((k) => o[k] !== undefined);
  const ka = keys(a);
  return ka.length === keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
};
