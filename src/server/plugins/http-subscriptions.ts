import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import { BadUserInput } from '../../errors';
import { toGraphQLError } from '../../graphql/errors';

/** `extensions.reason` of the refusal of a `subscription` operation sent over HTTP. */
export const SUBSCRIPTION_OVER_HTTP = 'SUBSCRIPTION_OVER_HTTP';

/**
 * Refuses a `subscription` operation that arrives through Apollo's HTTP pipeline
 * (BAD_USER_INPUT, reason `SUBSCRIPTION_OVER_HTTP`, HTTP 400) before anything executes:
 * subscriptions are served over WebSocket (graphql-ws), and over HTTP graphql-js would
 * either fail with an internal error (no `Subscription` type) or run the field's resolver
 * once as if it were a query.
 *
 * @example new ApolloServer({ schema, plugins: [refuseHttpSubscriptions()] })
 */
export function refuseHttpSubscriptions(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return refuseSubscription;
    },
  };
}

/** One listener for every request (it keeps no state of its own). */
const refuseSubscription: GraphQLRequestListener<BaseContext> = {
  async didResolveOperation({ operation }) {
    if (operation?.operation !== 'subscription') return;
    throw toGraphQLError(
      new BadUserInput('Subscriptions are served over WebSocket (graphql-ws, subprotocol graphql-transport-ws), not over HTTP.', SUBSCRIPTION_OVER_HTTP),
      { http: { status: 400 } },
    );
  },
};
