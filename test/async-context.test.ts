/**
 * Serving requests never starts an AsyncLocalStorage (MikroORM's `em.transactional` and
 * `em.flush` do, and on Node 20 the first one turns on async hooks for the whole process
 * for good, which every later promise, socket and timer of every request pays for): the
 * store's writes run through `transaction()` (src/store/execute.ts), and nothing on a
 * request's path flushes a unit of work.
 */
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from './support/server';
import { assertData, bearer, gql, login, ME, REFRESH, VERIFY } from './support/http';

/** Stacks of every `run`/`enterWith` of an AsyncLocalStorage made from MikroORM's code while counting. */
const calls: string[] = [];
let counting = false;
const originals = { run: AsyncLocalStorage.prototype.run, enterWith: AsyncLocalStorage.prototype.enterWith };
before(() => {
  for (const name of ['run', 'enterWith'] as const) {
    const original = originals[name] as (...args: unknown[]) => unknown;
    (AsyncLocalStorage.prototype as unknown as Record<string, unknown>)[name] = function (this: AsyncLocalStorage<unknown>, ...args: unknown[]) {
      const stack = new Error().stack ?? '';
      if (counting && stack.includes('@mikro-orm')) calls.push(stack);
      return original.apply(this, args);
    };
  }
});
after(() => {
  AsyncLocalStorage.prototype.run = originals.run;
  AsyncLocalStorage.prototype.enterWith = originals.enterWith;
});

describeEachDatabase('no AsyncLocalStorage on the request path', {}, (server) => {
  it('login, @auth, verifyToken, rotation, password change, logouts', async () => {
    const { url } = server();
    await server().createUser({ username: 'quiet' });
    counting = true;
    try {
      const first = assertData(await login(url, 'quiet')).tokenAuth;
      const second = assertData(await login(url, 'quiet')).tokenAuth;
      assertData(await gql(url, ME, {}, bearer(first.token)));
      assertData(await gql(url, VERIFY, { token: first.token }));
      const rotated = assertData(await gql(url, REFRESH, { refreshToken: first.refreshToken })).refreshToken;
      assertData(await gql(url, 'mutation { logoutOtherDevices }', {}, bearer(rotated.token)));
      assertData(await gql(url, 'mutation($o: String!, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) }', { o: 'correct horse', n: 'a new passphrase 5e2a' }, bearer(rotated.token)));
      const again = assertData(await login(url, 'quiet', 'a new passphrase 5e2a')).tokenAuth;
      assertData(await gql(url, 'mutation { logout }', {}, bearer(again.token)));
      assert.ok(second.token);
    } finally {
      counting = false;
    }
    assert.deepEqual(calls, [], 'an AsyncLocalStorage was started while serving');
  });
});
