/**
 * Shared plumbing of the controller examples (examples/configMapToSecret.ts,
 * examples/widgetController.ts): loading a kubeconfig, the timing flags of leader election, a
 * reconcile log (JSON lines the tests read), the 409 Conflict test, and exiting 0 once the
 * manager has stopped on SIGTERM/SIGINT. Not an example on its own.
 */
import { appendFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';

import { ApiException, KubeConfig } from '@kubernetes/client-node';
import { concat, defer, first, firstValueFrom, from, ignoreElements, type Observable, type ObservableInput, repeat, timeout } from 'rxjs';

import { crdManifest, type CustomResource, customResourceDefinitions, type KubeConfigLike, type ManagerEvent, objectClient, type ReconcileResult, type TrackedReconciler } from 'kube-rx';

/** True when `metaUrl` is the module Node was asked to run (not imported by a test). */
export const isMain = (metaUrl: string): boolean => {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(script).href === metaUrl;
};

/** `--kubeconfig PATH`, else KUBECONFIG / ~/.kube/config / in-cluster (client-node's loadFromDefault). */
export const loadKubeConfig = (file: string | undefined): KubeConfig => {
  const kc = new KubeConfig();
  if (file === undefined) kc.loadFromDefault();
  else kc.loadFromFile(file);
  return kc;
};

/**
 * Installs (or updates) the CRD of `resource` by server-side apply (field manager `manager`,
 * forced), then resolves once the server reports it Established (polling every 100 ms), or rejects
 * after `timeoutMs`. kube-rs: `Api::<CustomResourceDefinition>::patch(Patch::Apply)` then
 * `await_condition(crds, name, conditions::is_crd_established())`.
 */
export const installCrd = (kubeConfig: KubeConfigLike, resource: CustomResource, manager: string, timeoutMs = 30_000): Promise<unknown> => {
  const crds = objectClient(customResourceDefinitions, { kubeConfig, fieldManager: manager });
  const crd = crdManifest(resource);
  const established$ = defer(() => crds.get({ name: crd.metadata.name })).pipe(
    repeat({ delay: 100 }),
    first((c) => (c.status?.conditions ?? []).some((cond) => cond.type === 'Established' && cond.status === 'True')),
    timeout({ first: timeoutMs }),
  );
  return firstValueFrom(concat(crds.apply(crd, { force: true }).pipe(ignoreElements()), established$));
};

/** A default identity: hostname plus pid (unique enough among replicas on a cluster). */
export const defaultIdentity = (): string => `${hostname()}-${process.pid}`;

/** Parses a positive integer flag, or exits with a usage error. */
export const intFlag = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`--${name} must be a positive integer (got "${value}")\n`);
    process.exit(2);
  }
  return n;
};

/** The HTTP status of a failed client-node call (undefined for other errors). */
export const statusOf = (error: unknown): number | undefined => (error instanceof ApiException ? error.code : undefined);

/** One line of the reconcile log. */
export interface ReconcileLogLine {
  readonly t: number;
  readonly identity: string;
  readonly key: string;
  readonly phase: 'start' | 'end';
}

/**
 * Wraps a reconciler so that each run appends `{t, identity, key, phase: 'start'}` before and
 * `{…, phase: 'end'}` once it has settled (synchronous appends: the lines are on disk even if the
 * process is killed right after). Without a path, returns the reconciler as is.
 */
export const loggedReconciler = (reconcile: TrackedReconciler, identity: string, path: string | undefined): TrackedReconciler => {
  if (path === undefined) return reconcile;
  const write = (key: string, phase: ReconcileLogLine['phase']): void => {
    const line: ReconcileLogLine = { t: Date.now(), identity, key, phase };
    appendFileSync(path, `${JSON.stringify(line)}\n`);
  };
  return (key, signal, context) => {
    write(key, 'start');
    let result: ReturnType<TrackedReconciler>;
    try {
      result = reconcile(key, signal, context);
    } catch (error) {
      write(key, 'end');
      throw error;
    }
    const settled$: Observable<ReconcileResult | undefined> = from(result as ObservableInput<ReconcileResult | undefined>);
    return new Promise<ReconcileResult | undefined>((resolve, reject) => {
      let last: ReconcileResult | undefined;
      settled$.subscribe({
        next: (r) => {
          if (r !== undefined) last = r;
        },
        error: (e: unknown) => {
          write(key, 'end');
          reject(e instanceof Error ? e : new Error(String(e)));
        },
        complete: () => {
          write(key, 'end');
          resolve(last);
        },
      });
    });
  };
};

/** Prints failures and leadership-relevant events of a manager on stderr, one JSON line each. */
export const reportEvent = (identity: string, event: ManagerEvent): void => {
  if (event._tag === 'Reconcile' && event.event._tag === 'Failed') {
    const { key, error } = event.event;
    process.stderr.write(`${JSON.stringify({ identity, type: 'ReconcileFailed', key, error: String(error) })}\n`);
  } else if (event._tag === 'ObserverFailed') {
    process.stderr.write(`${JSON.stringify({ identity, type: 'ObserverFailed', observer: event.observer, error: String(event.error) })}\n`);
  }
};

/** Subscribes to a manager's run: reports events, exits 0 when it completes (SIGTERM/SIGINT), 1 on error. */
export const runToExit = (identity: string, run$: Observable<ManagerEvent>): void => {
  run$.subscribe({
    next: (e) => {
      reportEvent(identity, e);
    },
    error: (e: unknown) => {
      process.stderr.write(`${JSON.stringify({ identity, type: 'Fatal', error: String(e) })}\n`);
      process.exit(1);
    },
    complete: () => process.exit(0),
  });
};

/**
 * An instance of a client-node model class with `props` set: client-node's models are classes, and
 * the linter rightly refuses object literals where instances are expected.
 */
export const make = <T extends object>(Model: new () => T, props: Partial<T>): T => Object.assign(new Model(), props);

