import type { Subscription } from 'rxjs';

import type { ControllerManager, ManagerEvent, Selector } from '../../lib/controller/controllerManager.js';
import type { InformerStatus } from '../../lib/informer/InformerStatus.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';

/** A running manager with one recording controller, as the dynamic-watch tests observe it. */
export interface RecordingController {
  /** Keys reconciled so far, in order. */
  readonly reconciled: ReadonlyArray<string>;
  /** Every manager event so far. */
  readonly events: ReadonlyArray<ManagerEvent>;
  /** The selector's last reported informer status. */
  readonly status: () => InformerStatus;
  /** Whether the selector's informer is stopped because its resource is not served. */
  readonly notServed: () => boolean;
  /** The `Problem` events of the selector so far. */
  readonly problems: () => ReadonlyArray<ManagerEvent>;
  /** The error `run()` failed with, if it did. */
  readonly error: () => unknown;
  /** Unsubscribes `run()`. */
  readonly stop: () => void;
}

/** Attaches a controller on `selector` that records its keys and reconciles them `done`, and runs the manager. */
export const runRecordingController = <T extends KubeObject>(mgr: ControllerManager, selector: Selector<T>): RecordingController => {
  const reconciled: string[] = [];
  mgr.controller({
    name: `${selector.name}-controller`,
    for: selector,
    reconcile: (key) => {
      reconciled.push(key);
      return Promise.resolve(done);
    },
  });
  const events: ManagerEvent[] = [];
  let status: InformerStatus = { _tag: 'Stopped' };
  let failure: unknown;
  const sub: Subscription = mgr.run().subscribe({
    next: (e) => {
      events.push(e);
      if (e._tag === 'Status' && e.selector === selector.name) status = e.status;
    },
    error: (e: unknown) => {
      failure = e;
    },
  });
  return {
    reconciled,
    events,
    status: () => status,
    notServed: () => status._tag === 'Stopped' && status.reason === 'NotServed',
    problems: () => events.filter((e) => e._tag === 'Problem' && e.selector === selector.name),
    error: () => failure,
    stop: () => {
      sub.unsubscribe();
    },
  };
};
