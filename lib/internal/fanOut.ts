import { Observable, type Subscriber, type SubjectLike } from 'rxjs';

/** How a {@link fanOut} ended, once it has. */
type Ended = { readonly _tag: 'Complete' } | { readonly _tag: 'Error'; readonly error: unknown };

/**
 * A multicast point for a hot path: what rxjs's `Subject` does for `share()`'s `connector`, with a
 * `next` that allocates nothing. Node resolves rxjs to its ES5 build, where `Subject.next` builds a
 * closure, an iterator and a `{ value, done }` per subscriber on every value (issue 23); here the
 * subscribers are an array replaced (not mutated) on every subscribe and unsubscribe, so a
 * dispatch walks the array it started with by index:
 * - a subscriber added while a value goes out does not get that value; one removed meanwhile is
 *   closed and ignores it (as with `Subject`'s snapshot);
 * - after `error` / `complete`, later values are ignored and a late subscriber gets the same end
 *   at once (as `Subject` does).
 *
 * Internal: the informer's `share()` connector (`sharedIndexInformer`). client-go has no
 * counterpart (its `sharedProcessor` distributes to `processorListener`s).
 *
 * ```
 * source$.pipe(share({ connector: () => fanOut<Value>() }))
 * ```
 */
export const fanOut = <T>(): SubjectLike<T> => {
  let subscribers: ReadonlyArray<Subscriber<T>> = [];
  let ended: Ended | undefined;
  const endOne = (subscriber: Subscriber<T>, how: Ended): void => {
    if (how._tag === 'Error') subscriber.error(how.error);
    else subscriber.complete();
  };
  const observable = new Observable<T>((subscriber) => {
    if (ended !== undefined) {
      endOne(subscriber, ended);
      return undefined;
    }
    subscribers = [...subscribers, subscriber];
    return () => {
      subscribers = subscribers.filter((s) => s !== subscriber);
    };
  });
  const end = (how: Ended): void => {
    if (ended !== undefined) return;
    ended = how;
    const all = subscribers;
    subscribers = [];
    for (const s of all) endOne(s, how);
  };
  return {
    subscribe: (observer) => observable.subscribe(observer),
    next: (value) => {
      if (ended !== undefined) return;
      const all = subscribers;
      for (let i = 0; i < all.length; i++) (all[i] as Subscriber<T>).next(value);
    },
    error: (error: unknown) => {
      end({ _tag: 'Error', error });
    },
    complete: () => {
      end({ _tag: 'Complete' });
    },
  };
};
