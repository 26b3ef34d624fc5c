import type { CustomResource } from './customResource.js';
import type { CustomResourceDefinition, CustomResourceDefinitionVersion } from './CustomResourceDefinition.js';

/**
 * The `apiextensions.k8s.io/v1` CustomResourceDefinition of a custom resource: names, scope, and
 * per version `served`, `storage`, deprecation, the structural `openAPIV3Schema` derived from the
 * codecs, subresources and printer columns. Every check already ran in `customResource`, so this
 * cannot fail; the result is plain data for `kubectl apply -f -` or a create request.
 *
 * Maps to kube-rs's `CustomResourceExt::crd()` (with `merge_crds` for several versions) and to
 * controller-gen's `crd` generator output.
 *
 * @example
 * ```ts
 * import * as t from 'io-ts';
 * import { crdManifest, customResource } from 'kube-rx';
 * const Widget = customResource({
 *   group: 'example.com', kind: 'Widget', plural: 'widgets', scope: 'Namespaced',
 *   versions: [{ name: 'v1', spec: t.type({ size: t.Int }) }],
 * });
 * crdManifest(Widget).metadata.name; // 'widgets.example.com'
 * ```
 * @category crd
 * @since 0.3.0
 */
export const crdManifest = (resource: CustomResource): CustomResourceDefinition => {
  const { names } = resource;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: resource.crdName },
    spec: {
      group: resource.group,
      names: {
        plural: names.plural,
        singular: names.singular,
        kind: names.kind,
        listKind: names.listKind,
        ...(names.shortNames.length === 0 ? {} : { shortNames: names.shortNames }),
        ...(names.categories.length === 0 ? {} : { categories: names.categories }),
      },
      scope: resource.scope,
      versions: resource.versions.map(
        (v): CustomResourceDefinitionVersion => ({
          name: v.version,
          served: v.served,
          storage: v.storage,
          ...(v.deprecated ? { deprecated: true } : {}),
          ...(v.deprecationWarning === undefined ? {} : { deprecationWarning: v.deprecationWarning }),
          schema: { openAPIV3Schema: v.schema },
          ...(v.subresources.status || v.subresources.scale !== undefined
            ? {
                subresources: {
                  ...(v.subresources.status ? { status: {} } : {}),
                  ...(v.subresources.scale === undefined ? {} : { scale: v.subresources.scale }),
                },
              }
            : {}),
          ...(v.printerColumns.length === 0 ? {} : { additionalPrinterColumns: v.printerColumns }),
        }),
      ),
    },
  };
};
