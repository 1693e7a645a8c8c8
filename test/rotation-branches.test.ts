/**
 * Every branch of `refreshToken(refreshToken:)`, over HTTP on SQLite and PostgreSQL, as a
 * client sees it: success, grace (a repeat inside JWT_REFRESH_REUSE_INTERVAL), reuse (a
 * repeat after it), expired, revoked and unknown. Time is never waited out: an expiry or a
 * window that has passed is written into the database instead.
 *
 * What rotation.test.ts (the rows a rotation writes; refusals of a live token ended or
 * expired in SQL), flows.test.ts and concurrent-refresh.test.ts (concurrent refreshes, reuse
 * after a real wait) assert is not repeated here.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { describeEachDatabase, type DatabaseKind, type TestServer } from './support/server';
import { assertData, assertError, bearer, gql, login, ME, REFRESH } from './support/http';

const CHANGE = `mutation($oldPassword: String!, $newPassword: String!) { changePassword(oldPassword: $oldPassword, newPassword: $newPassword) }`;
const CREATE_APP_TOKEN = `mutation($app: String!) { createRefreshToken(app: $app) { refreshToken } }`;
const REVOKE = `mutation($refreshToken: String) { revokeRefreshToken(refreshToken: $refreshToken) { revoked } }`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface TokenRow {
  token_hash: string;
  used_at: unknown;
  revoked_at: unknown;
}

/** SQL for the two databases: SQLite keeps dates as milliseconds, PostgreSQL as timestamptz. */
function dialect(kind: DatabaseKind) {
  return {
    /** A moment `seconds` from now (negative: in the past). */
    at: (seconds: number) => (kind === 'sqlite' ? String(Date.now() + seconds * 1000) : `now() + interval '${seconds} seconds'`),
    /** `column` moved `seconds` back. */
    earlier: (column: string, seconds: number) => (kind === 'sqlite' ? `${column} - ${seconds * 1000}` : `${column} - interval '${seconds} seconds'`),
  };
}

/** Helpers over one suite's server. */
function helpers(server: () => TestServer, kind: DatabaseKind) {
  const { at, earlier } = dialect(kind);
  return {
    at,
    async signIn(username: string, deviceName?: string) {
      const { url, createUser } = server();
      if (!deviceName) await createUser({ username });
      return assertData(await login(url, username, undefined, {}, deviceName)).tokenAuth;
    },
    async rotated(refreshToken: string) {
      return assertData(await gql(server().url, REFRESH, { refreshToken })).refreshToken;
    },
    refused: async (refreshToken: string, reason: string) =>
      assertError(await gql(server().url, REFRESH, { refreshToken }), 'INVALID_REFRESH_TOKEN', reason),
    tokens: (deviceId: string) =>
      server().sql<TokenRow>(`select token_hash, used_at, revoked_at from gatehouse_refresh_token where device_id = '${deviceId}' order by token_hash`),
    device: async (deviceId: string) =>
      (await server().sql<{ expires_at: unknown; revoked_at: unknown }>(`select expires_at, revoked_at from gatehouse_device where id = '${deviceId}'`))[0],
    /** Moves the moment a token was used an hour back: out of any grace window. */
    usedLongAgo: (refreshToken: string) =>
      server().sql(`update gatehouse_refresh_token set used_at = ${earlier('used_at', 3600)} where token_hash = '${sha256(refreshToken)}'`),
    expire: (deviceId: string) => server().sql(`update gatehouse_device set expires_at = ${at(-60)} where id = '${deviceId}'`),
  };
}

const millis = (value: unknown) => (value instanceof Date ? value.getTime() : new Date(value as string | number).getTime());

describeEachDatabase('rotation branches', {}, (server, kind) => {
  const h = helpers(server, kind);

  it('success: a session a moment from expiry rotates, slides a full JWT_REFRESH_EXPIRATION_DELTA, and its successor rotates in turn', async () => {
    const first = await h.signIn('br-ok');
    await server().sql(`update gatehouse_device set expires_at = ${h.at(2)} where id = '${first.device.id}'`);
    const second = await h.rotated(first.refreshToken);
    const week = 7 * 86400;
    assert.ok(Math.abs(second.refreshExpiresIn - (Math.floor(Date.now() / 1000) + week)) <= 60, 'the session slid a week ahead');
    assert.ok(millis((await h.device(first.device.id)).expires_at) > Date.now() + (week - 60) * 1000, 'and the database says so');
    const third = await h.rotated(second.refreshToken);
    for (const session of [second, third]) {
      assert.equal(session.device.id, first.device.id);
      assert.equal(session.payload.sid, first.device.id);
      assert.equal(session.payload.origIat, first.payload.origIat);
      assert.equal(assertData(await gql(server().url, ME, {}, bearer(session.token))).me.username, 'br-ok');
    }
    const rows = await h.tokens(first.device.id);
    assert.equal(rows.length, 3);
    assert.deepEqual(rows.filter((row) => row.used_at === null).map((row) => row.token_hash), [sha256(third.refreshToken)], 'only the newest token is unused');
  });

  it('grace: a repeat inside the window gets the successor again, as a working session, and stores no token', async () => {
    const first = await h.signIn('br-grace');
    const second = await h.rotated(first.refreshToken);
    const before = await h.tokens(first.device.id);
    const again = await h.rotated(first.refreshToken);
    assert.equal(again.refreshToken, second.refreshToken, 'the same successor');
    assert.equal(again.device.id, first.device.id);
    assert.equal(again.payload.sid, first.device.id);
    assert.equal(again.payload.origIat, first.payload.origIat);
    assertData(await gql(server().url, ME, {}, bearer(again.token)));
    assert.deepEqual(await h.tokens(first.device.id), before, 'no token was stored, used or revoked');
    assert.equal((await h.device(first.device.id)).revoked_at, null);
  });

  it('grace, chain: a repeat of any used link lands on the live end, also after the chain grew further', async () => {
    const t1 = await h.signIn('br-chain');
    const t2 = await h.rotated(t1.refreshToken);
    const t3 = await h.rotated(t2.refreshToken);
    const t4 = await h.rotated(t3.refreshToken);
    for (const used of [t1, t2, t3]) assert.equal((await h.rotated(used.refreshToken)).refreshToken, t4.refreshToken);
    const t5 = await h.rotated(t4.refreshToken);
    assert.equal((await h.rotated(t1.refreshToken)).refreshToken, t5.refreshToken);
    const rows = await h.tokens(t1.device.id);
    assert.equal(rows.length, 5, 'repeats stored nothing');
    assert.deepEqual(rows.filter((row) => row.used_at === null).map((row) => row.token_hash), [sha256(t5.refreshToken)]);
  });

  it("reuse: a repeat after the window is REUSED, ends that device session and only it, and is reported once", async () => {
    const first = await h.signIn('br-reuse');
    const other = await h.signIn('br-reuse', 'other device');
    const second = await h.rotated(first.refreshToken);
    await h.usedLongAgo(first.refreshToken);
    await h.refused(first.refreshToken, 'REUSED');
    assert.notEqual((await h.device(first.device.id)).revoked_at, null, 'the device session ended');
    assert.deepEqual((await h.tokens(first.device.id)).filter((row) => row.revoked_at === null), [], 'every token of it is revoked');
    await h.refused(second.refreshToken, 'REVOKED');
    assertError(await gql(server().url, ME, {}, bearer(second.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    await h.refused(first.refreshToken, 'REVOKED');
    // The user's other device never saw the stolen token and goes on.
    assert.equal((await h.device(other.device.id)).revoked_at, null);
    assertData(await gql(server().url, ME, {}, bearer((await h.rotated(other.refreshToken)).token)));
  });

  it('reuse is judged per token: a link used inside the window still lands on the live end, an older one outside it is REUSED', async () => {
    const t1 = await h.signIn('br-window');
    const t2 = await h.rotated(t1.refreshToken);
    const t3 = await h.rotated(t2.refreshToken);
    await h.usedLongAgo(t1.refreshToken);
    assert.equal((await h.rotated(t2.refreshToken)).refreshToken, t3.refreshToken);
    await h.refused(t1.refreshToken, 'REUSED');
    await h.refused(t3.refreshToken, 'REVOKED');
  });

  it('expired: a device past its expiry gives nothing for its live token nor for a repeat inside or after the window (EXPIRED)', async () => {
    const t1 = await h.signIn('br-expired');
    const t2 = await h.rotated(t1.refreshToken);
    await h.expire(t1.device.id);
    const before = await h.tokens(t1.device.id);
    await h.refused(t1.refreshToken, 'EXPIRED');
    await h.refused(t2.refreshToken, 'EXPIRED');
    await h.usedLongAgo(t1.refreshToken);
    await h.refused(t1.refreshToken, 'EXPIRED');
    assert.deepEqual(
      (await h.tokens(t1.device.id)).map(({ token_hash, revoked_at }) => ({ token_hash, revoked_at })),
      before.map(({ token_hash, revoked_at }) => ({ token_hash, revoked_at })),
      'no token was stored or revoked',
    );
  });

  const endings: Array<[string, (t2: { token: string; refreshToken: string; device: { id: string } }, username: string) => Promise<void>]> = [
    ['after logout', async (t2) => assert.equal(assertData(await gql(server().url, 'mutation { logout }', {}, bearer(t2.token))).logout, true)],
    ['after logoutDevice', async (t2) => {
      const query = 'mutation($id: ID!) { logoutDevice(id: $id) }';
      assert.equal(assertData(await gql(server().url, query, { id: t2.device.id }, bearer(t2.token))).logoutDevice, true);
    }],
    ['after logoutOtherDevices', async (_t2, username) => {
      const elsewhere = await h.signIn(username, 'elsewhere');
      assert.equal(assertData(await gql(server().url, 'mutation { logoutOtherDevices }', {}, bearer(elsewhere.token))).logoutOtherDevices, 1);
    }],
    ['after revokeRefreshToken', async (t2) => assert.equal(assertData(await gql(server().url, REVOKE, { refreshToken: t2.refreshToken })).revokeRefreshToken.revoked, 1)],
    ['after changePassword', async (t2) => {
      const changed = await gql(server().url, CHANGE, { oldPassword: 'correct horse', newPassword: 'brand new secret' }, bearer(t2.token));
      assert.equal(assertData(changed).changePassword, true);
    }],
    ['for a deactivated user', async (_t2, username) => void (await server().sql(`update gatehouse_user set is_active = false where username = '${username}'`))],
  ];
  for (const [how, end] of endings) {
    it(`revoked ${how}: the live token and a used one, inside or after the window, are REVOKED (never REUSED) and get nothing`, async () => {
      const username = `br-end-${how.split(' ').pop()!.toLowerCase()}`;
      const t1 = await h.signIn(username);
      const t2 = await h.rotated(t1.refreshToken);
      await end(t2, username);
      const before = await h.tokens(t1.device.id);
      await h.refused(t2.refreshToken, 'REVOKED');
      await h.refused(t1.refreshToken, 'REVOKED');
      await h.usedLongAgo(t1.refreshToken);
      await h.refused(t1.refreshToken, 'REVOKED');
      assert.equal((await h.tokens(t1.device.id)).length, before.length, 'no token was stored');
      assert.equal((await h.tokens(t1.device.id)).filter((row) => row.used_at === null).length, 1, 'nothing was used up');
    });
  }

  it('unknown: an app token, a device token altered or re-prefixed, padded or lengthened, is UNKNOWN, and the real session lives on', async () => {
    const { url } = server();
    const session = await h.signIn('br-unknown');
    const appToken = assertData(await gql(url, CREATE_APP_TOKEN, { app: 'reports' }, bearer(session.token))).createRefreshToken.refreshToken as string;
    const real: string = session.refreshToken;
    const last = real.at(-1) === 'A' ? 'B' : 'A';
    const imitations = [appToken, real.slice(0, -1) + last, 'gha_' + real.slice(4), ` ${real}`, `${real}\n`, `${real}A`, real.slice(0, -1), 'ghd_' + 'x'.repeat(10_000)];
    const before = await server().sql('select * from gatehouse_refresh_token order by id');
    for (const imitation of imitations) await h.refused(imitation, 'UNKNOWN');
    assert.deepEqual(await server().sql('select * from gatehouse_refresh_token order by id'), before, 'no token was stored, used or revoked');
    assert.equal((await h.device(session.device.id)).revoked_at, null);
    assert.ok((await h.rotated(real)).refreshToken, 'the real token still rotates');
  });
});

describeEachDatabase('rotation branches without a grace window', { JWT_REFRESH_REUSE_INTERVAL: '0s' }, (server, kind) => {
  const h = helpers(server, kind);

  it('reuse: with JWT_REFRESH_REUSE_INTERVAL=0 the first repeat, even at once, is REUSED and ends the session', async () => {
    const t1 = await h.signIn('br-nograce');
    const t2 = await h.rotated(t1.refreshToken);
    await h.refused(t1.refreshToken, 'REUSED');
    assert.notEqual((await h.device(t1.device.id)).revoked_at, null);
    await h.refused(t2.refreshToken, 'REVOKED');
    assertError(await gql(server().url, ME, {}, bearer(t2.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
  });

  it('success needs no window: a live token rotates, and its successor after it', async () => {
    const t1 = await h.signIn('br-nograce-ok');
    const t2 = await h.rotated(t1.refreshToken);
    assertData(await gql(server().url, ME, {}, bearer((await h.rotated(t2.refreshToken)).token)));
  });
});
