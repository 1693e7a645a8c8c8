/**
 * Preloaded into every test process by tools/run-tests.ts (`--require`): node:test's own
 * async hook is made to record the tests alone, not every asynchronous resource they make.
 *
 * Why: node:test (Node 20's, read for this) keeps a map from each async resource to the
 * test it belongs to, filled by an async hook with an `init` and a `destroy` callback. A
 * `destroy` callback makes Node track the end of every promise (a weak callback on each, run
 * by the garbage collector): 10-15 % of the CPU of a test process here, where each request
 * makes hundreds of promises (`registerDestroyHook`, `promiseInitHookWithDestroyTracking` and the hook
 * itself in a profile). npm test: 79 -> 74 s of CPU, 52.7 -> 50.6 s of wall time.
 *
 * What stays: node:test finds a test's parent, and each top-level hook its file, by the
 * resource that runs them, which is a test, so suites nest as before (test/run-tests.test.ts
 * checks it on group entries). What is lost: an exception thrown, or a rejection left
 * unhandled, after a test's first `await` is no longer pinned on that test. It still fails
 * the run, reported as "A resource generated asynchronous activity after the test ended.
 * This activity created the error …" with the error, and the file is marked failed; find the
 * test by running the file alone with plain `node --test dist/test/x.test.js`. A test left
 * waiting by such an error is ended by the runner's --test-timeout.
 *
 * Only on Node 20 (the CI's, whose harness this was read from), only the hook created by
 * node:test's harness, and only while it has a `destroy` callback: any other hook
 * (AsyncLocalStorage's included) is made as asked, and another Node is left as it is.
 */
import asyncHooks = require('node:async_hooks');

const createHook = asyncHooks.createHook;
const ON_NODE_20 = process.versions.node.split('.')[0] === '20';

asyncHooks.createHook = function leanWhereItIsNodeTests(callbacks: asyncHooks.HookCallbacks): asyncHooks.AsyncHook {
  const init = callbacks.init;
  if (!ON_NODE_20 || !init || !callbacks.destroy || !new Error().stack?.includes('internal/test_runner/harness')) return createHook(callbacks);
  return createHook({
    init(asyncId, type, triggerAsyncId, resource) {
      // A test, suite or hook is an AsyncResource of type 'Test' (internal/test_runner/test).
      if (type === 'Test') init(asyncId, type, triggerAsyncId, resource);
    },
  });
};
