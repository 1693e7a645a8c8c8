import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from './User';

/** What a one-time token may do: verify an address, switch to a new one, or reset the password. */
export type OneTimePurpose = 'verify' | 'change' | 'reset';

/**
 * A one-time token sent by mail (verification, address change, password reset). Only its
 * SHA-256 hash is stored; it is bound to its purpose and to the address it was sent to,
 * used once (`usedAt`), and refused after `expiresAt`.
 */
@Entity({ tableName: 'gatehouse_one_time_token' })
@Index({ properties: ['user', 'purpose'] })
export class OneTimeToken {
  [OptionalProps]?: 'id' | 'createdAt' | 'usedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 64, unique: true })
  tokenHash!: string;

  /**
   * A plain string column, not an enum with a check: MikroORM 6.6 reads a SQLite check of
   * three items back as two and would keep "migrating" it. Only `src/accounts/jobs.ts`
   * writes it, with the union's literals.
   */
  @Property({ type: 'string', length: 8 })
  purpose!: OneTimePurpose;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  /** The address the mail went to: the one it verifies, or the new one of a change. */
  @Property({ type: 'string', length: 254 })
  email!: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  usedAt: Date | null = null;
}
