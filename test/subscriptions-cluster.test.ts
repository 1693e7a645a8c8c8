/**
 * Issue 16: two instances on one PostgreSQL, with Redis and with LISTEN/NOTIFY only: a
 * sign-in or a logout on one reaches a socket on the other within a second, and so does a
 * password set with the CLI (another process, through the same store).
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startGatehouse, type RunningGatehouse } from '../src/server/app';
import { loadSettings } from '../src/settings';
import { createUser } from '../src/users/create';
import { assertData, bearer, gql, login } from './support/http';
import { leasePostgres, postgresSkip } from './support/postgres';
import { REDIS_TEST_URL, redisSkip, scratchRedisPrefix } from './support/redis';
import { testEnv } from './support/server';
import { skipOrFail } from './support/services';
import { cliAsync, closedWithin, RawSocket, SESSION_EVENTS } from './support/ws';

const pgSkip = postgresSkip();
const withRedisSkip = pgSkip || skipOrFail(redisSkip());

for (const [name, skip, redis] of [
  ['Redis', withRedisSkip, true],
  ['LISTEN/NOTIFY only', pgSkip, false],
] as const) {
  describe(`subscriptions on two instances, PostgreSQL and ${name}`, { skip }, () => {
    let a: RunningGatehouse;
    let b: RunningGatehouse;
    let env: Record<string, string>;
    let drop: () => Promise<void>;
    let cleanRedis = async () => 0;

    before(async () => {
      const leased = await leasePostgres();
      drop = leased.release;
      env = { DATABASE_URL: leased.url, GATEHOUSE_DATA_DIR: join(tmpdir(), 'gatehouse-test-data') };
      if (redis) {
        const scratchRedis = scratchRedisPrefix();
        cleanRedis = scratchRedis.cleanup;
        Object.assign(env, { REDIS_URL: REDIS_TEST_URL, REDIS_KEY_PREFIX: scratchRedis.prefix });
      }
      const settings = loadSettings(testEnv(env));
      a = await startGatehouse({ settings, log: () => undefined });
      b = await startGatehouse({ settings, migrate: false, log: () => undefined });
      assert.equal(a.gatehouse.bus.name, redis ? 'redis' : 'postgres');
      for (const username of ['ada', 'cli']) await createUser(a.gatehouse.orm.em.fork(), { username, password: 'correct horse' }, 4);
    });
    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await drop?.();
      await cleanRedis();
    });

    const listenOn = async (server: RunningGatehouse, token: string) => {
      const { socket, acked } = await RawSocket.init(server.url, { authorization: `Bearer ${token}` });
      assert.ok(acked);
      socket.subscribe('e', SESSION_EVENTS);
      await new Promise((resolve) => setTimeout(resolve, 30));
      return socket;
    };

    it('a sign-in on A reaches sessionEvents on B; a logout on A closes B\'s socket, event first, within a second', async () => {
      const session = assertData(await login(a.url, 'ada')).tokenAuth;
      const socket = await listenOn(b, session.token);
      let start = Date.now();
      const other = assertData(await login(a.url, 'ada', 'correct horse', {}, 'phone')).tokenAuth;
      const signedIn = await socket.waitFor((m) => m.type === 'next', 1000);
      assert.ok(Date.now() - start < 1000);
      assert.equal(signedIn.payload.data.sessionEvents.type, 'SIGNED_IN');
      assert.equal(signedIn.payload.data.sessionEvents.device.id, other.device.id);

      start = Date.now();
      assertData(await gql(a.url, 'mutation { logout }', {}, bearer(session.token)));
      const closed = await closedWithin(socket, 1000);
      assert.equal(closed.code, 4403);
      assert.equal(closed.reason, 'SESSION_REVOKED');
      assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
      assert.deepEqual(socket.nexts('e').map((p) => p.data.sessionEvents.type), ['SIGNED_IN', 'SIGNED_OUT']);
    });

    it('no double delivery on the instance that made the change', async () => {
      const session = assertData(await login(a.url, 'ada')).tokenAuth;
      const socket = await listenOn(a, session.token);
      assertData(await login(b.url, 'ada'));
      assertData(await login(a.url, 'ada'));
      await socket.waitFor((m) => m.type === 'next' && socket.nexts('e').length >= 2, 1000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(socket.nexts('e').map((p) => p.data.sessionEvents.type), ['SIGNED_IN', 'SIGNED_IN']);
      socket.close();
    });

    it('users set-password (the CLI, another process): PASSWORD_CHANGED and the close, on both instances', async () => {
      const session = assertData(await login(a.url, 'cli')).tokenAuth;
      const [onA, onB] = [await listenOn(a, session.token), await listenOn(b, session.token)];
      const out = await cliAsync(['users', 'set-password', 'cli', '--password', 'another one'], env);
      assert.match(out, new RegExp(`Told running servers through ${redis ? 'redis' : 'postgres'}`));
      for (const socket of [onA, onB]) {
        assert.equal((await closedWithin(socket, 1000)).reason, 'SESSION_REVOKED');
        assert.deepEqual(socket.nexts('e').map((p) => p.data.sessionEvents.type), ['PASSWORD_CHANGED']);
      }
    });
  });
}
