/** examples/type-graphql-server: Gatehouse's type-graphql resolvers beside the app's own, @auth on its fields, over HTTP. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createUser, loadSettings } from 'gatehouse-graphql';
import { startGreetingServer } from '../examples/type-graphql-server/server';
import { testEnv } from './support/server';
import { assertData, assertError, bearer, gql, login } from './support/http';

describe('examples/type-graphql-server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-tg-'));
  let server: Awaited<ReturnType<typeof startGreetingServer>>;
  before(async () => {
    server = await startGreetingServer({ settings: loadSettings(testEnv({ DATABASE_URL: `sqlite:${join(dir, 'tg.sqlite')}`, GATEHOUSE_DATA_DIR: dir })), port: 0 });
    await createUser(server.gatehouse.orm.em.fork(), { username: 'tg', password: 'correct horse' }, 4);
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves Gatehouse mutations and protects its own fields', async () => {
    assert.equal(assertData(await gql(server.url, '{ hello }')).hello, 'Hello, stranger.');
    assertError(await gql(server.url, '{ greeting }'), 'UNAUTHENTICATED', 'MISSING_TOKEN');
    const { token } = assertData(await login(server.url, 'tg')).tokenAuth;
    assert.equal(assertData(await gql(server.url, '{ greeting }', {}, bearer(token))).greeting, 'Hello, tg.');
    assertError(await gql(server.url, '{ secretNumber }', {}, bearer(token)), 'FORBIDDEN');
    assert.equal(assertData(await gql(server.url, '{ me { username } }', {}, bearer(token))).me.username, 'tg');
  });

  it('rotates and verifies through type-graphql\'s own resolvers (the app builds the schema, not Gatehouse)', async () => {
    const { refreshToken } = assertData(await login(server.url, 'tg')).tokenAuth;
    const rotate = 'mutation R($refreshToken: String, $token: String) { refreshToken(refreshToken: $refreshToken, token: $token) { token refreshToken } }';
    const rotated = assertData(await gql(server.url, rotate, { refreshToken })).refreshToken;
    assert.match(rotated.refreshToken, /^ghd_/);
    assert.notEqual(rotated.refreshToken, refreshToken);
    const verified = assertData(await gql(server.url, 'mutation V($t: String!) { verifyToken(token: $t) { payload { username } } }', { t: rotated.token })).verifyToken;
    assert.equal(verified.payload.username, 'tg');
    assertError(await gql(server.url, rotate, { refreshToken: rotated.refreshToken, token: rotated.token }), 'BAD_USER_INPUT');
    assertError(await gql(server.url, rotate, { refreshToken: 'ghd_' + 'x'.repeat(43) }), 'INVALID_REFRESH_TOKEN');
  });
});
