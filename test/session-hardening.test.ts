/**
 * Issue 15, the session and token items: what a stolen access token, a database copy, a
 * race, a batch of aliases or a case-folding lookup could do, and can no longer do. Over
 * HTTP against real servers, on SQLite and PostgreSQL (and two instances on one PostgreSQL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EntityManager } from '@mikro-orm/core';
import { User } from '../src/entities';
import type { GatehouseEvent } from '../src/store/events';
import { openSuccessor } from '../src/tokens/refresh/successor';
import { postgresSkip } from './support/postgres';
import { assertData, assertError, bearer, gql, login, ME, REFRESH, VERIFY } from './support/http';
import { describeEachDatabase, startTestServer, startTestServerPair, type TestServer } from './support/server';

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CREATE = `mutation($app: String!) { createRefreshToken(app: $app) { refreshToken appToken { id app } } }`;
const LIST = `{ refreshTokens { id app } }`;
const DELEGATE = `mutation($clientId: String!, $refreshToken: String!) {
  delegateToken(clientId: $clientId, grantType: "${GRANT}", refreshToken: $refreshToken) { token }
}`;
const REVOKE_APP = `mutation($id: ID!) { revokeAppToken(id: $id) }`;
const DEVICES = `{ devices { id } }`;
const MINUTE = 60_000;

/** Events the server emits while `work` runs. */
async function eventsDuring(server: TestServer, work: () => Promise<unknown>): Promise<GatehouseEvent[]> {
  const seen: GatehouseEvent[] = [];
  const off = server.gatehouse.events.on((event) => seen.push(event));
  try {
    await work();
  } finally {
    off();
  }
  return seen;
}

describeEachDatabase('session hardening', { MAX_DEVICES_PER_USER: '3' }, (server, kind) => {
  async function signedIn(username: string) {
    await server().createUser({ username });
    return assertData(await login(server().url, username)).tokenAuth;
  }
  async function appKey(token: string, app: string) {
    return assertData(await gql(server().url, CREATE, { app }, bearer(token))).createRefreshToken;
  }
  async function delegated(key: string, app: string): Promise<string> {
    return assertData(await gql(server().url, DELEGATE, { clientId: app, refreshToken: key })).delegateToken.token;
  }

  it('an app-delegated token may not mint keys, end sessions, revoke app tokens or change the password', async () => {
    const { url } = server();
    const session = await signedIn('hard-del');
    const created = await appKey(session.token, 'reports');
    const token = await delegated(created.refreshToken, 'reports');
    assertData(await gql(url, ME, {}, bearer(token)));
    for (const [query, variables] of [
      [CREATE, { app: 'other-app' }],
      ['mutation { logout }', {}],
      ['mutation($id: ID!) { logoutDevice(id: $id) }', { id: session.device.id }],
      ['mutation { logoutOtherDevices }', {}],
      [REVOKE_APP, { id: created.appToken.id }],
      ['mutation { changePassword(oldPassword: "correct horse", newPassword: "a new long password") }', {}],
    ] as const) {
      assertError(await gql(url, query, variables, bearer(token)), 'FORBIDDEN', 'DEVICE_SESSION_REQUIRED');
    }
    // Nothing happened: the device lives, the app token too, the other app has none.
    assertData(await gql(url, ME, {}, bearer(session.token)));
    assert.deepEqual(assertData(await gql(url, LIST, {}, bearer(session.token))).refreshTokens.map((t: { app: string }) => t.app), ['reports']);
    assertData(await gql(url, ME, {}, bearer(token)));
  });

  it('createRefreshToken needs a password login at most APP_TOKEN_REAUTH_WINDOW (10m) old, refreshes or not', async () => {
    const { url, clock } = server();
    const session = await signedIn('hard-reauth');
    server().clock.advance(9 * MINUTE);
    const refreshed = assertData(await gql(url, REFRESH, { refreshToken: session.refreshToken })).refreshToken;
    assert.equal(refreshed.payload.origIat, session.payload.origIat);
    assertData(await gql(url, CREATE, { app: 'early' }, bearer(refreshed.token)));
    clock.advance(2 * MINUTE);
    const later = assertData(await gql(url, REFRESH, { refreshToken: refreshed.refreshToken })).refreshToken;
    assertError(await gql(url, CREATE, { app: 'late' }, bearer(later.token)), 'FORBIDDEN', 'REAUTHENTICATION_REQUIRED');
    // A new password login may.
    const fresh = assertData(await login(url, 'hard-reauth')).tokenAuth;
    assertData(await gql(url, CREATE, { app: 'late' }, bearer(fresh.token)));
  });

  it('revokeAppToken ends one of the caller\'s app tokens by id, and its delegated tokens at once; false otherwise', async () => {
    const { url } = server();
    const ada = await signedIn('hard-rev-a');
    const bob = await signedIn('hard-rev-b');
    const created = await appKey(ada.token, 'sync');
    const token = await delegated(created.refreshToken, 'sync');
    assertData(await gql(url, ME, {}, bearer(token))); // cached now
    assert.equal(assertData(await gql(url, REVOKE_APP, { id: created.appToken.id }, bearer(bob.token))).revokeAppToken, false, "another user's");
    assert.equal(assertData(await gql(url, REVOKE_APP, { id: 'not-an-id' }, bearer(ada.token))).revokeAppToken, false);
    assert.equal(assertData(await gql(url, REVOKE_APP, { id: crypto.randomUUID() }, bearer(ada.token))).revokeAppToken, false);
    assert.equal(assertData(await gql(url, REVOKE_APP, { id: ada.device.id }, bearer(ada.token))).revokeAppToken, false, 'a device id is not an app token');
    const events = await eventsDuring(server(), async () => {
      assert.equal(assertData(await gql(url, REVOKE_APP, { id: created.appToken.id.toUpperCase() }, bearer(ada.token))).revokeAppToken, true);
    });
    assert.deepEqual(events.map((event) => event.type), ['app_token.revoked']);
    assertError(await gql(url, ME, {}, bearer(token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    assertError(await gql(url, VERIFY, { token }), 'INVALID_TOKEN', 'SESSION_REVOKED');
    assertError(await gql(url, DELEGATE, { clientId: 'sync', refreshToken: created.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
    assert.equal(assertData(await gql(url, REVOKE_APP, { id: created.appToken.id }, bearer(ada.token))).revokeAppToken, false, 'already revoked');
    assert.deepEqual(assertData(await gql(url, LIST, {}, bearer(ada.token))).refreshTokens, []);
  });

  it('after the grace window the database holds no sealed successor an old token can open; the old token is still reuse', async () => {
    const { url, sql, clock } = server();
    const session = await signedIn('hard-seal');
    const t2 = assertData(await gql(url, REFRESH, { refreshToken: session.refreshToken })).refreshToken;
    const sealedNow = await sql<{ sealed_successor: string | null }>(`select sealed_successor from gatehouse_refresh_token where device_id = '${session.device.id}' and used_at is not null`);
    assert.equal(openSuccessor(sealedNow[0].sealed_successor!, session.refreshToken), t2.refreshToken, 'inside the window the seal opens (grace)');
    clock.advance(11_000);
    assert.ok((await server().gatehouse.store.clearSealedSuccessors()) >= 1);
    const rows = await sql<{ sealed_successor: string | null }>(`select sealed_successor from gatehouse_refresh_token where device_id = '${session.device.id}'`);
    assert.equal(rows.length, 2);
    for (const row of rows) assert.equal(row.sealed_successor, null, 'no sealed successor left');
    assertError(await gql(url, REFRESH, { refreshToken: session.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REUSED');
  });

  it('a lost response after the grace window is still reuse (decision: no GoTrue-style parent repeat)', async () => {
    const { url, clock } = server();
    const session = await signedIn('hard-lost');
    // The successor was committed but never used: its response was lost.
    const t2 = assertData(await gql(url, REFRESH, { refreshToken: session.refreshToken })).refreshToken;
    clock.advance(11_000);
    assertError(await gql(url, REFRESH, { refreshToken: session.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REUSED');
    assertError(await gql(url, REFRESH, { refreshToken: t2.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
  });

  it('the database holds one live app token per user and app; ten concurrent creations leave one', async () => {
    const { url, sql } = server();
    const session = await signedIn('hard-one');
    const answers = await Promise.all(Array.from({ length: 10 }, () => gql(url, CREATE, { app: 'race' }, bearer(session.token))));
    for (const answer of answers) assertData(answer);
    const live = await sql(`select id from gatehouse_refresh_token where kind = 'app' and app = 'race' and revoked_at is null`);
    assert.equal(live.length, 1);
    const row = (await sql<{ user_id: string }>(`select user_id from gatehouse_refresh_token where kind = 'app' and app = 'race' and revoked_at is null`))[0];
    await assert.rejects(
      sql(`insert into gatehouse_refresh_token (id, kind, token_hash, user_id, app, orig_iat, created_at) values ('${crypto.randomUUID()}', 'app', '${'f'.repeat(64)}', '${row.user_id}', 'race', 0, ${kind === 'sqlite' ? '0' : 'now()'})`),
      /unique|UNIQUE/,
    );
  });

  it('one tokenAuth per operation: aliases and fragments are refused before any password is checked', async () => {
    const { url, sql } = server();
    await server().createUser({ username: 'hard-alias' });
    const field = 'tokenAuth(username: "hard-alias", password: "correct horse") { token }';
    for (const query of [
      `mutation { a: ${field} b: ${field} }`,
      `mutation { ${field} ...F } fragment F on Mutation { again: ${field} }`,
      `mutation { ... on Mutation { a: ${field} } b: ${field} }`,
    ]) {
      assertError(await gql(url, query), 'BAD_USER_INPUT', 'TOO_MANY_TOKEN_AUTH');
    }
    const devices = await sql(`select d.id from gatehouse_device d join gatehouse_user u on u.id = d.user_id where u.username = 'hard-alias'`);
    assert.equal(devices.length, 0, 'no device was made');
    // One, and the same spread twice (graphql-js runs it once), are fine.
    assertData(await gql(url, `mutation { ...F ...F } fragment F on Mutation { ${field} }`));
  });

  it('MAX_DEVICES_PER_USER (3 here): a login past it ends the least recently seen device', async () => {
    const { url } = server();
    await server().createUser({ username: 'hard-max' });
    const d1 = assertData(await login(url, 'hard-max')).tokenAuth;
    const d2 = assertData(await login(url, 'hard-max')).tokenAuth;
    const d3 = assertData(await login(url, 'hard-max')).tokenAuth;
    await new Promise((resolve) => setImmediate(resolve));
    server().clock.advance(1000);
    // d1 was last seen an hour ago (past JWT_SESSION_EXPIRATION_ACCURACY, so its next use writes it) and refreshes: now d2 is the least recently seen.
    const hourEarlier = kind === 'sqlite' ? 'last_seen_at - 3600000' : "last_seen_at - interval '1 hour'";
    await server().sql(`update gatehouse_device set last_seen_at = ${hourEarlier} where id = '${d1.device.id}'`);
    const d1b = assertData(await gql(url, REFRESH, { refreshToken: d1.refreshToken })).refreshToken;
    assertData(await gql(url, ME, {}, bearer(d2.token))); // cached here: the eviction must drop it
    server().clock.advance(1000);
    let d4: { token: string; device: { id: string } } | undefined;
    const events = await eventsDuring(server(), async () => {
      d4 = assertData(await login(url, 'hard-max')).tokenAuth;
    });
    const ended = events.filter((event) => event.type === 'session.ended');
    assert.deepEqual(ended.map((event) => event.type === 'session.ended' && [event.deviceId, event.reason]), [[d2.device.id, 'evicted']]);
    assertError(await gql(url, ME, {}, bearer(d2.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    assertError(await gql(url, REFRESH, { refreshToken: d2.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
    const ids = assertData(await gql(url, DEVICES, {}, bearer(d4!.token))).devices.map((d: { id: string }) => d.id).sort();
    assert.deepEqual(ids, [d1.device.id, d3.device.id, d4!.device.id].sort());
    assertData(await gql(url, ME, {}, bearer(d1b.token)));
  });

  it('verifyToken and refreshToken(token:) refuse a token whose session ended, as @auth does', async () => {
    const { url } = server();
    const session = await signedIn('hard-verify');
    assertData(await gql(url, VERIFY, { token: session.token }));
    assertData(await gql(url, REFRESH, { token: session.token }));
    assert.equal(assertData(await gql(url, 'mutation { logout }', {}, bearer(session.token))).logout, true);
    assertError(await gql(url, VERIFY, { token: session.token }), 'INVALID_TOKEN', 'SESSION_REVOKED');
    assertError(await gql(url, REFRESH, { token: session.token }), 'INVALID_TOKEN', 'SESSION_REVOKED');
    // After a password change too (the cache of another request may not hide it).
    const other = assertData(await login(url, 'hard-verify')).tokenAuth;
    assertData(await gql(url, VERIFY, { token: other.token }));
    assertData(await gql(url, 'mutation { changePassword(oldPassword: "correct horse", newPassword: "another long password") }', {}, bearer(other.token)));
    assertError(await gql(url, VERIFY, { token: other.token }), 'INVALID_TOKEN', 'SESSION_REVOKED');
  });
});

describe('the sweep runs by itself on a server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { JWT_REFRESH_REUSE_INTERVAL: '1s' });
    await server.createUser({ username: 'sweep' });
  });
  after(() => server.stop());

  it('a rotated token loses its sealed successor within a sweep interval after the window', async () => {
    const session = assertData(await login(server.url, 'sweep')).tokenAuth;
    assertData(await gql(server.url, REFRESH, { refreshToken: session.refreshToken }));
    server.clock.advance(2_000);
    const deadline = Date.now() + 3_000;
    let left = 1;
    while (left > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      left = (await server.sql(`select id from gatehouse_refresh_token where sealed_successor is not null`)).length;
    }
    assert.equal(left, 0, 'the server cleared it');
  });
});

describe('the per-user login limit counts against the account, with a case-folding findUser', () => {
  let server: TestServer;
  before(async () => {
    const findUser = (login: string, em: EntityManager) => em.findOne(User, { username: login.toLowerCase() });
    server = await startTestServer('sqlite', {}, { hooks: { findUser } });
    await server.createUser({ username: 'folded' });
  });
  after(() => server.stop());

  it('40 guesses in varied case: RATE_LIMITED after the fifth, and the right password too', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 40; i++) {
      const spelling = [...'folded'].map((c, j) => ((i >> j) & 1 ? c.toUpperCase() : c)).join('');
      const answer = await login(server.url, spelling, `wrong ${i}`);
      codes.push(String(answer.errors?.[0].extensions?.code));
    }
    assert.deepEqual(codes.slice(0, 5), Array(5).fill('INVALID_CREDENTIALS'));
    assert.deepEqual(codes.slice(5), Array(35).fill('RATE_LIMITED'));
    assertError(await login(server.url, 'FOLDED'), 'RATE_LIMITED');
  });

  it('an unknown login is limited the same way (nothing tells which exist)', async () => {
    const codes: string[] = [];
    for (let i = 0; i < 8; i++) codes.push(String((await login(server.url, i % 2 ? 'NOBODY' : 'nobody', 'x')).errors?.[0].extensions?.code));
    assert.deepEqual(codes, [...Array(5).fill('INVALID_CREDENTIALS'), ...Array(3).fill('RATE_LIMITED')]);
  });
});

const pgSkip = postgresSkip();
describe('two instances on one PostgreSQL: ten concurrent createRefreshToken', { skip: pgSkip }, () => {
  let pair: Awaited<ReturnType<typeof startTestServerPair>>;
  before(async () => {
    pair = await startTestServerPair();
    await pair.a.createUser({ username: 'pair' });
  });
  after(() => pair?.stop());

  it('leave exactly one live key, and every caller gets a clear answer', async () => {
    const session = assertData(await login(pair.a.url, 'pair')).tokenAuth;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => gql([pair.a, pair.b][i % 2].url, CREATE, { app: 'x' }, bearer(session.token))));
    const keys = answers.map((answer) => assertData(answer).createRefreshToken.refreshToken as string);
    const live = await pair.a.sql(`select id from gatehouse_refresh_token where kind = 'app' and app = 'x' and revoked_at is null`);
    assert.equal(live.length, 1, 'one live key');
    const working = [];
    for (const key of keys) {
      const answer = await gql(pair.b.url, DELEGATE, { clientId: 'x', refreshToken: key });
      if (!answer.errors) working.push(key);
      else assert.equal(answer.errors[0].extensions?.code, 'INVALID_REFRESH_TOKEN');
    }
    assert.equal(working.length, 1, 'exactly one key delegates');
  });
});
