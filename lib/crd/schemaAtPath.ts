import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';

import type { StructuralSchema } from './CustomResourceDefinition.js';

/** One step of a simple JSONPath: a field, or any item of an array (`[0]`, `[*]`, `[?(...)]`). */
type Step = { readonly field: string } | { readonly item: true };

const STEP = /^(?:\.([A-Za-z_$][\w$-]*)|\[(?:'([^']*)'|"([^"]*)")\]|\[(\d+|\*)\]|\[\?\(([^)]*)\)\])/;

const parse = (jsonPath: string): Either<string, Step[]> => {
  if (!jsonPath.startsWith('.')) return left(`"${jsonPath}" must start with "."`);
  const steps: Step[] = [];
  let rest = jsonPath;
  while (rest !== '') {
    const m = STEP.exec(rest);
    if (m === null) return left(`cannot read "${rest}" in "${jsonPath}" (kube-rx reads .field, ['field'], [N], [*] and [?(...)] filters)`);
    const field = m[1] ?? m[2] ?? m[3];
    steps.push(field === undefined ? { item: true } : { field });
    rest = rest.slice(m[0].length);
  }
  return right(steps);
};

/**
 * The schema a simple JSONPath (as printer columns and the scale subresource use) reaches in an
 * object's schema, or why it reaches nothing. Under `x-kubernetes-preserve-unknown-fields` any
 * path is possible, and the result is `{}` (untyped).
 *
 * Maps to apiextensions-apiserver's printer-column and scale path validation, which accepts any
 * well-formed path; kube-rx also checks that the path exists in the codec.
 *
 * @example
 * ```ts
 * import { schemaAtPath } from 'kube-rx';
 * schemaAtPath({ type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } }, '.spec.size');
 * // right({ type: 'integer' })
 * ```
 * @category crd
 * @since 0.3.0
 */
export const schemaAtPath = (root: StructuralSchema, jsonPath: string): Either<string, StructuralSchema> => {
  const steps = parse(jsonPath);
  if (steps._tag === 'Left') return steps;
  let at: StructuralSchema = root;
  let where = '';
  for (const step of steps.right) {
    if (at['x-kubernetes-preserve-unknown-fields'] === true && at.properties === undefined && at.items === undefined) return right({});
    if ('field' in step) {
      where = `${where}.${step.field}`;
      const next = at.type === 'object' ? (at.properties?.[step.field] ?? at.additionalProperties) : undefined;
      if (next === undefined) {
        if (at['x-kubernetes-preserve-unknown-fields'] === true) return right({});
        return left(`${where} is not a field of the schema`);
      }
      at = next;
    } else {
      where = `${where}[*]`;
      if (at.type !== 'array' || at.items === undefined) return left(`${where}: ${where.slice(0, -3) || '.'} is not an array`);
      at = at.items;
    }
  }
  return right(at);
};
