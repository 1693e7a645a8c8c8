/**
 * Remembered verifyToken answers: a repeated question about the same token is answered
 * without executing, with the same answer, until the token expires; errors are never
 * remembered; and the plugin stays out of the way of every other operation and of a
 * schema whose verifyToken answer is not plain data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { parse, type OperationDefinitionNode, type GraphQLSchema } from 'graphql';
import type { GatehouseContext } from '../src/context/context';
import { buildGatehouseSchema, buildSchemaWithoutEnforcement } from '../src/graphql/schema';
import { verifyAnswersArePlainData, verifyAnswersPlugin, verifyTokenSource } from '../src/server/plugins/verify-answers';
import { settingsWith } from '../src/settings';
import { signAccessToken } from '../src/tokens/access/sign';
import { VerifiedTokenCache } from '../src/tokens/access/verified-cache';
import { loadTokenKeys } from '../src/tokens/keys';

const settings = settingsWith({ jwtSecret: 'verify-answers-secret-0123456789-abcdefghij' });
const keys = loadTokenKeys(settings);
const VERIFY = 'mutation Verify($token: String!) { verifyToken(token: $token) { payload { sub username exp } } }';

const operation = (source: string) => parse(source).definitions[0] as OperationDefinitionNode;

describe('which operations are concerned', () => {
  it('a mutation whose one root field is verifyToken, its token from a variable or a literal', () => {
    assert.deepEqual(verifyTokenSource(operation(VERIFY)), { variable: 'token' });
    assert.deepEqual(verifyTokenSource(operation('mutation { v: verifyToken(token: "abc") { payload { sub } } }')), { literal: 'abc' });
  });

  it('nothing else', () => {
    for (const source of [
      '{ __typename }',
      '{ me { id } }',
      'mutation ($t: String!) { verifyToken(token: $t) { payload { sub } } __typename }',
      'mutation ($t: String!) { a: verifyToken(token: $t) { payload { sub } } b: verifyToken(token: $t) { payload { sub } } }',
      'mutation ($t: String!, $y: Boolean!) { verifyToken(token: $t) @include(if: $y) { payload { sub } } }',
      'mutation ($t: String!) { ... on Mutation { verifyToken(token: $t) { payload { sub } } } }',
      'mutation ($t: String!) { refreshToken(token: $t) { token } }',
    ]) {
      assert.equal(verifyTokenSource(operation(source)), null, source);
    }
  });
});

describe('when the answer is plain data', () => {
  it("Gatehouse's schema: verifyToken resolved by DIRECT_RESOLVERS, plain fields below", async () => {
    assert.equal(verifyAnswersArePlainData(await buildGatehouseSchema()), true);
  });

  it('not with verifyToken resolved by type-graphql, nor with a resolver of its own below it', async () => {
    assert.equal(verifyAnswersArePlainData(await buildSchemaWithoutEnforcement()), false);
    assert.equal(verifyAnswersArePlainData(withUpperCaseUsernames(await buildGatehouseSchema())), false);
  });
});

/** A schema whose TokenPayload.username has a resolver of its own. */
function withUpperCaseUsernames(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, name, typeName) =>
      typeName === 'TokenPayload' && name === 'username' ? { ...field, resolve: (payload: { username: string }) => payload.username.toUpperCase() } : field,
  });
}

/** An in-process Apollo Server with the plugin, a clock of the test's, and a count of executions. */
async function apollo(schema: GraphQLSchema, options: { maxEntries?: number } = {}) {
  const clock = { now: Math.floor(Date.now() / 1000) };
  const counter = { executions: 0 };
  const countExecutions: ApolloServerPlugin<GatehouseContext> = {
    async requestDidStart() {
      return {
        async executionDidStart() {
          counter.executions++;
        },
      };
    },
  };
  const server = new ApolloServer<GatehouseContext>({ schema, plugins: [verifyAnswersPlugin({ ...options, now: () => clock.now }), countExecutions] });
  await server.start();
  const verifiedTokens = new VerifiedTokenCache();
  const contextValue = { gatehouse: { gh: { settings, keys, verifiedTokens } } } as unknown as GatehouseContext;
  const ask = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await server.executeOperation({ query, variables }, { contextValue });
    assert.equal(response.body.kind, 'single');
    return JSON.parse(JSON.stringify(response.body.singleResult)) as { data?: any; errors?: Array<{ extensions: { code: string; reason?: string } }> };
  };
  return { server, ask, clock, counter, verifiedTokens };
}

const tokenFor = (username: string) => signAccessToken({ userId: `id-${username}`, username, origIat: 1 }, settings, keys);

describe('remembered answers', () => {
  it('a repeated question is answered without executing, with the same answer', async () => {
    const { server, ask, counter } = await apollo(await buildGatehouseSchema());
    const { token, claims } = tokenFor('ada');
    const first = await ask(VERIFY, { token });
    assert.deepEqual(first, { data: { verifyToken: { payload: { sub: 'id-ada', username: 'ada', exp: claims.exp } } } });
    assert.equal(counter.executions, 1);
    assert.deepEqual(await ask(VERIFY, { token }), first);
    assert.deepEqual(await ask(VERIFY, { token }), first);
    assert.equal(counter.executions, 1, 'the repeats were not executed');

    // Another token, another selection, another alias: each its own answer.
    const other = tokenFor('grace');
    assert.equal((await ask(VERIFY, { token: other.token })).data.verifyToken.payload.username, 'grace');
    const aliased = `mutation { check: verifyToken(token: "${token}") { payload { jti tokenType } } }`;
    assert.deepEqual(await ask(aliased), { data: { check: { payload: { jti: claims.jti, tokenType: 'access' } } } });
    assert.deepEqual(await ask(aliased), { data: { check: { payload: { jti: claims.jti, tokenType: 'access' } } } });
    assert.equal(counter.executions, 3);
    await server.stop();
  });

  it('a remembered answer ends when its token expires (with the leeway), and the request then executes', async () => {
    const { server, ask, clock, counter } = await apollo(await buildGatehouseSchema());
    const { token, claims } = tokenFor('ada');
    await ask(VERIFY, { token });
    clock.now = claims.exp - 1;
    assert.ok((await ask(VERIFY, { token })).data);
    assert.equal(counter.executions, 1);
    clock.now = claims.exp;
    // The plugin's clock says expired: it steps aside. graphql then executes with the real
    // clock, before exp, so the answer is the token's payload again, freshly executed.
    assert.ok((await ask(VERIFY, { token })).data);
    assert.equal(counter.executions, 2);
    await server.stop();
  });

  it('errors are never remembered', async () => {
    const { server, ask, counter } = await apollo(await buildGatehouseSchema());
    const { token } = tokenFor('ada');
    for (const bad of [token.slice(0, -2), 'not-a-token', token.slice(0, -2)]) {
      assert.equal((await ask(VERIFY, { token: bad })).errors?.[0].extensions.code, 'INVALID_TOKEN');
    }
    assert.equal(counter.executions, 3);
    await server.stop();
  });

  it('other operations always execute', async () => {
    const { server, ask, counter } = await apollo(await buildGatehouseSchema());
    const { token } = tokenFor('ada');
    const both = 'mutation ($token: String!) { verifyToken(token: $token) { payload { sub } } __typename }';
    for (let i = 0; i < 2; i++) {
      assert.deepEqual(await ask('{ __typename }'), { data: { __typename: 'Query' } });
      assert.deepEqual(await ask(both, { token }), { data: { verifyToken: { payload: { sub: 'id-ada' } }, __typename: 'Mutation' } });
    }
    assert.equal(counter.executions, 4);
    await server.stop();
  });

  it('off for a schema whose answer is not plain data, and with maxEntries 0', async () => {
    const { token } = tokenFor('ada');
    const custom = await apollo(withUpperCaseUsernames(await buildGatehouseSchema()));
    for (let i = 0; i < 2; i++) assert.equal((await custom.ask(VERIFY, { token })).data.verifyToken.payload.username, 'ADA');
    assert.equal(custom.counter.executions, 2);
    await custom.server.stop();

    const none = await apollo(await buildGatehouseSchema(), { maxEntries: 0 });
    for (let i = 0; i < 2; i++) await none.ask(VERIFY, { token });
    assert.equal(none.counter.executions, 2);
    await none.server.stop();
  });
});
