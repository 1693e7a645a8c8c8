import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** A person or service account that can sign in. */
@Entity({ tableName: 'gatehouse_user' })
// Addresses compare case-insensitively: unique on lower(email), where there is one (both dialects read this SQL).
@Unique({ name: 'gatehouse_user_email_lower_unique', expression: 'create unique index gatehouse_user_email_lower_unique on gatehouse_user (lower(email)) where email is not null' })
export class User {
  [OptionalProps]?: 'id' | 'email' | 'emailVerified' | 'roles' | 'isActive' | 'lastLogin' | 'dateJoined' | 'tokensValidAfter';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 150, unique: true })
  username!: string;

  /** Unique case-insensitively (an index on `lower(email)`, made by the migration). */
  @Property({ type: 'string', length: 254, nullable: true })
  email: string | null = null;

  /** The owner followed a verification link (or an administrator vouched for the address). */
  @Property({ type: 'boolean', default: false })
  emailVerified: boolean = false;

  /** bcrypt hash; never leaves the server. */
  @Property({ type: 'string', length: 100, hidden: true, lazy: false })
  passwordHash!: string;

  @Property({ type: 'json' })
  roles: string[] = [];

  @Property({ type: 'boolean' })
  isActive: boolean = true;

  @Property({ type: 'datetime', nullable: true })
  lastLogin: Date | null = null;

  @Property({ type: 'datetime' })
  dateJoined: Date = new Date();

  /** Access tokens issued before this instant are refused (set by a password change). */
  @Property({ type: 'datetime', nullable: true })
  tokensValidAfter: Date | null = null;
}
