/**
 * Refresh-token rotation over HTTP, on SQLite and PostgreSQL: what a rotation writes, and
 * that a token that must not rotate (ended or expired session, inactive user) is refused
 * with the right reason and leaves the database as it was. A live token takes the lean
 * rotation of src/store/rotate.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { describeEachDatabase } from './support/server';
import { assertData, assertError, bearer, gql, login, ME, REFRESH } from './support/http';

const ROTATE = `mutation Rotate($refreshToken: String!) {
  refreshToken(refreshToken: $refreshToken) {
    token refreshToken refreshExpiresIn
    payload { sub username origIat sid }
    device { id name userAgent lastSeenAt expiresAt current }
    user { id username email roles isActive }
  }
}`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describeEachDatabase('refresh-token rotation', {}, (server, kind) => {
  const millis = (value: unknown) => (value instanceof Date ? value.getTime() : new Date(value as string | number).getTime());
  const past = kind === 'sqlite' ? String(Date.now() - 60_000) : `now() - interval '1 minute'`;

  async function tokenRows(deviceId: string) {
    const { sql } = server();
    return sql<{ id: string; token_hash: string; used_at: unknown; replaced_by_id: string | null; sealed_successor: string | null; orig_iat: number | string }>(
      `select id, token_hash, used_at, replaced_by_id, sealed_successor, orig_iat from gatehouse_refresh_token where device_id = '${deviceId}'`,
    );
  }

  it('writes the successor for the same device and chain, marks the old token used and slides the session', async () => {
    const { url, createUser, sql } = server();
    const { id } = await createUser({ username: 'rot', email: 'rot@example.com', roles: ['editor'] });
    const first = assertData(await login(url, 'rot', undefined, { 'user-agent': 'RotTest/1' }, 'Laptop')).tokenAuth;
    const deviceId = first.device.id;
    const [before] = await sql<{ expires_at: unknown; last_seen_at: unknown }>(`select expires_at, last_seen_at from gatehouse_device where id = '${deviceId}'`);
    await sql(`update gatehouse_user set email = 'new@example.com' where id = '${id}'`);

    const rotated = assertData(await gql(url, ROTATE, { refreshToken: first.refreshToken })).refreshToken;
    assert.notEqual(rotated.refreshToken, first.refreshToken);
    assert.equal(rotated.payload.sid, deviceId);
    assert.equal(rotated.payload.origIat, first.payload.origIat);
    assert.equal(rotated.device.id, deviceId);
    assert.equal(rotated.device.name, 'Laptop');
    assert.equal(rotated.device.userAgent, 'RotTest/1');
    assert.equal(rotated.device.current, true);
    assert.deepEqual(rotated.user, { id, username: 'rot', email: 'new@example.com', roles: ['editor'], isActive: true }, 'the user as the database has it now');
    assert.equal(rotated.refreshExpiresIn, Math.floor(new Date(rotated.device.expiresAt).getTime() / 1000));

    const rows = await tokenRows(deviceId);
    assert.equal(rows.length, 2);
    const old = rows.find((row) => row.token_hash === sha256(first.refreshToken))!;
    const successor = rows.find((row) => row.token_hash === sha256(rotated.refreshToken))!;
    assert.ok(old && successor, 'both tokens are stored, as hashes');
    assert.ok(old.used_at, 'the presented token is used up');
    assert.equal(old.replaced_by_id, successor.id);
    assert.ok(old.sealed_successor && !old.sealed_successor.includes(rotated.refreshToken.slice(4)), 'the successor is kept sealed, not in clear');
    assert.equal(successor.used_at, null);
    assert.equal(Number(successor.orig_iat), first.payload.origIat);

    const [after] = await sql<{ expires_at: unknown; last_seen_at: unknown }>(`select expires_at, last_seen_at from gatehouse_device where id = '${deviceId}'`);
    assert.ok(millis(after.last_seen_at) >= millis(before.last_seen_at));
    assert.ok(millis(after.expires_at) >= millis(before.expires_at));
    assert.equal(millis(after.expires_at), new Date(rotated.device.expiresAt).getTime());
    assertData(await gql(url, ME, {}, bearer(rotated.token)));
  });

  it('concurrent refreshes of one token store exactly one successor', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'race' });
    const first = assertData(await login(url, 'race')).tokenAuth;
    const answers = await Promise.all(Array.from({ length: 5 }, () => gql(url, REFRESH, { refreshToken: first.refreshToken })));
    const successors = new Set(answers.map((answer) => assertData(answer).refreshToken.refreshToken));
    assert.equal(successors.size, 1);
    assert.equal((await tokenRows(first.device.id)).length, 2);
  });

  for (const [name, change, reason] of [
    ['an ended device session', (deviceId: string, _userId: string) => `update gatehouse_device set revoked_at = ${past} where id = '${deviceId}'`, 'REVOKED'],
    ['an expired device session', (deviceId: string, _userId: string) => `update gatehouse_device set expires_at = ${past} where id = '${deviceId}'`, 'EXPIRED'],
    ['an inactive user', (_deviceId: string, userId: string) => `update gatehouse_user set is_active = false where id = '${userId}'`, 'REVOKED'],
    ['a revoked token', (deviceId: string, _userId: string) => `update gatehouse_refresh_token set revoked_at = ${past} where device_id = '${deviceId}'`, 'REVOKED'],
  ] as const) {
    it(`refuses the token of ${name} (${reason}) and writes nothing`, async () => {
      const { url, createUser, sql } = server();
      const username = `no-${reason.toLowerCase()}-${name.split(' ').pop()}`;
      const { id } = await createUser({ username });
      const first = assertData(await login(url, username)).tokenAuth;
      await sql(change(first.device.id, id));
      const [deviceBefore] = await sql(`select * from gatehouse_device where id = '${first.device.id}'`);
      assertError(await gql(url, REFRESH, { refreshToken: first.refreshToken }), 'INVALID_REFRESH_TOKEN', reason);
      const rows = await tokenRows(first.device.id);
      assert.equal(rows.length, 1, 'no successor');
      assert.equal(rows[0].used_at, null, 'the token is not used up');
      assert.deepEqual(await sql(`select * from gatehouse_device where id = '${first.device.id}'`), [deviceBefore], 'the session is as it was');
    });
  }
});
