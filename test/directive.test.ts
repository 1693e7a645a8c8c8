/**
 * `@auth` on a plain SDL-first schema (no type-graphql), on fields and on whole types,
 * executed with the Gatehouse context against a real database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphql, type GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { authDirectiveTransformer, authDirectiveTypeDefs } from '../src/directive/auth';
import { createContext } from '../src/context/context';
import { startTestServer, type TestServer } from './support/server';
import { assertData, login } from './support/http';

const typeDefs = /* GraphQL */ `
  type Secret @auth { value: String! owner: String! }
  type Query {
    hello: String!
    secret: Secret!
    note: String! @auth
    report: String! @auth(roles: ["admin", "auditor"])
  }
`;
const resolvers = {
  Query: {
    hello: () => 'world',
    secret: () => ({ value: 'v', owner: 'o' }),
    note: () => 'note',
    report: () => 'report',
  },
};

describe('@auth on an SDL-first schema', () => {
  let server: TestServer;
  let schema: GraphQLSchema;
  let plain: string;
  let auditor: string;
  before(async () => {
    server = await startTestServer('sqlite');
    schema = authDirectiveTransformer(makeExecutableSchema({ typeDefs: [authDirectiveTypeDefs, typeDefs], resolvers }));
    await server.createUser({ username: 'plain' });
    await server.createUser({ username: 'aud', roles: ['auditor'] });
    plain = assertData(await login(server.url, 'plain')).tokenAuth.token;
    auditor = assertData(await login(server.url, 'aud')).tokenAuth.token;
  });
  after(() => server.stop());

  const run = async (source: string, token?: string) => {
    const result = await graphql({ schema, source, contextValue: createContext(server.gatehouse, token ? { authorization: `Bearer ${token}` } : {}) });
    return JSON.parse(JSON.stringify(result)) as { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: Record<string, unknown> }> };
  };

  it('leaves unprotected fields open', async () => {
    assert.deepEqual((await run('{ hello }')).data, { hello: 'world' });
  });

  it('protects every field of a type that carries @auth', async () => {
    const anonymous = await run('{ secret { value owner } }');
    assert.equal(anonymous.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
    assert.equal(anonymous.errors?.[0].extensions?.reason, 'MISSING_TOKEN');
    assert.deepEqual((await run('{ secret { value owner } }', plain)).data, { secret: { value: 'v', owner: 'o' } });
  });

  it('protects a field, and checks that the user holds one of the roles', async () => {
    assert.equal((await run('{ note }')).errors?.[0].extensions?.code, 'UNAUTHENTICATED');
    assert.deepEqual((await run('{ note }', plain)).data, { note: 'note' });
    assert.equal((await run('{ report }', plain)).errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.deepEqual((await run('{ report }', auditor)).data, { report: 'report' });
  });
});
