import { defer, NEVER, type Observable } from 'rxjs';

import type { ListerWatcher, ListOptions, ListPage, WatchEvent, WatchOptions } from '../listwatch/ListerWatcher.js';

/**
 * What a {@link fakeListerWatcher} answers: for the n-th LIST (or WATCH) call, the n-th entry, or
 * the result of a function of the call's options and index. Past the end of an array the call
 * never answers (`NEVER`), and a WATCH past the end is opened without the reflector's idle
 * watchdog: the informer goes quiet (no timer left), so a marble test's `flush()` returns.
 *
 * @category testing
 * @since 0.1.0
 */
export interface FakeListerWatcherScript<T> {
  readonly lists?:
    | ReadonlyArray<Observable<ListPage<T>>>
    | ((options: ListOptions, call: number) => Observable<ListPage<T>>);
  readonly watches?:
    | ReadonlyArray<Observable<WatchEvent<T>>>
    | ((options: WatchOptions, call: number) => Observable<WatchEvent<T>>);
  /**
   * The fake's {@link ListerWatcher.supportsStreamingList}. Default `false`: under the reflector's
   * default `initialList: 'auto'` the first call is a LIST, as the script's `lists` expect (client-go's
   * fake clientsets likewise say `IsWatchListSemanticsUnSupported`). `true` lets `'auto'` open a
   * streaming-list WATCH first, for scripts whose first watch answers one (or refuses it).
   * @since 0.3.0
   */
  readonly supportsStreamingList?: boolean;
}

/**
 * A {@link ListerWatcher} that records every request and answers from a script.
 *
 * @category testing
 * @since 0.1.0
 */
export interface FakeListerWatcher<T> extends ListerWatcher<T> {
  /** The options of every LIST subscribed to so far, in order. */
  readonly listCalls: ReadonlyArray<ListOptions>;
  /** The options of every WATCH subscribed to so far, in order. */
  readonly watchCalls: ReadonlyArray<WatchOptions>;
}

const pick = <O, A>(
  script: ReadonlyArray<Observable<A>> | ((options: O, call: number) => Observable<A>) | undefined,
  options: O,
  call: number,
): Observable<A> => {
  if (script === undefined) return NEVER;
  if (typeof script === 'function') return script(options, call);
  return script[call] ?? NEVER;
};

/**
 * A scripted, recording ListerWatcher for tests: each LIST and WATCH answers with the next cold
 * (or hot) Observable of the script, so a whole reflector, informer and controller run in virtual
 * time under `TestScheduler`. A request is recorded when it is subscribed to (as a real request
 * is sent), with the options it was made with.
 *
 * Maps to client-go's `tools/cache/testing.FakeControllerSource`.
 *
 * ```
 * lists:   [ cold('--(p|)') ]                       one page at frame 2
 * watches: [ cold('-a-b-|'), cold('---#', {}, gone) ]  clean close, then an error
 *          then a third watch that stays open and silent: the script has run out
 * ```
 *
 * Once the script has run out, nothing is scheduled any more, so
 * `expectObservable(informer.events$)` returns without an unsubscription marble. With a resync
 * period or a function script (never exhausted), timers keep going in virtual time: end the
 * subscription with an unsubscription marble, e.g. `expectObservable(informer.events$, '^ 100ms !')`.
 *
 * @example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { fakeListerWatcher, listPage, added, configMap } from 'kube-rx/testing';
 * new TestScheduler((a, e) => console.assert(JSON.stringify(a) === JSON.stringify(e))).run(({ cold }) => {
 *   const lw = fakeListerWatcher({
 *     lists: [cold('-(p|)', { p: listPage('1', [configMap('a', '1')]) })],
 *     watches: [cold('--e', { e: added(configMap('b', '2')) })],
 *   });
 *   // pass lw to listThenWatch or sharedIndexInformer; afterwards inspect lw.listCalls / lw.watchCalls
 * });
 * ```
 * @category testing
 * @since 0.1.0
 */
export const fakeListerWatcher = <T>(script: FakeListerWatcherScript<T>): FakeListerWatcher<T> => {
  const listCalls: ListOptions[] = [];
  const watchCalls: WatchOptions[] = [];
  const { watches } = script;
  return {
    listCalls,
    watchCalls,
    supportsStreamingList: script.supportsStreamingList ?? false,
    nextWatchIdleTimeoutMs: () =>
      watches === undefined || (typeof watches !== 'function' && watchCalls.length >= watches.length) ? Number.POSITIVE_INFINITY : undefined,
    list: (options) =>
      defer(() => {
        const call = listCalls.push(options) - 1;
        return pick(script.lists, options, call);
      }),
    watch: (options) =>
      defer(() => {
        const call = watchCalls.push(options) - 1;
        return pick(script.watches, options, call);
      }),
  };
};
