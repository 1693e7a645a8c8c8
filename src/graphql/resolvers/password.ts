import { Args, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import type { GatehouseContext } from '../../context/context';
import { GraphQLErrors } from '../errors';
import { changePassword } from '../../sessions/change-password';
import { requireDeviceSession } from '../../sessions/require';
import { ChangePasswordArgs } from '../types/args';

@GraphQLErrors()
@Resolver()
export class PasswordResolver {
  @Mutation(() => Boolean, {
    description:
      "Changes the signed-in user's password. Ends every device session and app token of the user; " +
      'access tokens issued before stop working (sign in again with the new password).',
  })
  @Directive('@auth')
  async changePassword(
    @Args(() => ChangePasswordArgs) { oldPassword, newPassword }: ChangePasswordArgs,
    @Ctx() { gatehouse }: GatehouseContext,
  ): Promise<boolean> {
    const { user, claims } = await gatehouse.principal();
    requireDeviceSession(claims);
    await changePassword(gatehouse.gh, gatehouse.em, user.id, oldPassword, newPassword, gatehouse.clientAddress, { requestId: gatehouse.requestId });
    // Every session of the user has ended, this browser's too.
    gatehouse.clearRefreshCookie();
    return true;
  }
}
