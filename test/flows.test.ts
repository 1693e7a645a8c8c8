/**
 * The main flows over HTTP against a real running server, on SQLite and PostgreSQL:
 * login, the protected `me`, rotation, reuse detection, verification, the stateless
 * refresh, roles, and what the database holds.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import jwt from 'jsonwebtoken';
import { describeEachDatabase, TEST_SECRET } from './support/server';
import { assertData, assertError, bearer, gql, login, ME, REFRESH, VERIFY } from './support/http';

const sign = (claims: object, secret: string | Buffer = TEST_SECRET, options: jwt.SignOptions = {}) =>
  jwt.sign(claims, secret, { algorithm: 'HS256', ...options });

describeEachDatabase('core flows', { JWT_REFRESH_REUSE_INTERVAL: '1s' }, (server) => {
  it('login → me → refresh → replay of the old refresh token ends the session', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'ada', email: 'ada@example.com' });

    const loggedIn = assertData(await login(url, 'ada', 'correct horse', { 'user-agent': 'curl/8' }, 'Ada laptop')).tokenAuth;
    assert.equal(loggedIn.user.username, 'ada');
    assert.equal(loggedIn.payload.tokenType, 'access');
    assert.equal(loggedIn.payload.sid, loggedIn.device.id);
    assert.equal(loggedIn.payload.origIat, loggedIn.payload.iat);
    assert.equal(loggedIn.payload.exp - loggedIn.payload.iat, 300, 'default access lifetime is 5 minutes');
    assert.equal(loggedIn.device.name, 'Ada laptop');
    assert.equal(loggedIn.device.current, true);
    assert.match(loggedIn.refreshToken, /^ghd_[A-Za-z0-9_-]{43}$/);
    const weekFromNow = Math.floor(server().clock.now() / 1000) + 7 * 86400;
    assert.ok(Math.abs(loggedIn.refreshExpiresIn - weekFromNow) <= 5, 'refreshExpiresIn is a Unix time a week ahead');
    assert.ok(loggedIn.user.lastLogin, 'lastLogin is recorded');

    const me = assertData(await gql(url, ME, {}, bearer(loggedIn.token))).me;
    assert.deepEqual(me, { id: loggedIn.user.id, username: 'ada', email: 'ada@example.com', roles: [], isActive: true });

    server().clock.advance(1100); // a new second, so the rotated access token differs in iat
    const refreshed = assertData(await gql(url, REFRESH, { refreshToken: loggedIn.refreshToken })).refreshToken;
    assert.notEqual(refreshed.refreshToken, loggedIn.refreshToken);
    assert.notEqual(refreshed.token, loggedIn.token);
    assert.equal(refreshed.payload.origIat, loggedIn.payload.origIat, 'orig_iat carries over');
    assert.equal(refreshed.payload.sid, loggedIn.device.id, 'same device');
    assert.equal(refreshed.device.id, loggedIn.device.id);
    assertData(await gql(url, ME, {}, bearer(refreshed.token)));

    // Outside the 1 s grace window, presenting the rotated token again is theft.
    server().clock.advance(1100);
    assertError(await gql(url, REFRESH, { refreshToken: loggedIn.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REUSED');
    // The whole device session is gone: its newest refresh token and its access tokens.
    assertError(await gql(url, REFRESH, { refreshToken: refreshed.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
    assertError(await gql(url, ME, {}, bearer(refreshed.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
  });

  it('a repeat inside the grace window gets the same successor, which then rotates normally', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'grace' });
    const first = assertData(await login(url, 'grace')).tokenAuth;
    const [a, b] = await Promise.all([
      gql(url, REFRESH, { refreshToken: first.refreshToken }),
      gql(url, REFRESH, { refreshToken: first.refreshToken }),
    ]);
    const successorA = assertData(a).refreshToken.refreshToken;
    const successorB = assertData(b).refreshToken.refreshToken;
    assert.equal(successorA, successorB, 'both concurrent refreshes land on one successor');
    const next = assertData(await gql(url, REFRESH, { refreshToken: successorA })).refreshToken;
    assertData(await gql(url, ME, {}, bearer(next.token)));
  });

  it('unknown, malformed and empty refresh tokens are refused; both or neither argument is bad input', async () => {
    const { url } = server();
    assertError(await gql(url, REFRESH, { refreshToken: 'ghd_' + 'A'.repeat(43) }), 'INVALID_REFRESH_TOKEN', 'UNKNOWN');
    assertError(await gql(url, REFRESH, { refreshToken: 'not a token' }), 'INVALID_REFRESH_TOKEN', 'UNKNOWN');
    assertError(await gql(url, REFRESH, { refreshToken: 'x', token: 'y' }), 'BAD_USER_INPUT');
    assertError(await gql(url, REFRESH, {}), 'BAD_USER_INPUT');
  });

  it('wrong password, unknown user and inactive user get one and the same answer', async () => {
    const { url, createUser, sql } = server();
    const { id } = await createUser({ username: 'gone' });
    await createUser({ username: 'bea' });
    await sql(`update gatehouse_user set is_active = false where id = '${id}'`);
    const answers = await Promise.all([
      login(url, 'bea', 'wrong password'),
      login(url, 'nobody-by-this-name', 'correct horse'),
      login(url, 'gone', 'correct horse'),
    ]);
    const errors = answers.map((answer) => assertError(answer, 'INVALID_CREDENTIALS'));
    assert.equal(new Set(errors.map((error) => JSON.stringify({ message: error.message, extensions: error.extensions }))).size, 1);
  });

  it('names the device from deviceName, else X-Device-Model, else User-Agent', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'dev' });
    const headers = { 'x-device-model': 'Pixel 9', 'user-agent': 'GatehouseTest/1.0' };
    const named = assertData(await login(url, 'dev', undefined, headers, 'My phone')).tokenAuth.device;
    const model = assertData(await login(url, 'dev', undefined, headers)).tokenAuth.device;
    const agent = assertData(await login(url, 'dev', undefined, { 'user-agent': 'GatehouseTest/1.0' })).tokenAuth.device;
    assert.deepEqual([named.name, model.name, agent.name], ['My phone', 'Pixel 9', 'GatehouseTest/1.0']);
    assert.equal(agent.userAgent, 'GatehouseTest/1.0');
  });

  it('refuses expired, tampered, foreign, unsigned and garbled access tokens on @auth fields', async () => {
    const { url, createUser } = server();
    const { id } = await createUser({ username: 'eve' });
    const good = assertData(await login(url, 'eve')).tokenAuth.token;
    const now = Math.floor(server().clock.now() / 1000);
    const claims = { sub: id, username: 'eve', orig_iat: now - 600, jti: 'j', token_type: 'access' };

    assertError(await gql(url, ME), 'UNAUTHENTICATED', 'MISSING_TOKEN');
    const expired = sign({ ...claims, iat: now - 600, exp: now - 300 });
    assertError(await gql(url, ME, {}, bearer(expired)), 'UNAUTHENTICATED', 'TOKEN_EXPIRED');
    const [header, payload, signature] = good.split('.');
    const flipped = signature[0] === 'A' ? 'B' + signature.slice(1) : 'A' + signature.slice(1);
    assertError(await gql(url, ME, {}, bearer(`${header}.${payload}.${flipped}`)), 'UNAUTHENTICATED', 'INVALID_TOKEN');
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, username: 'admin', iat: now, exp: now + 300 })).toString('base64url');
    assertError(await gql(url, ME, {}, bearer(`${header}.${forgedPayload}.${signature}`)), 'UNAUTHENTICATED', 'INVALID_TOKEN');
    const foreign = sign({ ...claims, iat: now, exp: now + 300 }, 'another-secret-another-secret-another-secret');
    assertError(await gql(url, ME, {}, bearer(foreign)), 'UNAUTHENTICATED', 'INVALID_TOKEN');
    const none = jwt.sign({ ...claims, iat: now, exp: now + 300 }, '', { algorithm: 'none' });
    assertError(await gql(url, ME, {}, bearer(none)), 'UNAUTHENTICATED', 'INVALID_TOKEN');
    const noneWithSignature = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.${signature}`;
    assertError(await gql(url, ME, {}, bearer(noneWithSignature)), 'UNAUTHENTICATED', 'INVALID_TOKEN');
    const notAccess = sign({ ...claims, token_type: 'refresh', iat: now, exp: now + 300 });
    assertError(await gql(url, ME, {}, bearer(notAccess)), 'UNAUTHENTICATED', 'INVALID_TOKEN');
    for (const authorization of ['Bearer', 'Basic dXNlcjpwYXNz', `Bearer ${good} extra`, 'Bearer not.a.jwt', 'Bearer caf\u00e9']) {
      assertError(await gql(url, ME, {}, { authorization }), 'UNAUTHENTICATED', 'INVALID_TOKEN');
    }
    // The JWT prefix of djangorestframework-jwt is accepted too.
    assertData(await gql(url, ME, {}, { authorization: `JWT ${good}` }));
  });

  it('verifyToken returns the payload of a good token and INVALID_TOKEN with the reason otherwise', async () => {
    const { url, createUser } = server();
    const { id } = await createUser({ username: 'vic' });
    const session = assertData(await login(url, 'vic')).tokenAuth;
    const verified = assertData(await gql(url, VERIFY, { token: session.token })).verifyToken.payload;
    assert.deepEqual(verified, session.payload);
    const now = Math.floor(server().clock.now() / 1000);
    const expired = sign({ sub: id, username: 'vic', iat: now - 600, exp: now - 1, orig_iat: now - 600, jti: 'x', token_type: 'access' });
    assertError(await gql(url, VERIFY, { token: expired }), 'INVALID_TOKEN', 'TOKEN_EXPIRED');
    assertError(await gql(url, VERIFY, { token: 'garbage' }), 'INVALID_TOKEN', 'INVALID_TOKEN');
    assertError(await gql(url, VERIFY, { token: session.token + 'x' }), 'INVALID_TOKEN', 'INVALID_TOKEN');
  });

  it('the stateless refresh keeps orig_iat and sid, and stops at orig_iat + JWT_REFRESH_EXPIRATION_DELTA', async () => {
    const { url, createUser } = server();
    const { id } = await createUser({ username: 'sam' });
    const session = assertData(await login(url, 'sam')).tokenAuth;
    server().clock.advance(1100);
    const refreshed = assertData(await gql(url, REFRESH, { token: session.token })).refreshToken;
    assert.equal(refreshed.refreshToken, null, 'no refresh token from the stateless refresh');
    assert.equal(refreshed.payload.origIat, session.payload.origIat);
    assert.equal(refreshed.payload.sid, session.payload.sid);
    assert.ok(refreshed.payload.iat > session.payload.iat);
    assert.equal(refreshed.user.username, 'sam');

    const now = Math.floor(server().clock.now() / 1000);
    const old = sign({ sub: id, username: 'sam', iat: now, exp: now + 300, orig_iat: now - 8 * 86400, jti: 'o', token_type: 'access' });
    assertError(await gql(url, REFRESH, { token: old }), 'REFRESH_EXPIRED');
    assertError(await gql(url, REFRESH, { token: 'garbage' }), 'INVALID_TOKEN', 'INVALID_TOKEN');
  });

  it('users is for administrators only (FORBIDDEN otherwise)', async () => {
    const { url, createUser } = server();
    await createUser({ username: 'root', roles: ['admin'] });
    await createUser({ username: 'pleb', roles: ['reader'] });
    const admin = assertData(await login(url, 'root')).tokenAuth.token;
    const pleb = assertData(await login(url, 'pleb')).tokenAuth.token;
    const listed = assertData(await gql(url, '{ users { username roles } }', {}, bearer(admin))).users;
    assert.ok(listed.some((user: { username: string }) => user.username === 'pleb'));
    assertError(await gql(url, '{ users { username } }', {}, bearer(pleb)), 'FORBIDDEN');
    assertError(await gql(url, '{ users { username } }'), 'UNAUTHENTICATED', 'MISSING_TOKEN');
  });

  it('the database holds refresh tokens only as SHA-256 hashes', async () => {
    const { url, createUser, sql } = server();
    await createUser({ username: 'hash' });
    const session = assertData(await login(url, 'hash')).tokenAuth;
    const rotated = assertData(await gql(url, REFRESH, { refreshToken: session.refreshToken })).refreshToken;
    const rows = await sql('select * from gatehouse_refresh_token');
    const dump = JSON.stringify(rows);
    for (const token of [session.refreshToken, rotated.refreshToken]) {
      assert.equal(dump.includes(token), false, 'a refresh token is stored in clear text');
      assert.equal(dump.includes(token.slice(4)), false, 'a refresh token body is stored in clear text');
      const hash = createHash('sha256').update(token).digest('hex');
      assert.ok(rows.some((row) => row.token_hash === hash), 'the hash is what is stored');
    }
  });
});
