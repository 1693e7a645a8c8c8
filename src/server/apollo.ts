import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLSchema } from 'graphql';
import type { GatehouseContext } from '../context/context';
import type { Settings } from '../settings';
import { formatError } from './format-error';

/** The Apollo Server of a Gatehouse server: one request pipeline, no stack traces in any mode. */
export function createApollo(schema: GraphQLSchema, settings: Settings, log: (error: unknown) => void): ApolloServer<GatehouseContext> {
  const production = settings.nodeEnv === 'production';
  return new ApolloServer<GatehouseContext>({
    schema,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    persistedQueries: false,
    csrfPrevention: true,
    formatError: formatError(log),
    plugins: [
      // No cache hints: every answer is `cache-control: no-store` (set in http.ts). Without a
      // `willResolveField` hook Apollo leaves the resolvers unwrapped, which saves time on every field.
      ApolloServerPluginCacheControlDisabled(),
      production
        ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
        : ApolloServerPluginLandingPageLocalDefault({ footer: false, includeCookies: false }),
    ],
  });
}
