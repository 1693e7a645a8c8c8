/** Issue 4: per-device sessions, logouts that take effect at once, sliding expiry, write throttling. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeEachDatabase, startTestServer, type DatabaseKind, type TestServer } from './support/server';
import { assertData, assertError, bearer, gql, login, ME, REFRESH } from './support/http';

const DEVICES = `{ devices { id name userAgent current createdAt lastSeenAt expiresAt } }`;
const LOGOUT_DEVICE = `mutation($id: ID!) { logoutDevice(id: $id) }`;

describeEachDatabase('devices', {}, (server) => {
  it('two logins are two devices, named from X-Device-Model, one of them current', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'dv-ada' });
    const phone = assertData(await login(url, 'dv-ada', undefined, { 'x-device-model': 'Pixel 9', 'user-agent': 'App/2' })).tokenAuth;
    const laptop = assertData(await login(url, 'dv-ada', undefined, { 'x-device-model': 'ThinkPad X1' })).tokenAuth;
    const listed = assertData(await gql(url, DEVICES, {}, bearer(laptop.token))).devices;
    assert.deepEqual(listed.map((d: { name: string }) => d.name), ['ThinkPad X1', 'Pixel 9'], 'newest first');
    assert.deepEqual(listed.map((d: { current: boolean }) => d.current), [true, false]);
    assert.equal(listed[1].userAgent, 'App/2');
    const fromPhone = assertData(await gql(url, DEVICES, {}, bearer(phone.token))).devices;
    assert.deepEqual(fromPhone.map((d: { current: boolean }) => d.current), [false, true]);
  });

  it('logging out one device stops its access and refresh tokens at once; the other keeps working', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'dv-bob' });
    const a = assertData(await login(url, 'dv-bob', undefined, { 'x-device-model': 'A' })).tokenAuth;
    const b = assertData(await login(url, 'dv-bob', undefined, { 'x-device-model': 'B' })).tokenAuth;
    assertData(await gql(url, ME, {}, bearer(a.token))); // warm the session cache
    assert.equal(assertData(await gql(url, LOGOUT_DEVICE, { id: a.device.id }, bearer(b.token))).logoutDevice, true);
    assertError(await gql(url, ME, {}, bearer(a.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    assertError(await gql(url, REFRESH, { refreshToken: a.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
    assertData(await gql(url, ME, {}, bearer(b.token)));
    assertData(await gql(url, REFRESH, { refreshToken: b.refreshToken }));
    assert.equal(assertData(await gql(url, LOGOUT_DEVICE, { id: a.device.id }, bearer(b.token))).logoutDevice, false, 'already ended');
    assert.deepEqual(assertData(await gql(url, DEVICES, {}, bearer(b.token))).devices.map((d: { name: string }) => d.name), ['B']);
  });

  it('logout ends the calling device', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'dv-cy' });
    const session = assertData(await login(url, 'dv-cy')).tokenAuth;
    assert.equal(assertData(await gql(url, 'mutation { logout }', {}, bearer(session.token))).logout, true);
    assertError(await gql(url, ME, {}, bearer(session.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    assertError(await gql(url, REFRESH, { refreshToken: session.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
  });

  it('logoutOtherDevices ends every other device and says how many', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'dv-dee' });
    const sessions = [];
    for (const model of ['one', 'two', 'three']) sessions.push(assertData(await login(url, 'dv-dee', undefined, { 'x-device-model': model })).tokenAuth);
    const keep = sessions[1];
    assert.equal(assertData(await gql(url, 'mutation { logoutOtherDevices }', {}, bearer(keep.token))).logoutOtherDevices, 2);
    assertError(await gql(url, ME, {}, bearer(sessions[0].token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    assertError(await gql(url, ME, {}, bearer(sessions[2].token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    assertData(await gql(url, ME, {}, bearer(keep.token)));
    assert.equal(assertData(await gql(url, 'mutation { logoutOtherDevices }', {}, bearer(keep.token))).logoutOtherDevices, 0);
  });

  it("another user can neither see nor end someone's devices", async () => {
    const { url, createUser } = server();
    await createUser({ username: 'dv-owner' });
    await createUser({ username: 'dv-other' });
    const owner = assertData(await login(url, 'dv-owner')).tokenAuth;
    const other = assertData(await login(url, 'dv-other')).tokenAuth;
    const seen = assertData(await gql(url, DEVICES, {}, bearer(other.token))).devices;
    assert.deepEqual(seen.map((d: { id: string }) => d.id), [other.device.id]);
    assert.equal(assertData(await gql(url, LOGOUT_DEVICE, { id: owner.device.id }, bearer(other.token))).logoutDevice, false);
    assert.equal(assertData(await gql(url, LOGOUT_DEVICE, { id: 'not-a-uuid' }, bearer(other.token))).logoutDevice, false);
    assert.equal(assertData(await gql(url, LOGOUT_DEVICE, { id: '00000000-0000-4000-8000-000000000000' }, bearer(other.token))).logoutDevice, false);
    assertData(await gql(url, ME, {}, bearer(owner.token)));
    assertData(await gql(url, REFRESH, { refreshToken: owner.refreshToken }));
    assertError(await gql(url, LOGOUT_DEVICE, { id: owner.device.id }), 'UNAUTHENTICATED', 'MISSING_TOKEN');
  });

  it('the Refresh-Token header is refused (HTTP 400) on any operation but refreshToken and revokeRefreshToken', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'dv-hdr' });
    const session = assertData(await login(url, 'dv-hdr')).tokenAuth;
    const header = { 'refresh-token': session.refreshToken };
    const onMe = await gql(url, ME, {}, { ...header, ...bearer(session.token) });
    assert.equal(onMe.status, 400);
    const error = assertError(onMe, 'BAD_USER_INPUT', 'REFRESH_TOKEN_HEADER_NOT_ALLOWED');
    assert.match(error.message, /Refresh-Token header/);
    const mixed = await gql(url, 'mutation { refreshToken { token } logout }', {}, { ...header, ...bearer(session.token) });
    assert.equal(mixed.status, 400);
    const onLogin = await gql(url, `mutation { tokenAuth(username: "dv-hdr", password: "correct horse") { token } }`, {}, header);
    assert.equal(onLogin.status, 400);
    // The session was not touched by the refused requests, and the header works where it belongs.
    const rotated = await gql(url, 'mutation { refreshToken { token refreshToken } }', {}, header);
    assert.equal(rotated.status, 200);
    assertData(rotated);
  });
});

/** Counts the writes of devices' last-seen time with a trigger in the database itself (from 0 at each call). */
async function countDeviceWrites(server: TestServer, kind: DatabaseKind): Promise<() => Promise<number>> {
  await server.sql('create table if not exists device_writes (n integer not null)');
  await server.sql('delete from device_writes');
  await server.sql('insert into device_writes values (0)');
  if (kind === 'sqlite') {
    await server.sql('create trigger if not exists count_device_writes after update of last_seen_at on gatehouse_device begin update device_writes set n = n + 1; end');
  } else {
    await server.sql('create or replace function count_device_write() returns trigger language plpgsql as $$ begin update device_writes set n = n + 1; return new; end $$');
    await server.sql('create or replace trigger count_device_writes after update of last_seen_at on gatehouse_device for each row execute function count_device_write()');
  }
  return async () => Number((await server.sql<{ n: number }>('select n from device_writes'))[0].n);
}

describeEachDatabase('device expiry', { JWT_REFRESH_EXPIRATION_DELTA: '3s', JWT_SESSION_EXPIRATION_ACCURACY: '1s' }, (server, kind) => {
  it("a busy client writes its device's last-seen time at most once per JWT_SESSION_EXPIRATION_ACCURACY", async () => {
    const writes = await countDeviceWrites(server(), kind);
    const { url, createUser } = server();
    await createUser({ username: 'busy' });
    const session = assertData(await login(url, 'busy')).tokenAuth;
    const burst = () => Promise.all(Array.from({ length: 25 }, () => gql(url, ME, {}, bearer(session.token)).then(assertData)));
    await burst();
    assert.equal(await writes(), 0, 'just logged in: nothing to write');
    server().clock.advance(1100);
    await burst();
    await burst();
    assert.equal(await writes(), 1, 'one write for 50 requests after the accuracy passed');
  });

  it('a rotation writes the device\'s last-seen time and expiry only when due, as @auth does, and answers with the stored expiry', async () => {
    const writes = await countDeviceWrites(server(), kind);
    const { url, createUser } = server();
    await createUser({ username: 'rotating' });
    const first = assertData(await login(url, 'rotating')).tokenAuth;
    const second = assertData(await gql(url, REFRESH, { refreshToken: first.refreshToken })).refreshToken;
    assert.equal(await writes(), 0, 'just logged in: the rotation wrote no device time');
    assert.equal(second.refreshExpiresIn, first.refreshExpiresIn, 'and answers with the expiry as stored');
    server().clock.advance(1100);
    const third = assertData(await gql(url, REFRESH, { refreshToken: second.refreshToken })).refreshToken;
    assert.equal(await writes(), 1, 'after the accuracy passed: one write');
    assert.ok(third.refreshExpiresIn >= first.refreshExpiresIn + 1, 'the session slid');
    assertData(await gql(url, ME, {}, bearer(third.token)));
  });

  it('a device expires after JWT_REFRESH_EXPIRATION_DELTA without use, and use slides it', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'idle' });
    const idle = assertData(await login(url, 'idle', undefined, { 'x-device-model': 'idle' })).tokenAuth;
    const active = assertData(await login(url, 'idle', undefined, { 'x-device-model': 'active' })).tokenAuth;
    for (let i = 0; i < 4; i += 1) {
      server().clock.advance(1000);
      assertData(await gql(url, ME, {}, bearer(active.token)));
    }
    // 4 s later: the idle device has passed its 3 s window, the active one has slid along.
    assertError(await gql(url, ME, {}, bearer(idle.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    assertError(await gql(url, REFRESH, { refreshToken: idle.refreshToken }), 'INVALID_REFRESH_TOKEN', 'EXPIRED');
    const listed = assertData(await gql(url, DEVICES, {}, bearer(active.token))).devices;
    assert.deepEqual(listed.map((d: { name: string }) => d.name), ['active']);
    assertData(await gql(url, REFRESH, { refreshToken: active.refreshToken }));
  });
});

describe('JWT_SESSION_CHECK=false', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { JWT_SESSION_CHECK: 'false' });
  });
  after(() => server.stop());

  it('trusts access tokens until they expire, even after a logout (refresh tokens still end)', async () => {
    await server.createUser({ username: 'nocheck' });
    const session = assertData(await login(server.url, 'nocheck')).tokenAuth;
    assert.equal(assertData(await gql(server.url, 'mutation { logout }', {}, bearer(session.token))).logout, true);
    assertData(await gql(server.url, ME, {}, bearer(session.token)));
    assertError(await gql(server.url, REFRESH, { refreshToken: session.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
  });
});
