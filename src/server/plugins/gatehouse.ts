import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { GatehouseContext } from '../../context/context';

/** Labels already made: Apollo hands the same parsed operation to every request of one query. */
const labels = new WeakMap<OperationDefinitionNode, string>();

/** `mutation tokenAuth` or `query me,devices`: the operation type and its top-level fields. */
function operationLabel(operation: OperationDefinitionNode): string {
  let label = labels.get(operation);
  if (label === undefined) {
    const fields = operation.selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : []));
    label = `${operation.operation} ${fields.join(',')}`;
    labels.set(operation, label);
  }
  return label;
}

/**
 * Gatehouse's Apollo plugin: notes the operation for the request log line and copies the
 * headers Gatehouse wants on the response (`X-Request-Id`, and in cookie mode the refresh
 * cookie) from the request scope onto Apollo's response. Add it to your own Apollo Server.
 *
 * @example
 * new ApolloServer<GatehouseContext>({ schema, plugins: [gatehousePlugin()] });
 */
export function gatehousePlugin(): ApolloServerPlugin<GatehouseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (!operation || !contextValue.gatehouse) return;
          contextValue.gatehouse.operation = operationLabel(operation);
        },
        async willSendResponse({ contextValue, response }) {
          const scope = contextValue.gatehouse;
          if (!scope) return;
          response.http.headers.set('x-request-id', scope.requestId);
          for (const [name, value] of scope.responseHeaders) response.http.headers.set(name, value);
        },
      };
    },
  };
}
