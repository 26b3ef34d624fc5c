import { defer, Observable, ReplaySubject, Subscription } from 'rxjs';

import { continuePageOptions, type ListItemReuse, type ListOptions, type ListPage } from './ListerWatcher.js';

/**
 * One LIST page request: decodes as the body streams in and calls `onContinue` with the page's
 * continue token as soon as it is known (before the items are decoded), at most once.
 */
export type PageFetch<T> = (options: ListOptions, onContinue: (token: string) => void, reuse?: ListItemReuse<T>) => Observable<ListPage<T>>;

/** Settings of {@link pagePrefetch}. */
export interface PagePrefetchOptions {
  /** How long a page fetched ahead waits to be asked for before it is aborted (default 30 s). */
  readonly unclaimedMs?: number;
  /** Runs `fn` after `ms`; returns its cancel (default: an unref'd `setTimeout`, which keeps no process alive). */
  readonly setTimer?: (fn: () => void, ms: number) => () => void;
}

const unrefTimer = (fn: () => void, ms: number): (() => void) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => {
    clearTimeout(timer);
  };
};

/** One page fetched ahead: the continue page of the page before it. */
interface Ahead<T> {
  readonly options: ListOptions;
  readonly result: ReplaySubject<ListPage<T>>;
  readonly connection: Subscription;
  cancelTimer: (() => void) | undefined;
  /** Its own continue token, once its body has told it. */
  next: string | undefined;
  claimed: boolean;
  /** The `reuse` of the consumer's latest page, which the pages fetched after it get too. */
  reuse: ListItemReuse<T> | undefined;
}

/** Whether `options` ask for exactly the continue page fetched ahead (continue pages carry only a limit and the token). */
const sameContinuePage = (options: ListOptions, ahead: ListOptions): boolean =>
  options.continue !== undefined &&
  options.continue === ahead.continue &&
  options.limit === ahead.limit &&
  options.resourceVersion === undefined &&
  options.resourceVersionMatch === undefined;

/**
 * Paged LISTs one page ahead: as soon as a page's continue token is known (its `metadata` comes
 * before its `items`, so with the first chunk of the body), the next page is requested, and its
 * bytes arrive and decode while the consumer still works on the page before. The consumer (the
 * reflector) asks for the next page as it always has; when its options are those of the page
 * fetched ahead, it gets that page (already complete, or still arriving), else a fresh request
 * (and whatever was fetched ahead is dropped). At most one page is ahead of the page being
 * consumed, so at most two requests are in flight. A page fetched ahead and not asked for within
 * `unclaimedMs`, or whose predecessor failed or was abandoned, is aborted and dropped. Errors of a
 * page fetched ahead (an expired continue token: 410) reach the consumer when it asks for it,
 * exactly as a request made then would have failed. Internal: `httpListerWatcher`'s
 * `prefetchPages`.
 *
 * Maps to nothing in client-go (its pager fetches the next page after the previous one is
 * consumed); the pages are the same: a continue token names one snapshot of the list.
 *
 * ```
 * consumer asks:   p1-------------p2------p3
 * requests:        p1--(t1)p2--(t2)---p3---       t = the token, read from a page's first bytes
 * ```
 */
export const pagePrefetch = <T>(
  fetch: PageFetch<T>,
  settings: PagePrefetchOptions = {},
): ((options: ListOptions, reuse?: ListItemReuse<T>) => Observable<ListPage<T>>) => {
  const { unclaimedMs = 30_000, setTimer = unrefTimer } = settings;
  let ahead: Ahead<T> | undefined;

  /** Detaches the page fetched ahead (its unclaimed timer cancelled) and returns it. */
  const take = (): Ahead<T> | undefined => {
    const entry = ahead;
    ahead = undefined;
    entry?.cancelTimer?.();
    return entry;
  };

  /** Aborts and forgets the page fetched ahead, if any. */
  const drop = (): void => {
    take()?.connection.unsubscribe();
  };

  const fetchAhead = (after: ListOptions, token: string, reuse: ListItemReuse<T> | undefined): void => {
    drop();
    const options = continuePageOptions(after, token);
    const entry: Ahead<T> = { options, result: new ReplaySubject<ListPage<T>>(1), connection: new Subscription(), cancelTimer: undefined, next: undefined, claimed: false, reuse };
    entry.cancelTimer = setTimer(() => {
      if (ahead === entry) drop();
    }, unclaimedMs);
    ahead = entry;
    entry.connection.add(
      fetch(
        options,
        (next) => {
          entry.next = next;
          // claimed already: the page after it goes ahead now; unclaimed: when it is claimed
          if (entry.claimed) fetchAhead(options, next, entry.reuse);
        },
        reuse,
      ).subscribe(entry.result),
    );
  };

  /**
   * The consumer's page: `page$` (a request of its own or one fetched ahead). Abandoning it before
   * its page arrived drops what was fetched after it; once the page is delivered, unsubscribing
   * (the reflector's `take(1)` does, before the request completes) leaves the page ahead alone.
   */
  const consumed = (page$: Observable<ListPage<T>>, abort: () => void): Observable<ListPage<T>> =>
    new Observable<ListPage<T>>((subscriber) => {
      let delivered = false;
      const subscription = page$.subscribe({
        next: (page) => {
          delivered = true;
          subscriber.next(page);
        },
        error: (e: unknown) => {
          drop();
          subscriber.error(e);
        },
        complete: () => {
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        if (!delivered) {
          abort();
          drop();
        }
      };
    });

  return (options, reuse) =>
    defer(() => {
      const entry = ahead !== undefined && sameContinuePage(options, ahead.options) ? take() : undefined;
      if (entry !== undefined) {
        entry.claimed = true;
        entry.reuse = reuse;
        if (entry.next !== undefined) fetchAhead(entry.options, entry.next, reuse);
        return consumed(entry.result, () => {
          entry.connection.unsubscribe();
        });
      }
      drop();
      return consumed(
        fetch(
          options,
          (token) => {
            fetchAhead(options, token, reuse);
          },
          reuse,
        ),
        () => undefined,
      );
    });
};
