import { readFileSync } from 'node:fs';

import { type Either, map as mapEither } from 'fp-ts/lib/Either.js';
import type * as t from 'io-ts';
import { asyncScheduler, NEVER, Observable, type SchedulerAction, type SchedulerLike } from 'rxjs';

import type { KubeObject } from '../meta/KubeObject.js';
import { type FakeListerWatcher, fakeListerWatcher, type FakeListerWatcherScript } from './fakeListerWatcher.js';
import { parseRecording, type RecordedCall, type Recording, type RecordingError } from './Recording.js';

/**
 * One recorded call as a cold Observable on `scheduler`: each answer `dt` ms after subscription,
 * answers with the same `dt` in recorded order; an open or cancelled call then hangs (`NEVER`), as
 * the server did until the consumer gave up.
 */
const callObservable = <A, O>(call: RecordedCall<A, O>, scheduler: SchedulerLike): Observable<A> =>
  new Observable<A>((subscriber) => {
    const { steps } = call;
    let index = 0;
    const start = scheduler.now();
    return scheduler.schedule(function step(this: SchedulerAction<undefined>) {
      const now = scheduler.now() - start;
      while (index < steps.length && (steps[index]?.dt ?? 0) <= now) {
        const s = steps[index];
        index += 1;
        if (s === undefined) break;
        if (s.kind === 'next') subscriber.next(s.value);
        else if (s.kind === 'error') subscriber.error(s.error);
        else subscriber.complete();
      }
      const next = steps[index];
      if (next !== undefined && !subscriber.closed) this.schedule(undefined, next.dt - now);
    }, steps[0]?.dt ?? 0);
  });

/**
 * The script of a {@link fakeListerWatcher} that answers the n-th LIST and WATCH as the n-th
 * recorded one was answered, with the same delays after the request (in virtual time under
 * `TestScheduler`). Calls past the recorded ones never answer.
 *
 * Maps to client-go's `FakeControllerSource` fed from a recording.
 *
 * ```
 * recorded watch 0:  request at 120, events at 125, 140, closed at 300
 * replayed watch 0:  -----a--------------b------ ... ---|     (5, 20, 180 after its subscription)
 * ```
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/lib/Either.js';
 * import { fakeListerWatcher, parseRecording, recordingScript } from 'kube-rx/testing';
 * declare const text: string;
 * const r = parseRecording(text);
 * if (isRight(r)) fakeListerWatcher(recordingScript(r.right));
 * ```
 * @category testing
 * @since 0.3.0
 */
export const recordingScript = <T>(recording: Recording<T>, scheduler: SchedulerLike = asyncScheduler): FakeListerWatcherScript<T> => ({
  // the recorded consumer tried streaming lists (initialList 'auto' or 'stream'): let the replay's do too
  supportsStreamingList: recording.watches.some((w) => w.options.sendInitialEvents === true),
  lists: (_options, call) => {
    const c = recording.lists[call];
    return c === undefined ? NEVER : callObservable(c, scheduler);
  },
  watches: (_options, call) => {
    const c = recording.watches[call];
    return c === undefined ? NEVER : callObservable(c, scheduler);
  },
});

/**
 * Replays a recording (the NDJSON text of {@link recordingListerWatcher}) as a
 * {@link fakeListerWatcher}: the n-th LIST and WATCH get the n-th recorded answers, each at its
 * recorded delay after the request, on `scheduler` (pass the `TestScheduler` to replay a
 * production incident in virtual time as a marble test). A recording that does not parse is a
 * {@link RecordingError} naming its line.
 *
 * Replays are faithful when the consumer asks as it did while recording (same informer options:
 * page size, backoff with `jitter: false` in tests); the fake's `listCalls` and `watchCalls` show
 * what it asked, to compare with the recorded options.
 *
 * Maps to nothing in client-go, controller-runtime or kube-rs.
 *
 * ```
 * recording: list @0 → page @4;  watch @4 → a @10, b @12, 410 @30
 * replay:    list  ----(p|)
 *            watch       ------a-b-----------------#
 * ```
 *
 * @example
 * ```ts
 * import { isRight } from 'fp-ts/lib/Either.js';
 * import { TestScheduler } from 'rxjs/testing';
 * import { sharedIndexInformer } from 'kube-rx';
 * import { replayListerWatcher } from 'kube-rx/testing';
 * declare const text: string; // e.g. readFileSync('incident.ndjson', 'utf8')
 * const rx = new TestScheduler((a, e) => console.assert(JSON.stringify(a) === JSON.stringify(e)));
 * rx.run(() => {
 *   const lw = replayListerWatcher(text, { scheduler: rx });
 *   if (isRight(lw)) sharedIndexInformer(lw.right, { scheduler: rx }).events$.subscribe((e) => console.log(rx.now(), e._tag, e.key));
 * });
 * ```
 * @category testing
 * @since 0.3.0
 */
export function replayListerWatcher(
  text: string,
  options?: { readonly scheduler?: SchedulerLike },
): Either<RecordingError, FakeListerWatcher<KubeObject>>;
export function replayListerWatcher<T>(
  text: string,
  options: { readonly scheduler?: SchedulerLike; readonly codec: t.Decoder<unknown, T> },
): Either<RecordingError, FakeListerWatcher<T>>;
export function replayListerWatcher<T>(
  text: string,
  options: { readonly scheduler?: SchedulerLike; readonly codec?: t.Decoder<unknown, T> } = {},
): Either<RecordingError, FakeListerWatcher<T | KubeObject>> {
  const parsed: Either<RecordingError, Recording<T | KubeObject>> = options.codec === undefined ? parseRecording(text) : parseRecording(text, options.codec);
  return mapEither((r: Recording<T | KubeObject>) => fakeListerWatcher(recordingScript(r, options.scheduler)))(parsed);
}

/**
 * Reads a recording file (UTF-8) for {@link replayListerWatcher} or {@link parseRecording}.
 *
 * @example
 * ```ts
 * import { readRecordingFile, replayListerWatcher } from 'kube-rx/testing';
 * const lw = replayListerWatcher(readRecordingFile('spec/fixtures/incident.ndjson'));
 * ```
 * @category testing
 * @since 0.3.0
 */
export const readRecordingFile = (path: string): string => readFileSync(path, 'utf8');
