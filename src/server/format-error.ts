import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { ErrorCode } from '../errors';
import { domainErrorOf, graphQLExtensions } from '../graphql/errors';

/** Apollo's own request-level codes, reported as the contract's BAD_USER_INPUT (the original kept as `reason`). */
const REQUEST_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_USER_INPUT',
  // A persisted-query hash: Gatehouse turns persisted queries off (`persistedQueries: false`).
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_FOUND',
]);

/**
 * Apollo `formatError`: a Gatehouse error, wherever it was thrown (Gatehouse's fields,
 * `@auth`, your own resolvers, a plugin), goes out with its message and the contract's
 * code (`graphQLExtensions`, the one mapping); request errors become BAD_USER_INPUT;
 * anything unexpected is logged and replaced by a bare message, so no stack trace, SQL or
 * internal detail ever reaches a client.
 */
export function formatError(log: (error: unknown) => void, options: { passGraphQLErrors?: boolean } = {}) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const domain = domainErrorOf(original);
    if (domain) {
      return { message: domain.message, locations: formatted.locations, path: formatted.path, extensions: graphQLExtensions(domain) };
    }
    if (options.passGraphQLErrors && original instanceof GraphQLError && typeof original.extensions.code === 'string') {
      const { http: _http, ...extensions } = original.extensions;
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
 * Apollo `formatError` for your own server: Gatehouse's errors (also those your own
 * resolvers throw, e.g. from `gatehouse.principal()`) go out with the contract's code, and
 * the `GraphQLError`s your resolvers throw with an `extensions.code` as they are, without
 * stack traces; anything else is logged and answered `Internal server error.`.
 *
 * @example
 * new ApolloServer({ schema, formatError: gatehouseFormatError(), includeStacktraceInErrorResponses: false });
 */
export function gatehouseFormatError(log: (error: unknown) => void = (error) => console.error('unexpected error:', error)) {
  return formatError(log, { passGraphQLErrors: true });
}
