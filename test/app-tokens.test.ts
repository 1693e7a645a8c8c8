/** Issue 3: long-running app tokens, delegation and revocation, over HTTP on SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cliHere } from './support/process';
import { describeEachDatabase } from './support/server';
import { assertData, assertError, bearer, gql, login, ME, REFRESH } from './support/http';

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CREATE = `mutation($app: String!) { createRefreshToken(app: $app) { refreshToken appToken { id app createdAt lastUsedAt } } }`;
const LIST = `{ refreshTokens { id app createdAt lastUsedAt } }`;
const DELEGATE = `mutation($clientId: String!, $grantType: String!, $refreshToken: String!, $apiType: String) {
  delegateToken(clientId: $clientId, grantType: $grantType, refreshToken: $refreshToken, apiType: $apiType) {
    token refreshToken payload { sub username tokenType sid }
  }
}`;
const REVOKE = `mutation($refreshToken: String) { revokeRefreshToken(refreshToken: $refreshToken) { revoked } }`;

describeEachDatabase('app tokens', {}, (server) => {
  async function signedIn(username: string) {
    await server().createUser({ username });
    return assertData(await login(server().url, username)).tokenAuth;
  }

  it('create → list → delegate → revoke twice (1 then 0) → delegate fails', async () => {
    const { url } = server();
    const session = await signedIn('app-ada');
    const created = assertData(await gql(url, CREATE, { app: 'reporting-job' }, bearer(session.token))).createRefreshToken;
    assert.match(created.refreshToken, /^gha_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.appToken.app, 'reporting-job');
    assert.equal(created.appToken.lastUsedAt, null);

    const listed = assertData(await gql(url, LIST, {}, bearer(session.token))).refreshTokens;
    assert.deepEqual(listed.map((token: { id: string }) => token.id), [created.appToken.id]);
    assert.equal(JSON.stringify(listed).includes(created.refreshToken), false, 'the key is never listed');

    const delegated = assertData(await gql(url, DELEGATE, { clientId: 'reporting-job', grantType: GRANT, refreshToken: created.refreshToken, apiType: 'report' })).delegateToken;
    assert.equal(delegated.refreshToken, created.refreshToken, 'the same app token comes back');
    assert.equal(delegated.payload.username, 'app-ada');
    assert.equal(delegated.payload.sid, null, 'not a device session');
    const claims = JSON.parse(Buffer.from(delegated.token.split('.')[1], 'base64url').toString());
    assert.equal(claims.app, 'reporting-job');
    assert.equal(claims.api_type, 'report');
    assert.equal(assertData(await gql(url, ME, {}, bearer(delegated.token))).me.username, 'app-ada');
    const afterUse = assertData(await gql(url, LIST, {}, bearer(session.token))).refreshTokens[0];
    assert.ok(afterUse.lastUsedAt, 'lastUsedAt is recorded');

    assert.equal(assertData(await gql(url, REVOKE, { refreshToken: created.refreshToken })).revokeRefreshToken.revoked, 1);
    assert.equal(assertData(await gql(url, REVOKE, { refreshToken: created.refreshToken })).revokeRefreshToken.revoked, 0);
    assert.equal(assertData(await gql(url, REVOKE, { refreshToken: 'gha_' + 'x'.repeat(43) })).revokeRefreshToken.revoked, 0);
    assertError(await gql(url, DELEGATE, { clientId: 'reporting-job', grantType: GRANT, refreshToken: created.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
    assert.deepEqual(assertData(await gql(url, LIST, {}, bearer(session.token))).refreshTokens, []);
  });

  it('delegation refuses a wrong grant type, a wrong client id, unknown tokens and deactivated users', async () => {
    const { url, sql } = server();
    const session = await signedIn('app-bob');
    const key = assertData(await gql(url, CREATE, { app: 'mobile' }, bearer(session.token))).createRefreshToken.refreshToken;
    const wrongGrant = assertError(await gql(url, DELEGATE, { clientId: 'mobile', grantType: 'password', refreshToken: key }), 'BAD_USER_INPUT');
    assert.equal(wrongGrant.extensions?.reason, 'UNSUPPORTED_GRANT_TYPE');
    // A wrong client id gets exactly the answer of an unknown key: a stolen key is not confirmed.
    const unknown = await gql(url, DELEGATE, { clientId: 'mobile', grantType: GRANT, refreshToken: 'gha_' + 'y'.repeat(43) });
    assertError(unknown, 'INVALID_REFRESH_TOKEN', 'UNKNOWN');
    assert.deepEqual((await gql(url, DELEGATE, { clientId: 'desktop', grantType: GRANT, refreshToken: key })).errors, unknown.errors);
    // A device refresh token is not an app token.
    assertError(await gql(url, DELEGATE, { clientId: 'mobile', grantType: GRANT, refreshToken: session.refreshToken }), 'INVALID_REFRESH_TOKEN', 'UNKNOWN');
    assertData(await gql(url, DELEGATE, { clientId: 'mobile', grantType: GRANT, refreshToken: key }));
    await sql(`update gatehouse_user set is_active = false where username = 'app-bob'`);
    assertError(await gql(url, DELEGATE, { clientId: 'mobile', grantType: GRANT, refreshToken: key }), 'INVALID_REFRESH_TOKEN');
  });

  it('creating again for the same app replaces the old key; other apps keep theirs', async () => {
    const { url } = server();
    const session = await signedIn('app-cy');
    const first = assertData(await gql(url, CREATE, { app: 'mobile' }, bearer(session.token))).createRefreshToken;
    const other = assertData(await gql(url, CREATE, { app: 'cli' }, bearer(session.token))).createRefreshToken;
    const second = assertData(await gql(url, CREATE, { app: 'mobile' }, bearer(session.token))).createRefreshToken;
    assertError(await gql(url, DELEGATE, { clientId: 'mobile', grantType: GRANT, refreshToken: first.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
    assertData(await gql(url, DELEGATE, { clientId: 'mobile', grantType: GRANT, refreshToken: second.refreshToken }));
    assertData(await gql(url, DELEGATE, { clientId: 'cli', grantType: GRANT, refreshToken: other.refreshToken }));
    const apps = assertData(await gql(url, LIST, {}, bearer(session.token))).refreshTokens.map((token: { app: string }) => token.app);
    assert.deepEqual(apps.sort(), ['cli', 'mobile']);
  });

  it('access tokens delegated from an app token stop at once when it is revoked or replaced', async () => {
    const { url } = server();
    const session = await signedIn('app-fay');
    const first = assertData(await gql(url, CREATE, { app: 'sync' }, bearer(session.token))).createRefreshToken.refreshToken;
    const delegated = assertData(await gql(url, DELEGATE, { clientId: 'sync', grantType: GRANT, refreshToken: first })).delegateToken.token;
    assertData(await gql(url, ME, {}, bearer(delegated))); // cached as live now
    // Replaced (in a later second than the delegation: the check compares whole seconds).
    server().clock.advance(1100);
    const second = assertData(await gql(url, CREATE, { app: 'sync' }, bearer(session.token))).createRefreshToken.refreshToken;
    assertError(await gql(url, ME, {}, bearer(delegated)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    const fresh = assertData(await gql(url, DELEGATE, { clientId: 'sync', grantType: GRANT, refreshToken: second })).delegateToken.token;
    assertData(await gql(url, ME, {}, bearer(fresh)));
    // Revoked.
    assert.equal(assertData(await gql(url, REVOKE, { refreshToken: second })).revokeRefreshToken.revoked, 1);
    assertError(await gql(url, ME, {}, bearer(fresh)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    // The user's device session is untouched.
    assertData(await gql(url, ME, {}, bearer(session.token)));
  });

  it('validates app names and needs a signed-in user', async () => {
    const { url } = server();
    const session = await signedIn('app-dee');
    for (const app of ['', 'has space', 'x'.repeat(65), "x'; drop table gatehouse_user; --", 'ünï']) {
      assertError(await gql(url, CREATE, { app }, bearer(session.token)), 'BAD_USER_INPUT');
    }
    assertData(await gql(url, CREATE, { app: 'a.b_c-1' }, bearer(session.token)));
    assertError(await gql(url, CREATE, { app: 'mobile' }), 'UNAUTHENTICATED', 'MISSING_TOKEN');
    assertError(await gql(url, LIST), 'UNAUTHENTICATED', 'MISSING_TOKEN');
  });

  it('revoking a device refresh token ends that device session', async () => {
    const { url } = server();
    const session = await signedIn('app-eve');
    assert.equal(assertData(await gql(url, REVOKE, {}, { 'refresh-token': session.refreshToken })).revokeRefreshToken.revoked, 1);
    assertError(await gql(url, REFRESH, { refreshToken: session.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REVOKED');
    assertError(await gql(url, ME, {}, bearer(session.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
    assert.equal(assertData(await gql(url, REVOKE, { refreshToken: session.refreshToken })).revokeRefreshToken.revoked, 0);
  });

  it('tokens clear removes revoked tokens and ended devices, and a live session survives it', async () => {
    const { url, sql, settings } = server();
    const live = await signedIn('clear-live');
    const liveApp = assertData(await gql(url, CREATE, { app: 'keep' }, bearer(live.token))).createRefreshToken.refreshToken;
    const rotated = assertData(await gql(url, REFRESH, { refreshToken: live.refreshToken })).refreshToken;
    await server().createUser({ username: 'clear-gone' });
    const gone = assertData(await login(url, 'clear-gone')).tokenAuth;
    const goneApp = assertData(await gql(url, CREATE, { app: 'drop' }, bearer(gone.token))).createRefreshToken.refreshToken;
    assertData(await gql(url, REVOKE, { refreshToken: gone.refreshToken }));
    assertData(await gql(url, REVOKE, { refreshToken: goneApp }));
    const count = async (query: string) => Number((await sql<{ n: number }>(`select count(*) as n from ${query}`))[0].n);
    const liveRows = async () => [
      await count(`gatehouse_device d join gatehouse_user u on u.id = d.user_id where u.username = 'clear-live'`),
      await count(`gatehouse_refresh_token t join gatehouse_user u on u.id = t.user_id where u.username = 'clear-live'`),
    ];
    const before = await liveRows();
    assert.deepEqual(before, [1, 3], 'the live user has one device with two tokens (one rotated) and one app token');
    const goneRows = `gatehouse_refresh_token t join gatehouse_user u on u.id = t.user_id where u.username = 'clear-gone'`;
    assert.equal(await count(goneRows), 2);

    // Through the bin's runCli in this process (with its own connection to the database, as the
    // command has): a process of its own costs ~0.6 s of CPU and shows nothing more here.
    const result = await cliHere(['tokens', 'clear'], { DATABASE_URL: settings.database.url });
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /Deleted \d+ token\(s\) and \d+ device\(s\)/);
    assert.equal(await count(goneRows), 0, "the ended device's token and the revoked app token are gone");
    assert.equal(await count('gatehouse_refresh_token where revoked_at is not null'), 0);
    assert.equal(await count(`gatehouse_device where revoked_at is not null`), 0);
    assert.deepEqual(await liveRows(), before, 'nothing of the live session was deleted');
    const refused = await cliHere(['tokens', 'clear', '--rest', 'lots'], { DATABASE_URL: settings.database.url });
    assert.equal(refused.code, 2, refused.err);
    assert.match(refused.err, /--rest takes a number from 0 to 100, not "lots"/);

    // The live session keeps working: its current token rotates, and replaying its rotated token is still detected.
    const next = assertData(await gql(url, REFRESH, { refreshToken: rotated.refreshToken })).refreshToken;
    assertData(await gql(url, ME, {}, bearer(next.token)));
    assertData(await gql(url, DELEGATE, { clientId: 'keep', grantType: GRANT, refreshToken: liveApp }));
  });
});
