/**
 * Browser cookie mode (JWT_COOKIE=true) over real HTTP with a cookie jar: tokenAuth and
 * refreshToken set an HttpOnly, Secure, SameSite=Strict refresh cookie on the GraphQL path,
 * refreshToken reads it, logout / revokeRefreshToken clear it, and CSRF prevention holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GatehouseClient } from 'gatehouse-graphql/client';
import jwt from 'jsonwebtoken';
import { loadSettings, SettingsError } from '../src/settings';
import { describeEachDatabase, startTestServer, TEST_SECRET, type TestServer } from './support/server';
import { assertData, assertError, bearer, gql, LOGIN, ME, REFRESH } from './support/http';
import { CookieJar } from './support/cookie-jar';

const COOKIE = '__Secure-gatehouse-refresh';
const REFRESH_FROM_COOKIE = 'mutation { refreshToken { token refreshToken refreshExpiresIn } }';

/** A browser: a jar, and GraphQL requests that carry and store its cookies. */
function browser(url: string) {
  const jar = new CookieJar();
  const request = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
    const response = await gql(url, query, variables, { ...jar.header(url), ...headers });
    const set = jar.take(response.headers);
    return { ...response, set };
  };
  return { jar, request, cookie: () => jar.cookies.get(COOKIE)?.value };
}

describeEachDatabase('cookie mode', { JWT_COOKIE: 'true', JWT_REFRESH_REUSE_INTERVAL: '0s' }, (server) => {
  before(async () => {
    await server().createUser({ username: 'bree' });
  });

  it('tokenAuth sets the refresh token as an HttpOnly, Secure, SameSite=Strict cookie on /graphql', async () => {
    const { request, jar } = browser(server().url);
    const answer = await request(LOGIN, { username: 'bree', password: 'correct horse' });
    const session = assertData(answer).tokenAuth;
    assert.equal(answer.set.length, 1);
    const [cookie] = answer.set;
    assert.equal(cookie.name, COOKIE);
    assert.match(cookie.value, /^ghd_/);
    assert.equal(session.refreshToken, null, 'the refresh token is only in the cookie, out of reach of scripts');
    assert.equal(JSON.stringify(answer.data).includes(cookie.value), false);
    assert.ok(session.refreshExpiresIn > 0);
    assert.equal(cookie.attributes.httponly, true);
    assert.equal(cookie.attributes.secure, true);
    assert.equal(cookie.attributes.samesite, 'Strict');
    assert.equal(cookie.attributes.path, '/graphql');
    const maxAge = Number(cookie.attributes['max-age']);
    assert.ok(Math.abs(maxAge - 7 * 86400) <= 5, `Max-Age ${maxAge} is the refresh lifetime`);
    assert.equal(cookie.attributes.domain, undefined, 'host-only');
    // Scoped to the GraphQL path: not sent elsewhere.
    assert.deepEqual(jar.header(server().url.replace('/graphql', '/healthz')), {});
  });

  it('refreshToken with no argument rotates the cookie, and the successor replaces it', async () => {
    const b = browser(server().url);
    assertData(await b.request(LOGIN, { username: 'bree', password: 'correct horse' }));
    const first = b.cookie()!;
    const answer = await b.request(REFRESH_FROM_COOKIE);
    const rotated = assertData(answer).refreshToken;
    assert.equal(answer.set.length, 1);
    assert.notEqual(b.cookie(), first);
    assert.match(b.cookie()!, /^ghd_/);
    assert.equal(rotated.refreshToken, null, 'not in the body');
    assertData(await gql(server().url, ME, {}, bearer(rotated.token)));
    // The old cookie value is spent: replaying it is reuse.
    await new Promise((resolve) => setTimeout(resolve, 5));
    assertError(await gql(server().url, REFRESH_FROM_COOKIE, {}, { cookie: `${COOKIE}=${first}` }), 'INVALID_REFRESH_TOKEN', 'REUSED');
  });

  it('CSRF prevention stays on: a simple cross-site request with the cookie is refused and rotates nothing', async () => {
    const b = browser(server().url);
    assertData(await b.request(LOGIN, { username: 'bree', password: 'correct horse' }));
    const before = b.cookie()!;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await fetch(server().url, {
        method: 'POST',
        headers: { 'content-type': type, ...b.jar.header(server().url) },
        body: JSON.stringify({ query: REFRESH_FROM_COOKIE }),
      });
      assert.equal(response.status, 400, type);
      assert.deepEqual(response.headers.getSetCookie(), [], `${type}: no cookie set`);
      assert.match(await response.text(), /Cross-Site Request Forgery/);
    }
    // Still unused: with no grace window, a rotated token would now be REUSED.
    assertData(await b.request(REFRESH_FROM_COOKIE));
    assert.notEqual(b.cookie(), before);
  });

  it('logout clears the cookie; the cleared session cannot refresh', async () => {
    const b = browser(server().url);
    const session = assertData(await b.request(LOGIN, { username: 'bree', password: 'correct horse' })).tokenAuth;
    const refreshToken = b.cookie()!;
    const answer = await b.request('mutation { logout }', {}, bearer(session.token));
    assert.equal(assertData(answer).logout, true);
    assert.equal(answer.set.length, 1);
    assert.equal(answer.set[0].attributes['max-age'], '0');
    assert.equal(answer.set[0].attributes.path, '/graphql');
    assert.equal(b.cookie(), undefined, 'the jar dropped it');
    assertError(await b.request(REFRESH_FROM_COOKIE), 'BAD_USER_INPUT');
    assertError(await gql(server().url, REFRESH_FROM_COOKIE, {}, { cookie: `${COOKIE}=${refreshToken}` }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
  });

  it('revokeRefreshToken with no argument revokes the cookie token and clears it', async () => {
    const b = browser(server().url);
    const session = assertData(await b.request(LOGIN, { username: 'bree', password: 'correct horse' })).tokenAuth;
    const answer = await b.request('mutation { revokeRefreshToken { revoked } }');
    assert.equal(assertData(answer).revokeRefreshToken.revoked, 1);
    assert.equal(b.cookie(), undefined);
    assertError(await gql(server().url, ME, {}, bearer(session.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
  });

  it('a cookie that can no longer refresh is cleared', async () => {
    const b = browser(server().url);
    assertData(await b.request(LOGIN, { username: 'bree', password: 'correct horse' }));
    // Revoked elsewhere (another tab, an admin): the browser still holds the cookie.
    assertData(await gql(server().url, 'mutation($r: String) { revokeRefreshToken(refreshToken: $r) { revoked } }', { r: b.cookie() }));
    const answer = await b.request(REFRESH_FROM_COOKIE);
    assertError(answer, 'INVALID_REFRESH_TOKEN', 'REVOKED');
    assert.equal(answer.set[0]?.attributes['max-age'], '0');
    assert.equal(b.cookie(), undefined);
  });

  it('an explicit argument or header wins over the cookie', async () => {
    const b = browser(server().url);
    assertData(await b.request(LOGIN, { username: 'bree', password: 'correct horse' }));
    const mine = b.cookie()!;
    // A second browser's session: its token, as that browser's cookie holds it.
    const otherBrowser = browser(server().url);
    const other = assertData(await otherBrowser.request(LOGIN, { username: 'bree', password: 'correct horse' })).tokenAuth;
    const viaArgument = assertData(await b.request(REFRESH, { refreshToken: otherBrowser.cookie() })).refreshToken;
    assert.equal(viaArgument.device.id, other.device.id);
    const argumentSuccessor = b.cookie()!;
    assert.notEqual(argumentSuccessor, mine, 'the cookie follows the rotation');
    const viaHeader = assertData(await b.request(REFRESH, {}, { 'refresh-token': argumentSuccessor })).refreshToken;
    assert.equal(viaHeader.device.id, other.device.id, 'the header, not the cookie, was rotated');
    assert.notEqual(b.cookie(), argumentSuccessor, 'the cookie follows the last rotation');
  });

  it('gatehouse/client in cookie mode: the refresh token never reaches the page', async () => {
    await server().createUser({ username: 'spa' });
    const jar = new CookieJar();
    const bodies: string[] = [];
    const pageFetch: typeof fetch = async (input, init) => {
      const response = await jar.fetch(input, init);
      bodies.push(await response.clone().text());
      return response;
    };
    const client = new GatehouseClient({ url: server().url, cookie: true, fetch: pageFetch });
    await client.login('spa', 'correct horse');
    assert.equal(client.session!.refreshToken, null);
    const claims = jwt.decode(client.session!.token) as Record<string, unknown>;
    const now = Math.floor(Date.now() / 1000);
    client.restore({ ...client.session!, token: jwt.sign({ ...claims, iat: now - 600, exp: now - 300 }, TEST_SECRET, { algorithm: 'HS256' }) });
    const answers = await Promise.all([client.request(ME), client.request(ME), client.request(ME)]);
    assert.ok(answers.every((answer) => (answer as { me: { username: string } }).me.username === 'spa'));
    const cookie = jar.cookies.get(COOKIE)!.value;
    assert.ok(bodies.every((body) => !body.includes('ghd_')), 'no response body shows a refresh token to the page');
    assert.match(cookie, /^ghd_/);
  });
});

describe('cookie mode off (the default)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite');
    await server.createUser({ username: 'plain' });
  });
  after(() => server.stop());

  it('sets no cookie and ignores one', async () => {
    const login = await gql(server.url, LOGIN, { username: 'plain', password: 'correct horse' });
    const session = assertData(login).tokenAuth;
    assert.deepEqual(login.headers.getSetCookie(), []);
    assertError(await gql(server.url, REFRESH_FROM_COOKIE, {}, { cookie: `${COOKIE}=${session.refreshToken}` }), 'BAD_USER_INPUT');
  });

  it('JWT_COOKIE_PATH must be a path', () => {
    assert.equal(loadSettings({ JWT_COOKIE_PATH: '/api/graphql' }).cookie.path, '/api/graphql');
    assert.throws(() => loadSettings({ JWT_COOKIE_PATH: 'graphql; Domain=evil' }), (error: SettingsError) => error.variable === 'JWT_COOKIE_PATH');
  });
});
