import type { EmbeddedApiServer } from '../../lib/testing/apiServer/server.js';
import { configMap } from '../../lib/testing/builders.js';

/** A steady churn over a bounded key set, so that the live set stays about `keys` objects. */
export interface ChurnConfig {
  /** How many distinct names (`c0` … `c{keys-1}` in `default`). */
  readonly keys: number;
  /** Bytes of padding in each object's data (a realistic object size). */
  readonly padBytes: number;
}

/**
 * Write number `n` of a churn: on name `c{n % keys}`, a create when it is absent, else a delete
 * every 7th write (7 and the key count being coprime spreads deletes over all names), else an
 * update. Creates, updates and deletes all recur; the live set stays between about 6/7 of `keys`
 * and `keys`. Returns the verb.
 */
export const churnStep = (server: EmbeddedApiServer, n: number, config: ChurnConfig): 'create' | 'update' | 'delete' => {
  const name = `c${n % config.keys}`;
  const data = { n: String(n), pad: 'x'.repeat(config.padBytes) };
  if (server.get('configmaps', 'default', name) === undefined) {
    server.create('configmaps', configMap(name, '', 'default', data));
    return 'create';
  }
  if (n % 7 === 0) {
    server.delete('configmaps', 'default', name);
    return 'delete';
  }
  server.patch('configmaps', 'default', name, { data });
  return 'update';
};

/** `namespace/name@resourceVersion` of each object, sorted: what a cache must end equal to. */
export const snapshotOf = (objects: ReadonlyArray<{ readonly metadata: { readonly name: string; readonly namespace?: string; readonly resourceVersion?: string } }>): string[] =>
  objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}@${o.metadata.resourceVersion ?? ''}`).sort();
