import { Arg, Args, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GatehouseContext } from '../../context/context';
import { GraphQLErrors } from '../errors';
import { BadUserInput, InvalidRefreshToken, InvalidToken, Unauthenticated } from '../../errors';
import { authenticate, authenticateFromCache } from '../../sessions/authenticate';
import { login } from '../../sessions/login';
import { rotateDeviceToken } from '../../sessions/rotate';
import { refreshAccessToken } from '../../sessions/stateless-refresh';
import { shapePayload } from '../types/shape-payload';
import { verifyAccessTokenCached } from '../../tokens/access/verify-cached';
import { AuthPayloadType, toAuthPayload, toStatelessAuthPayload, toTokenPayload, VerifyPayloadType } from '../types/payloads';
import { toUserType } from '../types/user';
import { RefreshTokenArgs, TokenAuthArgs } from '../types/args';
import { seconds } from '../../util/clock';

/**
 * `verifyToken`: the payload of an access token that `@auth` would accept: signature and
 * claims, then the same `authenticate` check (user active, no later password change, and
 * with `JWT_SESSION_CHECK` its device session or app token live), answered
 * `INVALID_TOKEN` with the reason (`SESSION_REVOKED` for an ended session) otherwise.
 * Synchronous when the caches know the session (`authenticateFromCache`), so
 * `buildGatehouseSchema` installs it as the field's resolver directly (see `DIRECT_RESOLVERS`);
 * a promise when the database must be asked.
 */
export function verifyTokenField(token: string, { gatehouse }: GatehouseContext): VerifyPayloadType | Promise<VerifyPayloadType> {
  const { gh } = gatehouse;
  const verified = verifyAccessTokenCached(token, gh.settings, gh.keys, gh.verifiedTokens, seconds(gh.clock.now()));
  if (!verified.ok) throw new InvalidToken(verified.problem);
  const answer = () => ({ payload: toTokenPayload(verified.claims) });
  let cached;
  try {
    cached = authenticateFromCache(gh, verified.claims);
  } catch (error) {
    asInvalidToken(error);
  }
  if (cached) return answer();
  return authenticate(gh, () => gatehouse.em, verified.claims).then(answer, asInvalidToken);
}

/** An `@auth` refusal as `verifyToken` and the stateless refresh report it: INVALID_TOKEN with the same reason. */
function asInvalidToken(error: unknown): never {
  if (error instanceof Unauthenticated) throw new InvalidToken(error.reason);
  throw error;
}

/**
 * `refreshToken`: with `refreshToken` (or, with neither argument, the `Refresh-Token` header
 * or the cookie) a device token's rotation; with `token` the stateless refresh of an access
 * token; both is `BAD_USER_INPUT`. In cookie mode a refused cookie is dropped and a new one
 * set. `buildGatehouseSchema` installs it as the field's resolver directly (see
 * `DIRECT_RESOLVERS`): it is what the type-graphql method calls.
 */
export async function refreshTokenField(
  { refreshToken, token }: { refreshToken?: string | null; token?: string | null },
  { gatehouse }: GatehouseContext,
): Promise<AuthPayloadType> {
  if (refreshToken != null && token != null) {
    throw new BadUserInput('Pass either refreshToken or token, not both.');
  }
  if (token != null) {
    const { access, user } = await refreshAccessToken(gatehouse.gh, gatehouse.em, token);
    return shapePayload(gatehouse.gh, toStatelessAuthPayload(access, toUserType(user)), user, 'statelessRefresh');
  }
  const outside = refreshToken == null ? gatehouse.presentedRefreshTokenWithSource() : null;
  const presented = refreshToken ?? outside?.token;
  if (presented == null) {
    throw new BadUserInput('Pass refreshToken or token (or send the Refresh-Token header, or the cookie in cookie mode).');
  }
  let session;
  try {
    session = await rotateDeviceToken(gatehouse.gh, presented, { requestId: gatehouse.requestId });
  } catch (error) {
    // A cookie that can no longer refresh anything is dropped, so the browser stops sending it.
    if (error instanceof InvalidRefreshToken && outside?.source === 'cookie') gatehouse.clearRefreshCookie();
    throw error;
  }
  const payload = toAuthPayload(session, gatehouse.gh.settings.cookie.enabled);
  gatehouse.setRefreshCookie(session.refreshToken, payload.refreshExpiresIn!);
  return shapePayload(gatehouse.gh, payload, session.user, 'refreshToken');
}

/** Login, verification and refresh: the contract's token mutations. Thin: the rules live in `sessions/`. */
@GraphQLErrors()
@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayloadType, { description: 'Password login: an access token and a new device session.' })
  async tokenAuth(
    @Args(() => TokenAuthArgs) { username, password, deviceName }: TokenAuthArgs,
    @Ctx() { gatehouse }: GatehouseContext,
  ): Promise<AuthPayloadType> {
    const session = await login(gatehouse.gh, gatehouse.em, {
      username,
      password,
      deviceName,
      headers: gatehouse.headers,
      clientAddress: gatehouse.clientAddress,
      origin: { requestId: gatehouse.requestId },
    });
    const payload = toAuthPayload(session, gatehouse.gh.settings.cookie.enabled);
    gatehouse.setRefreshCookie(session.refreshToken, payload.refreshExpiresIn!);
    return shapePayload(gatehouse.gh, payload, session.user, 'tokenAuth');
  }

  @Mutation(() => VerifyPayloadType, { description: 'The payload of an access token @auth would accept (its session live); INVALID_TOKEN otherwise.' })
  verifyToken(@Arg('token', () => String) token: string, @Ctx() context: GatehouseContext): VerifyPayloadType | Promise<VerifyPayloadType> {
    return verifyTokenField(token, context);
  }

  @Mutation(() => AuthPayloadType, {
    description:
      'With refreshToken: rotates a device refresh token. With token: the stateless refresh of an access token. ' +
      'At most one of the two; with neither, the Refresh-Token header or the cookie.',
  })
  refreshToken(@Args(() => RefreshTokenArgs) args: RefreshTokenArgs, @Ctx() context: GatehouseContext): Promise<AuthPayloadType> {
    return refreshTokenField(args, context);
  }
}
