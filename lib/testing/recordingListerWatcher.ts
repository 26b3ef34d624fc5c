import { createWriteStream } from 'node:fs';

import { asyncScheduler, defer, finalize, type Observable, type SchedulerLike, tap } from 'rxjs';

import type { ListerWatcher, ListPage, WatchEvent } from '../listwatch/ListerWatcher.js';
import { isListerWatcherError, type ListerWatcherError } from '../listwatch/ListerWatcherError.js';
import { messageOf } from '../internal/messageOf.js';
import { RECORDING_FORMAT, RECORDING_FORMAT_VERSION, type RecordingHeader, type RecordingLine } from './Recording.js';

/**
 * Where a recording goes, one NDJSON line per call (each `line` ends with `\n`).
 *
 * @category testing
 * @since 0.3.0
 */
export interface RecordingSink {
  write(line: string): void;
}

/**
 * Options of {@link recordingListerWatcher}.
 *
 * @example
 * ```ts
 * import type { RecordingOptions } from 'kube-rx/testing';
 * const options: RecordingOptions = { resource: 'configmaps in default', redactSecrets: true };
 * ```
 * @category testing
 * @since 0.3.0
 */
export interface RecordingOptions {
  /**
   * Replace the values of a Secret's `data` and `stringData` (and its last-applied annotation)
   * with `"<redacted>"`, keeping the keys (default `true`). An object counts as a Secret when its
   * `kind` is `Secret`, or it has no `kind` (LIST items have none) but a string `type` and `data`
   * or `stringData`, as every Secret the API server returns has; set `secrets` when you record
   * Secrets to redact whatever their shape.
   */
  readonly redactSecrets?: boolean;
  /** Every object recorded is a Secret (redact all of them). */
  readonly secrets?: boolean;
  /** A description of what is recorded, kept in the header. */
  readonly resource?: string;
  /** The clock of the `t` offsets (default `asyncScheduler`). */
  readonly scheduler?: SchedulerLike;
}

const REDACTED = '<redacted>';

/** A ListerWatcher errors only with ListerWatcherErrors; anything else is recorded as a TransportError with its message. */
const asListerWatcherError = (error: unknown, verb: 'list' | 'watch'): ListerWatcherError =>
  isListerWatcherError(error) ? error : { _tag: 'TransportError', verb, resource: '', message: messageOf(error) };
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

const looksLikeSecret = (o: Record<string, unknown>): boolean =>
  o['kind'] === 'Secret' || (o['kind'] === undefined && typeof o['type'] === 'string' && (isRecord(o['data']) || isRecord(o['stringData'])));

const redactValues = (m: unknown): unknown => (isRecord(m) ? Object.fromEntries(Object.keys(m).map((k) => [k, REDACTED])) : m);

/**
 * A copy of `object` with a Secret's data values, stringData values and last-applied annotation
 * replaced by `"<redacted>"` (keys kept); anything else is returned as it is.
 *
 * Maps to nothing in client-go; kubectl's `describe secret` shows keys and sizes only, likewise.
 *
 * @example
 * ```ts
 * import { redactSecret } from 'kube-rx/testing';
 * redactSecret({ kind: 'Secret', metadata: { name: 's' }, data: { password: 'aHVudGVyMg==' } });
 * // { kind: 'Secret', metadata: { name: 's' }, data: { password: '<redacted>' } }
 * ```
 * @category testing
 * @since 0.3.0
 */
export const redactSecret = <T>(object: T, isSecret = false): T => {
  if (!isRecord(object) || !(isSecret || looksLikeSecret(object))) return object;
  const copy: Record<string, unknown> = { ...object };
  if ('data' in copy) copy['data'] = redactValues(copy['data']);
  if ('stringData' in copy) copy['stringData'] = redactValues(copy['stringData']);
  const metadata = copy['metadata'];
  if (isRecord(metadata) && isRecord(metadata['annotations']) && LAST_APPLIED in metadata['annotations']) {
    copy['metadata'] = { ...metadata, annotations: { ...metadata['annotations'], [LAST_APPLIED]: REDACTED } };
  }
  return copy as T;
};

/**
 * Wraps a {@link ListerWatcher} so that every call it serves is recorded to `sink`, in the NDJSON
 * format {@link parseRecording} reads (documented there; version {@link RECORDING_FORMAT_VERSION}):
 * the header first, then each LIST and WATCH request with its options, each page, watch event,
 * error, clean close and cancellation, with its time since the recording began. Secret data is
 * redacted by default. The wrapper answers exactly as `lw` does: recording never changes, delays
 * or fails what the consumer sees. {@link replayListerWatcher} plays a recording back in virtual
 * time, so a production incident becomes a marble regression test.
 *
 * Maps to nothing in client-go, controller-runtime or kube-rs (none records its input).
 *
 * ```
 * lw.watch():  --a---b--|          sink: {"t":0,"op":"watch",...} {"t":2,"op":"event",...} ... {"t":9,"op":"watchEnd"}
 * recorded:    --a---b--|          (passed through unchanged)
 * ```
 *
 * @example
 * ```ts
 * import { KubeConfig } from '@kubernetes/client-node';
 * import { httpListerWatcher, sharedIndexInformer, type ApiResource } from 'kube-rx';
 * import { fileRecordingSink, recordingListerWatcher } from 'kube-rx/testing';
 *
 * const kubeConfig = new KubeConfig();
 * kubeConfig.loadFromDefault();
 * const resource: ApiResource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
 * const sink = fileRecordingSink('incident.ndjson');
 * const lw = recordingListerWatcher(httpListerWatcher({ kubeConfig, resource }), sink, { resource: 'configmaps' });
 * const informer = sharedIndexInformer(lw);
 * // ... later: await sink.close();
 * ```
 * @category testing
 * @since 0.3.0
 */
export const recordingListerWatcher = <T>(lw: ListerWatcher<T>, sink: RecordingSink, options: RecordingOptions = {}): ListerWatcher<T> => {
  const { redactSecrets = true, secrets = false, resource, scheduler = asyncScheduler } = options;
  const start = scheduler.now();
  const header: RecordingHeader = {
    format: RECORDING_FORMAT,
    version: RECORDING_FORMAT_VERSION,
    redacted: redactSecrets,
    ...(resource === undefined ? {} : { resource }),
    startedAt: new Date(Date.now()).toISOString(),
  };
  sink.write(`${JSON.stringify(header)}\n`);
  const write = (line: RecordingLine): void => {
    sink.write(`${JSON.stringify(line)}\n`);
  };
  const now = (): number => scheduler.now() - start;
  const redact = <A>(o: A): A => (redactSecrets ? redactSecret(o, secrets) : o);
  const redactPage = (page: ListPage<T>): ListPage<unknown> => (redactSecrets ? { ...page, items: page.items.map(redact) } : page);
  const redactEvent = (e: WatchEvent<T>): WatchEvent<unknown> =>
    e._tag === 'Added' || e._tag === 'Modified' || e._tag === 'Deleted' ? { _tag: e._tag, object: redact(e.object) } : e;
  const calls = { list: 0, watch: 0 };
  const ENDS = {
    list: { error: 'listError', cancel: 'listCancel' },
    watch: { error: 'watchError', complete: 'watchEnd', cancel: 'watchCancel' },
  } as const;
  /**
   * Records one call: its request, its answers and how it ended (a call unsubscribed before it
   * ended is a cancel; a LIST answers one page, after which the call is over).
   */
  const recorded = <A>(
    verb: 'list' | 'watch',
    request: (t: number, call: number) => RecordingLine,
    source: () => Observable<A>,
    answer: (t: number, call: number, value: A) => RecordingLine,
  ): Observable<A> =>
    defer(() => {
      const call = calls[verb]++;
      const ends: { readonly error: 'listError' | 'watchError'; readonly complete?: 'watchEnd'; readonly cancel: 'listCancel' | 'watchCancel' } = ENDS[verb];
      let ended = false;
      write(request(now(), call));
      return source().pipe(
        tap({
          next: (value) => {
            if (verb === 'list') ended = true;
            write(answer(now(), call, value));
          },
          error: (error: unknown) => {
            ended = true;
            write({ t: now(), call, op: ends.error, error: asListerWatcherError(error, verb) });
          },
          complete: () => {
            ended = true;
            if (ends.complete !== undefined) write({ t: now(), call, op: ends.complete });
          },
        }),
        finalize(() => {
          if (!ended) write({ t: now(), call, op: ends.cancel });
        }),
      );
    });
  return {
    ...(lw.supportsStreamingList === undefined ? {} : { supportsStreamingList: lw.supportsStreamingList }),
    list: (options, reuse) =>
      recorded(
        'list',
        (t, call) => ({ t, call, op: 'list', options }),
        () => lw.list(options, reuse),
        (t, call, page) => ({ t, call, op: 'page', page: redactPage(page) }),
      ),
    watch: (options) =>
      recorded(
        'watch',
        (t, call) => ({ t, call, op: 'watch', options }),
        () => lw.watch(options),
        (t, call, event) => ({ t, call, op: 'event', event: redactEvent(event) }),
      ),
  };
};

/**
 * A {@link RecordingSink} appending to a file (created or truncated), with `close()` to flush it.
 *
 * @example
 * ```ts
 * import { fileRecordingSink } from 'kube-rx/testing';
 * const sink = fileRecordingSink('/tmp/recording.ndjson');
 * sink.write('{"format":"kube-rx/listerwatcher-recording","version":1,"redacted":true}\n');
 * await sink.close();
 * ```
 * @category testing
 * @since 0.3.0
 */
export const fileRecordingSink = (path: string): RecordingSink & { close(): Promise<void> } => {
  const stream = createWriteStream(path, { encoding: 'utf8' });
  let failure: unknown;
  stream.on('error', (e: unknown) => {
    failure = e;
  });
  return {
    write: (line) => {
      stream.write(line);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (failure !== undefined) {
          reject(failure instanceof Error ? failure : new Error(messageOf(failure)));
          return;
        }
        stream.end(() => {
          resolve();
        });
      }),
  };
};
