import { ArgsType, Field } from 'type-graphql';

/** Argument lists as classes, so the SDL lists them in the contract's order. */
@ArgsType()
export class TokenAuthArgs {
  @Field(() => String) username!: string;
  @Field(() => String) password!: string;
  @Field(() => String, { nullable: true }) deviceName?: string | null;
}

@ArgsType()
export class RefreshTokenArgs {
  @Field(() => String, { nullable: true }) refreshToken?: string | null;
  @Field(() => String, { nullable: true }) token?: string | null;
}

@ArgsType()
export class DelegateTokenArgs {
  @Field(() => String) clientId!: string;
  @Field(() => String) grantType!: string;
  @Field(() => String) refreshToken!: string;
  @Field(() => String, { nullable: true }) apiType?: string | null;
}

@ArgsType()
export class ChangePasswordArgs {
  @Field(() => String) oldPassword!: string;
  @Field(() => String) newPassword!: string;
}

@ArgsType()
export class RegisterArgs {
  @Field(() => String) username!: string;
  @Field(() => String) email!: string;
  @Field(() => String) password!: string;
}

@ArgsType()
export class ResetPasswordArgs {
  @Field(() => String) token!: string;
  @Field(() => String) newPassword!: string;
}

@ArgsType()
export class ChangeEmailArgs {
  @Field(() => String) newEmail!: string;
  @Field(() => String) password!: string;
}
