import { Unauthenticated } from '../errors';
import { authenticate, authenticateFromCache, type Principal } from '../sessions/authenticate';
import { verifyAccessTokenCached } from '../tokens/access/verify-cached';
import { readBearer } from './bearer';
import type { RequestScope } from './context';
import { seconds } from '../util/clock';

/** Each request's caller once worked out: a principal or its promise, or the error. */
const callers = new WeakMap<RequestScope, { value: Principal | Promise<Principal> } | { error: unknown }>();

/**
 * The caller of a request without a promise when the verified-token and session caches can
 * answer (the common case for a signed-in client): the principal, a promise of it, or a
 * thrown `Unauthenticated`. Worked out once per request. Internal (not exported by the
 * package): `@auth` and `me` use it so a protected field whose resolver does no I/O
 * resolves synchronously; everyone else calls `scope.principal()`, which always gives a promise.
 *
 * @example
 * const p = principalSync(gatehouse);
 * return p instanceof Promise ? p.then(({ user }) => user.username) : p.user.username;
 */
export function principalSync(scope: RequestScope): Principal | Promise<Principal> {
  let caller = callers.get(scope);
  if (caller === undefined) {
    try {
      caller = { value: resolvePrincipal(scope) };
    } catch (error) {
      caller = { error };
    }
    callers.set(scope, caller);
  }
  if ('error' in caller) throw caller.error;
  return caller.value;
}

/**
 * Sets a scope's caller before any field asks: an operation over a WebSocket runs as the
 * caller its `connection_init` authenticated (once per connection), not as its headers.
 * Internal (the WebSocket server's).
 *
 * @example seedPrincipal(scope, connection.principal);
 */
export function seedPrincipal(scope: RequestScope, principal: Principal): void {
  callers.set(scope, { value: principal });
}

function resolvePrincipal(scope: RequestScope): Principal | Promise<Principal> {
  const { gh } = scope;
  const bearer = readBearer(scope.headers.authorization, gh.settings.tokens.authHeaderPrefix);
  if (bearer.kind === 'missing') throw new Unauthenticated('MISSING_TOKEN');
  if (bearer.kind === 'garbled') throw new Unauthenticated('INVALID_TOKEN');
  const verified = verifyAccessTokenCached(bearer.token, gh.settings, gh.keys, gh.verifiedTokens, seconds(gh.clock.now()));
  if (!verified.ok) throw new Unauthenticated(verified.problem);
  // The fork is made only if the session cache cannot answer.
  return authenticateFromCache(gh, verified.claims) ?? authenticate(gh, () => scope.em, verified.claims);
}
