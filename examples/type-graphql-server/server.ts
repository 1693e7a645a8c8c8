/**
 * A type-graphql Apollo Server with Gatehouse's resolvers beside its own, on Gatehouse's
 * own database (DATABASE_URL, migrated on start):
 *
 *   npm run build && JWT_SECRET=… node dist/examples/type-graphql-server/server.js
 */
import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSchema, Ctx, Directive, Int, Query, Resolver } from 'type-graphql';
import {
  authDirective,
  authDirectiveTransformer,
  createGatehouse,
  gatehouseContext,
  gatehouseFormatError,
  gatehousePlugin,
  gatehouseResolvers,
  type GatehouseContext,
  type Settings,
} from 'gatehouse-graphql';

@Resolver()
export class GreetingResolver {
  @Query(() => String, { description: 'Open to everyone.' })
  hello(): string {
    return 'Hello, stranger.';
  }

  @Query(() => String, { description: 'Signed-in users only.' })
  @Directive('@auth')
  async greeting(@Ctx() { gatehouse }: GatehouseContext): Promise<string> {
    const { user } = await gatehouse.principal();
    return `Hello, ${user.username}.`;
  }

  @Query(() => Int, { description: 'Administrators only.' })
  @Directive('@auth(roles: ["admin"])')
  secretNumber(): number {
    return 42;
  }
}


export async function startGreetingServer(options: { settings?: Settings; port?: number } = {}) {
  const gh = await createGatehouse({ settings: options.settings }); // settings from the environment by default; migrates
  const schema = authDirectiveTransformer(await buildSchema({ resolvers: [...gatehouseResolvers, GreetingResolver], directives: [authDirective], validate: false }));
  const apollo = new ApolloServer<GatehouseContext>({
    schema,
    formatError: gatehouseFormatError(),
    includeStacktraceInErrorResponses: false,
    plugins: [gatehousePlugin()],
  });
  const { url } = await startStandaloneServer(apollo, { context: gatehouseContext(gh), listen: { port: options.port ?? 4002 } });
  return {
    url,
    gatehouse: gh,
    async stop() {
      await apollo.stop();
      await gh.close();
      await gh.orm.close(true);
    },
  };
}

if (require.main === module) {
  startGreetingServer().then(({ url }) => console.log(`type-graphql example serving ${url}`));
}
