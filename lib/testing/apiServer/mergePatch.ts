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
// as JSON.stringify, undefined for undefined (typed string as before: callers pass JSON values)
export const canonicalJson = (value: unknown): string => canonical(value) as string;

/** {@link canonicalJson} written directly (no replacer, no sorted copies): `undefined` where JSON.stringify omits the value. */
const canonical = (v: unknown): string | undefined => {
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  if (typeof (v as { readonly toJSON?: unknown }).toJSON === 'function') return canonical(JSON.parse(JSON.stringify(v)));
  if (Array.isArray(v)) return `[${(v as ReadonlyArray<unknown>).map((x) => canonical(x) ?? 'null').join(',')}]`;
  const o = v as Readonly<Record<string, unknown>>;
  let out = '';
  // keys in UTF-16 order, as `a < b` sorts strings
  for (const k of Object.keys(o).sort()) {
    const text = canonical(o[k]);
    if (text !== undefined) out += `${out === '' ? '' : ','}${JSON.stringify(k)}:${text}`;
  }
  return `{${out}}`;
};

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
  return jsonEqualExcept(a, b, NONE);
};

const NONE: ReadonlyArray<string> = [];

/**
 * Whether two JSON objects are {@link jsonEqual} but for the members named in `ignored` (compared
 * in place: no copies without them).
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { jsonEqualExcept } from './mergePatch.js';
 * jsonEqualExcept({ a: 1, status: 'x' }, { a: 1, status: 'y' }, ['status']); // true
 * ```
 * @category testing
 * @since 0.3.0
 */
export const jsonEqualExcept = (x: object, y: object, ignored: ReadonlyArray<string>): boolean => {
  const a = x as Readonly<Record<string, unknown>>;
  const b = y as Readonly<Record<string, unknown>>;
  // no key lists built: every defined member of a is in b and equal, and b has no more defined members
  let defined = 0;
  for (const k in a) {
    if (!Object.hasOwn(a, k) || a[k] === undefined || ignored.includes(k)) continue;
    if (!Object.hasOwn(b, k) || !jsonEqual(a[k], b[k])) return false;
    defined += 1;
  }
  for (const k in b) if (Object.hasOwn(b, k) && b[k] !== undefined && !ignored.includes(k)) defined -= 1;
  return defined === 0;
};
