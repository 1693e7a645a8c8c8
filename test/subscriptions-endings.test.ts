/**
 * Issue 16, the ways of ending a session that came after the subscriptions: an open socket
 * closes with 4403 `SESSION_REVOKED` within a second, and `sessionEvents` delivers the
 * right event (or none) before the close, for `revokeAppToken`, device eviction past
 * `MAX_DEVICES_PER_USER`, `resetPassword` (token read from a mail sent to a real SMTP
 * server in this process) and `deleteAccount`. SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from './support/server';
import { assertData, bearer, gql, login } from './support/http';
import { startSmtp, tokenIn, type TestSmtp } from './support/smtp';
import { closedWithin, listeningSocket, RawSocket, sessionEventTypes } from './support/ws';

const CREATE_APP = 'mutation($app: String!) { createRefreshToken(app: $app) { refreshToken } }';
const DELEGATE = 'mutation($c: String!, $r: String!) { delegateToken(clientId: $c, grantType: "urn:ietf:params:oauth:grant-type:jwt-bearer", refreshToken: $r) { token } }';

let smtp: TestSmtp;
/** The suites' environment; SMTP_URL is filled in once the SMTP server listens (before any suite starts its server). */
const ENV: Record<string, string> = {
  MAX_DEVICES_PER_USER: '2',
  PASSWORD_RESET_URL: 'myapp://reset?token={token}',
  ACCOUNT_MAX_REQUESTS_PER_CLIENT: '100000',
  MAIL_POLL_INTERVAL: '1s',
};
before(async () => {
  smtp = await startSmtp();
  ENV.SMTP_URL = smtp.url;
});
after(() => smtp?.stop());

describeEachDatabase('subscriptions: later endings', ENV, (server, kind) => {
  let n = 0;
  /** A new user (password "correct horse", a verified address) and a device session of it. */
  const signedIn = async (deviceName = 'one') => {
    const username = `end${++n}`;
    const email = `${username}.${kind}@example.test`;
    await server().createUser({ username, email });
    const session = assertData(await login(server().url, username, 'correct horse', {}, deviceName)).tokenAuth;
    return { username, email, ...session };
  };
  /** An app token of the caller and an access token delegated from it. */
  const delegated = async (token: string, app = 'reporter') => {
    const { refreshToken } = assertData(await gql(server().url, CREATE_APP, { app }, bearer(token))).createRefreshToken;
    return assertData(await gql(server().url, DELEGATE, { c: app, r: refreshToken })).delegateToken.token as string;
  };
  const listening = (token: string) => listeningSocket(server().url, token);
  const eventTypes = sessionEventTypes;
  /** The socket closes with 4403 SESSION_REVOKED less than a second after `since`. */
  const revokedWithin = async (socket: RawSocket, since: number) => {
    const closed = await closedWithin(socket, 1000);
    assert.deepEqual({ code: closed.code, reason: closed.reason }, { code: 4403, reason: 'SESSION_REVOKED' });
    assert.ok(Date.now() - since < 1000, `closed ${Date.now() - since} ms after the change`);
  };
  const stillOpen = async (socket: RawSocket) => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(socket.ws.readyState, socket.ws.OPEN);
  };

  it('revokeAppToken(id): the delegated socket closes (no event); the device\'s stays, hearing nothing', async () => {
    const ada = await signedIn();
    const app = await listening(await delegated(ada.token));
    const device = await listening(ada.token);
    const [listed] = assertData(await gql(server().url, '{ refreshTokens { id app } }', {}, bearer(ada.token))).refreshTokens;
    assert.equal(listed.app, 'reporter');
    const sent = Date.now();
    assert.equal(assertData(await gql(server().url, 'mutation($id: ID!) { revokeAppToken(id: $id) }', { id: listed.id }, bearer(ada.token))).revokeAppToken, true);
    await revokedWithin(app, sent);
    assert.deepEqual(eventTypes(app), []);
    await stillOpen(device);
    assert.deepEqual(eventTypes(device), []);
    device.close();
  });

  it('eviction past MAX_DEVICES_PER_USER: the evicted socket gets SIGNED_OUT of its device first, then the close', async () => {
    const ada = await signedIn('one');
    const first = await listening(ada.token);
    server().clock.advance(60_000); // "one" is now the least recently seen
    const two = assertData(await login(server().url, ada.username, 'correct horse', {}, 'two')).tokenAuth;
    const second = await listening(two.token);
    await first.waitFor((m) => m.type === 'next'); // two's SIGNED_IN
    const before = [first.nexts('e').length, second.nexts('e').length];
    const sent = Date.now();
    const three = assertData(await login(server().url, ada.username, 'correct horse', {}, 'three')).tokenAuth;
    await revokedWithin(first, sent);
    assert.deepEqual(eventTypes(first).slice(0, before[0]), ['SIGNED_IN']);
    // After the eviction, its own end comes first (the new device's SIGNED_IN may follow before the close).
    const event = first.nexts('e')[before[0]];
    assert.equal(event.data.sessionEvents.type, 'SIGNED_OUT');
    assert.equal(event.data.sessionEvents.device.id, ada.device.id);
    await stillOpen(second);
    assert.deepEqual(eventTypes(second).slice(before[1]), ['SIGNED_OUT', 'SIGNED_IN']);
    assert.equal(second.nexts('e')[before[1]].data.sessionEvents.device.id, ada.device.id);
    assert.equal(second.nexts('e')[before[1] + 1].data.sessionEvents.device.id, three.device.id);
    second.close();
  });

  it('resetPassword: every socket of the user (devices and delegated) gets PASSWORD_CHANGED only, then closes', async () => {
    const ada = await signedIn('one');
    const two = assertData(await login(server().url, ada.username, 'correct horse', {}, 'two')).tokenAuth;
    const sockets = [await listening(ada.token), await listening(two.token), await listening(await delegated(ada.token))];
    assertData(await gql(server().url, 'mutation($e: String!) { requestPasswordReset(email: $e) }', { e: ada.email }));
    const token = tokenIn((await smtp.waitFor(ada.email, 1, 3000))[0]);
    const sent = Date.now();
    assert.equal(assertData(await gql(server().url, 'mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }', { t: token, p: 'a brand new one' })).resetPassword, true);
    for (const socket of sockets) {
      await revokedWithin(socket, sent);
      assert.deepEqual(eventTypes(socket), ['PASSWORD_CHANGED']);
      assert.equal(socket.nexts('e')[0].data.sessionEvents.device, null);
    }
  });

  it('deleteAccount(password:): every socket of the user (devices and delegated) closes with SESSION_REVOKED, no event', async () => {
    const ada = await signedIn('one');
    const two = assertData(await login(server().url, ada.username, 'correct horse', {}, 'two')).tokenAuth;
    const sockets = [await listening(ada.token), await listening(two.token), await listening(await delegated(ada.token))];
    const bob = await signedIn();
    const bystander = await listening(bob.token);
    const sent = Date.now();
    assert.equal(assertData(await gql(server().url, 'mutation($p: String!) { deleteAccount(password: $p) }', { p: 'correct horse' }, bearer(ada.token))).deleteAccount, true);
    for (const socket of sockets) {
      await revokedWithin(socket, sent);
      assert.deepEqual(eventTypes(socket), []);
    }
    await stillOpen(bystander);
    assert.deepEqual(eventTypes(bystander), []);
    bystander.close();
  });
});
