import { SIMPLE } from './simple';
import { Field, ID, ObjectType } from 'type-graphql';
import { GraphQLISODateTime } from 'type-graphql';
import type { UserSnapshot } from '../../sessions/cache';
import type { AuthPayloadUser } from '../../types/auth-payload';

@ObjectType('User', SIMPLE)
export class UserType implements AuthPayloadUser {
  @Field(() => ID) id!: string;
  @Field(() => String) username!: string;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => Boolean, { description: 'Whether the owner of the address confirmed it (a verification link, or set by an administrator).' }) emailVerified!: boolean;
  @Field(() => [String]) roles!: string[];
  @Field(() => Boolean) isActive!: boolean;
  @Field(() => GraphQLISODateTime, { nullable: true }) lastLogin!: Date | null;
  @Field(() => GraphQLISODateTime) dateJoined!: Date;
}

export function toUserType(user: UserSnapshot): UserType {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    emailVerified: user.emailVerified,
    roles: user.roles,
    isActive: user.isActive,
    lastLogin: user.lastLogin,
    dateJoined: user.dateJoined,
  };
}
