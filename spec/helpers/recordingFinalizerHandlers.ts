import { of } from 'rxjs';

import type { FinalizerHandlers } from '../../lib/client/finalizer.js';
import { done } from '../../lib/workqueue/ReconcileResult.js';
import type { KubeObject } from '../../lib/meta/KubeObject.js';

/** Finalizer handlers that succeed at once; `cleaned` lists the names cleanup ran for, in order. */
export const recordingFinalizerHandlers = (): FinalizerHandlers<KubeObject> & { readonly cleaned: ReadonlyArray<string> } => {
  const cleaned: string[] = [];
  return {
    cleaned,
    apply: () => of(done),
    cleanup: (o) => {
      cleaned.push(o.metadata.name);
      return of(done);
    },
  };
};
