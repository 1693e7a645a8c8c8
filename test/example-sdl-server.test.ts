/**
 * examples/sdl-server: an SDL-first Apollo Server using Gatehouse as a library (its own
 * MikroORM config with Gatehouse's entities, its own fields behind @auth, hooks), over HTTP.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import { createUser } from 'gatehouse-graphql';
import { startNotesServer, type NotesServer } from '../examples/sdl-server/server';
import { testEnv } from './support/server';
import { assertData, assertError, bearer, gql, REFRESH } from './support/http';
import { firstResult, RawSocket, wsClient } from './support/ws';

const LOGIN = `mutation($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password) { token refreshToken welcome user { username roles } }
}`;

describe('examples/sdl-server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-example-'));
  let server: NotesServer;
  let url: string;
  const signIn = async (login: string) => assertData(await gql(url, LOGIN, { username: login, password: 'correct horse' })).tokenAuth;

  before(async () => {
    server = await startNotesServer({ sqliteFile: join(dir, 'notes.sqlite'), port: 0, env: testEnv() });
    url = server.url;
    const em = server.gatehouse.orm.em.fork();
    await createUser(em, { username: 'ada', email: 'ada@example.com', password: 'correct horse', roles: ['admin'] }, 4);
    await createUser(em, { username: 'bob', email: 'bob@example.com', password: 'correct horse' }, 4);
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves open fields open and protects its own and Gatehouse fields', async () => {
    assert.match(assertData(await gql(url, '{ hello }')).hello, /Hello/);
    assertError(await gql(url, '{ myNotes { id } }'), 'UNAUTHENTICATED', 'MISSING_TOKEN');
    assertError(await gql(url, 'mutation { addNote(text: "x") { id } }'), 'UNAUTHENTICATED', 'MISSING_TOKEN');
    assertError(await gql(url, '{ me { id } }'), 'UNAUTHENTICATED', 'MISSING_TOKEN');
    assertError(await gql(url, '{ users { id } }'), 'UNAUTHENTICATED', 'MISSING_TOKEN');
  });

  it('hooks: login by e-mail (findUser), roles in the token (extraClaims), a welcome field (authPayload)', async () => {
    const byEmail = await signIn('ADA@example.com');
    assert.equal(byEmail.user.username, 'ada');
    assert.equal(byEmail.welcome, 'Welcome back, ada!');
    assert.deepEqual((jwt.decode(byEmail.token) as { roles: string[] }).roles, ['admin']);
    assert.equal((await signIn('bob')).welcome, 'Welcome back, bob!');
    assertError(await gql(url, LOGIN, { username: 'nobody@example.com', password: 'correct horse' }), 'INVALID_CREDENTIALS');
    assertError(await gql(url, LOGIN, { username: 'ada@example.com', password: 'wrong' }), 'INVALID_CREDENTIALS');
    // The payload hook also shapes refreshToken's answer.
    const refreshed = assertData(await gql(url, 'mutation($r: String!) { refreshToken(refreshToken: $r) { token welcome } }', { r: byEmail.refreshToken }));
    assert.equal(refreshed.refreshToken.welcome, 'Welcome back, ada!');
    assert.equal(assertData(await gql(url, '{ me { username } }', {}, bearer(refreshed.refreshToken.token))).me.username, 'ada');
  });

  it('its resolvers see the signed-in user and write through the shared ORM', async () => {
    const ada = await signIn('ada');
    const bob = await signIn('bob');
    assert.equal(assertData(await gql(url, 'mutation { addNote(text: "ada\'s note") { text author } }', {}, bearer(ada.token))).addNote.author, 'ada');
    await gql(url, 'mutation { addNote(text: "bob\'s note") { id } }', {}, bearer(bob.token));
    const notes = assertData(await gql(url, '{ myNotes { text author } }', {}, bearer(bob.token))).myNotes;
    assert.deepEqual(notes, [{ text: "bob's note", author: 'bob' }]);
  });

  it('@auth(roles:) on a whole type: FORBIDDEN without the role', async () => {
    const ada = await signIn('ada');
    const bob = await signIn('bob');
    assertError(await gql(url, '{ stats { users } }', {}, bearer(bob.token)), 'FORBIDDEN');
    assertError(await gql(url, '{ stats { users } }'), 'UNAUTHENTICATED', 'MISSING_TOKEN');
    assert.equal(assertData(await gql(url, '{ stats { users } }', {}, bearer(ada.token))).stats.users, 2);
    assertError(await gql(url, '{ users { id } }', {}, bearer(bob.token)), 'FORBIDDEN');
  });

  it('a reused refresh token ends the session here too', async () => {
    const bob = await signIn('bob');
    const first = assertData(await gql(url, REFRESH, { refreshToken: bob.refreshToken })).refreshToken;
    assert.ok(first.refreshToken);
    // Gatehouse's default grace window is 10 s; wind the clock of the used token back instead of waiting.
    await server.gatehouse.orm.em.getConnection().execute(`update gatehouse_refresh_token set used_at = '2000-01-01 00:00:00.000' where used_at is not null`);
    assertError(await gql(url, REFRESH, { refreshToken: bob.refreshToken }), 'INVALID_REFRESH_TOKEN', 'REUSED');
    assertError(await gql(url, '{ myNotes { id } }', {}, bearer(first.token)), 'UNAUTHENTICATED', 'SESSION_REVOKED');
  });

  it('subscriptions over WebSocket on the same URL: @auth and @auth(roles:) checked when they start', async () => {
    const ada = await signIn('ada');
    const bob = await signIn('bob');
    const anonymous = wsClient(url);
    const refused = await firstResult(anonymous, 'subscription { myNoteAdded { id } }');
    assert.equal(refused.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    await anonymous.dispose();
    const bobClient = wsClient(url, bob.token);
    const forbidden = await firstResult(bobClient, 'subscription { noteAdded { id } }');
    assert.equal(forbidden.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    await bobClient.dispose();

    const bobSocket = (await RawSocket.init(url, { authorization: `Bearer ${bob.token}` })).socket;
    bobSocket.subscribe('mine', 'subscription { myNoteAdded { text author } }');
    const adaSocket = (await RawSocket.init(url, { authorization: `Bearer ${ada.token}` })).socket;
    adaSocket.subscribe('all', 'subscription { noteAdded { text author } }');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await gql(url, 'mutation { addNote(text: "from ada") { id } }', {}, bearer(ada.token));
    await gql(url, 'mutation { addNote(text: "from bob") { id } }', {}, bearer(bob.token));
    await adaSocket.waitFor(() => adaSocket.nexts('all').length === 2);
    await bobSocket.waitFor((m) => m.id === 'mine' && m.type === 'next');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(bobSocket.nexts('mine'), [{ data: { myNoteAdded: { text: 'from bob', author: 'bob' } } }], "bob sees his own notes only");
    assert.deepEqual(adaSocket.nexts('all').map((p) => p.data.noteAdded.author), ['ada', 'bob']);
    // The example's sockets close with the session too (Gatehouse's socket registry).
    await gql(url, 'mutation { logout }', {}, bearer(bob.token));
    assert.deepEqual(await bobSocket.closed, { code: 4403, reason: 'SESSION_REVOKED' });
    adaSocket.close();
  });
});
