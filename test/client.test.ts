/**
 * `gatehouse/client` against a real server: login, bearer header, one refresh for many
 * concurrent expired requests, and a clean sign-out on reuse and revocation.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import jwt from 'jsonwebtoken';
import { GatehouseClient, GraphQLRequestError, type SignOutEvent } from 'gatehouse-graphql/client';
import { describeEachDatabase, TEST_SECRET, type TestServer } from './support/server';
import { assertData, assertError, gql, ME, REFRESH } from './support/http';

/** A fetch that records every GraphQL operation it sends and the Authorization header. */
function recordingFetch() {
  const sent: Array<{ query: string; authorization: string | null }> = [];
  const wrapped: typeof fetch = async (input, init) => {
    const body = JSON.parse(String(init?.body));
    sent.push({ query: body.query, authorization: new Headers(init?.headers).get('authorization') });
    return fetch(input, init);
  };
  return { sent, fetch: wrapped, refreshes: () => sent.filter((call) => call.query.includes('refreshToken(')).length };
}

/** The same access token, but expired: what a client holds after a coffee break. */
function expiredCopy(token: string): string {
  const claims = jwt.decode(token) as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ ...claims, iat: now - 600, exp: now - 300 }, TEST_SECRET, { algorithm: 'HS256' });
}

/** Makes every used refresh token look used long ago, outside the grace window. */
const ageUsedTokens = (server: TestServer) => server.sql(`update gatehouse_refresh_token set used_at = '2000-01-01 00:00:00' where used_at is not null`);

function newClient(server: TestServer) {
  const recorder = recordingFetch();
  const signOuts: SignOutEvent[] = [];
  const sessions: unknown[] = [];
  const client = new GatehouseClient({ url: server.url, fetch: recorder.fetch, onSignOut: (event) => signOuts.push(event), onSessionChange: (session) => sessions.push(session) });
  return { client, recorder, signOuts, sessions };
}

describeEachDatabase('client helper', {}, (server) => {
  it('logs in, keeps the tokens and sends the bearer header', async () => {
    await server().createUser({ username: 'cli-ada', email: 'ada@example.com' });
    const { client, recorder, sessions } = newClient(server());
    const result = await client.login('cli-ada', 'correct horse', 'test runner');
    assert.equal(result.user.username, 'cli-ada');
    assert.equal(result.device?.name, 'test runner');
    assert.match(client.session!.refreshToken!, /^ghd_/);
    assert.deepEqual(sessions, [client.session]);
    const { me } = await client.request<{ me: { username: string } }>('{ me { username } }');
    assert.equal(me.username, 'cli-ada');
    assert.equal(recorder.sent.at(-1)!.authorization, `Bearer ${client.session!.token}`);
    await assert.rejects(client.login('cli-ada', 'wrong'), (error: GraphQLRequestError) => error.code === 'INVALID_CREDENTIALS');
  });

  it('many requests meeting TOKEN_EXPIRED at once: one refresh, all replayed', async () => {
    await server().createUser({ username: 'cli-many' });
    const { client, recorder, signOuts } = newClient(server());
    await client.login('cli-many', 'correct horse');
    const before = client.session!;
    client.restore({ ...before, token: expiredCopy(before.token) });
    recorder.sent.length = 0;

    const answers = await Promise.all(Array.from({ length: 8 }, () => client.request<{ me: { username: string } }>(ME)));
    assert.ok(answers.every((answer) => answer.me.username === 'cli-many'));
    assert.equal(recorder.refreshes(), 1, 'exactly one refresh for eight expired requests');
    assert.equal(recorder.sent.length, 8 + 1 + 8, 'eight requests, one refresh, eight replays');
    assert.notEqual(client.session!.refreshToken, before.refreshToken, 'the refresh token rotated');
    assert.deepEqual(signOuts, []);
    // The old refresh token is now spent: the server agrees with the client about which one is current.
    assertData(await gql(server().url, REFRESH, { refreshToken: client.session!.refreshToken }));
  });

  it('signs out cleanly when the refresh token was reused (theft detection)', async () => {
    await server().createUser({ username: 'cli-reuse' });
    const { client, recorder, signOuts, sessions } = newClient(server());
    await client.login('cli-reuse', 'correct horse');
    const stolen = client.session!.refreshToken!;
    // Someone else rotates the token first; later the client presents it again.
    assertData(await gql(server().url, REFRESH, { refreshToken: stolen }));
    await ageUsedTokens(server());
    client.restore({ ...client.session!, token: expiredCopy(client.session!.token) });

    const results = await Promise.allSettled([client.request(ME), client.request(ME), client.request(ME)]);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      const error = (result as PromiseRejectedResult).reason as GraphQLRequestError;
      assert.equal(error.code, 'INVALID_REFRESH_TOKEN');
      assert.equal(error.reason, 'REUSED');
    }
    assert.equal(recorder.refreshes(), 1);
    assert.deepEqual(signOuts, [{ reason: 'REUSED' }], 'one sign-out event');
    assert.equal(client.session, null, 'tokens dropped');
    assert.equal(sessions.at(-1), null);
    // Signed out: requests go without a token.
    await assert.rejects(client.request(ME), (error: GraphQLRequestError) => error.code === 'UNAUTHENTICATED' && error.reason === 'MISSING_TOKEN');
    assert.equal(recorder.sent.at(-1)!.authorization, null);
  });

  it('a refused refresh: requests whose answers come in after it get the refusal too, not MISSING_TOKEN', async () => {
    await server().createUser({ username: 'cli-late' });
    // Holds every answer but the first until the client has signed out.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let expiredAnswers = 0;
    const gated: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(init?.body).includes('GatehouseRefresh') || String(init?.body).includes('GatehouseLogin')) return response;
      if (expiredAnswers++ > 0) await released;
      return response;
    };
    const client = new GatehouseClient({ url: server().url, fetch: gated, onSignOut: () => release() });
    await client.login('cli-late', 'correct horse');
    const stolen = client.session!.refreshToken!;
    assertData(await gql(server().url, REFRESH, { refreshToken: stolen }));
    await ageUsedTokens(server());
    client.restore({ ...client.session!, token: expiredCopy(client.session!.token) });

    const results = await Promise.allSettled(Array.from({ length: 4 }, () => client.request(ME)));
    assert.equal(expiredAnswers, 4);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      const error = (result as PromiseRejectedResult).reason as GraphQLRequestError;
      assert.deepEqual([error.code, error.reason], ['INVALID_REFRESH_TOKEN', 'REUSED']);
    }
  });

  it('signs out on REVOKED, and on SESSION_REVOKED for a still-valid access token', async () => {
    await server().createUser({ username: 'cli-revoked' });
    const a = newClient(server());
    const b = newClient(server());
    await a.client.login('cli-revoked', 'correct horse');
    const first = a.client.session!.refreshToken!;
    await a.client.refresh();
    b.client.restore(a.client.session);
    // A replay of the first token ends the device session: `a` and `b` hold its newest tokens.
    await ageUsedTokens(server());
    assertError(await gql(server().url, REFRESH, { refreshToken: first }), 'INVALID_REFRESH_TOKEN', 'REUSED');

    a.client.restore({ ...a.client.session!, token: expiredCopy(a.client.session!.token) });
    await assert.rejects(a.client.request(ME), (error: GraphQLRequestError) => error.reason === 'REVOKED');
    assert.deepEqual(a.signOuts, [{ reason: 'REVOKED' }]);
    assert.equal(a.client.session, null);

    await assert.rejects(b.client.request(ME), (error: GraphQLRequestError) => error.reason === 'SESSION_REVOKED');
    assert.deepEqual(b.signOuts, [{ reason: 'SESSION_REVOKED' }]);
    assert.equal(b.client.session, null);
  });

  it('logout() drops the tokens and tells the listeners', async () => {
    await server().createUser({ username: 'cli-bye' });
    const { client, signOuts } = newClient(server());
    await client.login('cli-bye', 'correct horse');
    const extra: SignOutEvent[] = [];
    const stop = client.onSignOut((event) => extra.push(event));
    await client.logout();
    stop();
    assert.equal(client.session, null);
    assert.deepEqual(signOuts, [{ reason: 'LOGOUT' }]);
    assert.deepEqual(extra, [{ reason: 'LOGOUT' }]);
  });
});

it('gatehouse/client needs nothing but fetch (and a WebSocket for subscribe): no require() outside its folder but graphql-ws/client', () => {
  const folder = join(__dirname, '..', 'src', 'client');
  const requiresOf = (text: string) => [...text.matchAll(/require\("([^"]+)"\)/g), ...text.matchAll(/require\('([^']+)'\)/g)].map((match) => match[1]);
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.js'))) {
    const requires = requiresOf(readFileSync(join(folder, file), 'utf8'));
    assert.deepEqual(requires.filter((name) => !name.startsWith('./') && name !== 'graphql-ws/client'), [], `${file} requires only its neighbours`);
  }
  // graphql-ws's client entry is browser-safe: it needs only its own shared chunk (no node:, no graphql).
  const entry = require.resolve('graphql-ws/client');
  const local = requiresOf(readFileSync(entry, 'utf8'));
  assert.ok(local.every((name) => name.startsWith('./')), local.join(', '));
  for (const name of local) assert.deepEqual(requiresOf(readFileSync(join(entry, '..', name), 'utf8')), [], name);
});
