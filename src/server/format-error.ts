import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode, GatehouseError } from '../errors';

/** Apollo's own request-level codes, reported as the contract's BAD_USER_INPUT (the original kept as `reason`). */
const REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'BAD_USER_INPUT']);

/**
 * Apollo `formatError`: Gatehouse errors go out as they are; request errors become
 * BAD_USER_INPUT; anything unexpected is logged and replaced by a bare message, so no
 * stack trace, SQL or internal detail ever reaches a client.
 */
export function formatError(log: (error: unknown) => void, options: { passGraphQLErrors?: boolean } = {}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const passes = original instanceof GatehouseError || (options.passGraphQLErrors && original instanceof GraphQLError && typeof original.extensions.code === 'string');
    if (passes) {
      const { http: _http, ...extensions } = (original as GraphQLError).extensions;
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && REQUEST_CODES.has(code)) {
      return {
        message: formatted.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: ErrorCode.BAD_USER_INPUT, ...(code !== ErrorCode.BAD_USER_INPUT ? { reason: code } : {}) },
      };
    }
    log(original);
    return { message: 'Internal server error.', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/**
 * Apollo `formatError` for your own server: Gatehouse's errors and the `GraphQLError`s your
 * resolvers throw with an `extensions.code` go out as they are, without stack traces;
 * anything else is logged and answered `Internal server error.`.
 *
 * @example
 * new ApolloServer({ schema, formatError: gatehouseFormatError(), includeStacktraceInErrorResponses: false });
 */
export function gatehouseFormatError(log: (error: unknown) => void = (error) => console.error('unexpected error:', error)) {
  return formatError(log, { passGraphQLErrors: true });
}
