/**
 * Domain errors and their one mapping to GraphQL. A Gatehouse error is a plain `Error`
 * with the contract's code (and reason), carrying no stack trace (capturing and
 * formatting one was most of the cost of an error answer); `toGraphQLError` is the one
 * place it becomes a GraphQL error; the schema edge (`withGraphQLErrors`, `@auth`) maps it
 * without adding a promise to a synchronous field; and a library user's server gets the
 * contract's codes with or without `gatehouseFormatError`, also from its own resolvers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApolloServer } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, graphql } from 'graphql';
import { authDirectiveTransformer, authDirectiveTypeDefs } from '../src/directive/auth';
import { createContext, type GatehouseContext } from '../src/context/context';
import { ErrorCode, GatehouseError, InvalidToken, RateLimited, RefreshTokenHeaderNotAllowed, Unauthenticated, withoutStackTraces } from '../src/errors';
import { toGraphQLError, withGraphQLErrors } from '../src/graphql/errors';
import { gatehouseFormatError } from '../src/server/format-error';
import { startTestServer, type TestServer } from './support/server';
import { assertData, login } from './support/http';

it('a Gatehouse error is a plain Error with the contract code, a one-line stack, and leaves stack traces elsewhere alone', () => {
  const limit = Error.stackTraceLimit;
  const error = new Unauthenticated('SESSION_REVOKED');
  assert.ok(error instanceof Error && !(error instanceof GraphQLError), 'it knows nothing of GraphQL');
  assert.deepEqual([error.code, error.reason, error.message], [ErrorCode.UNAUTHENTICATED, 'SESSION_REVOKED', 'The session of this access token has ended.']);
  assert.equal(error.stack, `Unauthenticated: ${error.message}`);
  assert.equal(new InvalidToken('TOKEN_EXPIRED').stack?.includes('\n'), false);
  assert.equal(Object.keys(new RefreshTokenHeaderNotAllowed()).includes('http'), false, 'no transport detail in a domain error');
  assert.equal(Error.stackTraceLimit, limit);
  assert.match(new Error('ordinary').stack ?? '', /\n\s+at /);
});

it('toGraphQLError: the message, extensions { code, reason?, retryAfter? }, the domain error as originalError, no stack', () => {
  const revoked = toGraphQLError(new Unauthenticated('SESSION_REVOKED'));
  assert.ok(revoked instanceof GraphQLError);
  assert.equal(revoked.message, 'The session of this access token has ended.');
  assert.deepEqual(revoked.extensions, { code: 'UNAUTHENTICATED', reason: 'SESSION_REVOKED' });
  assert.ok(revoked.originalError instanceof Unauthenticated);
  assert.equal(revoked.stack?.includes('\n'), false);
  assert.deepEqual(toGraphQLError(new RateLimited(30)).extensions, { code: 'RATE_LIMITED', retryAfter: 30 });
  assert.deepEqual(toGraphQLError(new RefreshTokenHeaderNotAllowed(), { http: { status: 400 } }).extensions, {
    code: 'BAD_USER_INPUT',
    reason: 'REFRESH_TOKEN_HEADER_NOT_ALLOWED',
    http: { status: 400 },
  });
});

it('withGraphQLErrors: a synchronous resolver stays synchronous; Gatehouse errors, thrown or rejected, become GraphQL errors; others pass as they are', async () => {
  const field = withGraphQLErrors((_source: unknown, args: { fail?: 'domain' | 'other'; async?: boolean }) => {
    const answer = () => {
      if (args.fail === 'domain') throw new InvalidToken('TOKEN_EXPIRED');
      if (args.fail === 'other') throw new TypeError('a bug');
      return 42;
    };
    return args.async ? Promise.resolve().then(answer) : answer();
  });
  const call = (args: { fail?: 'domain' | 'other'; async?: boolean }) => field(undefined, args);
  assert.equal(call({}), 42, 'a value, not a promise');
  assert.throws(() => call({ fail: 'domain' }), (error: unknown) => error instanceof GraphQLError && error.extensions.code === 'INVALID_TOKEN');
  assert.throws(() => call({ fail: 'other' }), TypeError);
  assert.equal(await call({ async: true }), 42);
  await assert.rejects(call({ fail: 'domain', async: true }) as Promise<unknown>, (error: unknown) => error instanceof GraphQLError && error.extensions.reason === 'TOKEN_EXPIRED');
  await assert.rejects(call({ fail: 'other', async: true }) as Promise<unknown>, TypeError);
});

it('withoutStackTraces passes results and errors through, and restores the limit even when work throws', () => {
  const limit = Error.stackTraceLimit;
  assert.equal(withoutStackTraces(() => 42), 42);
  let thrown: unknown;
  try {
    withoutStackTraces(() => {
      throw new Error('refused');
    });
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof Error && thrown.message === 'refused');
  assert.equal((thrown as Error).stack?.includes('\n    at '), false);
  assert.equal(Error.stackTraceLimit, limit);
});

describe("a library user's server: the contract's codes with or without gatehouseFormatError", () => {
  const typeDefs = /* GraphQL */ `
    type Query {
      "Protected by @auth; reads the caller itself."
      whoami: String! @auth
      "Not protected: asks gatehouse.principal() itself."
      greeting: String!
      "A bug: must not leak."
      broken: String!
    }
  `;
  const resolvers = {
    Query: {
      whoami: async (_: unknown, __: unknown, { gatehouse }: GatehouseContext) => (await gatehouse.principal()).user.username,
      greeting: async (_: unknown, __: unknown, { gatehouse }: GatehouseContext) => `Hello, ${(await gatehouse.principal()).user.username}`,
      broken: () => {
        throw new Error('SELECT secret FROM somewhere');
      },
    },
  };
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer('sqlite');
    await server.createUser({ username: 'ada' });
    token = assertData(await login(server.url, 'ada')).tokenAuth.token;
  });
  after(() => server.stop());

  const schema = () => authDirectiveTransformer(makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, typeDefs], resolvers }));
  const contextValue = (headers: Record<string, string> = {}) => createContext(server.gatehouse, headers);
  type Answer = { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

  it('plain graphql-js: @auth fields answer UNAUTHENTICATED with the reason', async () => {
    const result = JSON.parse(JSON.stringify(await graphql({ schema: schema(), source: '{ whoami }', contextValue: contextValue() }))) as Answer;
    assert.deepEqual(result.errors?.[0].extensions, { code: 'UNAUTHENTICATED', reason: 'MISSING_TOKEN' });
    const signedIn = await graphql({ schema: schema(), source: '{ whoami }', contextValue: contextValue({ authorization: `Bearer ${token}` }) });
    assert.deepEqual(JSON.parse(JSON.stringify(signedIn)), { data: { whoami: 'ada' } });
  });

  it("with gatehouseFormatError: the user's own resolver that throws a Gatehouse error gets the contract code; a bug gets a bare message", async () => {
    const logged: unknown[] = [];
    const apollo = new ApolloServer<GatehouseContext>({ schema: schema(), formatError: gatehouseFormatError((error) => logged.push(error)), includeStacktraceInErrorResponses: false });
    await apollo.start();
    try {
      const ask = async (query: string, headers: Record<string, string> = {}) => {
        const response = await apollo.executeOperation({ query }, { contextValue: contextValue(headers) });
        assert.equal(response.body.kind, 'single');
        return JSON.parse(JSON.stringify(response.body.singleResult)) as Answer;
      };
      const expired = await ask('{ greeting }', { authorization: 'Bearer not-a-token' });
      assert.equal(expired.errors?.[0].message, 'The access token is invalid.');
      assert.deepEqual(expired.errors?.[0].extensions, { code: 'UNAUTHENTICATED', reason: 'INVALID_TOKEN' });
      assert.deepEqual((await ask('{ whoami }')).errors?.[0].extensions, { code: 'UNAUTHENTICATED', reason: 'MISSING_TOKEN' });
      assert.deepEqual((await ask('{ greeting }', { authorization: `Bearer ${token}` })).data, { greeting: 'Hello, ada' });
      const broken = await ask('{ broken }');
      assert.deepEqual(broken.errors?.[0], { message: 'Internal server error.', path: ['broken'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      assert.equal(logged.length, 1);
      assert.equal(logged.some((error) => error instanceof GatehouseError), false, 'Gatehouse errors are answers, not logged');
    } finally {
      await apollo.stop();
    }
  });
});
