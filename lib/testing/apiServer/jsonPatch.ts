import * as E from 'fp-ts/lib/Either.js';

import { jsonEqual } from './mergePatch.js';

const isObject = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === 'object' && u !== null && !Array.isArray(u);

/** Why a JSON patch could not be applied: `BadRequest` (malformed) or `Invalid` (a path or a `test` failed). */
export interface JsonPatchFailure {
  readonly code: 400 | 422;
  readonly message: string;
}

const bad = (message: string): E.Either<JsonPatchFailure, never> => E.left({ code: 400, message });
const invalid = (message: string): E.Either<JsonPatchFailure, never> => E.left({ code: 422, message });

/** `/a/b~1c/0` → `['a', 'b/c', '0']` (RFC 6901). */
const tokens = (pointer: string): ReadonlyArray<string> | undefined =>
  pointer === '' ? [] : pointer.startsWith('/') ? pointer.slice(1).split('/').map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~')) : undefined;

const getAt = (doc: unknown, path: ReadonlyArray<string>): { readonly found: boolean; readonly value?: unknown } => {
  let cur: unknown = doc;
  for (const t of path) {
    if (Array.isArray(cur)) {
      const i = /^(0|[1-9]\d*)$/.test(t) ? Number(t) : -1;
      if (i < 0 || i >= cur.length) return { found: false };
      cur = cur[i] as unknown;
    } else if (isObject(cur) && Object.hasOwn(cur, t)) {
      cur = cur[t];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
};

/** A copy of `doc` with `edit` applied to the container at `path`'s parent (copy on write along the path). */
const edit = (
  doc: unknown,
  path: ReadonlyArray<string>,
  change: (container: unknown, key: string) => E.Either<string, unknown>,
): E.Either<string, unknown> => {
  const [head, ...rest] = path;
  if (head === undefined) return E.left('the path must not be the root');
  if (rest.length === 0) return change(doc, head);
  if (Array.isArray(doc)) {
    const i = /^(0|[1-9]\d*)$/.test(head) ? Number(head) : -1;
    if (i < 0 || i >= doc.length) return E.left(`no array element ${head}`);
    return E.map((v: unknown) => doc.map((x: unknown, j) => (j === i ? v : x)))(edit(doc[i], rest, change));
  }
  if (isObject(doc) && Object.hasOwn(doc, head)) return E.map((v: unknown) => ({ ...doc, [head]: v }))(edit(doc[head], rest, change));
  return E.left(`no member "${head}"`);
};

const addChange =
  (value: unknown, replace: boolean) =>
  (container: unknown, key: string): E.Either<string, unknown> => {
    if (Array.isArray(container)) {
      const list = container as ReadonlyArray<unknown>;
      if (key === '-' && !replace) return E.right([...list, value]);
      const i = /^(0|[1-9]\d*)$/.test(key) ? Number(key) : -1;
      if (i < 0 || i > list.length - (replace ? 1 : 0)) return E.left(`array index ${key} out of range`);
      const copy = [...list];
      copy.splice(i, replace ? 1 : 0, value);
      return E.right(copy);
    }
    if (!isObject(container)) return E.left('the parent is not an object or array');
    if (replace && !Object.hasOwn(container, key)) return E.left(`no member "${key}" to replace`);
    return E.right({ ...container, [key]: value });
  };

const removeChange = (container: unknown, key: string): E.Either<string, unknown> => {
  if (Array.isArray(container)) {
    const i = /^(0|[1-9]\d*)$/.test(key) ? Number(key) : -1;
    if (i < 0 || i >= container.length) return E.left(`array index ${key} out of range`);
    return E.right(container.filter((_, j) => j !== i));
  }
  if (!isObject(container) || !Object.hasOwn(container, key)) return E.left(`no member "${key}" to remove`);
  const copy: Record<string, unknown> = { ...container };
  Reflect.deleteProperty(copy, key);
  return E.right(copy);
};

/**
 * Applies a JSON patch (RFC 6902: `add`, `remove`, `replace`, `move`, `copy`, `test`) to a JSON
 * value, all or nothing. Pure. A patch that is not an array of operations is `400`; an operation
 * whose path does not exist, or a `test` whose value differs (compared as canonical JSON), is
 * `422`, as kube-apiserver answers.
 *
 * Maps to kube-apiserver's `application/json-patch+json` handling (`jsonpatch.Patch.Apply`).
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { applyJsonPatch } from './jsonPatch.js';
 * applyJsonPatch({ a: [1] }, [{ op: 'test', path: '/a/0', value: 1 }, { op: 'add', path: '/a/-', value: 2 }]); // right({ a: [1, 2] })
 * ```
 * @category testing
 * @since 0.3.0
 */
export const applyJsonPatch = (doc: unknown, patch: unknown): E.Either<JsonPatchFailure, unknown> => {
  if (!Array.isArray(patch)) return bad('a JSON patch must be an array of operations');
  let cur = doc;
  for (const op of patch as ReadonlyArray<unknown>) {
    if (!isObject(op) || typeof op['op'] !== 'string' || typeof op['path'] !== 'string') return bad(`invalid JSON patch operation: ${JSON.stringify(op)}`);
    const path = tokens(op['path']);
    if (path === undefined) return bad(`invalid JSON pointer "${op['path']}"`);
    const kind = op['op'];
    const needsValue = kind === 'add' || kind === 'replace' || kind === 'test';
    if (needsValue && !Object.hasOwn(op, 'value')) return bad(`the "${kind}" operation needs a value`);
    let next: E.Either<string, unknown>;
    switch (kind) {
      case 'test': {
        const at = getAt(cur, path);
        if (!at.found || !jsonEqual(at.value, op['value'])) {
          return invalid(`the test of ${op['path']} failed: expected ${JSON.stringify(op['value'])}, found ${at.found ? JSON.stringify(at.value) : 'nothing'}`);
        }
        continue;
      }
      case 'add':
        next = path.length === 0 ? E.right(op['value']) : edit(cur, path, addChange(op['value'], false));
        break;
      case 'replace':
        next = path.length === 0 ? E.right(op['value']) : edit(cur, path, addChange(op['value'], true));
        break;
      case 'remove':
        next = edit(cur, path, removeChange);
        break;
      case 'move':
      case 'copy': {
        const from = typeof op['from'] === 'string' ? tokens(op['from']) : undefined;
        if (from === undefined) return bad(`the "${kind}" operation needs a valid "from"`);
        const at = getAt(cur, from);
        if (!at.found) return invalid(`${kind}: nothing at ${String(op['from'])}`);
        const removed = kind === 'move' ? edit(cur, from, removeChange) : E.right(cur);
        next = E.chain((d: unknown) => edit(d, path, addChange(at.value, false)))(removed);
        break;
      }
      default:
        return bad(`unknown JSON patch operation "${kind}"`);
    }
    if (E.isLeft(next)) return invalid(`${kind} ${op['path']}: ${next.left}`);
    cur = next.right;
  }
  return E.right(cur);
};
