import { Ctx, Directive, Query, Resolver } from 'type-graphql';
import type { GatehouseContext } from '../../context/context';
import { principalSync } from '../../context/principal';
import { GraphQLErrors } from '../errors';
import { User } from '../../entities';
import { userSnapshot } from '../../sessions/snapshots';
import { toUserType, UserType } from '../types/user';

/**
 * `me`: the signed-in user (`@auth` has already found the caller), without a promise when
 * the caches know the caller (see `principalSync`). `buildGatehouseSchema` installs it as
 * the field's resolver directly (see `DIRECT_RESOLVERS`).
 */
export function meField({ gatehouse }: GatehouseContext): UserType | Promise<UserType> {
  const principal = principalSync(gatehouse);
  return principal instanceof Promise ? principal.then(({ user }) => toUserType(user)) : toUserType(principal.user);
}

@GraphQLErrors()
@Resolver()
export class UserResolver {
  @Query(() => UserType, { description: 'The signed-in user.' })
  @Directive('@auth')
  me(@Ctx() context: GatehouseContext): UserType | Promise<UserType> {
    return meField(context);
  }

  @Query(() => [UserType], { description: 'Every user, for administrators.' })
  @Directive('@auth(roles: ["admin"])')
  async users(@Ctx() { gatehouse }: GatehouseContext): Promise<UserType[]> {
    const users = await gatehouse.em.find(User, {}, { orderBy: { username: 'asc' } });
    return users.map((user) => toUserType(userSnapshot(user)));
  }
}
