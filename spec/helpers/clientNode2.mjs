// @ts-check
/**
 * Loaded with `node --import` (vitest.config.ts adds it to NODE_OPTIONS when KUBE_RX_CLIENT_NODE=2):
 * every `import '@kubernetes/client-node'` of this process, and of the processes it starts (the CLI,
 * the examples, the soak's server), loads the repository's client-node 2.x (the `client-node-2`
 * devDependency) instead of 1.4. vitest's own module graph is redirected by its alias; this covers
 * what Node itself resolves.
 *
 * client-node 2 needs Node 22.19 or later, which has `module.registerHooks` (synchronous, in-thread).
 */
import * as nodeModule from 'node:module';

const { registerHooks } = nodeModule;
if (typeof registerHooks !== 'function') {
  throw new Error(`KUBE_RX_CLIENT_NODE=2: @kubernetes/client-node 2.x needs Node 22.19 or later; this is ${process.version}`);
}

/** Resolved once, from the repository, so that it works for importers anywhere (a packed tarball's consumer too). */
const target = import.meta.resolve('client-node-2');

registerHooks({
  resolve: (specifier, context, nextResolve) =>
    specifier === '@kubernetes/client-node' ? nextResolve(target, context) : nextResolve(specifier, context),
});
