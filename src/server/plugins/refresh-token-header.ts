import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { GatehouseContext } from '../../context/context';
import { RefreshTokenHeaderNotAllowed } from '../../errors';
import { toGraphQLError } from '../../graphql/errors';

/** The only root fields that may receive the `Refresh-Token` header. */
export const REFRESH_TOKEN_HEADER_FIELDS = new Set(['refreshToken', 'revokeRefreshToken', '__typename']);

/** True when every root field of the operation may read the `Refresh-Token` header. Pure. */
export function mayCarryRefreshToken(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === 'mutation' &&
    operation.selectionSet.selections.every(
      (selection) => selection.kind === Kind.FIELD && REFRESH_TOKEN_HEADER_FIELDS.has(selection.name.value),
    )
  );
}

/**
 * Refuses (HTTP 400) any operation other than `refreshToken` and `revokeRefreshToken` that
 * carries a `Refresh-Token` header, so clients cannot leak their refresh token on every call
 * (the seeds' PermittedHeadersMiddleware).
 */
export function refreshTokenHeaderPlugin(): ApolloServerPlugin<GatehouseContext> {
  return {
    async requestDidStart({ request }) {
      if (!request.http?.headers.get('refresh-token')) return;
      return {
        async didResolveOperation({ operation }) {
          // The status is the transport's business: Apollo reads it from `extensions.http`.
          if (!operation || !mayCarryRefreshToken(operation)) throw toGraphQLError(new RefreshTokenHeaderNotAllowed(), { http: { status: 400 } });
        },
      };
    },
  };
}
