import { filter, map, type Observable } from 'rxjs';

import type { ManagerEvent } from '../../lib/controller/controllerManager.js';

/** The keys (namespace `default/` dropped) of a manager's reconciles, as each starts. */
export const startedKeys = (events: Observable<ManagerEvent>): Observable<string> =>
  events.pipe(
    filter((e) => e._tag === 'Reconcile' && e.event._tag === 'Started'),
    map((e) => (e._tag === 'Reconcile' && e.event._tag === 'Started' ? e.event.key.replace('default/', '') : '')),
  );
