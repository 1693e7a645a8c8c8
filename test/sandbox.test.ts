/**
 * What a browser gets when it opens /graphql: Gatehouse's own page saying what the endpoint
 * is and how to call it; in development with Apollo Sandbox embedded (preset with the
 * endpoint and an example login, telemetry off), which the page does without when the CDN
 * cannot be reached; in production the page alone, with no script.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './support/server';
import { RawSocket } from './support/ws';

/** A browser's navigation request. */
const open = (url: string) =>
  fetch(url, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'user-agent': 'Mozilla/5.0' } });

/** The JSON config Apollo writes into the Sandbox page. */
function sandboxConfig(html: string): { initialState: { document: string; variables: Record<string, string>; headers: Record<string, string> }; endpointIsEditable: boolean; runTelemetry: boolean } {
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
    assert.equal(config.runTelemetry, false, 'no telemetry to Apollo');
    assert.match(config.initialState.document, /mutation Login\(\$username: String!, \$password: String!\)/);
    assert.match(config.initialState.document, /tokenAuth\(username: \$username, password: \$password/);
    assert.match(config.initialState.document, /query Me \{\s*me \{/);
    assert.deepEqual(config.initialState.variables, { username: '', password: '' });
  });

  it('offline the page still says what Gatehouse is and how to call it', async () => {
    const html = await (await open(server.url)).text();
    // What remains without the CDN's script: the page minus every <script> element.
    const withoutScripts = html.replace(/<script[\s\S]*?<\/script>/g, '');
    assert.match(withoutScripts, /GraphQL endpoint of <strong>Gatehouse<\/strong>/);
    assert.match(withoutScripts, /POST<\/code> and <code>Content-Type: application\/json/);
    assert.match(withoutScripts, /tokenAuth\(username/);
    assert.doesNotMatch(html, /you might be offline/i);
    assert.match(html, /onerror="gatehouseSandboxFailed\(\)"/, 'a failed script load says so on the page');
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

  it('serves the page without Sandbox: no script, no third-party address; other clients get JSON', async () => {
    const response = await open(server.url);
    const text = await response.text();
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(text, /GraphQL endpoint of <strong>Gatehouse<\/strong>/);
    assert.doesNotMatch(text, /apollographql\.com|<script|sandbox/i);
    const json = await fetch(server.url);
    assert.equal(json.status, 400);
    const [error] = (await json.json()).errors;
    assert.equal(error.extensions.code, 'BAD_USER_INPUT');
    assert.match(error.message, /GraphQL endpoint: send queries with POST/);
  });

  it('still answers GraphQL POSTs', async () => {
    const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    assert.deepEqual(await response.json(), { data: { __typename: 'Query' } });
  });
});
