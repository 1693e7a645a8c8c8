import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { GatehouseContext } from '../context/context';
import type { Settings } from '../settings';
import { formatError } from './format-error';
import { gatehousePlugin } from './plugin';

/** What Apollo Sandbox opens with: a login and a call of a protected field. */
export const SANDBOX_DOCUMENT = `# Sign in, copy "token" into the Authorization header (Bearer <token>), then run Me.
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
`;

/**
 * The landing page: Apollo Sandbox, preset with this endpoint (the page's own URL) and
 * {@link SANDBOX_DOCUMENT}, outside production; none in production (a browser then gets
 * the plain JSON answer of a GraphQL endpoint, and no third-party script is loaded).
 */
export function landingPage(settings: Pick<Settings, 'nodeEnv'>): ApolloServerPlugin {
  if (settings.nodeEnv === 'production') return ApolloServerPluginLandingPageDisabled();
  return ApolloServerPluginLandingPageLocalDefault({
    footer: false,
    includeCookies: false,
    document: SANDBOX_DOCUMENT,
    variables: { username: '', password: '' },
    headers: { authorization: 'Bearer ' },
  });
}

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
    plugins: [landingPage(settings), gatehousePlugin()],
  });
}
