import { Arg, Args, Ctx, Directive, ID, Mutation, Query, Resolver } from 'type-graphql';
import { createAppToken, listAppTokens } from '../../app-tokens/create';
import { delegate } from '../../app-tokens/delegate';
import type { GatehouseContext } from '../../context/context';
import { GraphQLErrors } from '../errors';
import { isUuid } from '../../util/uuid';
import { requireDeviceSession, requireRecentLogin } from '../../sessions/require';
import { BadUserInput } from '../../errors';
import { AppTokenType, CreatedAppTokenType, DelegatePayloadType, RevokePayloadType, toAppTokenType, toDelegatePayload } from '../types/app-token';
import { DelegateTokenArgs } from '../types/args';

/** Long-running app tokens, delegation and revocation (djangorestframework-jwt-refresh-token). */
@GraphQLErrors()
@Resolver()
export class AppTokenResolver {
  @Query(() => [AppTokenType], { description: "The caller's app (long-running) tokens." })
  @Directive('@auth')
  async refreshTokens(@Ctx() { gatehouse }: GatehouseContext): Promise<AppTokenType[]> {
    const { user } = await gatehouse.principal();
    return (await listAppTokens(gatehouse.em, user.id)).map(toAppTokenType);
  }

  @Mutation(() => CreatedAppTokenType, {
    description:
      'A new app token for `app`, replacing the previous one; the key is shown once. ' +
      'Needs an access token of a device session whose password login is at most APP_TOKEN_REAUTH_WINDOW old.',
  })
  @Directive('@auth')
  async createRefreshToken(@Arg('app', () => String) app: string, @Ctx() { gatehouse }: GatehouseContext): Promise<CreatedAppTokenType> {
    const { user, claims } = await gatehouse.principal();
    requireRecentLogin(claims, gatehouse.gh.clock.now(), gatehouse.gh.settings.sessions.appTokenReauthWindow);
    const { key, token } = await createAppToken(gatehouse.gh, user.id, app, { requestId: gatehouse.requestId });
    return { refreshToken: key, appToken: toAppTokenType(token) };
  }

  @Mutation(() => Boolean, { description: "Ends one of the caller's app tokens by the id refreshTokens lists; false for an unknown id or another user's." })
  @Directive('@auth')
  async revokeAppToken(@Arg('id', () => ID) id: string, @Ctx() { gatehouse }: GatehouseContext): Promise<boolean> {
    const { user, claims } = await gatehouse.principal();
    requireDeviceSession(claims);
    if (!isUuid(id)) return false;
    return gatehouse.gh.store.revokeAppToken(user.id, id.toLowerCase(), { requestId: gatehouse.requestId });
  }

  @Mutation(() => DelegatePayloadType, { description: 'Exchanges an app token for an access token (grantType: urn:ietf:params:oauth:grant-type:jwt-bearer).' })
  async delegateToken(@Args(() => DelegateTokenArgs) args: DelegateTokenArgs, @Ctx() { gatehouse }: GatehouseContext): Promise<DelegatePayloadType> {
    const access = await delegate(gatehouse.gh, gatehouse.em, args);
    return toDelegatePayload(access, args.refreshToken);
  }

  @Mutation(() => RevokePayloadType, { description: 'Revokes a device or app refresh token (else the one in the Refresh-Token header or cookie). 0 when unknown or already revoked.' })
  async revokeRefreshToken(
    @Arg('refreshToken', () => String, { nullable: true }) refreshToken: string | null,
    @Ctx() { gatehouse }: GatehouseContext,
  ): Promise<RevokePayloadType> {
    const presented = refreshToken ?? gatehouse.presentedRefreshToken();
    if (presented == null) throw new BadUserInput('Pass refreshToken (or send the Refresh-Token header, or the cookie in cookie mode).');
    const revoked = await gatehouse.gh.store.revokeRefreshToken(presented, { requestId: gatehouse.requestId });
    if (presented === gatehouse.refreshCookieToken()) gatehouse.clearRefreshCookie();
    return { revoked };
  }
}
