/**
 * The HTTP front under an attacker's requests (issue 15): deeply nested and very wide
 * variables, content types that only one parser understands, persisted-query hashes and
 * subscriptions over HTTP, stalled uploads, encoded and dotted paths, and `/readyz` while
 * Redis does not answer. Every answer is a 4xx with the contract's code (or the route's
 * 404), nothing is logged as unexpected.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MAX_VARIABLE_DEPTH, MAX_VARIABLE_NODES, variablesProblem } from '../src/server/reject-nul';
import { mediaTypeEssence } from '../src/server/media-type';
import { requestTarget } from '../src/server/http';
import { addressBucket, clientAddress } from '../src/server/client-address';
import { loadSettings } from '../src/settings';
import { createLogger } from '../src/logging/logger';
import { printable } from '../src/util/printable';
import { startTestServer, testEnv, type TestServer } from './support/server';
import { assertData, gql, VERIFY } from './support/http';

const VERIFY_QUERY = 'mutation($t: String!) { verifyToken(token: $t) { payload { sub } } }';

/** POSTs a raw body; the answer's status and parsed JSON (or text). */
async function post(url: string, body: string, contentType = 'application/json') {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}

/** One raw HTTP request with the path exactly as given (fetch would normalise `%2e%2e`). */
function rawRequest(base: URL, path: string, body = JSON.stringify({ query: '{ __typename }' })): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, method: 'POST', path, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens a connection, writes `head`, never finishes; resolves with what the server wrote and when it closed (ms). */
function stall(base: URL, head: string, limitMs: number): Promise<{ text: string; closedAfter: number | null }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(Number(base.port), base.hostname, () => socket.write(head));
    let text = '';
    const give = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedAfter: null });
    }, limitMs);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(give);
      resolve({ text, closedAfter: Date.now() - started });
    });
  });
}

describe('variables are walked within bounds', () => {
  it('finds NUL, and refuses depth and size past the limits without recursion', () => {
    assert.equal(variablesProblem({ a: ['x', { b: 'y' }] }), null);
    assert.equal(variablesProblem({ a: ['x', { b: 'y\u0000' }] }), 'NUL');
    assert.equal(variablesProblem({ ['k\u0000']: 1 }), 'NUL');
    // Far deeper than any call stack: an explicit stack does not care.
    assert.equal(variablesProblem(JSON.parse(`{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`)), 'TOO_DEEP');
    let nested: unknown = 'x';
    for (let i = 0; i < MAX_VARIABLE_DEPTH; i++) nested = [nested];
    assert.equal(variablesProblem(nested), null, 'exactly at the depth limit');
    assert.equal(variablesProblem([nested]), 'TOO_DEEP');
    assert.equal(variablesProblem({ a: new Array(MAX_VARIABLE_NODES - 3).fill(0) }), null, 'exactly at the node limit');
    assert.equal(variablesProblem({ a: new Array(MAX_VARIABLE_NODES).fill(0) }), 'TOO_MANY');
    assert.equal(variablesProblem(Object.fromEntries(Array.from({ length: MAX_VARIABLE_NODES }, (_, i) => [`k${i}`, 1]))), 'TOO_MANY');
  });
});

describe('content types are read as Apollo reads them', () => {
  const VARIANTS = [
    'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', ' application/json ', 'application/json ; x=y', 'application/json;',
    'application/json,', '/application/json', 'application/jsonx', 'application/json/x', 'application /json', 'text/plain; application/json',
    'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', '', 'json', 'application/', '\tapplication/json\r\n',
    'application/json, text/plain', 'application/\u00e9json',
  ];

  it('gives the essence the WHATWG parser (whatwg-mimetype, which Apollo uses) gives, for every variant', () => {
    // Apollo's own dependency, loaded from where Apollo loads it: the comparison is with the real rule.
    const apolloRequire = require('node:module').createRequire(require.resolve('@apollo/server'));
    const MIMEType = apolloRequire('whatwg-mimetype');
    for (const variant of VARIANTS) {
      assert.equal(mediaTypeEssence(variant), MIMEType.parse(variant)?.essence ?? null, JSON.stringify(variant));
    }
  });

  describe('over HTTP', () => {
    let server: TestServer;
    const logged: unknown[] = [];
    /** The server's log lines at warn and above. */
    const warnings: string[] = [];
    before(async () => {
      server = await startTestServer(
        'sqlite',
        { HTTP_HEADERS_TIMEOUT: '1s', HTTP_REQUEST_TIMEOUT: '1s' },
        { log: (error) => logged.push(error), logger: createLogger({ logging: { level: 'warn' } }, { write: (line: string) => void warnings.push(line) }) },
      );
    });
    after(() => server?.stop());

    it('parses JSON only for the exact media type application/json; the rest is refused with BAD_USER_INPUT, never run', async () => {
      const body = JSON.stringify({ query: '{ __typename }' });
      for (const type of VARIANTS) {
        const answer = await post(server.url, body, type);
        if (mediaTypeEssence(type) === 'application/json') {
          assert.equal(answer.status, 200, `${JSON.stringify(type)}: ${JSON.stringify(answer.json)}`);
          assert.equal(answer.json.data.__typename, 'Query');
        } else {
          assert.equal(answer.status, 400, `${JSON.stringify(type)}: ${JSON.stringify(answer.json)}`);
          assert.equal(answer.json.data, undefined, JSON.stringify(type));
          assert.equal(answer.json.errors[0].extensions.code, 'BAD_USER_INPUT', JSON.stringify(type));
        }
      }
      assert.deepEqual(logged, []);
    });

    it('answers variables nested 4,000 arrays deep (an 8 KB body, no token) with BAD_USER_INPUT, not 500', async () => {
      const deepArrays = `{"query":${JSON.stringify(VERIFY_QUERY)},"variables":{"t":${'['.repeat(4000)}${']'.repeat(4000)}}}`;
      const deepObjects = `{"query":${JSON.stringify(VERIFY_QUERY)},"variables":{"t":${'{"a":'.repeat(4000)}1${'}'.repeat(4000)}}}`;
      const wide = JSON.stringify({ query: VERIFY_QUERY, variables: { t: new Array(20_000).fill(0) } });
      for (const [name, body] of [['deep arrays', deepArrays], ['deep objects', deepObjects], ['wide array', wide]]) {
        const answer = await post(server.url, body);
        assert.equal(answer.status, 400, `${name}: ${JSON.stringify(answer.json)}`);
        assert.equal(answer.json.errors[0].extensions.code, 'BAD_USER_INPUT', name);
      }
      // An ordinary request still works, and NUL is still refused.
      assert.equal((await gql(server.url, VERIFY, { token: 'x' })).errors?.[0].extensions?.code, 'INVALID_TOKEN');
      assert.equal((await gql(server.url, VERIFY, { token: 'x\u0000' })).errors?.[0].extensions?.code, 'BAD_USER_INPUT');
      assert.deepEqual(logged, [], 'no stack trace, nothing unexpected logged');
    });

    it('answers a persisted-query hash and an HTTP subscription with BAD_USER_INPUT and a reason, logging nothing', async () => {
      const persisted = await post(server.url, JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }));
      assert.equal(persisted.json.errors[0].extensions.code, 'BAD_USER_INPUT', JSON.stringify(persisted.json));
      assert.equal(persisted.json.errors[0].extensions.reason, 'PERSISTED_QUERY_NOT_SUPPORTED');
      const withQuery = await post(server.url, JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }));
      assert.equal(withQuery.json.errors[0].extensions.code, 'BAD_USER_INPUT', JSON.stringify(withQuery.json));
      // (A subscription of an unknown field is a validation error, BAD_USER_INPUT like any other.)
      assert.equal((await post(server.url, JSON.stringify({ query: 'subscription { x }' }))).json.errors[0].extensions.code, 'BAD_USER_INPUT');
      for (const query of ['subscription S { sessionEvents { type } }', 'subscription { sessionEvents { at } }']) {
        const answer = await post(server.url, JSON.stringify({ query }));
        assert.equal(answer.status, 400, JSON.stringify(answer.json));
        assert.equal(answer.json.errors[0].extensions.code, 'BAD_USER_INPUT', JSON.stringify(answer.json));
        assert.equal(answer.json.errors[0].extensions.reason, 'SUBSCRIPTION_OVER_HTTP');
      }
      assert.deepEqual(logged, [], 'no stack trace, nothing unexpected logged');
    });

    it('serves exact paths only: encoded, dotted, doubled or trailing variants are 404', async () => {
      const base = new URL(server.url);
      assert.equal((await rawRequest(base, '/graphql')).status, 200);
      assert.equal((await rawRequest(base, '/graphql?x=1')).status, 200);
      for (const path of ['/x/%2e%2e/graphql', '/x/../graphql', '/./graphql', '/graphql/', '//graphql', '/%67raphql', '/GRAPHQL', '/graphql%00', '/graphql;x', '/graphql#x', '/readyz/', '/%2Fgraphql']) {
        const answer = await rawRequest(base, path);
        assert.equal(answer.status, 404, `${path}: ${answer.status} ${answer.text.slice(0, 100)}`);
      }
      assert.deepEqual(requestTarget('/graphql?a=%2e'), { path: '/graphql', search: '?a=%2e' });
      assert.equal(requestTarget('http://127.0.0.1/graphql'), null);
      assert.equal(requestTarget('*'), null);
    });

    it('cuts a stalled upload (408, connection closed) at HTTP_REQUEST_TIMEOUT, and stalled headers at HTTP_HEADERS_TIMEOUT', async () => {
      const base = new URL(server.url);
      const [upload, headers] = await Promise.all([
        stall(base, `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 92160\r\n\r\n${'{"query":"'.padEnd(1000, ' ')}`, 5000),
        stall(base, 'POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: ', 5000),
      ]);
      assert.notEqual(upload.closedAfter, null, 'the stalled upload was cut');
      assert.ok(upload.closedAfter! < 3000, `cut after ${upload.closedAfter} ms`);
      assert.match(upload.text, /^HTTP\/1\.1 408/);
      assert.notEqual(headers.closedAfter, null, 'the stalled headers were cut');
      assert.ok(headers.closedAfter! < 3000, `cut after ${headers.closedAfter} ms`);
      assert.deepEqual(logged, []);
      assert.deepEqual(warnings, []);
    });

    it('a client that leaves in the middle of its body costs nothing and logs no error; the next request is served', async () => {
      const base = new URL(server.url);
      await new Promise<void>((resolve) => {
        const socket = connect(Number(base.port), base.hostname, () => {
          socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"query":`, () => setTimeout(() => socket.destroy(), 50));
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
      assert.equal(assertData(await gql(server.url, '{ __typename }')).__typename, 'Query');
      assert.deepEqual(logged, []);
      assert.deepEqual(warnings, []);
    });
  });
});

describe('/readyz means "can serve"', () => {
  let server: TestServer;
  const warnings: string[] = [];
  before(async () => {
    // A port nothing listens on: Redis does not answer.
    const probe = createTcpServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    server = await startTestServer('sqlite', { REDIS_URL: `redis://127.0.0.1:${port}` }, { warn: (line) => warnings.push(line) });
  });
  after(() => server?.stop());

  it('answers 200 while Redis does not answer, and says the bus is down', async () => {
    const base = server.url.replace(/\/graphql$/, '');
    const response = await fetch(`${base}/readyz`);
    const body = await response.json();
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.deepEqual(body, { status: 'ok', database: 'up', bus: { name: 'redis', state: 'down' } });
    // And it does serve, checking sessions in the database.
    await server.createUser({ username: 'ready' });
    const { tokenAuth } = assertData(await gql(server.url, 'mutation { tokenAuth(username: "ready", password: "correct horse") { token } }'));
    assert.equal(assertData(await gql(server.url, '{ me { username } }', {}, { authorization: `Bearer ${tokenAuth.token}` })).me.username, 'ready');
    assert.ok(warnings.some((line) => /unreachable/.test(line)), warnings.join('\n'));
  });
});

describe('HTTP timeout settings', () => {
  it('have defaults that fit an auth API, and headers may not outlast the request', () => {
    const settings = loadSettings(testEnv());
    assert.equal(settings.server.headersTimeout, 10);
    assert.equal(settings.server.requestTimeout, 15);
    assert.throws(() => loadSettings(testEnv({ HTTP_HEADERS_TIMEOUT: '20s', HTTP_REQUEST_TIMEOUT: '10s' })), /HTTP_HEADERS_TIMEOUT/);
  });
});

/** What a terminal or a log viewer would act on: escapes, controls, bidi and invisible format characters. */
const UNPRINTABLE = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/;

describe('device names, user agents and audit fields are printable', () => {
  it('printable() strips escapes, controls and bidi characters and collapses whitespace', () => {
    assert.equal(printable('Pixel\u202e\r\n\x1b[31mowned\x1b[0m   7', 255), 'Pixel owned 7');
    assert.equal(printable('\x1b]0;title\x07tab\tand\u2028line\u0085next\u00a0x', 255), 'tab and line next x');
    assert.equal(printable('a\u2066b\u2069c\u200bd\u0000e\x7ff\x9b1mg', 255), 'abcdefg');
    assert.equal(printable('\ud800x\udfff', 255), '\ufffdx\ufffd');
    assert.equal(printable('😀'.repeat(300), 255), '😀'.repeat(255), 'cut by code points');
    assert.equal(printable(' \r\n\t ', 255), '');
    // Plain text comes back as it is; spaces at the ends or doubled, and length, still count.
    assert.equal(printable('/graphql', 200), '/graphql');
    assert.equal(printable('Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101', 255), 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101');
    assert.equal(printable(' a  b ', 255), 'a b');
    assert.equal(printable('x'.repeat(300), 255), 'x'.repeat(255));
  });

  let server: TestServer;
  const lines: string[] = [];
  before(async () => {
    const logger = createLogger({ logging: { level: 'info' } }, { write: (line: string) => void lines.push(line) });
    server = await startTestServer('sqlite', {}, { logger });
    await server.createUser({ username: 'printer' });
  });
  after(() => server?.stop());

  it('sanitizes the device name and user agent at login, so devices echoes clean text', async () => {
    const LOGIN_DEVICE = 'mutation($n: String) { tokenAuth(username: "printer", password: "correct horse", deviceName: $n) { token device { name userAgent } } }';
    // Node reads header bytes as latin1 and refuses CR, LF and ESC in them: what gets through is 0x80–0xff (here UTF-8 of U+202E), tabs and runs of spaces.
    const agent = 'Mozilla\xe2\x80\xae/5.0 \t\t (fake)\x9b';
    const named = assertData(await gql(server.url, LOGIN_DEVICE, { n: 'Work\u202eenohp\r\nadmin login ok\x1b[0m' }, { 'user-agent': agent })).tokenAuth;
    assert.equal(named.device.name, 'Workenohp admin login ok');
    assert.equal(named.device.userAgent, 'Mozilla\xe2\xae/5.0 (fake)');
    // A name that is nothing but controls falls through to the next source (X-Device-Model).
    const fallback = assertData(await gql(server.url, LOGIN_DEVICE, { n: '\u202e\x1b[0m\r\n' }, { 'user-agent': agent, 'x-device-model': 'Pixel\t\t7\x85' })).tokenAuth;
    assert.equal(fallback.device.name, 'Pixel 7');
    const { devices } = assertData(await gql(server.url, '{ devices { name userAgent } }', {}, { authorization: `Bearer ${named.token}` }));
    for (const device of devices) {
      assert.equal(UNPRINTABLE.test(device.name), false, JSON.stringify(device));
      assert.equal(UNPRINTABLE.test(device.userAgent ?? ''), false, JSON.stringify(device));
    }
    const stored = await server.sql<{ name: string; user_agent: string }>('select name, user_agent from gatehouse_device');
    for (const row of stored) assert.equal(UNPRINTABLE.test(row.name + row.user_agent), false, JSON.stringify(row));
  });

  it('writes a hostile username into the audit line as printable text', async () => {
    const username = 'root\u202e\r\n{"audit":"login.succeeded"}\x1b[8m';
    await gql(server.url, 'mutation($u: String!) { tokenAuth(username: $u, password: "x") { token } }', { u: username });
    const failed = lines.map((line) => JSON.parse(line)).find((line) => line.audit === 'login.failed');
    assert.ok(failed, lines.join(''));
    assert.equal(failed.username, 'root {"audit":"login.succeeded"}');
  });
});

describe('client addresses behind a proxy', () => {
  it('parses ip:port and [v6]:port in X-Forwarded-For, and buckets IPv6 by /64', () => {
    assert.equal(clientAddress('10.0.0.1', '198.51.100.4, 203.0.113.9:51234', true), '203.0.113.9');
    assert.equal(clientAddress('10.0.0.1', '[2001:DB8::1]:443', true), '2001:db8::1');
    assert.equal(clientAddress('10.0.0.1', '[2001:db8::1]', true), '2001:db8::1');
    assert.equal(clientAddress('10.0.0.1', '[::ffff:192.0.2.7]:80', true), '192.0.2.7');
    assert.equal(clientAddress('10.0.0.1', 'garbage:80', true), '10.0.0.1');
    assert.equal(clientAddress('10.0.0.1', '203.0.113.9:51234', false), '10.0.0.1');
    assert.equal(addressBucket('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
    assert.equal(addressBucket('2001:0db8:0001:0002::1'), '2001:db8:1:2::/64');
    assert.equal(addressBucket('2001:db8::'), '2001:db8:0:0::/64');
    assert.equal(addressBucket('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
    assert.equal(addressBucket('203.0.113.9'), '203.0.113.9');
  });

  let trusted: TestServer;
  let untrusted: TestServer;
  const lines: string[] = [];
  before(async () => {
    const logger = createLogger({ logging: { level: 'info' } }, { write: (line: string) => void lines.push(line) });
    [trusted, untrusted] = await Promise.all([
      startTestServer('sqlite', { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES_PER_ADDRESS: '3', LOGIN_MAX_FAILURES_PER_USER: '0' }),
      startTestServer('sqlite', { LOGIN_MAX_FAILURES_PER_ADDRESS: '3', LOGIN_MAX_FAILURES_PER_USER: '0' }, { logger }),
    ]);
  });
  after(() => Promise.all([trusted?.stop(), untrusted?.stop()]));

  const failLogin = (server: TestServer, forwardedFor: string, user: string) =>
    gql(server.url, 'mutation($u: String!) { tokenAuth(username: $u, password: "wrong") { token } }', { u: user }, { 'x-forwarded-for': forwardedFor });
  const codeOf = async (answer: Promise<{ errors?: Array<{ extensions?: Record<string, unknown> }> }>) => (await answer).errors?.[0].extensions?.code;

  it('counts a proxy-written ip:port as that client, not as the proxy', async () => {
    for (let i = 0; i < 3; i++) assert.equal(await codeOf(failLogin(trusted, `203.0.113.9:${40000 + i}`, `u${i}`)), 'INVALID_CREDENTIALS');
    assert.equal(await codeOf(failLogin(trusted, '203.0.113.9:41000', 'u9')), 'RATE_LIMITED', 'the same client on another port');
    assert.equal(await codeOf(failLogin(trusted, '198.51.100.1:40000', 'u9')), 'INVALID_CREDENTIALS', 'another client is not locked out');
  });

  it('counts every address of one IPv6 /64 in one bucket', async () => {
    for (let i = 1; i <= 3; i++) assert.equal(await codeOf(failLogin(trusted, `[2001:db8:1:2::${i}]:443`, `v${i}`)), 'INVALID_CREDENTIALS');
    assert.equal(await codeOf(failLogin(trusted, '2001:db8:1:2:ffff::99', 'v9')), 'RATE_LIMITED', 'a fresh address of the same /64');
    assert.equal(await codeOf(failLogin(trusted, '2001:db8:1:3::1', 'v9')), 'INVALID_CREDENTIALS', 'the next /64 is another client');
  });

  it('without TRUST_PROXY, warns once when requests carry X-Forwarded-For', async () => {
    for (let i = 0; i < 3; i++) await failLogin(untrusted, `203.0.113.${i}`, `w${i}`);
    const warnings = lines.map((line) => JSON.parse(line)).filter((line) => line.level === 40 && /TRUST_PROXY is off/.test(line.msg));
    assert.equal(warnings.length, 1, lines.join(''));
    // And the failure is what the warning says: every client shares the proxy's address.
    assert.equal(await codeOf(failLogin(untrusted, '198.51.100.200', 'w9')), 'RATE_LIMITED');
  });
});
