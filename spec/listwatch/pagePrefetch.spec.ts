import { concatMap, defer, EMPTY, expand, type Observable, take, tap, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';

import type { ListItemReuse, ListOptions, ListPage } from '../../lib/listwatch/ListerWatcher.js';
import { pagePrefetch } from '../../lib/listwatch/pagePrefetch.js';
import { newTestScheduler } from '../helpers/marbles.js';

type Page = ListPage<string>;

/**
 * A paged list of `pages` pages in virtual time: each request answers its first bytes (the
 * continue token) at +1 ms and completes with its page at +`ms`; page `i` is `p<i>` with token
 * `t<i+1>` (none on the last). Requests are recorded as `<token or first>@<start>` and their
 * ends as `<token>!@<time>` when aborted. `fail(name)` makes a request fail at its end: with an
 * error answer (no token) or, `midBody`, after its token arrived (a connection reset).
 */
const fakePages = (
  rx: TestScheduler,
  pages: number,
  ms = 10,
  fail: (name: string) => { readonly error: unknown; readonly midBody: boolean } | undefined = () => undefined,
) => {
  const log: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch = (options: ListOptions, onContinue: (token: string) => void): Observable<Page> =>
    defer(() => {
      const name = options.continue ?? 'first';
      const index = options.continue === undefined ? 1 : Number(options.continue.slice(1));
      const token = index < pages ? `t${index + 1}` : undefined;
      log.push(`${name}@${rx.now()}`);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      let ended = false;
      const failure = fail(name);
      return timer(1, rx).pipe(
        tap(() => {
          if (token !== undefined && (failure === undefined || failure.midBody)) onContinue(token);
        }),
        concatMap(() => timer(ms - 1, rx)),
        concatMap(() => {
          if (failure !== undefined) throw failure.error;
          return [{ resourceVersion: '7', items: [`p${index}`], invalid: [], ...(token === undefined ? {} : { continue: token }) } satisfies Page];
        }),
        tap({
          // a request whose page arrived has done its job (the consumer's take(1) unsubscribes before its completion)
          next: () => {
            ended = true;
          },
          complete: () => {
            ended = true;
          },
          error: () => {
            ended = true;
          },
          finalize: () => {
            inFlight -= 1;
            if (!ended) log.push(`${name}!@${rx.now()}`);
          },
        }),
      );
    });
  return { fetch, log, maxInFlight: () => maxInFlight };
};

/**
 * The reflector's pager: the first page, then each continue page as soon as the one before is
 * consumed (`work` ms each), taking one page of each request as the reflector does (`take(1)`
 * unsubscribes as soon as the page is there).
 */
const pager = (rx: TestScheduler, list: (o: ListOptions) => Observable<Page>, work = 0): Observable<string> =>
  list({ limit: 1 }).pipe(
    take(1),
    expand((page) => {
      const token = page.continue;
      return token === undefined ? EMPTY : timer(work, rx).pipe(concatMap(() => list({ limit: 1, continue: token }).pipe(take(1))));
    }),
    concatMap((page) => page.items),
  );

const setTimer = (rx: TestScheduler) => (fn: () => void, ms: number) => {
  const s = rx.schedule(fn, ms);
  return () => {
    s.unsubscribe();
  };
};

describe('pagePrefetch', () => {
  it('requests page n+1 when page n’s token arrives, so the pages arrive while the consumer works; same pages, same order', () => {
    const rx = newTestScheduler();
    const plain = fakePages(rx, 3);
    const ahead = fakePages(rx, 3);
    rx.run(({ expectObservable }) => {
      // without prefetch: each page 10 ms after the one before was consumed (+5 ms of work)
      expectObservable(pager(rx, (o) => plain.fetch(o, () => undefined), 5)).toBe('10ms a 14ms b 14ms (c|)', { a: 'p1', b: 'p2', c: 'p3' });
      // with prefetch: page 2 is requested at 1 ms (page 1's token), page 3 when page 2 is claimed and its token known
      expectObservable(pager(rx, pagePrefetch(ahead.fetch, { setTimer: setTimer(rx) }), 5)).toBe('10ms a 4ms b 9ms (c|)', { a: 'p1', b: 'p2', c: 'p3' });
    });
    expect(plain.log).toEqual(['first@0', 't2@15', 't3@30']);
    expect(ahead.log).toEqual(['first@0', 't2@1', 't3@15']);
    expect(ahead.maxInFlight()).toBe(2);
  });

  it('reuse: every request gets the reuse of the consumer’s latest page, the pages fetched ahead too', () => {
    const rx = newTestScheduler();
    const pages = fakePages(rx, 4);
    const given: string[] = [];
    const fetch = (options: ListOptions, onContinue: (token: string) => void, reuse?: ListItemReuse<string>): Observable<Page> => {
      given.push(`${options.continue ?? 'first'}:${reuse === undefined ? 'none' : reuse('x')}`);
      return pages.fetch(options, onContinue);
    };
    const list = pagePrefetch(fetch, { setTimer: setTimer(rx) });
    const mark =
      (m: string): ListItemReuse<string> =>
      (item) =>
        `${item}${m}`;
    rx.run(({ expectObservable }) => {
      // pages 1 and 2 asked for with reuse A, pages 3 and 4 with B: page 2 is fetched ahead with the
      // reuse of page 1, page 3 when page 2 is claimed (A), page 4 when page 3 is claimed (B)
      const next = (m: string) => (page: Page) => list({ limit: 1, continue: page.continue ?? '' }, mark(m)).pipe(take(1));
      const paged = list({ limit: 1 }, mark('A')).pipe(take(1), concatMap(next('A')), concatMap(next('B')), concatMap(next('B')), concatMap((p4) => p4.items));
      expectObservable(paged).toBe('21ms (d|)', { d: 'p4' });
    });
    expect(given).toEqual(['first:xA', 't2:xA', 't3:xA', 't4:xB']);
    expect(pages.log).toEqual(['first@0', 't2@1', 't3@10', 't4@11']);
  });

  it('never more than one page ahead of the page being consumed', () => {
    const rx = newTestScheduler();
    const pages = fakePages(rx, 6, 3);
    rx.run(({ expectObservable }) => {
      // a slow consumer (20 ms per page): the pages are all fetched ahead, one at a time
      expectObservable(pager(rx, pagePrefetch(pages.fetch, { setTimer: setTimer(rx) }), 20).pipe(concatMap(() => EMPTY))).toBe('103ms |');
    });
    expect(pages.maxInFlight()).toBeLessThanOrEqual(2);
    expect(pages.log).toEqual(['first@0', 't2@1', 't3@23', 't4@43', 't5@63', 't6@83']);
  });

  it('a page fetched ahead and never asked for is aborted after unclaimedMs', () => {
    const rx = newTestScheduler();
    const pages = fakePages(rx, 3, 100);
    const list = pagePrefetch(pages.fetch, { unclaimedMs: 50, setTimer: setTimer(rx) });
    rx.run(({ expectObservable }) => {
      expectObservable(list({ limit: 1 })).toBe('100ms (a|)', { a: { resourceVersion: '7', items: ['p1'], invalid: [], continue: 't2' } });
    });
    expect(pages.log).toEqual(['first@0', 't2@1', 't2!@51']);
  });

  it('a request for anything else drops the page fetched ahead and asks the server', () => {
    const rx = newTestScheduler();
    const pages = fakePages(rx, 3);
    const list = pagePrefetch(pages.fetch, { setTimer: setTimer(rx) });
    rx.run(({ cold, expectObservable }) => {
      // page 1, then (a relist) page 1 again as soon as it is done, at 10 ms, while page 2 is still
      // arriving (until 11): page 2 is dropped, the new page 1 asked of the server
      expectObservable(cold('a 5ms a|').pipe(concatMap(() => list({ limit: 1 })), concatMap((p) => p.items))).toBe('10ms a 9ms (a|)', { a: 'p1' });
    });
    expect(pages.log).toEqual(['first@0', 't2@1', 't2!@10', 'first@10', 't2@11']);
  });

  it('the error of a page fetched ahead (an expired token) reaches the consumer when it asks for that page', () => {
    const rx = newTestScheduler();
    const expired = { _tag: 'HttpError', code: 410 };
    const pages = fakePages(rx, 3, 10, (name) => (name === 't2' ? { error: expired, midBody: false } : undefined));
    rx.run(({ expectObservable }) => {
      expectObservable(pager(rx, pagePrefetch(pages.fetch, { setTimer: setTimer(rx) }), 5)).toBe('10ms a 4ms #', { a: 'p1' }, expired);
    });
    expect(pages.log).toEqual(['first@0', 't2@1']);
  });

  it('a consumer that fails or abandons a page drops the page fetched after it', () => {
    const rx = newTestScheduler();
    const boom = new Error('page 1 failed');
    const failing = fakePages(rx, 3, 10, (name) => (name === 'first' ? { error: boom, midBody: true } : undefined));
    const abandoned = fakePages(rx, 3, 10);
    rx.run(({ expectObservable }) => {
      expectObservable(pagePrefetch(failing.fetch, { setTimer: setTimer(rx) })({ limit: 1 })).toBe('10ms #', undefined, boom);
      expectObservable(pagePrefetch(abandoned.fetch, { setTimer: setTimer(rx) })({ limit: 1 }), '^ 5ms !').toBe('');
    });
    expect(failing.log).toEqual(['first@0', 't2@1', 't2!@10']);
    expect(abandoned.log).toEqual(['first@0', 't2@1', 'first!@6', 't2!@6']);
  });
});
