/**
 * Concurrent refreshes of one device refresh token, over HTTP against real servers on
 * SQLite and PostgreSQL: every repeat inside JWT_REFRESH_REUSE_INTERVAL lands on one live
 * successor (exactly one new token row per rotation), a repeat after it ends the device
 * session (REUSED), and two servers on one database agree: on SQLite two processes (the
 * file's locking between processes is the point), on PostgreSQL two instances in this
 * process, each with its own connection pool (what two processes share is the database).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { spawnServer } from './support/child-server';
import { assertData, assertError, bearer, gql, login, ME, REFRESH } from './support/http';
import { describeEachDatabase, startTestServer, type TestServer } from './support/server';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface TokenRow {
  id: string;
  token_hash: string;
  used_at: unknown;
  replaced_by_id: string | null;
  revoked_at: unknown;
}

async function tokenRows(server: TestServer, deviceId: string): Promise<TokenRow[]> {
  return server.sql<TokenRow>(`select id, token_hash, used_at, replaced_by_id, revoked_at from gatehouse_refresh_token where device_id = '${deviceId}'`);
}

/** The device's tokens form one chain: one live token, every other one used and pointing at the next. */
function assertOneChain(rows: TokenRow[], liveToken: string, rotations: number) {
  assert.equal(rows.length, rotations + 1, `exactly one new token row per rotation (rows: ${JSON.stringify(rows)})`);
  const live = rows.filter((row) => row.used_at === null && row.revoked_at === null);
  assert.equal(live.length, 1, 'exactly one live token');
  assert.equal(live[0].token_hash, sha256(liveToken), 'the live token is the one the clients were given');
  const successors = rows.filter((row) => row.used_at !== null).map((row) => row.replaced_by_id);
  assert.equal(new Set(successors).size, successors.length, 'no token was replaced twice');
  for (const id of successors) assert.ok(rows.some((row) => row.id === id), 'every successor exists');
}

describeEachDatabase('concurrent refresh', { JWT_REFRESH_REUSE_INTERVAL: '1s' }, (server, kind) => {
  it('8 concurrent refreshes with one token all succeed with the same successor, which works', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'tabs' });
    const session = assertData(await login(url, 'tabs')).tokenAuth;
    const answers = await Promise.all(Array.from({ length: 8 }, () => gql(url, REFRESH, { refreshToken: session.refreshToken })));
    const successors = answers.map((answer) => assertData(answer).refreshToken.refreshToken);
    assert.equal(new Set(successors).size, 1, 'one successor for all');
    assert.notEqual(successors[0], session.refreshToken);
    for (const answer of answers) assertData(await gql(url, ME, {}, bearer(answer.data.refreshToken.token)));
    assertOneChain(await tokenRows(server(), session.device.id), successors[0], 1);

    const next = assertData(await gql(url, REFRESH, { refreshToken: successors[0] })).refreshToken;
    assertData(await gql(url, ME, {}, bearer(next.token)));
    assertOneChain(await tokenRows(server(), session.device.id), next.refreshToken, 2);
  });

  it('a late repeat inside the window lands on the live end of the chain, not on a used successor', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'chain' });
    const t1 = assertData(await login(url, 'chain')).tokenAuth;
    const t2 = assertData(await gql(url, REFRESH, { refreshToken: t1.refreshToken })).refreshToken;
    const t3 = assertData(await gql(url, REFRESH, { refreshToken: t2.refreshToken })).refreshToken;
    const late = assertData(await gql(url, REFRESH, { refreshToken: t1.refreshToken })).refreshToken;
    assert.equal(late.refreshToken, t3.refreshToken);
    assertOneChain(await tokenRows(server(), t1.device.id), t3.refreshToken, 2);
    // After the window the live end still rotates normally: nobody was treated as a thief.
    server().clock.advance(1100);
    assertData(await gql(url, REFRESH, { refreshToken: t3.refreshToken }));
  });

  it('concurrent repeats after the window end the device session: REUSED, then REVOKED for the rest', async () => {
    const { url, createUser, sql } = server();
    await createUser({ username: 'thief' });
    const session = assertData(await login(url, 'thief')).tokenAuth;
    const rotated = assertData(await gql(url, REFRESH, { refreshToken: session.refreshToken })).refreshToken;
    server().clock.advance(1100);
    const answers = await Promise.all(Array.from({ length: 6 }, () => gql(url, REFRESH, { refreshToken: session.refreshToken })));
    const reasons = answers.map((answer) => assertError(answer, 'INVALID_REFRESH_TOKEN').extensions?.reason);
    assert.ok(reasons.includes('REUSED'), `one answer says REUSED: ${reasons}`);
    for (const reason of reasons) assert.ok(reason === 'REUSED' || reason === 'REVOKED', String(reason));
    assertError(await gql(url, REFRESH, { refreshToken: rotated.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
    assertError(await gql(url, ME, {}, bearer(rotated.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    const [device] = await sql<{ revoked_at: unknown }>(`select revoked_at from gatehouse_device where id = '${session.device.id}'`);
    assert.notEqual(device.revoked_at, null);
    const live = (await tokenRows(server(), session.device.id)).filter((row) => row.revoked_at === null);
    assert.equal(live.length, 0, 'every token of the device is revoked');
  });

  it('several devices of one user rotate concurrently without disturbing each other', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'many' });
    const devices = [];
    for (let i = 0; i < 6; i++) devices.push(assertData(await login(url, 'many', undefined, {}, `device ${i}`)).tokenAuth);
    // Each device: three rounds of two concurrent refreshes with its current token.
    const finals = await Promise.all(
      devices.map(async (device) => {
        let token = device.refreshToken as string;
        for (let round = 0; round < 3; round++) {
          const pair = await Promise.all([gql(url, REFRESH, { refreshToken: token }), gql(url, REFRESH, { refreshToken: token })]);
          const [a, b] = pair.map((answer) => assertData(answer).refreshToken.refreshToken);
          assert.equal(a, b);
          token = a;
        }
        return token;
      }),
    );
    for (const [index, device] of devices.entries()) assertOneChain(await tokenRows(server(), device.device.id), finals[index], 3);
  });

  it(`two servers on one database (${kind === 'sqlite' ? 'two processes' : 'two instances, two pools'}): concurrent refreshes through both agree on one successor`, async () => {
    // SQLite: a server of its own, as the suite's server clock was moved ahead by the tests
    // above and both processes must read the same time. PostgreSQL: the suite's server and a
    // second instance on its database, its clock moved to the same time.
    const own = kind === 'sqlite' ? await startTestServer(kind, { JWT_REFRESH_REUSE_INTERVAL: '1s' }) : server();
    const { url, createUser, settings } = own;
    await createUser({ username: 'twin' });
    const env = { DATABASE_URL: settings.database.url, JWT_REFRESH_REUSE_INTERVAL: '1s' };
    const unexpected: unknown[] = [];
    const other = await (async () => {
      if (kind === 'sqlite') {
        const child = await spawnServer(env);
        return { url: child.url, errors: () => (/unexpected error/.test(child.stderr()) ? child.stderr() : ''), stop: () => child.kill() };
      }
      const instance = await startTestServer(kind, env, { log: (error) => unexpected.push(error) });
      instance.clock.advance(Math.max(0, own.clock.now() - instance.clock.now()));
      return { url: instance.url, errors: () => unexpected.map(String).join('\n'), stop: () => instance.stop() };
    })();
    try {
      for (let round = 0; round < 3; round++) {
        const session = assertData(await login(url, 'twin')).tokenAuth;
        const answers = await Promise.all(
          Array.from({ length: 8 }, (_, i) => gql(i % 2 ? other.url : url, REFRESH, { refreshToken: session.refreshToken })),
        );
        const successors = answers.map((answer) => assertData(answer).refreshToken.refreshToken);
        assert.equal(new Set(successors).size, 1, `one successor across both servers (${kind})`);
        assertOneChain(await tokenRows(own, session.device.id), successors[0], 1);
      }
      assert.equal(other.errors(), '', 'no unexpected error in the second server');
    } finally {
      await other.stop();
      if (own !== server()) await own.stop();
    }
  });
});
