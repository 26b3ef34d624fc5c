import * as t from 'io-ts';

/**
 * A whole number typed as a plain `number`: `type: integer` in the CRD schema (as `t.Int`), the
 * codec refuses fractions, and object literals type-check without `t.Int`'s brand
 * (`{ replicas: 3 }` instead of `{ replicas: 3 as t.Int }`).
 *
 * Maps to Go's `int32`/`int64` fields (controller-gen writes `type: integer`) and Rust's
 * `i32`/`i64` under kube-rs's `#[derive(CustomResource)]`.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { constrained, Integer } from 'kube-rx';
 * const Spec = t.partial({ historyLimit: constrained(Integer, { minimum: 0 }) });
 * const spec: t.TypeOf<typeof Spec> = { historyLimit: 3 };
 * Integer.is(2.5); // false
 * ```
 * @category crd
 * @since 0.3.0
 */
export const Integer: t.RefinementType<t.NumberC, number, number> = new t.RefinementType(
  // the name and the inner number codec make the schema builder write `type: integer`, as for t.Int
  'Int',
  (u): u is number => t.number.is(u) && Number.isInteger(u),
  (u, c) => (t.number.is(u) && Number.isInteger(u) ? t.success(u) : t.failure(u, c, 'expected a whole number')),
  t.identity,
  t.number,
  Number.isInteger,
);
