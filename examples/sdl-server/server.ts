/**
 * An SDL-first Apollo Server that uses Gatehouse as a library: Gatehouse's entities and
 * migrations in the app's own MikroORM config, Gatehouse's schema merged with the app's
 * SDL, `@auth` on the app's own fields, and hooks for the token claims, the login lookup
 * and the login payload.
 *
 *   npm run build && NOTES_DB=./data/notes.sqlite node dist/examples/sdl-server/server.js
 */
import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
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

  // 3. Any Apollo integration: the context function gives each request `context.gatehouse`.
  //    Gatehouse's error formatting keeps stack traces and internals out of answers.
  //    The plugin puts Gatehouse's response headers (X-Request-Id, the refresh cookie) on the answer.
  const apollo = new ApolloServer<GatehouseContext>({
    schema,
    formatError: gatehouseFormatError(),
    includeStacktraceInErrorResponses: false,
    plugins: [gatehousePlugin()],
  });
  const { url } = await startStandaloneServer(apollo, {
    context: gatehouseContext(gatehouse),
    listen: { port, host: '127.0.0.1' },
  });
  return {
    url,
    gatehouse,
    async stop() {
      await apollo.stop();
      await gatehouse.close();
      await orm.close(true);
    },
  };
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
