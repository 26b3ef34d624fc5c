import type { KubeObject } from '../../meta/KubeObject.js';
import type { WireWatchEvent } from './watchConnection.js';

/**
 * How a list or watch answer is to be encoded, from its `Accept` header: as the objects
 * themselves (`Full`), as `PartialObjectMetadata(List)` (`Partial`), or not at all (`NotAcceptable`:
 * a LIST that asked for the non-list `PartialObjectMetadata`, which kube-apiserver answers 406).
 *
 * @category testing
 * @since 0.3.0
 */
export type MetadataView = { readonly _tag: 'Full' } | { readonly _tag: 'Partial'; readonly apiVersion: string } | { readonly _tag: 'NotAcceptable'; readonly message: string };

const FULL: MetadataView = { _tag: 'Full' };

/**
 * Reads an `Accept` header as kube-apiserver's content negotiation does for the metadata view:
 * the first media type with `as=PartialObjectMetadata` / `as=PartialObjectMetadataList`,
 * `g=meta.k8s.io` and `v=v1` or `v1beta1` wins; a plain JSON (or wildcard) alternative before
 * it means the full objects. A LIST asking for `PartialObjectMetadata` (not `...List`) is
 * `NotAcceptable`, even with a JSON fallback after it, as on a real 1.20 server.
 *
 * Maps to `endpoints/handlers/response.go` (`transformResponseObject`, `asPartialObjectMetadata`)
 * and `negotiation.NegotiateOutputMediaType`.
 *
 * @example
 * ```ts
 * // an internal module of kube-rx/testing, not exported by the package
 * import { metadataView } from './partialMetadata.js';
 * metadataView('application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json', 'list'); // Partial
 * ```
 * @category testing
 * @since 0.3.0
 */
export const metadataView = (accept: string | undefined, verb: 'list' | 'watch' | 'get'): MetadataView => {
  for (const clause of (accept ?? '').split(',')) {
    const [type = '', ...params] = clause.split(';').map((s) => s.trim());
    if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') continue;
    const p = new Map(params.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
    const as = p.get('as');
    if (as === undefined) return FULL;
    const version = p.get('v');
    if (p.get('g') !== 'meta.k8s.io' || (version !== 'v1' && version !== 'v1beta1')) continue;
    const wantsList = verb === 'list';
    if (as === 'PartialObjectMetadataList' && wantsList) return { _tag: 'Partial', apiVersion: `meta.k8s.io/${version}` };
    if (as === 'PartialObjectMetadata' && !wantsList) return { _tag: 'Partial', apiVersion: `meta.k8s.io/${version}` };
    if (as === 'PartialObjectMetadata' && wantsList) {
      return { _tag: 'NotAcceptable', message: 'you requested PartialObjectMetadata, but the requested object is a list' };
    }
  }
  return FULL;
};

/**
 * An object as `PartialObjectMetadata` of `apiVersion`: its metadata only.
 *
 * @category testing
 * @since 0.3.0
 */
export const partialObjectMetadata = (obj: KubeObject, apiVersion: string): KubeObject => ({
  kind: 'PartialObjectMetadata',
  apiVersion,
  metadata: obj.metadata,
});

/**
 * A watch event with its object as `PartialObjectMetadata` (bookmarks included); an `ERROR`
 * event's Status is left as it is.
 *
 * @category testing
 * @since 0.3.0
 */
export const partialWatchEvent = (event: WireWatchEvent, apiVersion: string): WireWatchEvent =>
  event.type === 'ERROR' ? event : { type: event.type, object: partialObjectMetadata(event.object as KubeObject, apiVersion) };
