import { SIMPLE } from './simple';
import { Field, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import type { RefreshToken } from '../../entities';
import type { IssuedAccess } from '../../sessions/issue';
import { toTokenPayload, TokenPayloadType } from './payloads';

@ObjectType('AppToken', { ...SIMPLE, description: 'A long-running app refresh token (its key is never shown again).' })
export class AppTokenType {
  @Field(() => ID) id!: string;
  @Field(() => String) app!: string;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) lastUsedAt!: Date | null;
}

@ObjectType('CreatedAppToken', SIMPLE)
export class CreatedAppTokenType {
  /** The key, shown this once. */
  @Field(() => String) refreshToken!: string;
  @Field(() => AppTokenType) appToken!: AppTokenType;
}

@ObjectType('DelegatePayload', SIMPLE)
export class DelegatePayloadType {
  @Field(() => String) token!: string;
  @Field(() => TokenPayloadType) payload!: TokenPayloadType;
  @Field(() => String) refreshToken!: string;
}

@ObjectType('RevokePayload', SIMPLE)
export class RevokePayloadType {
  /** How many tokens were revoked (0 or 1). */
  @Field(() => Int) revoked!: number;
}

export function toAppTokenType(token: Pick<RefreshToken, 'id' | 'createdAt' | 'lastUsedAt'> & { app: string | null }): AppTokenType {
  return { id: token.id, app: token.app!, createdAt: token.createdAt, lastUsedAt: token.lastUsedAt };
}

export function toDelegatePayload(access: IssuedAccess, refreshToken: string): DelegatePayloadType {
  return { token: access.token, payload: toTokenPayload(access.claims), refreshToken };
}
