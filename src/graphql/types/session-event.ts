import { Field, GraphQLISODateTime, ObjectType, registerEnumType } from 'type-graphql';
import { DeviceType } from './device';
import { SIMPLE } from './simple';

/** The contract's `SessionEventType`. */
export enum SessionEventTypeEnum {
  SIGNED_IN = 'SIGNED_IN',
  SIGNED_OUT = 'SIGNED_OUT',
  REVOKED = 'REVOKED',
  PASSWORD_CHANGED = 'PASSWORD_CHANGED',
}

registerEnumType(SessionEventTypeEnum, {
  name: 'SessionEventType',
  description: 'What happened to the account.',
  valuesConfig: {
    SIGNED_IN: { description: 'A tokenAuth of this user created `device`.' },
    SIGNED_OUT: { description: '`device` ended by logout, logoutDevice, logoutOtherDevices, revokeRefreshToken, or a login past MAX_DEVICES_PER_USER.' },
    REVOKED: { description: '`device` ended by reuse detection (a rotated refresh token presented again).' },
    PASSWORD_CHANGED: { description: 'changePassword, `users set-password` or resetPassword: every session ended (no device).' },
  },
});

@ObjectType('SessionEvent', { ...SIMPLE, description: "One thing that happened to the caller's account." })
export class SessionEventType {
  @Field(() => SessionEventTypeEnum) type!: SessionEventTypeEnum;
  @Field(() => DeviceType, { nullable: true, description: 'The device session it is about (none for PASSWORD_CHANGED).' }) device!: DeviceType | null;
  @Field(() => GraphQLISODateTime) at!: Date;
}
