import { SIMPLE } from './simple';
import { Field, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import type { Device } from '../../entities';
import type { AuthPayloadDevice } from '../../types/auth-payload';

@ObjectType('Device', SIMPLE)
export class DeviceType implements AuthPayloadDevice {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) userAgent!: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime) lastSeenAt!: Date;
  @Field(() => GraphQLISODateTime) expiresAt!: Date;
  /** True for the device of the calling access token. */
  @Field(() => Boolean) current!: boolean;
}

export function toDeviceType(device: Pick<Device, 'id' | 'name' | 'userAgent' | 'createdAt' | 'lastSeenAt' | 'expiresAt'>, currentId: string | undefined): DeviceType {
  return {
    id: device.id,
    name: device.name,
    userAgent: device.userAgent,
    createdAt: device.createdAt,
    lastSeenAt: device.lastSeenAt,
    expiresAt: device.expiresAt,
    current: device.id === currentId,
  };
}
