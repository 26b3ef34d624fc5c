import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';
import { stringify } from 'yaml';

import { crdProblem, type CrdProblem } from './CrdProblem.js';
import { crdManifest } from './crdManifest.js';
import type { CustomResource } from './customResource.js';

/**
 * Is `u` a custom-resource descriptor made by `customResource` (for finding them among a
 * module's exports)?
 *
 * @example
 * ```ts
 * import { isCustomResource } from 'kube-rx';
 * isCustomResource({}); // false
 * ```
 * @category crd
 * @since 0.3.0
 */
export const isCustomResource = (u: unknown): u is CustomResource =>
  typeof u === 'object' &&
  u !== null &&
  typeof (u as { readonly crdName?: unknown }).crdName === 'string' &&
  Array.isArray((u as { readonly versions?: unknown }).versions) &&
  typeof (u as { readonly atVersion?: unknown }).atVersion === 'function';

/**
 * The CRD manifests of custom resources as text: YAML with one document per CRD (`---` between
 * them), or JSON (one object, or a `v1` `List` of them when there are several). What
 * `kube-rx crd MODULE` prints, for build scripts; pipe it to `kubectl apply -f -`.
 *
 * Maps to kube-rs's `serde_yaml::to_string(&Widget::crd())` in a `crdgen` binary and to
 * `controller-gen crd output:stdout`.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { customResource, renderCrds } from 'kube-rx';
 * const Widget = customResource({
 *   group: 'example.com', kind: 'Widget', plural: 'widgets', scope: 'Namespaced',
 *   versions: [{ name: 'v1', spec: t.type({ size: t.Int }) }],
 * });
 * renderCrds([Widget], 'yaml').startsWith('apiVersion: apiextensions.k8s.io/v1'); // true
 * ```
 * @category crd
 * @since 0.3.0
 */
export const renderCrds = (resources: readonly CustomResource[], format: 'yaml' | 'json' = 'yaml'): string => {
  const crds = resources.map(crdManifest);
  if (format === 'json') {
    const body = crds.length === 1 ? crds[0] : { apiVersion: 'v1', kind: 'List', items: crds };
    return `${JSON.stringify(body, null, 2)}\n`;
  }
  return crds.map((crd) => stringify(crd, { lineWidth: 0 })).join('---\n');
};

/**
 * The custom resources a module exports: those named in `names` (each must be one), or every
 * export that is one (in export-name order; there must be at least one). For build scripts and
 * `kube-rx crd MODULE [--export NAME]`.
 *
 * Maps to the `crdgen` binary of a kube-rs project (which lists its types by hand) and to
 * controller-gen's `paths=` package scan.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { customResource, customResourcesIn, renderCrds } from 'kube-rx';
 * const Widget = customResource({
 *   group: 'example.com', kind: 'Widget', plural: 'widgets', scope: 'Namespaced',
 *   versions: [{ name: 'v1', spec: t.type({ size: t.Int }) }],
 * });
 * const found = customResourcesIn({ Widget, other: 42 });
 * if (found._tag === 'Right') process.stdout.write(renderCrds(found.right));
 * ```
 * @category crd
 * @since 0.3.0
 */
export const customResourcesIn = (
  moduleExports: Readonly<Record<string, unknown>>,
  names: readonly string[] = [],
): Either<readonly CrdProblem[], readonly CustomResource[]> => {
  if (names.length === 0) {
    const all = Object.keys(moduleExports)
      .sort()
      .map((k) => moduleExports[k])
      .filter(isCustomResource);
    return all.length === 0 ? left([crdProblem('Export', '*', 'the module exports no custom resource (made with customResource(...))')]) : right(all);
  }
  const problems: CrdProblem[] = [];
  const found: CustomResource[] = [];
  for (const name of names) {
    const value = moduleExports[name];
    if (isCustomResource(value)) found.push(value);
    else problems.push(crdProblem('Export', name, value === undefined ? 'no such export' : 'not a custom resource made with customResource(...)'));
  }
  return problems.length === 0 ? right(found) : left(problems);
};
