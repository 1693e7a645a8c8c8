/**
 * Issue 6: several instances on one PostgreSQL (and Redis): sessions, revocations and
 * rotation stay correct across processes, and losing Redis does not fail requests. Of each
 * pair, A is a server process (what `npm start` runs) and B a server in this process: they
 * share nothing but the database and the bus, as two processes do, and a third server
 * process would cost about a second of CPU to show nothing more.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { postgresSkip, createScratchPostgres } from './support/postgres';
import { skipOrFail } from './support/services';
import { startTestServer } from './support/server';
import { cliHereOk, freePort, hasRedisServer, PrivateRedis, type ServerProcess, startServerProcess, within } from './support/process';
import { assertData, assertError, bearer, gql, login, ME, REFRESH } from './support/http';

const pgSkip = postgresSkip();
const redisSkip = pgSkip || skipOrFail(hasRedisServer() ? false : 'no redis-server on the PATH (the Redis suite starts its own)');
if (pgSkip) console.log(`# ${pgSkip}: skipping the several-instance tests`);
else if (redisSkip) console.log(`# ${redisSkip}: skipping the Redis several-instance tests`);

/** An instance of a pair: what the tests use of a server process and of a server in this process alike. */
interface Instance {
  url: string;
  base: string;
  stop(): Promise<unknown>;
}

/**
 * Migrates the shared database, creates the users (password "correct horse"; with the CLI's
 * code, in this process: the CLI's set-password below runs in this process too, telling the
 * servers through Redis or NOTIFY as the bin would) and starts A, a server process, and B, a
 * server in this process, on it.
 */
async function startPair(env: Record<string, string>, usernames: string[]): Promise<[ServerProcess, Instance]> {
  await cliHereOk(['migrate'], env);
  for (const username of usernames) await cliHereOk(['users', 'create', username, '--password', 'correct horse'], env);
  const [a, b] = await Promise.all([startServerProcess(env), startTestServer('postgresql', env)]);
  return [a, { url: b.url, base: b.url.replace(/\/graphql$/, ''), stop: () => b.stop() }];
}

const revokedOn = (url: string, token: string) => async () => (await gql(url, ME, {}, bearer(token))).errors?.[0]?.extensions?.reason === 'SESSION_REVOKED';

describe('two instances, PostgreSQL and Redis', { skip: redisSkip }, () => {
  let drop: () => Promise<void>;
  let redis: PrivateRedis;
  let a: ServerProcess;
  let b: Instance;
  let env: Record<string, string>;

  before(async () => {
    const scratch = await createScratchPostgres();
    drop = scratch.drop;
    redis = new PrivateRedis(await freePort());
    await redis.start();
    env = { DATABASE_URL: scratch.url, REDIS_URL: redis.url, JWT_REFRESH_REUSE_INTERVAL: '0s' };
    [a, b] = await startPair(env, ['multi', 'guessed']);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await drop?.();
  });

  it('a token from A works on B; a logout on B is refused on A within one second', async () => {
    const session = assertData(await login(a.url, 'multi')).tokenAuth;
    assertData(await gql(b.url, ME, {}, bearer(session.token)));
    assertData(await gql(a.url, ME, {}, bearer(session.token))); // A has it cached now
    assert.equal(assertData(await gql(b.url, 'mutation { logout }', {}, bearer(session.token))).logout, true);
    const took = await within(1000, revokedOn(a.url, session.token));
    assert.notEqual(took, null, 'A still accepted the token a second after the logout on B');
  });

  it('a refresh token rotated on A and replayed on B is detected as reuse', async () => {
    const session = assertData(await login(a.url, 'multi')).tokenAuth;
    const rotated = assertData(await gql(a.url, REFRESH, { refreshToken: session.refreshToken })).refreshToken;
    assertData(await gql(a.url, ME, {}, bearer(rotated.token)));
    assertError(await gql(b.url, REFRESH, { refreshToken: session.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REUSED');
    assertError(await gql(b.url, REFRESH, { refreshToken: rotated.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
    assert.notEqual(await within(1000, revokedOn(a.url, rotated.token)), null, 'the revocation reached A');
  });

  it('concurrent rotations of one token on A and B: exactly one succeeds, the other is reuse', async () => {
    const session = assertData(await login(a.url, 'multi')).tokenAuth;
    const answers = await Promise.all([a, b, a, b].map((server) => gql(server.url, REFRESH, { refreshToken: session.refreshToken })));
    const won = answers.filter((answer) => !answer.errors);
    assert.ok(won.length <= 1, `${won.length} rotations of one single-use token succeeded`);
    for (const lost of answers.filter((answer) => answer.errors)) {
      assert.equal(lost.errors?.[0].extensions?.code, 'INVALID_REFRESH_TOKEN');
    }
  });

  it('failed logins spread over A and B hit one shared limit', async () => {
    // LOGIN_MAX_FAILURES_PER_USER is 5 (the default): five wrong passwords, alternating instances.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      assertError(await login([a, b][attempt % 2].url, 'guessed', 'wrong password'), 'INVALID_CREDENTIALS');
    }
    for (const server of [a, b]) {
      const limited = assertError(await login(server.url, 'guessed', 'wrong password'), 'RATE_LIMITED');
      assert.ok(Number(limited.extensions?.retryAfter) > 0, 'retryAfter in seconds');
    }
    // Even the right password is refused now, on both (the answer must not tell a guesser they were right).
    assertError(await login(b.url, 'guessed'), 'RATE_LIMITED');
  });

  it('a password set with the CLI is seen by both instances within one second', async () => {
    await cliHereOk(['users', 'create', 'reset-redis', '--password', 'correct horse'], env);
    const session = assertData(await login(a.url, 'reset-redis')).tokenAuth;
    assertData(await gql(a.url, ME, {}, bearer(session.token)));
    assertData(await gql(b.url, ME, {}, bearer(session.token)));
    const out = await cliHereOk(['users', 'set-password', 'reset-redis', '--password', 'a new one'], env);
    assert.match(out, /Told running servers through redis/);
    assert.notEqual(await within(1000, revokedOn(a.url, session.token)), null, 'A saw the change');
    assert.notEqual(await within(1000, revokedOn(b.url, session.token)), null, 'B saw the change');
  });

  it('readyz answers when the database and Redis do; healthz always', async () => {
    for (const server of [a, b]) {
      assert.equal((await fetch(`${server.base}/healthz`)).status, 200);
      assert.equal((await fetch(`${server.base}/readyz`)).status, 200);
    }
  });

  it('Redis stopped mid-run: requests keep succeeding, revocations still hold, and it recovers', async () => {
    const session = assertData(await login(a.url, 'multi')).tokenAuth;
    assertData(await gql(a.url, ME, {}, bearer(session.token)));
    await redis.stop();
    // Still ready (it serves, checking the database), and the body says the bus is down.
    const readyz = await fetch(`${a.base}/readyz`);
    assert.equal(readyz.status, 200, 'ready without Redis: it can serve');
    assert.deepEqual(await readyz.json(), { status: 'ok', database: 'up', bus: { name: 'redis', state: 'down' } });
    // Everything still works on both instances, now checked in the database.
    const other = assertData(await login(b.url, 'multi')).tokenAuth;
    assertData(await gql(a.url, ME, {}, bearer(other.token)));
    const rotated = assertData(await gql(b.url, REFRESH, { refreshToken: other.refreshToken })).refreshToken;
    assertData(await gql(a.url, ME, {}, bearer(rotated.token)));
    assert.equal(assertData(await gql(b.url, 'mutation { logout }', {}, bearer(session.token))).logout, true);
    assert.notEqual(await within(1000, revokedOn(a.url, session.token)), null, 'logout on B seen on A without Redis');

    await redis.start();
    const busUp = (base: string) => async () => ((await (await fetch(`${base}/readyz`)).json()) as { bus: { state: string } }).bus.state === 'up';
    assert.notEqual(await within(5000, busUp(a.base)), null, 'A has its bus again');
    assert.notEqual(await within(5000, busUp(b.base)), null, 'B has its bus again');
    const again = assertData(await login(a.url, 'multi')).tokenAuth;
    assertData(await gql(a.url, ME, {}, bearer(again.token)));
    assertData(await gql(b.url, 'mutation { logout }', {}, bearer(again.token)));
    assert.notEqual(await within(1000, revokedOn(a.url, again.token)), null, 'invalidations flow again after recovery');
    assert.equal((a.output().match(/unreachable/g) ?? []).length, 1, `the outage is logged once:\n${a.output()}`);
  });
});

describe('two instances, PostgreSQL without Redis (LISTEN/NOTIFY)', { skip: pgSkip }, () => {
  let drop: () => Promise<void>;
  let a: ServerProcess;
  let b: Instance;
  let env: Record<string, string>;

  before(async () => {
    const scratch = await createScratchPostgres();
    drop = scratch.drop;
    env = { DATABASE_URL: scratch.url };
    [a, b] = await startPair(env, ['notify']);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await drop?.();
  });

  it('a logout on B is refused on A within one second', async () => {
    const session = assertData(await login(a.url, 'notify')).tokenAuth;
    assertData(await gql(a.url, ME, {}, bearer(session.token)));
    assert.equal(assertData(await gql(b.url, 'mutation { logout }', {}, bearer(session.token))).logout, true);
    assert.notEqual(await within(1000, revokedOn(a.url, session.token)), null);
  });

  it('a password set with the CLI is seen within one second (NOTIFY)', async () => {
    const session = assertData(await login(a.url, 'notify')).tokenAuth;
    assertData(await gql(a.url, ME, {}, bearer(session.token)));
    const out = await cliHereOk(['users', 'set-password', 'notify', '--password', 'correct horse'], env);
    assert.match(out, /Told running servers through postgres/);
    assert.notEqual(await within(1000, revokedOn(a.url, session.token)), null);
  });

  it('SIGTERM lets an in-flight request finish, then the process exits cleanly, without waiting out SHUTDOWN_TIMEOUT', async () => {
    const pending = login(a.url, 'notify');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const signalled = Date.now();
    const exit = a.stop('SIGTERM');
    assertData(await pending);
    assert.equal(await exit, 0);
    // The answered request's keep-alive connection is closed, not held until the 10 s default.
    const took = Date.now() - signalled;
    assert.ok(took < 5000, `exited ${took} ms after SIGTERM`);
    await assert.rejects(fetch(`${a.base}/healthz`), 'no longer accepting');
  });
});
