import type { InformerProblem } from '../informer/InformerStatus.js';
import type { ResourceEvent } from '../informer/ResourceEvent.js';
import type { KubeObject } from '../meta/KubeObject.js';

/**
 * One line of `kube-rx watch -o ndjson`: an informer event, the end of the initial list, a
 * problem, or a process warning (the last two go to stderr).
 *
 * @category cli
 * @since 0.1.0
 */
export type WatchLine =
  | {
      readonly type: 'ADDED' | 'UPDATED' | 'DELETED' | 'SYNC';
      readonly key: string;
      readonly resourceVersion: string;
      readonly initial: boolean;
    }
  | { readonly type: 'SYNCED'; readonly count: number }
  | { readonly type: 'ERROR'; readonly error: string; readonly message: string; readonly next?: string }
  | { readonly type: 'WARNING'; readonly code?: string; readonly message: string };

const TYPES = { Added: 'ADDED', Updated: 'UPDATED', Deleted: 'DELETED', Sync: 'SYNC' } as const;

/**
 * The ndjson line of an informer event.
 *
 * @example
 * ```ts
 * // part of the kube-rx command, not of the library's exports
 * import { eventLine } from './formatEvent.js';
 * eventLine({ _tag: 'Added', key: 'ns/a', object: { metadata: { name: 'a', resourceVersion: '7' } }, initial: true });
 * // { type: 'ADDED', key: 'ns/a', resourceVersion: '7', initial: true }
 * ```
 * @category cli
 * @since 0.1.0
 */
export const eventLine = (e: ResourceEvent<KubeObject>): WatchLine => ({
  type: TYPES[e._tag],
  key: e.key,
  resourceVersion: e.object.metadata.resourceVersion ?? '',
  initial: e.initial,
});

/**
 * The ndjson line of a problem (never carrying credentials: messages come from the server's
 * answer or the system error).
 *
 * @example
 * ```ts
 * // part of the kube-rx command, not of the library's exports
 * import { decodeFailure } from 'kube-rx';
 * import { problemLine } from './formatEvent.js';
 * problemLine(decodeFailure('watch', 'not json', ['Unexpected token'])); // { type: 'ERROR', error: 'DecodeFailure', message: '(unknown object): Unexpected token' }
 * ```
 * @category cli
 * @since 0.1.0
 */
export const problemLine = (p: InformerProblem): WatchLine => {
  if (p._tag === 'DecodeFailure') {
    return { type: 'ERROR', error: 'DecodeFailure', message: `${p.key ?? '(unknown object)'}: ${p.errors.join('; ')}` };
  }
  const e = p.error;
  const message =
    e._tag === 'ListFailed' || e._tag === 'WatchFailed' || e._tag === 'StreamingListUnsupported'
      ? e.error.message
      : e._tag === 'WatchIdle'
        ? `no event for ${e.idleMs} ms`
        : e._tag === 'VeryShortWatch'
          ? 'the watch closed at once without an event'
          : (e.status?.message ?? e._tag);
  return { type: 'ERROR', error: e._tag, message, next: p.next };
};

/**
 * The ndjson line of a process warning, e.g. kube-rx's `KUBE_RX_INSECURE_TLS` when the kubeconfig
 * turns TLS verification off.
 *
 * @example
 * ```ts
 * // part of the kube-rx command, not of the library's exports
 * import { warningLine } from './formatEvent.js';
 * warningLine(Object.assign(new Error('TLS certificate verification is OFF'), { code: 'KUBE_RX_INSECURE_TLS' }));
 * // { type: 'WARNING', code: 'KUBE_RX_INSECURE_TLS', message: 'TLS certificate verification is OFF' }
 * ```
 * @category cli
 * @since 0.2.0
 */
export const warningLine = (warning: Error): WatchLine => {
  const code: unknown = (warning as Error & { readonly code?: unknown }).code;
  return { type: 'WARNING', ...(typeof code === 'string' ? { code } : {}), message: warning.message };
};

/**
 * The text of a line that goes to stderr in table mode: `error: …` or `warning: …`.
 *
 * @example
 * ```ts
 * // part of the kube-rx command, not of the library's exports
 * import { stderrText } from './formatEvent.js';
 * stderrText({ type: 'WARNING', message: 'TLS certificate verification is OFF' }); // 'kube-rx: warning: TLS certificate verification is OFF'
 * ```
 * @category cli
 * @since 0.2.0
 */
export const stderrText = (line: WatchLine): string =>
  line.type === 'ERROR' ? `error: ${line.message}` : line.type === 'WARNING' ? `kube-rx: warning: ${line.message}` : '';

/**
 * The event name `kubectl get --watch --output-watch-events` prints for an ndjson line's type:
 * `ADDED`, `MODIFIED` (kube-rx's `UPDATED`), `DELETED`; a resync's `SYNC` stays `SYNC`.
 *
 * @example
 * ```ts
 * // part of the kube-rx command, not of the library's exports
 * import { kubectlEventName } from './formatEvent.js';
 * kubectlEventName('UPDATED'); // 'MODIFIED'
 * ```
 * @category cli
 * @since 0.3.0
 */
export const kubectlEventName = (type: 'ADDED' | 'UPDATED' | 'DELETED' | 'SYNC'): 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNC' =>
  type === 'UPDATED' ? 'MODIFIED' : type;
