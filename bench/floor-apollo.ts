/**
 * The floors of scenarios 2 and 3 (rows 2a and 3a of `npm run bench`): the bare Apollo
 * Server of `bare-apollo.ts` with two more fields. `me` verifies the request's bearer token
 * and answers a fixed user of the shape Gatehouse's `me` answers; `verifyToken(token:)`
 * verifies its argument and answers the payload Gatehouse's answers (`payload { sub
 * username exp sid … }`). Both verify with Gatehouse's own `verifyAccessToken` (HS256 on
 * `node:crypto`, the key built by `loadTokenKeys` from `JWT_SECRET`, as the server builds
 * it). No session check, no database, no cache, no logging, no plugins: what an Apollo
 * server pays at least to verify a never-seen token on every request, so Gatehouse's 2 and
 * 3 cannot reach a higher share of the bare server than 2a and 3a do.
 * Prints `listening http://127.0.0.1:PORT/` when ready.
 *
 * @example
 * NODE_ENV=production JWT_SECRET=… node dist/bench/floor-apollo.js
 * // listening http://127.0.0.1:40123/
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLError } from 'graphql';
import { loadSettings } from '../src/settings';
import { loadTokenKeys } from '../src/tokens/keys';
import type { AccessClaims } from '../src/tokens/access/claims';
import { verifyAccessToken } from '../src/tokens/access/verify';
import { seconds } from '../src/util/clock';

const USER = Object.freeze({ id: '00000000-0000-4000-8000-000000000000', username: 'floor', roles: Object.freeze(['user']), isActive: true });
const PREFIX = 'Bearer ';

async function main(): Promise<void> {
  const settings = loadSettings({ NODE_ENV: 'production', JWT_SECRET: process.env.JWT_SECRET ?? '' });
  const keys = loadTokenKeys(settings);
  /** The token's claims, or the GraphQL error Gatehouse would answer with `code`. */
  const claimsOf = (token: string, code: string): AccessClaims => {
    const verified = verifyAccessToken(token, settings, keys, seconds(Date.now()));
    if (!verified.ok) throw new GraphQLError(verified.problem, { extensions: { code } });
    return verified.claims;
  };
  const server = new ApolloServer<{ authorization: string | undefined }>({
    typeDefs: `type User { id: ID! username: String! roles: [String!]! isActive: Boolean! }
      type TokenPayload { sub: String! username: String! exp: Int! iat: Int! origIat: Int! jti: String! tokenType: String! sid: String }
      type VerifyPayload { payload: TokenPayload! }
      type Query { hello: String! me: User! }
      type Mutation { verifyToken(token: String!): VerifyPayload! }`,
    resolvers: {
      Mutation: {
        // The payload as src/graphql/types/payloads.ts's toTokenPayload makes it (not imported: it
        // would load type-graphql into this bare server).
        verifyToken: (_root: unknown, { token }: { token: string }) => {
          const claims = claimsOf(token, 'INVALID_TOKEN');
          return { payload: { sub: claims.sub, username: claims.username, exp: claims.exp, iat: claims.iat, origIat: claims.orig_iat, jti: claims.jti, tokenType: claims.token_type, sid: claims.sid ?? null } };
        },
      },
      Query: {
        hello: () => 'world',
        me: (_root: unknown, _args: unknown, { authorization }: { authorization: string | undefined }) => {
          claimsOf(authorization?.startsWith(PREFIX) ? authorization.slice(PREFIX.length) : '', 'UNAUTHENTICATED');
          return USER;
        },
      },
    },
  });
  const { url } = await startStandaloneServer(server, {
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
    listen: { port: Number(process.env.PORT ?? '0'), host: '127.0.0.1' },
  });
  console.log(`listening ${url}`);
  const stop = () => server.stop().then(() => process.exit(0), () => process.exit(1));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
