import { Observable } from 'rxjs';

/**
 * An Observable that errors at once with `error`, which may be a tagged value (kube-rx's error
 * channels carry tagged errors such as `ListerWatcherError`, not `Error` instances). Internal.
 */
export const failed = <A>(error: unknown): Observable<A> =>
  new Observable<A>((subscriber) => {
    subscriber.error(error);
  });
