/**
 * Issue 16: subscriptions over graphql-ws on /graphql. Tokens in connection_init, close
 * codes exactly as the contract fixes them, sockets closed when their session ends or their
 * token expires, `sessionEvents` for the caller only, the limits. SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { GatehouseClient } from 'gatehouse-graphql/client';
import { describeEachDatabase, startTestServer, TEST_SECRET, type TestServer } from './support/server';
import { assertData, bearer, gql, login, REFRESH } from './support/http';
import { closedWithin, firstResult, listeningSocket, RawSocket, SESSION_EVENTS, sessionEventTypes, wsClient } from './support/ws';

const LIMITS = {
  SUBSCRIPTIONS_MAX_PER_SOCKET: '2',
  SUBSCRIPTIONS_MAX_SOCKETS_PER_USER: '3',
  SUBSCRIPTIONS_MAX_MESSAGE_BYTES: '4096',
  JWT_REFRESH_REUSE_INTERVAL: '0s',
};

describeEachDatabase('subscriptions', LIMITS, (server) => {
  let n = 0;
  /** A new user (password "correct horse") and a device session of it. */
  const signedIn = async (deviceName = 'laptop') => {
    const username = `sub${++n}`;
    await server().createUser({ username });
    const session = assertData(await login(server().url, username, 'correct horse', {}, deviceName)).tokenAuth;
    return { username, ...session };
  };
  const listening = (token: string) => listeningSocket(server().url, token);
  const eventTypes = sessionEventTypes;

  it('graphql-ws client: anonymous gets UNAUTHENTICATED for an @auth subscription; signed in gets SIGNED_IN live', async () => {
    const anonymous = wsClient(server().url);
    const refused = await firstResult(anonymous, SESSION_EVENTS);
    assert.equal(refused.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal(refused.errors?.[0]?.extensions?.reason, 'MISSING_TOKEN');
    assert.equal(JSON.stringify(refused).includes('stack'), false);
    await anonymous.dispose();

    const ada = await signedIn();
    const client = wsClient(server().url, ada.token);
    const first = firstResult(client, SESSION_EVENTS);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const phone = assertData(await login(server().url, ada.username, 'correct horse', {}, 'phone')).tokenAuth;
    const event = await first;
    assert.equal(event.errors, undefined, JSON.stringify(event.errors));
    assert.equal(event.data.sessionEvents.type, 'SIGNED_IN');
    assert.equal(event.data.sessionEvents.device.id, phone.device.id);
    assert.equal(event.data.sessionEvents.device.name, 'phone');
    assert.equal(event.data.sessionEvents.device.current, false);
    assert.ok(Math.abs(Date.parse(event.data.sessionEvents.at) - server().clock.now()) < 5000);
    await client.dispose();
  });

  it('never delivers another user\'s events', async () => {
    const ada = await signedIn();
    const bob = await signedIn();
    const socket = await listening(ada.token);
    assertData(await login(server().url, bob.username));
    assertData(await gql(server().url, 'mutation { logout }', {}, bearer(bob.token)));
    assertData(await login(server().url, ada.username));
    await socket.waitFor((m) => m.type === 'next');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(eventTypes(socket), ['SIGNED_IN'], 'only ada\'s own login');
    socket.close();
  });

  it('refused tokens close with 4403 and the reason; no token is anonymous', async () => {
    const ada = await signedIn();
    const garbled = await RawSocket.init(server().url, { authorization: 'Bearer' });
    assert.deepEqual(garbled.closed, { code: 4403, reason: 'INVALID_TOKEN' });
    const tampered = await RawSocket.init(server().url, { authorization: `Bearer ${ada.token.slice(0, -2)}xx` });
    assert.deepEqual(tampered.closed, { code: 4403, reason: 'INVALID_TOKEN' });
    const foreign = jwt.sign({ sub: 'x', username: 'x', orig_iat: 1, jti: 'j', token_type: 'access' }, 'another-secret-that-is-long-enough-0123456789', { expiresIn: 60 });
    assert.deepEqual((await RawSocket.init(server().url, { authorization: `Bearer ${foreign}` })).closed, { code: 4403, reason: 'INVALID_TOKEN' });
    const expired = jwt.sign({ sub: 'x', username: 'x', orig_iat: 1, jti: 'j', token_type: 'access', exp: 1000 }, TEST_SECRET);
    assert.deepEqual((await RawSocket.init(server().url, { Authorization: `JWT ${expired}` })).closed, { code: 4403, reason: 'TOKEN_EXPIRED' });
    const other = await signedIn();
    assertData(await gql(server().url, 'mutation { logout }', {}, bearer(other.token)));
    assert.deepEqual((await RawSocket.init(server().url, { authorization: `Bearer ${other.token}` })).closed, { code: 4403, reason: 'SESSION_REVOKED' });
    const anonymous = await RawSocket.init(server().url);
    assert.equal(anonymous.acked, true);
    anonymous.socket.close();
    // The JWT prefix and any case of the key work too.
    const jwtPrefix = await RawSocket.init(server().url, { Authorization: `JWT ${ada.token}` });
    assert.equal(jwtPrefix.acked, true);
    jwtPrefix.socket.close();
  });

  it('closes with 4403 TOKEN_EXPIRED when the token expires while connected (moved clock)', async () => {
    const ada = await signedIn();
    const socket = await listening(ada.token);
    server().clock.advance(server().settings.tokens.accessLifetime * 1000 + 1000);
    const closed = await closedWithin(socket, 1000);
    assert.deepEqual({ code: closed.code, reason: closed.reason }, { code: 4403, reason: 'TOKEN_EXPIRED' });
    assert.deepEqual(eventTypes(socket), []);
  });

  it('logout: the socket gets SIGNED_OUT, then 4403 SESSION_REVOKED, within a second', async () => {
    const ada = await signedIn();
    const socket = await listening(ada.token);
    const sent = Date.now();
    assertData(await gql(server().url, 'mutation { logout }', {}, bearer(ada.token)));
    const closed = await closedWithin(socket, 1000);
    assert.equal(closed.code, 4403);
    assert.equal(closed.reason, 'SESSION_REVOKED');
    assert.ok(Date.now() - sent < 1000);
    const [event] = socket.nexts('e');
    assert.equal(event.data.sessionEvents.type, 'SIGNED_OUT');
    assert.equal(event.data.sessionEvents.device.id, ada.device.id);
    assert.equal(event.data.sessionEvents.device.current, true);
  });

  it('logoutDevice and logoutOtherDevices: one SIGNED_OUT per device, each ended socket closes, the caller\'s stays', async () => {
    const ada = await signedIn('one');
    const two = assertData(await login(server().url, ada.username, 'correct horse', {}, 'two')).tokenAuth;
    const three = assertData(await login(server().url, ada.username, 'correct horse', {}, 'three')).tokenAuth;
    const [a, b, c] = [await listening(ada.token), await listening(two.token), await listening(three.token)];
    assert.equal(assertData(await gql(server().url, 'mutation($id: ID!) { logoutDevice(id: $id) }', { id: two.device.id }, bearer(ada.token))).logoutDevice, true);
    assert.equal((await closedWithin(b, 1000)).reason, 'SESSION_REVOKED');
    assert.deepEqual(eventTypes(b), ['SIGNED_OUT']);
    assert.equal(assertData(await gql(server().url, 'mutation { logoutOtherDevices }', {}, bearer(ada.token))).logoutOtherDevices, 1);
    assert.equal((await closedWithin(c, 1000)).reason, 'SESSION_REVOKED');
    // c saw two's end too, then its own, then its close.
    assert.deepEqual(eventTypes(c), ['SIGNED_OUT', 'SIGNED_OUT']);
    assert.equal(c.nexts('e')[1].data.sessionEvents.device.id, three.device.id);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(a.ws.readyState, a.ws.OPEN, 'the caller\'s own socket stays open');
    assert.deepEqual(eventTypes(a), ['SIGNED_OUT', 'SIGNED_OUT']);
    a.close();
  });

  it('reuse detection: REVOKED, then the close', async () => {
    const ada = await signedIn();
    const socket = await listening(ada.token);
    assertData(await gql(server().url, REFRESH, { refreshToken: ada.refreshToken }));
    await gql(server().url, REFRESH, { refreshToken: ada.refreshToken }); // replayed: theft
    assert.equal((await closedWithin(socket, 1000)).reason, 'SESSION_REVOKED');
    assert.deepEqual(eventTypes(socket), ['REVOKED']);
  });

  it('revokeRefreshToken of the device: SIGNED_OUT and the close', async () => {
    const ada = await signedIn();
    const socket = await listening(ada.token);
    assert.equal(assertData(await gql(server().url, 'mutation($r: String) { revokeRefreshToken(refreshToken: $r) { revoked } }', { r: ada.refreshToken })).revokeRefreshToken.revoked, 1);
    assert.equal((await closedWithin(socket, 1000)).reason, 'SESSION_REVOKED');
    assert.deepEqual(eventTypes(socket), ['SIGNED_OUT']);
  });

  it('changePassword: every socket of the user gets PASSWORD_CHANGED, then closes', async () => {
    const ada = await signedIn('one');
    const two = assertData(await login(server().url, ada.username, 'correct horse', {}, 'two')).tokenAuth;
    const [a, b] = [await listening(ada.token), await listening(two.token)];
    assertData(await gql(server().url, 'mutation { changePassword(oldPassword: "correct horse", newPassword: "a brand new one") }', {}, bearer(ada.token)));
    for (const socket of [a, b]) {
      assert.equal((await closedWithin(socket, 1000)).reason, 'SESSION_REVOKED');
      assert.deepEqual(eventTypes(socket), ['PASSWORD_CHANGED']);
      assert.equal(socket.nexts('e')[0].data.sessionEvents.device, null);
    }
  });

  it('a delegated (app) token\'s socket closes when its app token is revoked', async () => {
    const ada = await signedIn();
    const created = assertData(await gql(server().url, 'mutation { createRefreshToken(app: "reporter") { refreshToken } }', {}, bearer(ada.token))).createRefreshToken;
    const delegated = assertData(
      await gql(server().url, 'mutation($r: String!) { delegateToken(clientId: "reporter", grantType: "urn:ietf:params:oauth:grant-type:jwt-bearer", refreshToken: $r) { token } }', { r: created.refreshToken }),
    ).delegateToken;
    const socket = await listening(delegated.token);
    const device = await listening(ada.token);
    assert.equal(assertData(await gql(server().url, 'mutation($r: String) { revokeRefreshToken(refreshToken: $r) { revoked } }', { r: created.refreshToken })).revokeRefreshToken.revoked, 1);
    assert.equal((await closedWithin(socket, 1000)).reason, 'SESSION_REVOKED');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(device.ws.readyState, device.ws.OPEN, 'the device session is not the app token');
    device.close();
  });

  it('only subscriptions over WebSocket; documents meet the HTTP limits; errors carry the contract codes', async () => {
    const ada = await signedIn();
    const { socket } = await RawSocket.init(server().url, { authorization: `Bearer ${ada.token}` });
    socket.subscribe('q', '{ me { id } }');
    const query = await socket.waitFor((m) => m.id === 'q' && m.type === 'error');
    assert.equal(query.payload[0].extensions.code, 'BAD_USER_INPUT');
    socket.subscribe('m', 'mutation { logout }');
    assert.equal((await socket.waitFor((m) => m.id === 'm' && m.type === 'error')).payload[0].extensions.code, 'BAD_USER_INPUT');
    socket.subscribe('p', 'subscription { sessionEvents { ');
    const parse = await socket.waitFor((m) => m.id === 'p' && m.type === 'error');
    assert.deepEqual(parse.payload[0].extensions, { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_PARSE_FAILED' });
    socket.subscribe('v', 'subscription { nope }');
    assert.deepEqual((await socket.waitFor((m) => m.id === 'v' && m.type === 'error')).payload[0].extensions, { code: 'BAD_USER_INPUT', reason: 'GRAPHQL_VALIDATION_FAILED' });
    assert.equal(socket.ws.readyState, socket.ws.OPEN, 'refused operations do not close the socket');
    socket.close();
  });

  it('limits: operations per socket (4431), sockets per user (4430), message size (1009)', async () => {
    const ada = await signedIn();
    const { socket } = await RawSocket.init(server().url, { authorization: `Bearer ${ada.token}` });
    socket.subscribe('1', SESSION_EVENTS);
    socket.subscribe('2', SESSION_EVENTS);
    socket.subscribe('3', SESSION_EVENTS);
    assert.deepEqual(await socket.closed, { code: 4431, reason: 'TOO_MANY_SUBSCRIPTIONS' });

    const held = [];
    for (let i = 0; i < 3; i += 1) {
      const opened = await RawSocket.init(server().url, { authorization: `Bearer ${ada.token}` });
      assert.ok(opened.acked);
      held.push(opened.socket);
    }
    assert.deepEqual((await RawSocket.init(server().url, { authorization: `Bearer ${ada.token}` })).closed, { code: 4430, reason: 'TOO_MANY_SOCKETS' });
    held.pop()!.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await RawSocket.init(server().url, { authorization: `Bearer ${ada.token}` });
    assert.ok(again.acked, 'a closed socket frees its place');
    held.push(again.socket);

    const big = held[0];
    big.subscribe('big', `subscription { sessionEvents { type } } # ${'x'.repeat(5000)}`);
    assert.equal((await big.closed).code, 1009);
    for (const socket of held) socket.close();
  });

  it('client helper: subscribe() reconnects with a refreshed token after TOKEN_EXPIRED, and signs out after SESSION_REVOKED', async () => {
    const ada = await signedIn();
    const signOuts: string[] = [];
    const client = new GatehouseClient({ url: server().url, webSocket: WebSocket, session: { token: ada.token, refreshToken: ada.refreshToken, refreshExpiresIn: ada.refreshExpiresIn }, onSignOut: ({ reason }) => signOuts.push(reason) });
    const seen: string[] = [];
    let failed: unknown;
    let tick: () => void = () => undefined;
    client.subscribe<{ sessionEvents: { type: string } }>(SESSION_EVENTS, {}, {
      next: ({ sessionEvents }) => (seen.push(sessionEvents.type), tick()),
      error: (error) => ((failed = error), tick()),
    });
    const until = async (done: () => boolean) => {
      const deadline = Date.now() + 3000;
      while (!done() && Date.now() < deadline) await new Promise<void>((resolve) => ((tick = resolve), setTimeout(resolve, 25)));
      assert.ok(done(), `seen ${JSON.stringify(seen)}, failed ${JSON.stringify(failed)}`);
    };
    await new Promise((resolve) => setTimeout(resolve, 100));
    assertData(await login(server().url, ada.username));
    await until(() => seen.length === 1);
    const before = client.session!.token;
    server().clock.advance(server().settings.tokens.accessLifetime * 1000 + 1000); // the socket closes: TOKEN_EXPIRED
    await until(() => client.session!.token !== before);
    await new Promise((resolve) => setTimeout(resolve, 150)); // reconnected with the new token
    assertData(await login(server().url, ada.username));
    await until(() => seen.length === 2);
    assertData(await gql(server().url, 'mutation { logout }', {}, bearer(client.session!.token)));
    await until(() => failed !== undefined);
    assert.deepEqual(seen, ['SIGNED_IN', 'SIGNED_IN', 'SIGNED_OUT']);
    assert.deepEqual({ code: (failed as { code: number }).code, reason: (failed as { reason: string }).reason }, { code: 4403, reason: 'SESSION_REVOKED' });
    assert.deepEqual(signOuts, ['SESSION_REVOKED']);
    assert.equal(client.session, null);
  });

  it('wrong subprotocol 4406; other paths are not upgraded', async () => {
    const wrong = await RawSocket.open(server().url, null);
    assert.equal((await wrong.closed).code, 4406);
    await assert.rejects(RawSocket.open(server().url.replace('/graphql', '/elsewhere')), /404/);
  });
});

describe('subscriptions: process limits', () => {
  let server: TestServer;
  before(async () => (server = await startTestServer('sqlite', { SUBSCRIPTIONS_INIT_TIMEOUT: '1s', SUBSCRIPTIONS_MAX_SOCKETS: '2' })));
  after(() => server.stop());

  it('no connection_init within SUBSCRIPTIONS_INIT_TIMEOUT: 4408; past SUBSCRIPTIONS_MAX_SOCKETS: 1013 SERVER_BUSY', async () => {
    const silent = await RawSocket.open(server.url);
    const held = await RawSocket.open(server.url);
    const busy = await RawSocket.open(server.url);
    assert.deepEqual(await busy.closed, { code: 1013, reason: 'SERVER_BUSY' });
    const closed = await closedWithin(silent, 2000);
    assert.equal(closed.code, 4408);
    held.close();
  });
});
