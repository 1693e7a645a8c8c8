import { GraphQLError, type GraphQLErrorExtensions } from 'graphql';
import { GatehouseError, withoutStackTraces } from '../errors';
import { TracedOperations } from '../tracing/operations';

/**
 * The one mapping of Gatehouse's domain errors to GraphQL: `extensions.code` is the
 * error's contract code, with `reason` and `retryAfter` when it has them.
 *
 * @example
 * graphQLExtensions(new Unauthenticated('TOKEN_EXPIRED')); // { code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' }
 */
export function graphQLExtensions(error: GatehouseError): GraphQLErrorExtensions {
  const extensions: GraphQLErrorExtensions = { code: error.code };
  if (error.reason !== undefined) extensions.reason = error.reason;
  if (error.retryAfter !== undefined) extensions.retryAfter = error.retryAfter;
  return extensions;
}

/**
 * A domain error as a `GraphQLError` (its message, `graphQLExtensions`, the domain error
 * as `originalError`), built without capturing a stack. `transport` adds what only the
 * transport reads, e.g. `{ http: { status: 400 } }` for Apollo's HTTP status.
 *
 * @example
 * throw toGraphQLError(new RefreshTokenHeaderNotAllowed(), { http: { status: 400 } });
 */
export function toGraphQLError(error: GatehouseError, transport: GraphQLErrorExtensions = {}): GraphQLError {
  return withoutStackTraces(() => new GraphQLError(error.message, { originalError: error, extensions: { ...graphQLExtensions(error), ...transport } }));
}

/** `toGraphQLError` for a Gatehouse error; anything else as it is. */
function mapped(error: unknown): unknown {
  return error instanceof GatehouseError ? toGraphQLError(error) : error;
}

/** Throws `error`, a Gatehouse error as its GraphQL error. */
function rethrow(error: unknown): never {
  throw mapped(error);
}

/**
 * The Gatehouse error behind an error graphql-js or Apollo hands over (it may be wrapped,
 * as `originalError`, once or twice), or undefined.
 *
 * @example
 * const domain = domainErrorOf(unwrapResolverError(error));
 */
export function domainErrorOf(error: unknown): GatehouseError | undefined {
  for (let depth = 0; depth < 4 && error instanceof Error; depth++) {
    if (error instanceof GatehouseError) return error;
    error = (error as { originalError?: unknown }).originalError;
  }
  return undefined;
}

/**
 * Wraps a resolver (or a resolver method) so the Gatehouse errors it throws, or its
 * promise rejects with, reach graphql-js as their GraphQL errors, with the contract's
 * code: the schema edge, for servers that do not use `gatehouseFormatError`. A
 * synchronous resolver stays synchronous (no promise is added); a promise gets one `then`.
 *
 * @example
 * field.resolve = withGraphQLErrors(field.resolve ?? defaultFieldResolver);
 */
export function withGraphQLErrors<F extends (...args: any[]) => unknown>(resolve: F): F {
  return function (this: unknown, ...args: Parameters<F>) {
    let result: unknown;
    try {
      result = resolve.apply(this, args);
    } catch (error) {
      rethrow(error);
    }
    return isThenable(result) ? result.then(undefined, rethrow) : result;
  } as F;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * Class decorator for type-graphql resolvers: every method reports Gatehouse errors as
 * their GraphQL errors (see `withGraphQLErrors`), whoever builds the schema from
 * `gatehouseResolvers`. type-graphql calls a method through the instance at request
 * time, by name, so the wrapped prototype methods are the ones that run. Root fields also
 * get their trace spans here (`TracedOperations`), so every Gatehouse resolver class has them.
 *
 * @example
 * @GraphQLErrors()
 * @Resolver()
 * export class AuthResolver { … }
 */
export function GraphQLErrors(): ClassDecorator {
  return (target) => {
    // First the spans of its root fields (inside, so they see the domain error and its code).
    TracedOperations()(target);
    const prototype = target.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name)?.value;
      if (name !== 'constructor' && typeof method === 'function') prototype[name] = withGraphQLErrors(method as (...args: unknown[]) => unknown);
    }
  };
}
