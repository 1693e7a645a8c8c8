import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from './User';

/** One signed-in device: a session that its user can see and end. */
@Entity({ tableName: 'gatehouse_device' })
@Index({ properties: ['user', 'revokedAt'] })
/** `tokens clear` finds expired devices by this index, and ended ones by the partial one below. */
@Index({ name: 'gatehouse_device_expires_at_index', properties: ['expiresAt'] })
@Index({ name: 'gatehouse_device_revoked_at_index', expression: 'create index "gatehouse_device_revoked_at_index" on "gatehouse_device" ("revoked_at") where "revoked_at" is not null' })
export class Device {
  [OptionalProps]?: 'id' | 'userAgent' | 'createdAt' | 'lastSeenAt' | 'revokedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Property({ type: 'string', length: 255 })
  name!: string;

  @Property({ type: 'string', length: 512, nullable: true })
  userAgent: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  /** Written at most once per JWT_SESSION_EXPIRATION_ACCURACY. */
  @Property({ type: 'datetime' })
  lastSeenAt: Date = new Date();

  /** lastSeenAt + JWT_REFRESH_EXPIRATION_DELTA: the session ends here without use. */
  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;
}
