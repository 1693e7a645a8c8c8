import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { GraphQLSchema } from 'graphql';
import type { GatehouseContext } from '../context/context';
import type { Settings } from '../settings';
import { oneTokenAuthPerOperation } from '../graphql/validation/one-token-auth';
import { formatError } from './format-error';
import { refreshTokenHeaderPlugin } from './plugins/refresh-token-header';
import { rejectNulCharacters } from './reject-nul';
import { gatehousePlugin } from './plugins/gatehouse';
import { landingPageHtml } from './landing-page';
import { refuseHttpSubscriptions } from './plugins/http-subscriptions';

/** What Apollo Sandbox opens with: a login, a call of a protected field, and a live subscription. */
export const SANDBOX_DOCUMENT = `# Sign in, copy "token" into the Authorization header (Bearer <token>), then run Me.
# For SessionEvents (WebSocket, graphql-ws on this same URL), put the same
# "authorization": "Bearer <token>" under the connection settings' connection parameters
# (they travel in connection_init), then sign in again elsewhere to see SIGNED_IN.
mutation Login($username: String!, $password: String!) {
  tokenAuth(username: $username, password: $password, deviceName: "Apollo Sandbox") {
    token
    refreshToken
    refreshExpiresIn
    payload { sub username exp origIat sid }
    user { id username roles }
  }
}

query Me {
  me { id username email roles lastLogin }
}

subscription SessionEvents {
  sessionEvents { type at device { id name current } }
}
`;

/**
 * The landing page outside production: Gatehouse's own page (what this endpoint is, how to
 * call it; `landing-page.ts`) with Apollo Sandbox embedded, preset with this endpoint (the
 * page's own URL) and {@link SANDBOX_DOCUMENT}, and Sandbox's telemetry off
 * (`runTelemetry: false`). Offline the page still explains itself. None from Apollo in
 * production: `http.ts` serves the same page without Sandbox (no script at all).
 */
export function landingPage(settings: Pick<Settings, 'server'>): ApolloServerPlugin {
  if (settings.server.nodeEnv === 'production') return ApolloServerPluginLandingPageDisabled();
  const html = landingPageHtml({ sandbox: { document: SANDBOX_DOCUMENT, variables: { username: '', password: '' }, headers: { authorization: 'Bearer ' } } });
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html };
        },
      };
    },
  };
}

/**
 * The Apollo Server of a Gatehouse server: one request pipeline, no stack traces in any
 * mode, CSRF prevention on, and document limits (depth, aliases, cost, directives through
 * graphql-armor; tokens through the graphql parser) in every mode. In production: no
 * Sandbox, no introspection, and no field suggestions ("Did you mean …") in errors. At most
 * one `tokenAuth` per operation (`oneTokenAuthPerOperation`). Text
 * arguments holding U+0000 are refused (see `rejectNulCharacters`), and so are `subscription`
 * operations over HTTP (`refuseHttpSubscriptions`) and persisted-query hashes (BAD_USER_INPUT).
 */
export function createApollo(
  schema: GraphQLSchema,
  settings: Settings,
  log: (error: unknown) => void,
  extraPlugins: ApolloServerPlugin<GatehouseContext>[] = [],
): ApolloServer<GatehouseContext> {
  const production = settings.server.nodeEnv === 'production';
  const armor = documentLimits(settings);
  return new ApolloServer<GatehouseContext>({
    schema,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    persistedQueries: false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // `npm start` (main.ts) owns SIGTERM/SIGINT: it drains HTTP, then stops Apollo and exits 0.
    // Apollo's own handlers would stop it first and then kill the process with the signal again.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: settings.limits.graphqlMaxTokens },
    validationRules: [...armor.validationRules, oneTokenAuthPerOperation],
    formatError: formatError(log),
    plugins: [
      refreshTokenHeaderPlugin(),
      ...armor.plugins,
      rejectNulCharacters,
      refuseHttpSubscriptions(),
      gatehousePlugin(),
      landingPage(settings),
      // No cache hints: every answer is `cache-control: no-store` (set in http.ts). Without a
      // `willResolveField` hook Apollo leaves the resolvers unwrapped, which saves time on every field.
      ApolloServerPluginCacheControlDisabled(),
      // The WebSocket server's drain (1001 to every socket), after in-flight HTTP requests.
      ...extraPlugins,
    ],
  });
}

/**
 * graphql-armor's document limits (depth, aliases, cost, directives; field suggestions
 * hidden in production) from the settings: Apollo's validation rules and plugins, and the
 * same rules for operations over WebSocket (`src/subscriptions/server.ts`).
 */
export function documentLimits(settings: Settings) {
  return new ApolloArmor({
    maxDepth: { n: settings.limits.graphqlMaxDepth },
    maxAliases: { n: settings.limits.graphqlMaxAliases },
    costLimit: { maxCost: settings.limits.graphqlMaxCost },
    maxDirectives: { n: 50 },
    // The parser's own limit (see createApollo) aborts early with a plain syntax error instead.
    maxTokens: { enabled: false },
    blockFieldSuggestion: { enabled: settings.server.nodeEnv === 'production' },
  }).protect();
}
