import { systemClock } from '../src/util/clock';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { execute, type ExecutionResult, parse } from 'graphql';
import { buildGatehouseSchema, DIRECT_RESOLVERS, printGatehouseSchema } from '../src/graphql/schema';
import { settingsWith } from '../src/settings';
import { signAccessToken } from '../src/tokens/access/sign';
import { VerifiedTokenCache } from '../src/tokens/access/verified-cache';
import { loadTokenKeys } from '../src/tokens/keys';
import { SessionCache } from '../src/sessions/cache';

const committed = readFileSync(join(__dirname, '..', '..', 'schema.graphql'), 'utf8');

it('the committed schema.graphql is what the code builds (run "npm run schema" after changing the API)', async () => {
  assert.equal(committed, await printGatehouseSchema());
});

it('schema.graphql shows the @auth directive and where it is applied', () => {
  assert.match(committed, /directive @auth\(roles: \[String!\]\) on OBJECT \| FIELD_DEFINITION/);
  assert.match(committed, /me: User! @auth\n/);
  assert.match(committed, /users: \[User!\]! @auth\(roles: \["admin"\]\)/);
  assert.match(committed, /tokenAuth\(username: String!, password: String!, deviceName: String\): AuthPayload!/);
  assert.match(committed, /refreshToken\(refreshToken: String, token: String\): AuthPayload!/);
});

it('verifyToken answers synchronously when the caches know the session: no promise between graphql-js and the caches', async () => {
  const settings = settingsWith({ tokens: { secret: 'schema-test-secret-0123456789-abcdefghij' } });
  const keys = loadTokenKeys(settings);
  const { token } = signAccessToken({ userId: 'u-1', username: 'alice', origIat: 1 }, settings, keys, Math.floor(Date.now() / 1000));
  const schema = await buildGatehouseSchema();
  assert.equal(schema.getMutationType()?.getFields().verifyToken.resolve, DIRECT_RESOLVERS.Mutation.verifyToken);
  const sessions = new SessionCache(60, systemClock);
  sessions.rememberUser({ id: 'u-1', username: 'alice', email: null, emailVerified: false, roles: [], isActive: true, lastLogin: null, dateJoined: new Date(), tokensValidAfter: 0 });
  const contextValue = { gatehouse: { gh: { settings, keys, clock: systemClock, verifiedTokens: new VerifiedTokenCache(), sessions } } };
  const document = parse('mutation ($token: String!) { verifyToken(token: $token) { payload { sub username } } }');
  const good = execute({ schema, document, variableValues: { token }, contextValue });
  assert.ok(!(good instanceof Promise), 'execute() gave a promise');
  assert.deepEqual(JSON.parse(JSON.stringify(good)), { data: { verifyToken: { payload: { sub: 'u-1', username: 'alice' } } } });
  const bad = execute({ schema, document, variableValues: { token: token.slice(0, -2) }, contextValue });
  assert.ok(!(bad instanceof Promise), 'execute() gave a promise for a bad token');
  assert.equal((bad as ExecutionResult).errors?.[0].extensions.code, 'INVALID_TOKEN');
});

it('me answers synchronously when the caches know the caller, through its direct resolver under @auth', async () => {
  const settings = settingsWith({ tokens: { secret: 'schema-test-secret-0123456789-abcdefghij' } });
  const keys = loadTokenKeys(settings);
  const { token } = signAccessToken({ userId: 'u-1', username: 'alice', origIat: 1 }, settings, keys, Math.floor(Date.now() / 1000));
  const schema = await buildGatehouseSchema();
  const sessions = new SessionCache(60, systemClock);
  sessions.rememberUser({ id: 'u-1', username: 'alice', email: null, emailVerified: false, roles: [], isActive: true, lastLogin: null, dateJoined: new Date(), tokensValidAfter: 0 });
  const gh = { settings, keys, clock: systemClock, verifiedTokens: new VerifiedTokenCache(), sessions };
  const document = parse('{ me { id username } }');
  const good = execute({ schema, document, contextValue: { gatehouse: { gh, headers: { authorization: `Bearer ${token}` } } } });
  assert.ok(!(good instanceof Promise), 'execute() gave a promise');
  assert.deepEqual(JSON.parse(JSON.stringify(good)), { data: { me: { id: 'u-1', username: 'alice' } } });
  const none = execute({ schema, document, contextValue: { gatehouse: { gh, headers: {} } } });
  assert.ok(!(none instanceof Promise), 'execute() gave a promise without a token');
  assert.equal((none as ExecutionResult).errors?.[0].extensions.code, 'UNAUTHENTICATED', '@auth still guards the direct resolver');
});
