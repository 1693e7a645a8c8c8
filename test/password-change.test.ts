/**
 * Password changes over HTTP on SQLite and PostgreSQL: the `changePassword` mutation and
 * `gatehouse users set-password` end every device session and app token of the user, and
 * access tokens issued before the change stop working, including one signed in the same
 * second just before it, while a login right after it works at once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { RefreshToken, User } from '../src/entities';
import { generateRefreshToken, hashRefreshToken } from '../src/tokens/refresh/opaque';
import { assertData, assertError, bearer, gql, login, ME, REFRESH } from './support/http';
import { cliHere } from './support/process';
import { describeEachDatabase, testEnv, type TestServer } from './support/server';

const CHANGE = `mutation Change($oldPassword: String!, $newPassword: String!) { changePassword(oldPassword: $oldPassword, newPassword: $newPassword) }`;
const BIN = join(__dirname, '..', '..', 'bin', 'gatehouse-graphql.js');

/** An app (long-running) refresh token row for the user, as `createRefreshToken` would make. */
async function addAppToken(server: TestServer, userId: string): Promise<string> {
  const em = server.gatehouse.orm.em.fork();
  const token = em.create(RefreshToken, { kind: 'app', app: 'reports', tokenHash: hashRefreshToken(generateRefreshToken('app')), user: userId, origIat: Math.floor(Date.now() / 1000) });
  await em.flush();
  return token.id;
}

async function liveTokenCount(server: TestServer, userId: string): Promise<number> {
  return server.gatehouse.orm.em.fork().count(RefreshToken, { user: userId, revokedAt: null });
}

async function tokensValidAfter(server: TestServer, username: string): Promise<Date> {
  const user = await server.gatehouse.orm.em.fork().findOneOrFail(User, { username }, { disableIdentityMap: true });
  assert.ok(user.tokensValidAfter, 'tokensValidAfter is set');
  return user.tokensValidAfter;
}

function gatehouseCli(server: TestServer, args: string[], input?: string, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  const env = { ...process.env, ...testEnv({ DATABASE_URL: server.settings.database.url, ...extraEnv }) };
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  child.stdin.end(input ?? '');
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, out, err })));
}

/** Checks that nothing issued before the change works, and the new password does. */
async function assertEverythingEnded(server: TestServer, userId: string, username: string, before: Array<{ token: string; refreshToken: string }>, newPassword: string) {
  const { url } = server;
  for (const session of before) {
    assertError(await gql(url, ME, {}, bearer(session.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    assertError(await gql(url, REFRESH, { token: session.token }), 'INVALID_TOKEN', 'SESSION_REVOKED');
    assertError(await gql(url, REFRESH, { refreshToken: session.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
  }
  assert.equal(await liveTokenCount(server, userId), 0, 'every refresh token of the user (device and app) is revoked');
  assertError(await login(url, username, 'correct horse'), 'INVALID_CREDENTIALS');
  const fresh = assertData(await login(url, username, newPassword)).tokenAuth;
  assert.equal(assertData(await gql(url, ME, {}, bearer(fresh.token))).me.username, username);
  assertData(await gql(url, REFRESH, { refreshToken: fresh.refreshToken }));
}

describeEachDatabase('changePassword', {}, (server) => {
  it('refuses a wrong old password, a bad new one, and callers without a token; changes nothing then', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'careful' });
    const session = assertData(await login(url, 'careful')).tokenAuth;
    const auth = bearer(session.token);
    assertError(await gql(url, CHANGE, { oldPassword: 'not it', newPassword: 'new secret' }, auth), 'INVALID_CREDENTIALS');
    assertError(await gql(url, CHANGE, { oldPassword: 'correct horse', newPassword: '' }, auth), 'BAD_USER_INPUT');
    assertError(await gql(url, CHANGE, { oldPassword: 'correct horse', newPassword: 'é'.repeat(37) }, auth), 'BAD_USER_INPUT');
    assertError(await gql(url, CHANGE, { oldPassword: 'correct horse', newPassword: 'new secret' }), 'UNAUTHENTICATED', 'MISSING_TOKEN');
    assertData(await gql(url, ME, {}, auth));
    assertData(await login(url, 'careful', 'correct horse'));
  });

  it('ends every device session and app token; old access tokens stop working; the new password works', async () => {
    const srv = server();
    const { id } = await srv.createUser({ username: 'mover' });
    const phone = assertData(await login(srv.url, 'mover', undefined, {}, 'phone')).tokenAuth;
    const laptop = assertData(await login(srv.url, 'mover', undefined, {}, 'laptop')).tokenAuth;
    await addAppToken(srv, id);
    assertData(await gql(srv.url, ME, {}, bearer(phone.token))); // now in the session cache
    const changed = assertData(await gql(srv.url, CHANGE, { oldPassword: 'correct horse', newPassword: 'brand new secret' }, bearer(laptop.token)));
    assert.equal(changed.changePassword, true);
    await assertEverythingEnded(srv, id, 'mover', [phone, laptop], 'brand new secret');
  });

  it('a token signed in the same second just before the change is refused; a login right after works at once', async () => {
    const srv = server();
    await srv.createUser({ username: 'edge' });
    let password = 'correct horse';
    for (let attempt = 0; ; attempt++) {
      srv.clock.advance(1000 - (srv.clock.now() % 1000) + 20); // start at the beginning of a second
      const before = assertData(await login(srv.url, 'edge', password)).tokenAuth;
      const next = `secret number ${attempt}`;
      assertData(await gql(srv.url, CHANGE, { oldPassword: password, newPassword: next }, bearer(before.token)));
      password = next;
      const changedSecond = Math.floor((await tokensValidAfter(srv, 'edge')).getTime() / 1000);
      if (changedSecond !== before.payload.iat) {
        assert.ok(attempt < 3, 'could not get a login and a change into one second');
        continue;
      }
      assertError(await gql(srv.url, ME, {}, bearer(before.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
      const after = assertData(await login(srv.url, 'edge', password)).tokenAuth;
      assert.equal(after.payload.iat, changedSecond + 1, 'the new token carries the first second after the change');
      assert.equal(after.payload.origIat, after.payload.iat);
      assertData(await gql(srv.url, ME, {}, bearer(after.token)));
      break;
    }
  });

  it('wrong old passwords count against the login failure limit', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'guessed' });
    const session = assertData(await login(url, 'guessed')).tokenAuth;
    const limit = server().settings.limits.loginMaxFailuresPerUser;
    for (let i = 0; i < limit; i++) {
      assertError(await gql(url, CHANGE, { oldPassword: `guess ${i}`, newPassword: 'x' }, bearer(session.token)), 'INVALID_CREDENTIALS');
    }
    assertError(await gql(url, CHANGE, { oldPassword: 'correct horse', newPassword: 'x' }, bearer(session.token)), 'RATE_LIMITED');
  });
});

// The CLI is another process (or, in this process, its own database connection and session
// store): with no shared cache, the server must not trust a cached user.
describeEachDatabase('gatehouse users set-password', { JWT_SESSION_CACHE_TTL: '0s' }, (server, kind) => {
  it('ends every session and app token of the user; the new password works', async () => {
    const srv = server();
    const { id } = await srv.createUser({ username: 'admin-reset' });
    const sessions = [assertData(await login(srv.url, 'admin-reset')).tokenAuth, assertData(await login(srv.url, 'admin-reset')).tokenAuth];
    await addAppToken(srv, id);
    const args = ['users', 'set-password', 'admin-reset', '--password-stdin'];
    // The bin once (SQLite), for its standard error: the audit line goes to file descriptor 2
    // itself. On PostgreSQL the same command through runCli in this process (a process costs
    // ~0.6 s of CPU); what differs by database, the sessions it ends, is checked the same way.
    const result = kind === 'sqlite'
      ? await gatehouseCli(srv, args, 'reset by admin\n', { LOG_LEVEL: 'info' })
      : await cliHere(args, { DATABASE_URL: srv.settings.database.url }, 'reset by admin\n');
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /ended 2 device session/);
    if (kind === 'sqlite') {
      // The same audit line as a changePassword, on standard error (out of the command's output), without the password.
      const audits = result.err.split('\n').filter((line) => line.includes('"audit"')).map((line) => JSON.parse(line));
      assert.deepEqual(audits.map((line) => [line.audit, line.userId, line.count, line.reason]), [['password.changed', id, 2, 'cli']]);
      assert.equal(result.err.includes('reset by admin'), false, 'the password reached the log');
    }
    await assertEverythingEnded(srv, id, 'admin-reset', sessions, 'reset by admin');
    const inline = await cliHere(['users', 'set-password', 'admin-reset', '--password', 'inline one'], { DATABASE_URL: srv.settings.database.url });
    assert.equal(inline.code, 0, inline.err);
    assertData(await login(srv.url, 'admin-reset', 'inline one'));
  });

  // Exit codes and messages come from runCli, the same in this process as in the bin's (run above).
  it('an unknown user, an empty password and bad usage fail with clear messages and exit codes', async () => {
    const srv = server();
    const env = { DATABASE_URL: srv.settings.database.url };
    const unknown = await cliHere(['users', 'set-password', 'nobody', '--password', 'x'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no user named "nobody"/);
    await srv.createUser({ username: 'kept' });
    const empty = await cliHere(['users', 'set-password', 'kept', '--password-stdin'], env, '\n');
    assert.equal(empty.code, 1);
    assert.match(empty.err, /must not be empty/);
    assertData(await login(srv.url, 'kept'));
    const both = await cliHere(['users', 'set-password', 'kept', '--password', 'a', '--password-stdin'], env, 'b\n');
    assert.equal(both.code, 2);
    const help = await cliHere(['--help'], env);
    assert.match(help.out, /users set-password/);
  });
});
