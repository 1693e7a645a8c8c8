/**
 * The baseline of every request ratio of `npm run bench` (scenario 0): a bare Apollo Server 5
 * answering `{ hello }`, with no plugins of its own, no auth and no logging, on Apollo's
 * standalone front (`startStandaloneServer`: `node:http`, cors and body-parser), started
 * as a child process in production mode like the Gatehouse servers. What any GraphQL
 * server on Apollo costs; whatever Gatehouse costs above it is Gatehouse's.
 * Prints `listening http://127.0.0.1:PORT/` when ready.
 *
 * @example
 * NODE_ENV=production node dist/bench/bare-apollo.js
 * // listening http://127.0.0.1:40123/
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

async function main(): Promise<void> {
  const server = new ApolloServer({
    typeDefs: 'type Query { hello: String! }',
    resolvers: { Query: { hello: () => 'world' } },
  });
  const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT ?? '0'), host: '127.0.0.1' } });
  console.log(`listening ${url}`);
  const stop = () => server.stop().then(() => process.exit(0), () => process.exit(1));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
