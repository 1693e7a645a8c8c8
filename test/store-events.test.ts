/**
 * The session store's events: every session write, over HTTP on SQLite and PostgreSQL,
 * emits exactly the events that describe it, with the request's id, after it committed;
 * refusals that write nothing emit no ending. Audit lines, metrics and subscriptions rely
 * on this stream, so it is checked event by event.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { GatehouseEvent } from '../src/store/events';
import { describeEachDatabase, type TestServer } from './support/server';
import { assertData, assertError, bearer, gql, login, REFRESH } from './support/http';

/** The events a step caused, without times and origins (checked separately). */
async function eventsOf(server: TestServer, step: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const seen: GatehouseEvent[] = [];
  const off = server.gatehouse.events.on((event) => seen.push(event));
  try {
    await step();
  } finally {
    off();
  }
  for (const event of seen) {
    assert.equal(typeof event.at, 'number');
    assert.ok(Math.abs(event.at - server.clock.now()) < 60_000, 'stamped by the server clock');
  }
  return seen.map(({ at: _at, origin: _origin, ...rest }) => rest);
}

describeEachDatabase('session store events', { JWT_REFRESH_REUSE_INTERVAL: '1s' }, (server) => {
  it('login, rotation, grace and reuse', async () => {
    const s = server();
    const { id: userId } = await s.createUser({ username: 'eve' });
    let session: any;
    assert.deepEqual(
      await eventsOf(s, async () => (session = assertData(await login(s.url, 'eve')).tokenAuth)),
      [{ type: 'session.started', userId, username: 'eve', deviceId: session.device.id }],
    );
    const deviceId = session.device.id;
    assert.deepEqual(await eventsOf(s, async () => assertError(await login(s.url, 'eve', 'wrong'), 'INVALID_CREDENTIALS')), [
      { type: 'login.failed', username: 'eve', reason: 'INVALID_CREDENTIALS' },
    ]);
    assert.deepEqual(await eventsOf(s, async () => assertData(await gql(s.url, REFRESH, { refreshToken: session.refreshToken }))), [
      { type: 'session.refreshed', userId, deviceId, outcome: 'rotated' },
    ]);
    assert.deepEqual(await eventsOf(s, async () => assertData(await gql(s.url, REFRESH, { refreshToken: session.refreshToken }))), [
      { type: 'session.refreshed', userId, deviceId, outcome: 'grace' },
    ]);
    s.clock.advance(1100);
    assert.deepEqual(await eventsOf(s, async () => assertError(await gql(s.url, REFRESH, { refreshToken: session.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REUSED')), [
      { type: 'session.ended', userId, deviceId, reason: 'reused' },
      { type: 'refresh.refused', reason: 'REUSED' },
    ]);
    // The ended session refuses again, and nothing more ends.
    assert.deepEqual(await eventsOf(s, async () => assertError(await gql(s.url, REFRESH, { refreshToken: session.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED')), [
      { type: 'refresh.refused', reason: 'REVOKED' },
    ]);
  });

  it('logout, logoutDevice, logoutOtherDevices and revokeRefreshToken end one device each, once', async () => {
    const s = server();
    const { id: userId } = await s.createUser({ username: 'leo' });
    const sessions = [];
    for (let i = 0; i < 5; i++) sessions.push(assertData(await login(s.url, 'leo', undefined, {}, `device ${i}`)).tokenAuth);
    const [first, second, third, fourth, fifth] = sessions;
    const ended = (deviceId: string, reason: string) => ({ type: 'session.ended', userId, deviceId, reason });

    assert.deepEqual(await eventsOf(s, async () => assertData(await gql(s.url, 'mutation { logout }', {}, bearer(first.token)))), [ended(first.device.id, 'logout')]);
    const byId = `mutation($id: ID!) { logoutDevice(id: $id) }`;
    assert.deepEqual(await eventsOf(s, async () => assertData(await gql(s.url, byId, { id: second.device.id }, bearer(fifth.token)))), [ended(second.device.id, 'logout_device')]);
    assert.deepEqual(await eventsOf(s, async () => assertData(await gql(s.url, byId, { id: second.device.id }, bearer(fifth.token)))), [], 'an ended device ends nothing');
    const revoke = 'mutation($r: String) { revokeRefreshToken(refreshToken: $r) { revoked } }';
    assert.deepEqual(await eventsOf(s, async () => assertData(await gql(s.url, revoke, { r: third.refreshToken }))), [ended(third.device.id, 'revoked')]);
    const others = await eventsOf(s, async () => assert.equal(assertData(await gql(s.url, 'mutation { logoutOtherDevices }', {}, bearer(fifth.token))).logoutOtherDevices, 1));
    assert.deepEqual(others, [ended(fourth.device.id, 'logout_others')]);
  });

  it('app tokens and a password change', async () => {
    const s = server();
    const { id: userId } = await s.createUser({ username: 'pam' });
    const one = assertData(await login(s.url, 'pam', undefined, {}, 'one')).tokenAuth;
    const two = assertData(await login(s.url, 'pam', undefined, {}, 'two')).tokenAuth;
    const create = 'mutation { createRefreshToken(app: "sync") { refreshToken } }';
    assert.deepEqual(await eventsOf(s, async () => assertData(await gql(s.url, create, {}, bearer(one.token)))), [{ type: 'app_token.created', userId, app: 'sync', replaced: 0 }]);
    let key = '';
    assert.deepEqual(
      await eventsOf(s, async () => (key = assertData(await gql(s.url, create, {}, bearer(one.token))).createRefreshToken.refreshToken)),
      [{ type: 'app_token.created', userId, app: 'sync', replaced: 1 }],
    );
    const revoke = 'mutation($r: String) { revokeRefreshToken(refreshToken: $r) { revoked } }';
    assert.deepEqual(await eventsOf(s, async () => assertData(await gql(s.url, revoke, { r: key }))), [{ type: 'app_token.revoked', userId, app: 'sync' }]);
    const change = 'mutation($o: String!, $n: String!) { changePassword(oldPassword: $o, newPassword: $n) }';
    const events = await eventsOf(s, async () => assertData(await gql(s.url, change, { o: 'correct horse', n: 'a new passphrase 42' }, bearer(two.token))));
    assert.deepEqual(
      events.filter((event) => event.type === 'session.ended').map((event) => event.deviceId).sort(),
      [one.device.id, two.device.id].sort(),
    );
    assert.deepEqual(events.at(-1), { type: 'password.changed', userId, endedDevices: 2 });
    assert.equal(events.length, 3, 'two endings and the change, nothing else');
  });
});
