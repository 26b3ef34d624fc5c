/**
 * Why a custom-resource definition cannot become a CustomResourceDefinition:
 *
 * - `Unsupported`: a codec form with no structural-schema equivalent (a tuple, a function, an
 *   opaque refinement, a union the server cannot represent, `t.unknown` without
 *   `preserveUnknownFields`, ...).
 * - `Conflict`: two parts of an intersection or of a union give one field different schemas.
 * - `InvalidKeyword`: a schema keyword Kubernetes refuses or that contradicts its node.
 * - `InvalidName`: a group, kind, plural, singular, short name, category or version name that the
 *   API server would refuse (not lowercase, not a DNS label, kind not UpperCamelCase, ...).
 * - `StorageVersion`: no version, or more than one, is marked as the storage version.
 * - `DuplicateVersion`: two versions with the same name.
 * - `PrinterColumn`: a printer column whose JSON path is not in the codec, or whose type does not
 *   match the field's.
 * - `ScalePath`: a scale subresource path that is not in the codec or is not an integer field.
 * - `Export`: a module has no custom resource under the export asked for (or none at all).
 *
 * `path` names the place: the field of the definition (`versions[v1].printerColumns[0]`) and,
 * for a schema, the JSON path inside the object (`.spec.replicas`, `.spec.ports[*].name`).
 *
 * Maps to the `field.Error`s kube-apiserver answers a bad CRD with (422), raised here before any
 * request; kube-rs reports the same mistakes at compile time from `#[derive(CustomResource)]`.
 *
 * @example
 * ```ts
 * import type { CrdProblem } from 'kube-rx';
 * const p: CrdProblem = { _tag: 'CrdProblem', reason: 'Unsupported', path: '.spec.pair', message: 'tuples have no structural schema' };
 * ```
 * @category crd
 * @since 0.3.0
 */
export interface CrdProblem {
  readonly _tag: 'CrdProblem';
  readonly reason:
    | 'Unsupported'
    | 'Conflict'
    | 'InvalidKeyword'
    | 'InvalidName'
    | 'StorageVersion'
    | 'DuplicateVersion'
    | 'PrinterColumn'
    | 'ScalePath'
    | 'Export';
  readonly path: string;
  readonly message: string;
}

/**
 * Builds a {@link CrdProblem}.
 *
 * @example
 * ```ts
 * import { crdProblem } from 'kube-rx';
 * crdProblem('InvalidName', 'plural', 'must be lowercase').path; // 'plural'
 * ```
 * @category crd
 * @since 0.3.0
 */
export const crdProblem = (reason: CrdProblem['reason'], path: string, message: string): CrdProblem => ({
  _tag: 'CrdProblem',
  reason,
  path,
  message,
});

/**
 * The error `customResource(...)` throws when its definition has problems: an `Error` (so that a
 * module defining a custom resource fails to load, the closest thing to kube-rs's compile error)
 * carrying every {@link CrdProblem} as typed values. `validateCustomResource` returns the same
 * problems in an `Either` instead.
 *
 * Maps to the compile errors of kube-rs's `#[derive(CustomResource)]` and controller-gen's marker
 * errors.
 *
 * @example
 * ```ts
 * import { CustomResourceError, crdProblem } from 'kube-rx';
 * const e = new CustomResourceError('widgets.example.com', [crdProblem('StorageVersion', 'versions', 'no storage version')]);
 * e.problems.length; // 1
 * ```
 * @category crd
 * @since 0.3.0
 */
export class CustomResourceError extends Error {
  readonly _tag = 'CustomResourceError';

  constructor(
    /** The CRD's name (`plural.group`) as far as it is known. */
    readonly crd: string,
    readonly problems: readonly CrdProblem[],
  ) {
    super(`custom resource ${crd}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'CustomResourceError';
  }
}
