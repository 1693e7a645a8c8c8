/**
 * Production mode and the HTTP hardening that holds in every mode: start-up refuses weak or
 * missing secrets with one line naming the variable; no Sandbox, introspection or field
 * suggestions in production; document limits (depth, aliases, cost, tokens); the body size
 * limit (413); Apollo's CSRF prevention; and no stack trace in any error, in any mode.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_BODY_BYTES } from '../src/server/http';
import { loadSettings, SettingsError } from '../src/settings';
import { loadTokenKeys } from '../src/tokens/keys';
import { startTestServer, TEST_SECRET, testEnv, type TestServer } from './support/server';
import { assertData, assertError, gql, LOGIN, login, ME } from './support/http';
import { pemPair } from './support/jwt';

const MAIN = join(__dirname, '..', 'src', 'server', 'main.js');

/** Runs `npm start`'s entry with this environment; it must stop at once (settings are checked before anything else). */
function start(env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('JWT_') && name !== 'NODE_ENV'));
  const result = spawnSync(process.execPath, [MAIN], { env: { ...clean, PORT: '0', DATABASE_URL: 'sqlite::memory:', ...env }, encoding: 'utf8', timeout: 20_000 });
  return { code: result.status, lines: result.stderr.trim().split('\n'), stderr: result.stderr };
}

describe('production start-up', () => {
  it('refuses to start without JWT_SECRET, with a short one, or without keys: one line naming the variable', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
      [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31) }, 'JWT_SECRET'],
      [{ NODE_ENV: 'production', JWT_SECRET: 'é'.repeat(15) }, 'JWT_SECRET'], // 30 bytes, 15 characters
      [{ NODE_ENV: 'production', JWT_ALGORITHM: 'ES256' }, 'JWT_PRIVATE_KEY'],
      [{ NODE_ENV: 'production', JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: '/nonexistent/private.pem' }, 'JWT_PRIVATE_KEY'],
      [{ NODE_ENV: 'production', JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: pemPair('ec').privatePem }, 'JWT_PRIVATE_KEY'],
    ];
    // The process for the first and the last (a setting refused by loadSettings, a key refused
    // when the keys are read); main.ts prints every SettingsError the same way, so the others
    // are checked in this process: the error names the variable, in one line.
    for (const [index, [env, variable]] of cases.entries()) {
      if (index === 0 || index === cases.length - 1) {
        const result = start(env);
        assert.notEqual(result.code, 0, `${JSON.stringify(env)} must not start`);
        assert.equal(result.lines.length, 1, result.stderr);
        assert.match(result.lines[0], new RegExp(`^gatehouse: Invalid setting ${variable}: `), result.stderr);
        assert.equal(/\n\s+at /.test(result.stderr), false, 'no stack trace');
      } else {
        assert.throws(
          () => loadTokenKeys(loadSettings({ PORT: '0', DATABASE_URL: 'sqlite::memory:', ...env })),
          (error: unknown) => error instanceof SettingsError && error.variable === variable && new RegExp(`^Invalid setting ${variable}: [^\n]+$`).test(error.message),
          JSON.stringify(env),
        );
      }
    }
  });

  it('accepts a 32-byte secret, and in development a generated one', () => {
    const random = 'lVguXCzJQNLjVd/+rUjElMCQphvIKgug';
    assert.equal(loadSettings({ NODE_ENV: 'production', JWT_SECRET: random }).tokens.secret, random);
    // Long enough but trivial: one repeated letter, a short period, a repeated word.
    for (const trivial of ['x'.repeat(32), 'x'.repeat(200), 'ab'.repeat(16), 'password'.repeat(4)]) {
      assert.throws(() => loadSettings({ NODE_ENV: 'production', JWT_SECRET: trivial }), /JWT_SECRET.*too predictable/, trivial);
    }
    // Random secrets pass, as hex (openssl rand -hex 32) and as base64 (openssl rand -base64 24 and 48).
    for (let i = 0; i < 200; i++) {
      for (const secret of [randomBytes(32).toString('hex'), randomBytes(24).toString('base64'), randomBytes(48).toString('base64')]) {
        assert.equal(loadSettings({ NODE_ENV: 'production', JWT_SECRET: secret }).tokens.secret, secret);
      }
    }
    assert.throws(() => loadSettings({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31) }), SettingsError);
    assert.equal(loadSettings({ NODE_ENV: 'development' }).tokens.secret, null);
  });
});

describe('production server', () => {
  let prod: TestServer;
  let dev: TestServer;
  before(async () => {
    [prod, dev] = await Promise.all([startTestServer('sqlite', { NODE_ENV: 'production' }), startTestServer('sqlite', { NODE_ENV: 'development' })]);
    await prod.createUser({ username: 'prod' });
  });
  after(() => Promise.all([prod.stop(), dev.stop()]));

  it('serves no Sandbox page in production (development does)', async () => {
    const page = async (url: string) => {
      const response = await fetch(url, { headers: { accept: 'text/html' } });
      return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
    };
    const development = await page(dev.url);
    assert.equal(development.status, 200);
    assert.match(development.type, /text\/html/);
    assert.match(development.text, /sandbox/i);
    const production = await page(prod.url);
    assert.equal(production.status, 200, 'a page that says what this is');
    assert.match(production.text, /Gatehouse/);
    assert.doesNotMatch(production.text, /sandbox|<script|apollographql\.com/i);
  });

  it('refuses introspection and hides field suggestions in production (development allows both)', async () => {
    const introspection = '{ __schema { queryType { name } } }';
    assert.equal(assertData(await gql(dev.url, introspection)).__schema.queryType.name, 'Query');
    assertError(await gql(prod.url, introspection), 'BAD_USER_INPUT');
    assertError(await gql(prod.url, '{ __type(name: "User") { fields { name } } }'), 'BAD_USER_INPUT');
    assert.match((await gql(dev.url, '{ mee { id } }')).errors![0].message, /Did you mean "me"/);
    const hidden = assertError(await gql(prod.url, '{ mee { id } }'), 'BAD_USER_INPUT');
    assert.doesNotMatch(hidden.message, /"me"/);
  });

  it('limits query depth, aliases, directives and tokens', async () => {
    const deep = `{ me { ${'a { '.repeat(12)}id${' }'.repeat(12)} } }`;
    const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    const directives = `{ me { id ${'@include(if: true) '.repeat(51)} } }`;
    const tokens = `{ me { ${'id '.repeat(1000)} } }`;
    for (const url of [prod.url, dev.url]) {
      assert.match(assertError(await gql(url, deep), 'BAD_USER_INPUT').message, /depth/i);
      assert.match(assertError(await gql(url, aliases), 'BAD_USER_INPUT').message, /aliases/i);
      assert.match(assertError(await gql(url, directives), 'BAD_USER_INPUT').message, /directives/i);
      assert.match(assertError(await gql(url, tokens), 'BAD_USER_INPUT').message, /tokens/i);
      // 15 aliases are fine.
      const fifteen = await gql(url, `{ ${Array.from({ length: 15 }, (_, i) => `a${i}: __typename`).join(' ')} }`);
      assert.equal(fifteen.errors, undefined);
    }
  });

  it('limits the query cost (GRAPHQL_MAX_COST)', async () => {
    const cheap = await startTestServer('sqlite', { GRAPHQL_MAX_COST: '30' });
    try {
      await cheap.createUser({ username: 'cost' });
      assertData(await gql(cheap.url, 'mutation { tokenAuth(username: "cost", password: "correct horse") { token } }'));
      assert.match(assertError(await login(cheap.url, 'cost'), 'BAD_USER_INPUT').message, /cost/i);
    } finally {
      await cheap.stop();
    }
  });

  it('answers 413 with a JSON error to a body over 100 KiB, and serves one just under', async () => {
    const body = (size: number) => {
      const base = JSON.stringify({ query: LOGIN, variables: { username: 'prod', password: 'correct horse', deviceName: '' } });
      return base.replace('"deviceName":""', `"deviceName":"${'x'.repeat(size - base.length)}"`);
    };
    const send = (text: string) => fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    const under = await send(body(MAX_BODY_BYTES));
    assert.equal(under.status, 200);
    assert.equal(((await under.json()) as { errors?: unknown }).errors, undefined);
    for (const size of [MAX_BODY_BYTES + 1, 5 * MAX_BODY_BYTES]) {
      const over = await send(body(size));
      assert.equal(over.status, 413);
      assert.match(over.headers.get('content-type') ?? '', /application\/json/);
      const json = (await over.json()) as { errors: Array<{ extensions: { code: string } }> };
      assert.equal(json.errors[0].extensions.code, 'BAD_USER_INPUT');
    }
  });

  it('refuses GET and simple-content-type POSTs without a preflight header (CSRF)', async () => {
    const query = encodeURIComponent('{ __typename }');
    const blocked = [
      await fetch(`${prod.url}?query=${query}`),
      await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) }),
      await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${query}` }),
      await fetch(prod.url, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' }),
    ];
    for (const response of blocked) {
      assert.equal(response.status, 400);
      const json = (await response.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
      assert.match(json.errors[0].message, /Cross-Site Request Forgery/);
      assert.equal(json.errors[0].extensions.code, 'BAD_USER_INPUT');
    }
    const allowed = await fetch(`${prod.url}?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    assert.equal(allowed.status, 200);
    assert.deepEqual(await allowed.json(), { data: { __typename: 'Query' } });
  });
});

describe('no stack traces, in any mode', () => {
  for (const mode of ['development', 'production', 'test']) {
    it(`${mode}: parse, validation, input, contract and unexpected errors carry no stack or internals`, async () => {
      const logged: unknown[] = [];
      const server = await startTestServer('sqlite', { NODE_ENV: mode }, {
        log: (error) => logged.push(error),
        hooks: {
          extraClaims: (user) => {
            if (user.username === 'boom') throw new Error(`hook failed at /srv/secret/path for ${TEST_SECRET}`);
            return {};
          },
        },
      });
      try {
        await server.createUser({ username: 'boom' });
        const answers = [
          await gql(server.url, '{ me { id '),
          await gql(server.url, '{ nope }'),
          await gql(server.url, LOGIN, { username: 1, password: {} }),
          await gql(server.url, ME, {}, { authorization: 'Bearer x.y.z' }),
          await login(server.url, 'boom', 'wrong'),
        ];
        const internal = await login(server.url, 'boom');
        assert.equal(internal.errors?.[0].message, 'Internal server error.');
        assert.equal(internal.errors?.[0].extensions?.code, 'INTERNAL_SERVER_ERROR');
        assert.equal(logged.length, 1, 'the unexpected error is logged on the server');
        for (const answer of [...answers, internal]) {
          assert.ok(answer.errors?.length);
          const text = JSON.stringify(answer.errors);
          assert.equal(/stacktrace|\bat .*\(.*:\d+:\d+\)|\/srv\/|node_modules|\.ts:|\.js:/.test(text), false, text);
          assert.equal(text.includes(TEST_SECRET), false);
          assert.notEqual(answer.status, 500);
        }
        // What the HTTP layer answers before GraphQL: not JSON, not a JSON object.
        for (const body of ['{', '[]', '"query"', 'null']) {
          const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          assert.equal(response.status, 400, body);
          const text = await response.text();
          assert.equal(/stacktrace|\bat .*:\d+:\d+/.test(text), false, text);
        }
      } finally {
        await server.stop();
      }
    });
  }
});
