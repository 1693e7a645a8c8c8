/**
 * The hostile-input suite: property-based (fast-check) generation of refused tokens and
 * Authorization headers, and of hostile arguments and documents for every mutation in
 * schema.graphql, sent over HTTP to running servers. Every answer carries a contract code
 * (and the right reason), never HTTP 500, never a stack trace, and the server logs nothing.
 * Bounded: about 500 tokens per server, requests in small concurrent batches. Also: variables
 * nested thousands deep or tens of thousands wide, content types only one parser would
 * accept, and mutations aliased many times over.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { buildSchema, getNamedType, isLeafType, isNonNullType, type GraphQLArgument, type GraphQLField } from 'graphql';
import { migrate, openDatabase } from '../src/db/orm';
import { ErrorCode } from '../src/errors';
import { loadSettings } from '../src/settings';
import { thumbprint } from '../src/tokens/keys';
import { createUser } from '../src/users/create';
import { sharedPair } from './support/jwt';
import { postgresSkip } from './support/postgres';
import { startTestServer, TEST_SECRET, testEnv, type DatabaseKind, type TestServer } from './support/server';
import { assertData, gql, login, LOGIN, ME, REFRESH, send, VERIFY, type GraphQLResponse } from './support/http';
import { goodToken, headerSafe, headerValue, hostileHeaders, hostileStrings, hostileTokens, type HostileToken, type Target } from './support/hostile';

const AUDIENCE = 'hostile-suite';
const ISSUER = 'https://gatehouse.hostile.test';
const CONTRACT_CODES: readonly string[] = Object.values(ErrorCode);
const PASSWORD = 'victim password 9f3b';

/**
 * Runs of the token property; each run sends a batch of this many tokens three ways. 500
 * tokens per server give each of the 11 kinds about 45 (at least 20 is checked below), so
 * every branch of each kind's generator many times; 1,000 cost twice the CPU (~4 s a server)
 * for repeats of the same branches.
 */
const TOKEN_RUNS = 125;
const TOKEN_BATCH = 4;

/**
 * Runs of each property of the argument suite, per database (three requests a run). On
 * SQLite, 30 runs give each mutation's argument about 90 values, i.e. each of the six
 * branches of `hostileStrings` and the wrong-type values about 15 times. PostgreSQL runs the
 * same properties on fewer samples: what differs there is only the database under the same
 * resolvers (its column types and lengths, its refusal of U+0000), and 12 runs still give each
 * argument about 36 values, each branch about 6 times; documents and bodies are refused
 * before any resolver but for the aliased and hostile sign-ins they contain.
 */
const RUNS = {
  sqlite: { arguments: 30, documents: 80, bodies: 60, variables: 20 },
  postgresql: { arguments: 12, documents: 24, bodies: 18, variables: 8 },
} as const;

/** A key pair no server here knows (re-signing, header-key injection): shared RSA slot 0 (RS256 servers here use slot 1). */
let strangerPair: { privateKey: KeyObject; kid: string } | undefined;
function stranger(): { privateKey: KeyObject; kid: string } {
  if (!strangerPair) {
    const pair = sharedPair('rsa', 2048, 0);
    strangerPair = { privateKey: pair.privateKey, kid: thumbprint(pair.publicKey) };
  }
  return strangerPair;
}

/** Every error of the answer has one of `codes` (and `reason` when given); never 500, never a stack trace. */
function assertRefused(answer: GraphQLResponse, codes: readonly string[], reason: string | undefined, label: string) {
  const text = JSON.stringify({ errors: answer.errors, data: answer.data });
  assert.notEqual(answer.status, 500, `${label}: HTTP 500 ${text}`);
  assert.ok(answer.errors?.length, `${label}: expected an error, got ${text}`);
  for (const error of answer.errors!) {
    assert.ok(codes.includes(error.extensions?.code as string), `${label}: code ${error.extensions?.code} not in ${codes.join('|')}: ${text}`);
    if (reason !== undefined) assert.equal(error.extensions?.reason, reason, `${label}: ${text}`);
  }
  assert.equal(/stacktrace|\bat .*:\d+:\d+/.test(text), false, `${label}: stack trace in ${text}`);
}

interface Hostile {
  server: TestServer;
  target: Target;
  logged: unknown[];
}

async function startHostile(kind: DatabaseKind, algorithm: 'HS256' | 'RS256'): Promise<Hostile> {
  const logged: unknown[] = [];
  // Login limits off: every hostile tokenAuth must reach the password check, not stop at RATE_LIMITED.
  let env: Record<string, string> = { JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER, JWT_LEEWAY: '5s', LOGIN_MAX_FAILURES_PER_USER: '0', LOGIN_MAX_FAILURES_PER_ADDRESS: '0' };
  let key: Target['key'] = { alg: 'HS256', secret: TEST_SECRET };
  if (algorithm === 'RS256') {
    const pair = sharedPair('rsa', 2048, 1);
    env = { ...env, JWT_ALGORITHM: 'RS256', JWT_PRIVATE_KEY: pair.privatePem };
    key = { alg: 'RS256', privateKey: pair.privateKey, kid: thumbprint(pair.publicKey) };
  }
  const server = await startTestServer(kind, env, { log: (error) => logged.push(error) });
  const { id } = await server.createUser({ username: 'victim', password: PASSWORD });
  const target: Target = { sub: id, username: 'victim', audience: AUDIENCE, issuer: ISSUER, leeway: 5, key, stranger: stranger() };
  return { server, target, logged };
}

/** One token, three ways in: the Authorization header of an @auth field, verifyToken, refreshToken(token:). */
async function sendToken(url: string, hostile: HostileToken) {
  const label = `${hostile.kind} token ${JSON.stringify(hostile.token.slice(0, 120))}`;
  const header = headerSafe(hostile.token);
  const [me, verify, refresh] = await Promise.all([
    gql(url, ME, {}, { authorization: `Bearer ${header}` }),
    gql(url, VERIFY, { token: hostile.token }),
    gql(url, REFRESH, { token: hostile.token }),
  ]);
  assertRefused(me, [ErrorCode.UNAUTHENTICATED], header === hostile.token ? hostile.reason : 'INVALID_TOKEN', `${label} as a header`);
  // U+0000 in any argument is refused before any resolver runs (see rejectNulCharacters).
  const [code, reason] = hostile.token.includes('\u0000') ? [ErrorCode.BAD_USER_INPUT, undefined] : [ErrorCode.INVALID_TOKEN, hostile.reason];
  assertRefused(verify, [code], reason, `${label} to verifyToken`);
  assertRefused(refresh, [code], reason, `${label} to refreshToken(token:)`);
}

// Tokens are refused before any database access, so SQLite is enough here; the argument suites below run on both.
for (const [kind, algorithm] of [['sqlite', 'HS256'], ['sqlite', 'RS256']] as const) {
  describe(`hostile tokens and headers (${algorithm}) [${kind}]`, () => {
    let h: Hostile;
    before(async () => {
      h = await startHostile(kind, algorithm);
    });
    after(() => h?.server.stop());

    it('the control token is accepted (so the refusals below mean something)', async () => {
      const token = goodToken(h.target);
      assert.equal(assertData(await gql(h.server.url, ME, {}, { authorization: `Bearer ${token}` })).me.username, 'victim');
      assertData(await gql(h.server.url, VERIFY, { token }));
    });

    it(`refuses ${TOKEN_RUNS * TOKEN_BATCH} generated tokens with the contract's code and reason`, async () => {
      const kinds = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(fc.array(hostileTokens(h.target), { minLength: TOKEN_BATCH, maxLength: TOKEN_BATCH }), async (batch) => {
          for (const token of batch) kinds.set(token.kind, (kinds.get(token.kind) ?? 0) + 1);
          await Promise.all(batch.map((token) => sendToken(h.server.url, token)));
        }),
        { numRuns: TOKEN_RUNS, includeErrorInReport: true },
      );
      const total = [...kinds.values()].reduce((sum, n) => sum + n, 0);
      assert.ok(total >= TOKEN_RUNS * TOKEN_BATCH, `only ${total} tokens`);
      for (const name of ['malformed', 'truncated', 'tampered', 're-signed', 'alg-swapped', 'expired', 'not-yet-valid', 'wrong-audience', 'wrong-issuer', 'wrong-shape', 'oversized']) {
        assert.ok((kinds.get(name) ?? 0) >= 20, `few ${name} tokens: ${JSON.stringify([...kinds])}`);
      }
      assert.deepEqual(h.logged, [], 'nothing unexpected was logged');
    });

    it('refuses generated Authorization headers with UNAUTHENTICATED and the right reason', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(hostileHeaders(h.target), { minLength: 4, maxLength: 4 }), async (headers) => {
          const answers = await Promise.all(headers.map((header) => gql(h.server.url, ME, {}, { authorization: header.value })));
          answers.forEach((answer, i) => assertRefused(answer, [ErrorCode.UNAUTHENTICATED], headers[i].reason, `header ${JSON.stringify(headers[i].value.slice(0, 120))}`));
        }),
        { numRuns: 75, includeErrorInReport: true },
      );
      assert.deepEqual(h.logged, []);
    });

    it('answers an Authorization header over 16 KiB with 431, not 500', async () => {
      const response = await send(h.server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${'A'.repeat(20_000)}` }, body: JSON.stringify({ query: ME }) });
      assert.equal(response.status, 431);
      assertRefused(await gql(h.server.url, VERIFY, { token: 'A'.repeat(60_000) }), [ErrorCode.INVALID_TOKEN], 'INVALID_TOKEN', '60 kB token argument');
    });
  });
}

// ---- Arguments and documents, on every mutation of the schema ----

const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8'));
const MUTATIONS = Object.values(schema.getMutationType()!.getFields());

/** What each known mutation may answer to hostile arguments; a mutation added later may answer any contract code or data. */
const EXPECTED: Record<string, readonly string[]> = {
  tokenAuth: [ErrorCode.INVALID_CREDENTIALS, ErrorCode.BAD_USER_INPUT],
  verifyToken: [ErrorCode.INVALID_TOKEN, ErrorCode.BAD_USER_INPUT],
  refreshToken: [ErrorCode.INVALID_TOKEN, ErrorCode.INVALID_REFRESH_TOKEN, ErrorCode.BAD_USER_INPUT],
};

function argumentValue(arg: GraphQLArgument): fc.Arbitrary<unknown> {
  const type = getNamedType(arg.type).name;
  const value: fc.Arbitrary<unknown> =
    type === 'String' || type === 'ID' ? hostileStrings
    : type === 'Int' ? fc.oneof(fc.integer(), fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1.5, '1', true))
    : type === 'Boolean' ? fc.oneof(fc.boolean(), fc.constantFrom('true', 0, null))
    : fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileStrings);
  // Sometimes a wrong type, null or nothing at all, even for required arguments.
  return fc.oneof({ arbitrary: value, weight: 8 }, { arbitrary: fc.constantFrom<unknown>(undefined, null, 12, ['x'], { x: 1 }), weight: 1 });
}

function operationFor(field: GraphQLField<unknown, unknown>): string {
  const declared = field.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const passed = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `mutation Hostile${declared ? `(${declared})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`;
}

/** A GraphQL string literal (JSON's escapes are GraphQL's, except that lone surrogates make a syntax error: also fine). */
const literal = (text: string) => JSON.stringify(text);

const hostileDocuments: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.tuple(fc.constantFrom(LOGIN, REFRESH, VERIFY, ME), fc.nat(), fc.constantFrom('', '{', '}', '(', ')', '$', '"', '\\', '@', '...', '#', '\u0000', 'é')).map(([doc, n, text]) => {
    const at = n % doc.length;
    return doc.slice(0, at) + text + doc.slice(at + 1);
  }),
  fc.integer({ min: 1, max: 3000 }).map((n) => `{ ${'me { '.repeat(n)}id${' }'.repeat(n)} }`),
  fc.integer({ min: 1, max: 5000 }).map((n) => `${'{'.repeat(n)}`),
  fc.integer({ min: 16, max: 400 }).map((n) => `mutation { ${Array.from({ length: n }, (_, i) => `a${i}: verifyToken(token: "x") { __typename }`).join(' ')} }`),
  fc.constant('query A { ...F } fragment F on Query { ...G } fragment G on Query { ...F }'),
  fc.constant('mutation A { tokenAuth(username: "a", password: "b") { token } } mutation B { verifyToken(token: "x") { __typename } }'),
  fc.tuple(hostileStrings, hostileStrings, hostileStrings).map(([username, password, device]) =>
    `mutation { tokenAuth(username: ${literal(username)}, password: ${literal(password)}, deviceName: ${literal(device)}) { token } }`),
  fc.tuple(hostileStrings, hostileStrings).map(([refresh, token]) => `mutation { a: refreshToken(refreshToken: ${literal(refresh)}) { token } b: verifyToken(token: ${literal(token)}) { __typename } }`),
);

for (const kind of ['sqlite', 'postgresql'] as const) {
  describe(`hostile arguments and documents on every mutation [${kind}]`, { skip: kind === 'postgresql' && postgresSkip() }, () => {
    let h: Hostile;
    let accessToken: string;
    let usersBefore: unknown[];
    const users = () => h.server.sql('select id, username, password_hash, is_active, roles from gatehouse_user order by id');
    before(async () => {
      h = await startHostile(kind, 'HS256');
      accessToken = assertData(await login(h.server.url, 'victim', PASSWORD)).tokenAuth.token;
      usersBefore = await users();
    });
    after(() => h?.server.stop());

    it('covers every mutation of schema.graphql', () => {
      assert.ok(MUTATIONS.length >= 3);
      for (const name of Object.keys(EXPECTED)) assert.ok(MUTATIONS.some((field) => field.name === name), name);
    });

    for (const field of MUTATIONS) {
      it(`${field.name}: hostile arguments (unicode, very long, SQL-like, wrong types) get a contract code`, async () => {
        const query = operationFor(field);
        const args = fc.record(Object.fromEntries(field.args.map((arg) => [arg.name, argumentValue(arg)])), { requiredKeys: [] });
        const headers = fc.record({ signedIn: fc.boolean(), refreshHeader: fc.option(hostileStrings.map(headerValue).filter((text) => text.trim() !== ''), { nil: undefined }) });
        await fc.assert(
          fc.asyncProperty(fc.array(fc.tuple(args, headers), { minLength: 3, maxLength: 3 }), async (batch) => {
            const answers = await Promise.all(
              batch.map(([variables, { signedIn, refreshHeader }]) =>
                gql(h.server.url, query, variables as Record<string, unknown>, {
                  ...(signedIn ? { authorization: `Bearer ${accessToken}` } : {}),
                  ...(refreshHeader && field.name === 'refreshToken' ? { 'refresh-token': refreshHeader } : {}),
                }),
              ),
            );
            answers.forEach((answer, i) => {
              const label = `${field.name}(${JSON.stringify(batch[i][0]).slice(0, 200)})`;
              const known = EXPECTED[field.name];
              if (known) assertRefused(answer, known, undefined, label);
              else if (answer.errors) assertRefused(answer, CONTRACT_CODES, undefined, label);
              else assert.ok(answer.status === 200 && answer.data, label);
            });
          }),
          { numRuns: RUNS[kind].arguments, includeErrorInReport: true },
        );
        assert.deepEqual(h.logged, [], 'nothing unexpected was logged');
      });
    }

    it('malformed, oversized, deep and aliased documents get BAD_USER_INPUT (or the mutation\'s own code)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(hostileDocuments, { minLength: 3, maxLength: 3 }), async (documents) => {
          const answers = await Promise.all(
            documents.map(async (query) => {
              const response = await send(h.server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
              const text = response.text;
              return { status: response.status, ...(JSON.parse(text) as { data?: unknown; errors?: GraphQLResponse['errors'] }), headers: response.headers } as GraphQLResponse;
            }),
          );
          answers.forEach((answer, i) => assertRefused(answer, CONTRACT_CODES, undefined, `document ${JSON.stringify(documents[i].slice(0, 200))}`));
        }),
        { numRuns: RUNS[kind].documents, includeErrorInReport: true },
      );
      assert.deepEqual(h.logged, []);
    });

    it('hostile JSON bodies and variables get a 4xx with BAD_USER_INPUT', async () => {
      const bodies = fc.oneof(
        fc.string({ maxLength: 100 }),
        fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
        fc.tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 })).map(([variables, operationName]) => JSON.stringify({ query: LOGIN, variables, operationName })),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(bodies, { minLength: 3, maxLength: 3 }), async (batch) => {
          for (const body of batch) {
            const response = await send(h.server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
            const text = response.text;
            assert.ok(response.status >= 400 && response.status < 500, `${response.status} for ${body.slice(0, 200)}: ${text.slice(0, 300)}`);
            const json = JSON.parse(text) as { errors: Array<{ extensions: { code: string } }> };
            assert.ok(json.errors.every((error) => CONTRACT_CODES.includes(error.extensions.code)), `${body.slice(0, 200)}: ${text.slice(0, 300)}`);
          }
        }),
        { numRuns: RUNS[kind].bodies, includeErrorInReport: true },
      );
      assert.deepEqual(h.logged, []);
    });

    it('deep and wide variables, content-type variants and aliased mutations get a 4xx with a contract code', async () => {
      const nest = (depth: number, open: string, close: string, leaf: string) => `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;
      const variables = fc.oneof(
        fc.integer({ min: 1, max: 6000 }).map((n) => `{"token":${nest(n, '[', ']', '"x"')}}`),
        fc.integer({ min: 1, max: 6000 }).map((n) => `{"token":${nest(n, '{"a":', '}', '1')}}`),
        fc.integer({ min: 1, max: 30_000 }).map((n) => JSON.stringify({ token: new Array(n).fill(0) })),
        fc.integer({ min: 1, max: 5000 }).map((n) => JSON.stringify({ token: 'x', ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`v${i}`, i])) })),
      );
      const bodies = fc.oneof(
        variables.map((vars) => ({ type: 'application/json', body: `{"query":${JSON.stringify(VERIFY)},"variables":${vars}}` })),
        fc.tuple(fc.constantFrom('application/json,', '/application/json', 'application/jsonx', 'application/json/x', 'text/plain; application/json', 'application/json, text/plain',
          'APPLICATION/JSON', ' application/json ;charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', '', 'application/\u00e9'), fc.boolean())
          .map(([type, csrfHeader]) => ({ type, body: JSON.stringify({ query: VERIFY, variables: { token: 'x' } }), csrfHeader })),
        fc.tuple(fc.integer({ min: 2, max: 40 }), fc.constantFrom('tokenAuth(username: "victim", password: "x") { token }', 'verifyToken(token: "x") { __typename }', 'refreshToken(refreshToken: "x") { token }'))
          .map(([n, field]) => ({ type: 'application/json', body: JSON.stringify({ query: `mutation { ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }` }) })),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(bodies, { minLength: 3, maxLength: 3 }), async (batch) => {
          await Promise.all(batch.map(async ({ type, body, csrfHeader }: { type: string; body: string; csrfHeader?: boolean }) => {
            const headers: Record<string, string> = { 'content-type': type, ...(csrfHeader ? { 'apollo-require-preflight': 'true' } : {}) };
            const response = await send(h.server.url, { method: 'POST', headers, body });
            const text = response.text;
            const label = `${JSON.stringify(type)} ${body.slice(0, 120)}…: HTTP ${response.status} ${text.slice(0, 300)}`;
            assert.ok(response.status < 500, label);
            const json = JSON.parse(text) as GraphQLResponse;
            assert.ok(json.errors?.length, label);
            assert.ok(json.errors!.every((error) => CONTRACT_CODES.includes(error.extensions?.code as string)), label);
            assert.equal(/stacktrace|\bat .*:\d+:\d+/.test(text), false, label);
          }));
        }),
        { numRuns: RUNS[kind].variables, includeErrorInReport: true },
      );
      assert.deepEqual(h.logged, []);
    });

    it('SQL-like input changed nothing: the users table is exactly as before', async () => {
      // Compared in SQL rather than by signing in, which rate limiting may refuse after this many failures.
      assert.deepEqual(await users(), usersBefore);
      assert.equal(usersBefore.length, 1);
    });
  });
}

describe('a spawned server under hostile input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-hostile-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('never writes a secret, a password or a token to its output', async () => {
    const env = { ...process.env, ...testEnv({ DATABASE_URL: `sqlite:${join(dir, 'h.sqlite')}`, GATEHOUSE_DATA_DIR: dir, JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER, LOGIN_MAX_FAILURES_PER_USER: '0', LOGIN_MAX_FAILURES_PER_ADDRESS: '0' }) };
    // The user is made in this process (the CLI's users create has suites of its own).
    const settings = loadSettings(env);
    const orm = await openDatabase(settings.database);
    try {
      await migrate(orm);
      await createUser(orm.em.fork(), { username: 'victim', password: PASSWORD }, settings.passwords.bcryptRounds);
    } finally {
      await orm.close(true);
    }
    const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'server', 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL in ${output}`)), 20_000);
        child.stdout.on('data', () => {
          const match = /serving (http:\S+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
      });
      const session = assertData(await login(url, 'victim', PASSWORD)).tokenAuth;
      const sent: string[] = [PASSWORD, TEST_SECRET, session.token, session.refreshToken];
      const target: Target = { sub: session.user.id, username: 'victim', audience: AUDIENCE, issuer: ISSUER, leeway: 0, key: { alg: 'HS256', secret: TEST_SECRET }, stranger: stranger() };
      for (const hostile of fc.sample(hostileTokens(target), 60)) {
        await sendToken(url, hostile);
        sent.push(hostile.token);
      }
      for (const text of fc.sample(hostileStrings, 30)) {
        assertRefused(await login(url, 'victim', text), EXPECTED.tokenAuth, undefined, 'wrong password');
        assertRefused(await gql(url, REFRESH, { refreshToken: text }), EXPECTED.refreshToken, undefined, 'refresh token');
      }
      assertRefused(await gql(url, '{ me { id '), CONTRACT_CODES, undefined, 'parse error');
      child.kill('SIGTERM');
      await exited;
      const lines = output.trim().split('\n');
      assert.match(lines[0], /^Gatehouse is serving http:/);
      assert.deepEqual(lines.slice(1), ['gatehouse: SIGTERM, shutting down'], 'nothing else was written');
      for (const secret of sent.filter((text) => text.length >= 8)) assert.equal(output.includes(secret), false);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
