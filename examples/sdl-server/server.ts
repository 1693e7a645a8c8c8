/**
 * An SDL-first Apollo Server that uses Gatehouse as a library: Gatehouse's entities and
 * migrations in the app's own MikroORM config, Gatehouse's schema merged with the app's
 * SDL, `@auth` on the app's own fields (subscriptions too, over WebSocket on the same
 * URL), and hooks for the token claims, the login lookup and the login payload.
 *
 *   npm run build && NOTES_DB=./data/notes.sqlite node dist/examples/sdl-server/server.js
 */
import 'reflect-metadata';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { mergeSchemas } from '@graphql-tools/schema';
import { MikroORM } from '@mikro-orm/core';
import { defineConfig } from '@mikro-orm/libsql';
import { Migrator } from '@mikro-orm/migrations';
import {
  authDirectiveTransformer,
  buildGatehouseSchema,
  createGatehouse,
  gatehouseContext,
  gatehouseFormatError,
  gatehousePlugin,
  gatehouseEntities,
  gatehouseMigrations,
  gatehouseSubscriptions,
  loadSettings,
  User,
  type Gatehouse,
  type GatehouseContext,
  type GatehouseHooks,
  type Settings,
} from 'gatehouse-graphql';
import { CreateNotes, Note } from './note';
import { resolvers, typeDefs } from './schema';

/** What the example customises. */
export const hooks: GatehouseHooks = {
  // Sign in with the username or the e-mail address.
  findUser: (login, em) => em.findOne(User, login.includes('@') ? { email: login.toLowerCase() } : { username: login }),
  // Access tokens carry the roles, for the app's front end.
  extraClaims: (user) => ({ roles: user.roles }),
  // `welcome` is served by `extend type AuthPayload { welcome: String! }` in schema.ts.
  authPayload: (payload, { user }) => Object.assign(payload, { welcome: `Welcome back, ${user.username}!` }),
};

export interface NotesServer {
  url: string;
  gatehouse: Gatehouse;
  stop(): Promise<void>;
}

/** Starts the example server. `env` holds Gatehouse's settings (JWT_SECRET, …). */
export async function startNotesServer(options: { sqliteFile: string; port?: number; env?: Record<string, string | undefined> }): Promise<NotesServer> {
  const settings = loadSettings(options.env ?? process.env);
  // 1. Gatehouse's entities and migrations, registered in the app's own MikroORM config.
  const orm = await MikroORM.init(
    defineConfig({
      dbName: options.sqliteFile,
      entities: [...gatehouseEntities, Note],
      extensions: [Migrator],
      allowGlobalContext: false,
      migrations: {
        tableName: 'notes_migrations',
        migrationsList: [...gatehouseMigrations.sqlite, { name: 'CreateNotes', class: CreateNotes }],
        snapshot: false,
        silent: true,
      },
    }),
  );
  try {
    return await serve(orm, settings, options.port ?? 4001);
  } catch (error) {
    await orm.close(true);
    throw error;
  }
}

async function serve(orm: MikroORM, settings: Settings, port: number): Promise<NotesServer> {
  await orm.getMigrator().up();
  const gatehouse = await createGatehouse({ settings, orm, hooks });

  // 2. Gatehouse's schema (tokenAuth, refreshToken, me, … and @auth) merged with the app's SDL;
  //    the transformer then enforces @auth on the app's fields too.
  const schema = authDirectiveTransformer(mergeSchemas({ schemas: [await buildGatehouseSchema()], typeDefs, resolvers }));

  // 3. A node:http server: Apollo over HTTP, and GraphQL over WebSocket (graphql-ws) on the
  //    same server and path, with Gatehouse's connection_init auth, close codes and limits.
  //    The context function gives each request `context.gatehouse`; Gatehouse's error
  //    formatting keeps stack traces and internals out of answers; its plugin puts the
  //    response headers (X-Request-Id, the refresh cookie) on the answer; the subscription
  //    server's plugin closes every socket with 1001 when Apollo drains.
  const context = gatehouseContext(gatehouse);
  let apollo: ApolloServer<GatehouseContext> | undefined;
  const httpServer = createServer((req, res) => {
    void answer(apollo!, req, () => context({ req })).then(
      ({ status, headers, body }) => {
        res.writeHead(status, headers);
        res.end(body);
      },
      () => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"errors":[{"message":"Internal server error."}]}');
      },
    );
  });
  const subscriptions = gatehouseSubscriptions({ gatehouse, schema, server: httpServer });
  apollo = new ApolloServer<GatehouseContext>({
    schema,
    formatError: gatehouseFormatError(),
    includeStacktraceInErrorResponses: false,
    plugins: [gatehousePlugin(), subscriptions.plugin],
  });
  await apollo.start();
  await new Promise<void>((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/graphql`;
  return {
    url,
    gatehouse,
    async stop() {
      await apollo!.stop();
      await new Promise((resolve) => httpServer.close(resolve));
      await gatehouse.close();
      await orm.close(true);
    },
  };
}

/** One HTTP request through Apollo (JSON bodies up to 100 KiB). */
async function answer(apollo: ApolloServer<GatehouseContext>, req: IncomingMessage, context: () => Promise<GatehouseContext>) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 100 * 1024) return { status: 413, headers: {}, body: '' };
  }
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  let body: unknown = text;
  try {
    if (text && (req.headers['content-type'] ?? '').includes('json')) body = JSON.parse(text);
  } catch {
    return { status: 400, headers: { 'content-type': 'application/json' }, body: '{"errors":[{"message":"The body is not JSON."}]}' };
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const result = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body }, context });
  let out = '';
  if (result.body.kind === 'complete') out = result.body.string;
  else for await (const chunk of result.body.asyncIterator) out += chunk;
  return { status: result.status ?? 200, headers: Object.fromEntries(result.headers), body: out };
}

if (require.main === module) {
  startNotesServer({ sqliteFile: process.env.NOTES_DB ?? './data/notes.sqlite', port: Number(process.env.PORT ?? 4001) }).then(
    ({ url }) => console.log(`Notes example serving ${url}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
