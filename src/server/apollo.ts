import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLSchema } from 'graphql';
import type { GatehouseContext } from '../context/context';
import type { Settings } from '../settings';
import { formatError } from './format-error';
import { refreshTokenHeaderPlugin } from './plugins/refresh-token-header';
import { rejectNulCharacters } from './reject-nul';

/**
 * The Apollo Server of a Gatehouse server: one request pipeline, no stack traces in any
 * mode, CSRF prevention on, and document limits (depth, aliases, cost, directives through
 * graphql-armor; tokens through the graphql parser) in every mode. In production: no
 * Sandbox, no introspection, and no field suggestions ("Did you mean …") in errors. Text
 * arguments holding U+0000 are refused (see `rejectNulCharacters`).
 */
export function createApollo(schema: GraphQLSchema, settings: Settings, log: (error: unknown) => void): ApolloServer<GatehouseContext> {
  const production = settings.nodeEnv === 'production';
  const armor = new ApolloArmor({
    maxDepth: { n: settings.graphqlMaxDepth },
    maxAliases: { n: settings.graphqlMaxAliases },
    costLimit: { maxCost: settings.graphqlMaxCost },
    maxDirectives: { n: 50 },
    // The parser's own limit (below) aborts early with a plain syntax error instead.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: production },
  }).protect();
  return new ApolloServer<GatehouseContext>({
    schema,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    persistedQueries: false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    parseOptions: { maxTokens: settings.graphqlMaxTokens },
    validationRules: armor.validationRules,
    formatError: formatError(log),
    plugins: [
      refreshTokenHeaderPlugin(),
      ...armor.plugins,
      rejectNulCharacters,
      production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ footer: false, includeCookies: false }),
    ],
  });
}
