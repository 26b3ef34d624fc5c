import { asyncScheduler, defer, type MonoTypeOperatorFunction, type SchedulerLike, tap } from 'rxjs';

import type { CounterMetric, HistogramMetric, SettableGaugeMetric } from '../metrics/Metric.js';
import type { ReflectorMetricsProvider } from '../metrics/ReflectorMetricsProvider.js';
import type { ReflectorEvent } from './ReflectorEvent.js';

/**
 * What {@link reduceReflectorMetrics} remembers of a reflector's stream: whether a list or a watch
 * is running, and since when (scheduler time, ms).
 *
 * - `Idle`: nothing measured runs (before the first list, after an error, while backing off).
 * - `Listing`: a list started at `since`.
 * - `Listed`: a list completed at `at`; a `Watching` event normally follows at once. Any other
 *   event means that a streaming list goes on as a watch (which then counts from `at`).
 * - `Watching`: a watch started at `since` and delivered `items` events so far.
 *
 * Maps to the locals of client-go's `Reflector.ListAndWatch` / `watchHandler` that fed its metrics
 * (`start`, `eventCount`).
 *
 * ```
 * Idle ──Listing──► Listing ──Replace──► Listed ──Watching──► Watching ──Error──► Idle
 * ```
 *
 * @example
 * ```ts
 * import type { ReflectorMetricsState } from 'kube-rx/reducers';
 * const s: ReflectorMetricsState = { _tag: 'Watching', since: 0, items: 3 };
 * ```
 * @category metrics
 * @since 0.2.0
 */
export type ReflectorMetricsState =
  | { readonly _tag: 'Idle' }
  | { readonly _tag: 'Listing'; readonly since: number }
  | { readonly _tag: 'Listed'; readonly at: number }
  | { readonly _tag: 'Watching'; readonly since: number; readonly items: number };

/**
 * One change to a reflector's metrics, as data: count one, observe a value, or set a gauge.
 *
 * Maps to one call of client-go's reflector metrics (`Inc`, `Observe`, `Set`).
 *
 * ```
 * { _tag: 'Observe', metric: 'listDuration', value: 0.25 }   ──► listDuration.observe(0.25)
 * ```
 *
 * @example
 * ```ts
 * import type { ReflectorMetricsUpdate } from 'kube-rx/reducers';
 * const u: ReflectorMetricsUpdate = { _tag: 'Count', metric: 'watches' };
 * ```
 * @category metrics
 * @since 0.2.0
 */
export type ReflectorMetricsUpdate =
  | { readonly _tag: 'Count'; readonly metric: 'lists' | 'watches' | 'shortWatches' }
  | {
      readonly _tag: 'Observe';
      readonly metric: 'listDuration' | 'itemsInList' | 'watchDuration' | 'itemsInWatch';
      readonly value: number;
    }
  | { readonly _tag: 'Set'; readonly metric: 'lastResourceVersion'; readonly value: number };

/**
 * The result of one {@link reduceReflectorMetrics} step.
 *
 * Maps to nothing in client-go (it updates its metrics in place).
 *
 * @example
 * ```ts
 * import type { ReflectorMetricsStep } from 'kube-rx/reducers';
 * const step: ReflectorMetricsStep = { state: { _tag: 'Idle' }, updates: [] };
 * ```
 * @category metrics
 * @since 0.2.0
 */
export interface ReflectorMetricsStep {
  readonly state: ReflectorMetricsState;
  readonly updates: ReadonlyArray<ReflectorMetricsUpdate>;
}

/**
 * The state of {@link reduceReflectorMetrics} before the first event.
 *
 * Maps to a client-go reflector that has not listed yet.
 *
 * @example
 * ```ts
 * import { initialReflectorMetricsState } from 'kube-rx/reducers';
 * initialReflectorMetricsState._tag; // 'Idle'
 * ```
 * @category metrics
 * @since 0.2.0
 */
export const initialReflectorMetricsState: ReflectorMetricsState = { _tag: 'Idle' };

const NONE: ReadonlyArray<ReflectorMetricsUpdate> = [];
const COUNT_LISTS: ReflectorMetricsUpdate = { _tag: 'Count', metric: 'lists' };
const COUNT_WATCHES: ReflectorMetricsUpdate = { _tag: 'Count', metric: 'watches' };
const COUNT_SHORT_WATCHES: ReflectorMetricsUpdate = { _tag: 'Count', metric: 'shortWatches' };
const IDLE: ReflectorMetricsState = initialReflectorMetricsState;

const seconds = (ms: number): number => ms / 1000;

/** The resourceVersion as a number when it is a decimal integer (client-go `strconv.Atoi`), else nothing. */
const lastRV = (resourceVersion: string | undefined): ReadonlyArray<ReflectorMetricsUpdate> =>
  resourceVersion !== undefined && /^[0-9]+$/.test(resourceVersion)
    ? [{ _tag: 'Set', metric: 'lastResourceVersion', value: Number(resourceVersion) }]
    : NONE;

/** The updates when a watch that started at `since` with `items` events ends at `now`. */
const endOfWatch = (since: number, items: number, now: number, short: boolean): ReadonlyArray<ReflectorMetricsUpdate> =>
  short
    ? [COUNT_SHORT_WATCHES, { _tag: 'Observe', metric: 'itemsInWatch', value: items }]
    : [
        { _tag: 'Observe', metric: 'watchDuration', value: seconds(now - since) },
        { _tag: 'Observe', metric: 'itemsInWatch', value: items },
      ];

/** The watch in progress when an event of a watch arrives (a streaming list's watch starts at `at`). */
const watchOf = (state: ReflectorMetricsState): { readonly since: number; readonly items: number; readonly started: boolean } | undefined =>
  state._tag === 'Watching'
    ? { since: state.since, items: state.items, started: false }
    : state._tag === 'Listed'
      ? { since: state.at, items: 0, started: true }
      : undefined;

/**
 * One step of a reflector's metrics, as a pure reducer over its {@link ReflectorEvent}s: the new
 * state and the metric updates that the event causes at scheduler time `now` (ms).
 *
 * Maps to the metric calls of the client-go reflector that had them (`numberOfLists.Inc()`,
 * `listDuration.Observe`, `numberOfItemsInList.Observe`, `numberOfWatches.Inc()`,
 * `numberOfShortWatches.Inc()`, `watchDuration.Observe`, `numberOfItemsInWatch.Observe`,
 * `lastResourceVersion.Set` in `ListAndWatch`, `watchHandler` and `setLastSyncResourceVersion`).
 *
 * ```
 * events:   L(t=0)   R(3 items, t=250)   W(t=250)   a   b   E(t=10 250)
 * updates:  lists+1  listDuration 0.25   watches+1  ·   ·   watchDuration 10, itemsInWatch 2
 *                    itemsInList 3
 * ```
 *
 * Algorithm (state: {@link ReflectorMetricsState}):
 * 1. `Listing`: count a list; remember its start (a watch still open ends first, as in 3).
 * 2. `Replace`: when a list runs, observe its duration and its number of items; set the last
 *    resourceVersion; the list is `Listed` at `now`.
 * 3. `Watching`: a watch still open ends (the server closed it cleanly): observe its duration and
 *    its items. Count a watch; it starts now with no items.
 * 4. `Added` / `Modified` / `Deleted` / `Bookmark` / `Invalid`: one more item of the running watch
 *    (after `Listed`, the watch of a streaming list, which starts counting then); set the last
 *    resourceVersion when the event has one that is a decimal integer.
 * 5. `Error`: a running watch ends: observe its items, and its duration unless the error is a
 *    `VeryShortWatch` (then count a short watch instead, as client-go). A list that fails is not
 *    observed. Then `Idle`.
 * 6. `Backoff` changes nothing.
 *
 * A watch ended by unsubscribing is not observed.
 *
 * @example
 * ```ts
 * import { initialReflectorMetricsState, reduceReflectorMetrics } from 'kube-rx/reducers';
 * const listing = reduceReflectorMetrics(initialReflectorMetricsState, { _tag: 'Listing', resourceVersion: '0', cause: 'Initial' }, 0);
 * reduceReflectorMetrics(listing.state, { _tag: 'Replace', items: [], resourceVersion: '7' }, 500).updates;
 * // [listDuration 0.5, itemsInList 0, lastResourceVersion 7]
 * ```
 * @category metrics
 * @since 0.2.0
 */
export const reduceReflectorMetrics = <T>(
  state: ReflectorMetricsState,
  event: ReflectorEvent<T>,
  now: number,
): ReflectorMetricsStep => {
  switch (event._tag) {
    case 'Listing': {
      const open = state._tag === 'Watching' ? endOfWatch(state.since, state.items, now, false) : NONE;
      return { state: { _tag: 'Listing', since: now }, updates: [...open, COUNT_LISTS] };
    }
    case 'Replace':
      return {
        state: { _tag: 'Listed', at: now },
        updates:
          state._tag === 'Listing'
            ? [
                { _tag: 'Observe', metric: 'listDuration', value: seconds(now - state.since) },
                { _tag: 'Observe', metric: 'itemsInList', value: event.items.length },
                ...lastRV(event.resourceVersion),
              ]
            : [{ _tag: 'Observe', metric: 'itemsInList', value: event.items.length }, ...lastRV(event.resourceVersion)],
      };
    case 'Watching': {
      const open = state._tag === 'Watching' ? endOfWatch(state.since, state.items, now, false) : NONE;
      return { state: { _tag: 'Watching', since: now, items: 0 }, updates: [...open, COUNT_WATCHES] };
    }
    case 'Added':
    case 'Modified':
    case 'Deleted':
    case 'Bookmark':
    case 'Invalid': {
      const rv = lastRV(event._tag === 'Invalid' ? event.failure.resourceVersion : event.resourceVersion);
      const watch = watchOf(state);
      if (watch === undefined) return { state, updates: rv };
      return {
        state: { _tag: 'Watching', since: watch.since, items: watch.items + 1 },
        updates: watch.started ? [COUNT_WATCHES, ...rv] : rv,
      };
    }
    case 'Error': {
      const watch = watchOf(state);
      if (watch === undefined) return { state: IDLE, updates: NONE };
      const ended = endOfWatch(watch.since, watch.items, now, event.error._tag === 'VeryShortWatch');
      return { state: IDLE, updates: watch.started ? [COUNT_WATCHES, ...ended] : ended };
    }
    case 'Backoff':
      return { state, updates: NONE };
  }
};

interface ReflectorMetricSet {
  readonly lists: CounterMetric;
  readonly listDuration: HistogramMetric;
  readonly itemsInList: HistogramMetric;
  readonly watches: CounterMetric;
  readonly shortWatches: CounterMetric;
  readonly watchDuration: HistogramMetric;
  readonly itemsInWatch: HistogramMetric;
  readonly lastResourceVersion: SettableGaugeMetric;
}

const apply = (metrics: ReflectorMetricSet, update: ReflectorMetricsUpdate): void => {
  switch (update._tag) {
    case 'Count':
      metrics[update.metric].inc();
      return;
    case 'Observe':
      metrics[update.metric].observe(update.value);
      return;
    case 'Set':
      metrics[update.metric].set(update.value);
      return;
  }
};

/**
 * Measures a reflector's stream: passes every {@link ReflectorEvent} through unchanged and
 * updates the metrics of `provider` for reflector `name` ({@link reduceReflectorMetrics}). The
 * metrics are made when the stream is subscribed to; durations are read from `scheduler`'s clock.
 * {@link listThenWatch} applies it when its config has `metrics` (so a {@link sharedIndexInformer}
 * or a {@link controllerManager} given `metrics` does); without, nothing is measured or paid.
 *
 * Maps to client-go's reflector metrics (`newReflectorMetrics`, `reflector_metrics.go`).
 *
 * ```
 * source:  L---(RW)--a--b--E--B----L…
 * output:  L---(RW)--a--b--E--B----L…      (the same; lists, list duration, watches, … updated)
 * ```
 *
 * @param provider - where the metrics come from (e.g. `prometheusMetrics()` of `kube-rx/prometheus`).
 * @param name - the reflector's name (the `name` label).
 * @param scheduler - the clock of the durations (default `asyncScheduler`).
 *
 * @example
 * ```ts
 * import { NEVER, of } from 'rxjs';
 * import { listThenWatch, noopMetrics, reflectorMetrics, type KubeObject, type ListerWatcher } from 'kube-rx';
 * const lw: ListerWatcher<KubeObject> = {
 *   list: () => of({ resourceVersion: '1', items: [], invalid: [] }),
 *   watch: () => NEVER,
 * };
 * let lists = 0;
 * const provider = { ...noopMetrics, newListsMetric: () => ({ inc: () => { lists += 1; } }) };
 * listThenWatch(lw).pipe(reflectorMetrics(provider, 'configmaps')).subscribe().unsubscribe(); // lists === 1
 * ```
 * @category metrics
 * @since 0.2.0
 */
export const reflectorMetrics =
  <T>(provider: ReflectorMetricsProvider, name: string, scheduler: SchedulerLike = asyncScheduler): MonoTypeOperatorFunction<ReflectorEvent<T>> =>
  (source) =>
    defer(() => {
      const metrics: ReflectorMetricSet = {
        lists: provider.newListsMetric(name),
        listDuration: provider.newListDurationMetric(name),
        itemsInList: provider.newItemsInListMetric(name),
        watches: provider.newWatchesMetric(name),
        shortWatches: provider.newShortWatchesMetric(name),
        watchDuration: provider.newWatchDurationMetric(name),
        itemsInWatch: provider.newItemsInWatchMetric(name),
        lastResourceVersion: provider.newLastResourceVersionMetric(name),
      };
      let state: ReflectorMetricsState = initialReflectorMetricsState;
      return source.pipe(
        tap((event) => {
          const step = reduceReflectorMetrics(state, event, scheduler.now());
          state = step.state;
          for (const update of step.updates) apply(metrics, update);
        }),
      );
    });
