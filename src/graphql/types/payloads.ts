import { SIMPLE } from './simple';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { AccessClaims } from '../../tokens/access/claims';
import type { SessionTokens } from '../../sessions/login';
import type { IssuedAccess } from '../../sessions/issue';
import { DeviceType, toDeviceType } from './device';
import { toUserType, UserType } from './user';
import type { AuthPayload, TokenPayload } from '../../types/auth-payload';

@ObjectType('TokenPayload', SIMPLE)
export class TokenPayloadType implements TokenPayload {
  @Field(() => ID) sub!: string;
  @Field(() => String) username!: string;
  @Field(() => Int) exp!: number;
  @Field(() => Int) iat!: number;
  @Field(() => Int) origIat!: number;
  @Field(() => String) jti!: string;
  @Field(() => String) tokenType!: string;
  @Field(() => ID, { nullable: true }) sid!: string | null;
}

@ObjectType('AuthPayload', SIMPLE)
export class AuthPayloadType implements AuthPayload {
  @Field(() => String) token!: string;
  @Field(() => TokenPayloadType) payload!: TokenPayloadType;
  @Field(() => String, { nullable: true }) refreshToken!: string | null;
  /** Unix time (seconds) when the returned refresh token expires. */
  @Field(() => Int, { nullable: true }) refreshExpiresIn!: number | null;
  @Field(() => DeviceType, { nullable: true }) device!: DeviceType | null;
  @Field(() => UserType) user!: UserType;
}

@ObjectType('VerifyPayload', SIMPLE)
export class VerifyPayloadType {
  @Field(() => TokenPayloadType) payload!: TokenPayloadType;
}

export function toTokenPayload(claims: AccessClaims): TokenPayloadType {
  return {
    sub: claims.sub,
    username: claims.username,
    exp: claims.exp,
    iat: claims.iat,
    origIat: claims.orig_iat,
    jti: claims.jti,
    tokenType: claims.token_type,
    sid: claims.sid ?? null,
  };
}

/**
 * The `AuthPayload` of a device session. In cookie mode (`cookieMode` true) its
 * `refreshToken` is null: the token travels only in the HttpOnly cookie, out of reach of
 * the page's scripts.
 */
export function toAuthPayload(session: SessionTokens, cookieMode = false): AuthPayloadType {
  return {
    token: session.access.token,
    payload: toTokenPayload(session.access.claims),
    refreshToken: cookieMode ? null : session.refreshToken,
    refreshExpiresIn: Math.floor(session.device.expiresAt.getTime() / 1000),
    device: toDeviceType(session.device, session.device.id),
    user: toUserType(session.user),
  };
}

export function toStatelessAuthPayload(access: IssuedAccess, user: UserType): AuthPayloadType {
  return { token: access.token, payload: toTokenPayload(access.claims), refreshToken: null, refreshExpiresIn: null, device: null, user };
}
