import { performance } from 'node:perf_hooks';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { GatehouseContext } from '../../context/context';
import { operationKindOf } from '../../metrics/metrics';

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

/** What the plugin reads of a request: a subset of Apollo's `GraphQLRequestContext`. */
export interface GatehousePluginRequest {
  contextValue: GatehouseContext;
}

/** What the plugin's hooks read when the operation is known and when the answer goes out. */
export interface GatehousePluginListener {
  didResolveOperation(request: GatehousePluginRequest & { operation?: OperationDefinitionNode | undefined }): Promise<void>;
  willSendResponse(request: GatehousePluginRequest & { response: { http: { headers: { set(name: string, value: string): unknown } } } }): Promise<void>;
}

/**
 * The type of `gatehousePlugin()`. Written out instead of Apollo's `ApolloServerPlugin` so
 * that it fits Apollo's ESM and CommonJS declarations alike (an ESM TypeScript project sees
 * the ones, this CommonJS package the others): Apollo's plugin hooks are methods, which
 * TypeScript compares by shape.
 */
export interface GatehousePlugin {
  requestDidStart(request: GatehousePluginRequest): Promise<GatehousePluginListener>;
}

/**
 * Gatehouse's Apollo plugin: notes the operation for the request log line and the duration
 * histogram (by operation kind), and copies the headers Gatehouse wants on the response
 * (`X-Request-Id`, and in cookie mode the refresh cookie) from the request scope onto
 * Apollo's response. Add it to your own Apollo Server. In your server it also times the
 * request for `gatehouse_http_request_duration_seconds` (Gatehouse's own HTTP front times
 * the whole HTTP exchange itself).
 *
 * @example
 * new ApolloServer<GatehouseContext>({ schema, plugins: [gatehousePlugin()] });
 */
export function gatehousePlugin(): GatehousePlugin {
  return {
    async requestDidStart({ contextValue }) {
      const started = contextValue?.gatehouse && !contextValue.gatehouse.timedByServer ? performance.now() : undefined;
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (!operation || !contextValue.gatehouse) return;
          contextValue.gatehouse.operation = operationLabel(operation);
          contextValue.gatehouse.operationKind = operationKindOf(operation.operation);
        },
        async willSendResponse({ contextValue, response }) {
          const scope = contextValue.gatehouse;
          if (!scope) return;
          response.http.headers.set('x-request-id', scope.requestId);
          for (const [name, value] of scope.responseHeaders) response.http.headers.set(name, value);
          if (started !== undefined) scope.gh.metrics.observeRequest(scope.operationKind, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
