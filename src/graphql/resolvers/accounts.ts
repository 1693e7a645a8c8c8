import { Arg, Args, Ctx, Directive, Mutation, Resolver } from 'type-graphql';
import { changeEmail, deleteOwnAccount, register, requestMail, resetPasswordWithToken, verifyEmailToken } from '../../accounts/requests';
import type { GatehouseContext, RequestScope } from '../../context/context';
import { GraphQLErrors } from '../errors';
import { ChangeEmailArgs, RegisterArgs, ResetPasswordArgs } from '../types/args';

const asker = (gatehouse: RequestScope) => ({ clientAddress: gatehouse.clientAddress, origin: { requestId: gatehouse.requestId } });

/** Sign-up, e-mail verification, password reset, address change, deletion. Thin: the rules live in `src/accounts/`. */
@GraphQLErrors()
@Resolver()
export class AccountResolver {
  @Mutation(() => Boolean, {
    description:
      'Signs up (SIGNUP_ENABLED). Answers true alike for a new address (a verification mail follows) and a registered one ' +
      '(its owner is told). BAD_USER_INPUT: USERNAME_TAKEN, INVALID_EMAIL, WEAK_PASSWORD.',
  })
  register(@Args(() => RegisterArgs) args: RegisterArgs, @Ctx() { gatehouse }: GatehouseContext): Promise<boolean> {
    return register(gatehouse.gh, gatehouse.em, args, asker(gatehouse));
  }

  @Mutation(() => Boolean, { description: 'Sends a new verification link to this address if it belongs to an unverified account. Always true.' })
  requestEmailVerification(@Arg('email', () => String) email: string, @Ctx() { gatehouse }: GatehouseContext): Promise<boolean> {
    return requestMail(gatehouse.gh, 'verify', email, asker(gatehouse));
  }

  @Mutation(() => Boolean, { description: 'Confirms an address with the token of a verification or address-change link. INVALID_EMAIL_TOKEN otherwise.' })
  verifyEmail(@Arg('token', () => String) token: string, @Ctx() { gatehouse }: GatehouseContext): Promise<boolean> {
    return verifyEmailToken(gatehouse.gh, token, asker(gatehouse));
  }

  @Mutation(() => Boolean, { description: 'Sends a password-reset link to this address if it belongs to an account. Always true.' })
  requestPasswordReset(@Arg('email', () => String) email: string, @Ctx() { gatehouse }: GatehouseContext): Promise<boolean> {
    return requestMail(gatehouse.gh, 'reset', email, asker(gatehouse));
  }

  @Mutation(() => Boolean, {
    description: 'Sets a new password with the token of a reset link; ends every session and app token, and marks the address verified.',
  })
  async resetPassword(@Args(() => ResetPasswordArgs) { token, newPassword }: ResetPasswordArgs, @Ctx() { gatehouse }: GatehouseContext): Promise<boolean> {
    await resetPasswordWithToken(gatehouse.gh, gatehouse.em, token, newPassword, asker(gatehouse));
    gatehouse.clearRefreshCookie();
    return true;
  }

  @Mutation(() => Boolean, { description: 'Sends a confirmation link to a new address; the account moves to it once the link is followed (verifyEmail).' })
  @Directive('@auth')
  async changeEmail(@Args(() => ChangeEmailArgs) { newEmail, password }: ChangeEmailArgs, @Ctx() { gatehouse }: GatehouseContext): Promise<boolean> {
    const { user } = await gatehouse.principal();
    return changeEmail(gatehouse.gh, gatehouse.em, user.id, newEmail, password, asker(gatehouse));
  }

  @Mutation(() => Boolean, { description: "Deletes the signed-in user's account and personal data; ends every session and app token." })
  @Directive('@auth')
  async deleteAccount(@Arg('password', () => String) password: string, @Ctx() { gatehouse }: GatehouseContext): Promise<boolean> {
    const { user } = await gatehouse.principal();
    await deleteOwnAccount(gatehouse.gh, gatehouse.em, user.id, password, asker(gatehouse));
    gatehouse.clearRefreshCookie();
    return true;
  }
}
