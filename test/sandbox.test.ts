/**
 * What a browser gets when it opens /graphql: Apollo Sandbox, preset with the endpoint and
 * an example login, in development; no landing page at all in production.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './support/server';
import { RawSocket } from './support/ws';

/** A browser's navigation request. */
const open = (url: string) =>
  fetch(url, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'user-agent': 'Mozilla/5.0' } });

/** The JSON config Apollo writes into the Sandbox page. */
function sandboxConfig(html: string): { initialState: { document: string; variables: Record<string, string>; headers: Record<string, string> }; endpointIsEditable: boolean } {
  const match = /var embeddedSandboxConfig = (\{.*\});/.exec(html);
  assert.ok(match, 'the page configures an embedded Sandbox');
  return JSON.parse(match[1]);
}

describe('landing page in development', () => {
  let server: TestServer;
  before(async () => (server = await startTestServer('sqlite', { NODE_ENV: 'development' })));
  after(() => server.stop());

  it('serves Apollo Sandbox on the endpoint itself, with an example tokenAuth operation', async () => {
    const response = await open(server.url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /embeddable-sandbox\.cdn\.apollographql\.com/);
    // The endpoint is the page's own address: Sandbox talks to this server.
    assert.match(html, /var initialEndpoint = window\.location\.href;/);
    const config = sandboxConfig(html);
    assert.equal(config.endpointIsEditable, false);
    assert.match(config.initialState.document, /mutation Login\(\$username: String!, \$password: String!\)/);
    assert.match(config.initialState.document, /tokenAuth\(username: \$username, password: \$password/);
    assert.match(config.initialState.document, /query Me \{\s*me \{/);
    assert.deepEqual(config.initialState.variables, { username: '', password: '' });
  });

  it('the example operation runs against the served schema', async () => {
    const html = await (await open(server.url)).text();
    const { document } = sandboxConfig(html).initialState;
    await server.createUser({ username: 'sandy' });
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: document, operationName: 'Login', variables: { username: 'sandy', password: 'correct horse' } }),
    });
    const body = await response.json();
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    assert.equal(body.data.tokenAuth.user.username, 'sandy');
  });

  it('its SessionEvents subscription runs over WebSocket on the same URL, with the token as Sandbox sends connection parameters', async () => {
    const html = await (await open(server.url)).text();
    const { document } = sandboxConfig(html).initialState;
    assert.match(document, /subscription SessionEvents \{\s*sessionEvents \{/);
    await server.createUser({ username: 'sandy2' });
    const login = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: document, operationName: 'Login', variables: { username: 'sandy2', password: 'correct horse' } }),
    });
    const { token } = (await login.json()).data.tokenAuth;
    // Sandbox opens a socket without parameters first, then one with them: both are accepted.
    const bare = await RawSocket.init(server.url);
    assert.ok(bare.acked);
    bare.socket.close();
    const { socket, acked } = await RawSocket.init(server.url, { Authorization: `Bearer ${token}` });
    assert.ok(acked);
    socket.send({ id: 's', type: 'subscribe', payload: { query: document, operationName: 'SessionEvents', variables: {} } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: document, operationName: 'Login', variables: { username: 'sandy2', password: 'correct horse' } }),
    });
    const event = await socket.waitFor((m) => m.id === 's' && m.type === 'next');
    assert.equal(event.payload.data.sessionEvents.type, 'SIGNED_IN');
    socket.close();
  });
});

describe('landing page in production', () => {
  let server: TestServer;
  before(async () => (server = await startTestServer('sqlite', { NODE_ENV: 'production' })));
  after(() => server.stop());

  it('serves no landing page: no HTML, no third-party script', async () => {
    const response = await open(server.url);
    const text = await response.text();
    assert.doesNotMatch(response.headers.get('content-type') ?? '', /html/);
    assert.doesNotMatch(text, /apollographql\.com|<html|<script/i);
    assert.equal(response.status, 400);
    const [error] = JSON.parse(text).errors;
    assert.equal(error.extensions.code, 'BAD_USER_INPUT');
    assert.match(error.message, /GraphQL endpoint: send queries with POST/);
    assert.doesNotMatch(text, /sandbox/i);
  });

  it('still answers GraphQL POSTs', async () => {
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    assert.deepEqual(await response.json(), { data: { __typename: 'Query' } });
  });
});
