import { randomUUID } from 'node:crypto';
import { Entity, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { User } from './User';

/**
 * The mail outbox: one row per mail (or per account request still to be worked out, see
 * `src/accounts/jobs.ts`), written in the same transaction as the one-time token it
 * carries, delivered by the worker of whichever instance takes it first (`lockedBy`,
 * `lockedUntil`), retried with backoff, kept when it keeps failing. `payload` is sealed
 * (AES-256-GCM under a key derived from the server's secret) and cleared once sent.
 */
@Entity({ tableName: 'gatehouse_mail_outbox' })
@Index({ properties: ['sentAt', 'nextAttemptAt'] })
export class MailOutbox {
  [OptionalProps]?: 'id' | 'user' | 'payload' | 'createdAt' | 'attempts' | 'nextAttemptAt' | 'lockedBy' | 'lockedUntil' | 'sentAt' | 'lastError';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 254 })
  recipient!: string;

  /** The template's name (`verify-email`, `password-reset`, …), or `job:…` for a request not worked out yet. */
  @Property({ type: 'string', length: 64 })
  template!: string;

  /** Whose mail it is: deleted with the account. */
  @ManyToOne(() => User, { nullable: true, deleteRule: 'cascade' })
  user: User | null = null;

  @Property({ type: 'text', nullable: true, lazy: false })
  payload: string | null = null;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'integer', default: 0 })
  attempts: number = 0;

  /** When to try next; null once given up (MAIL_MAX_ATTEMPTS) or sent. */
  @Property({ type: 'datetime', nullable: true })
  nextAttemptAt: Date | null = new Date();

  @Property({ type: 'string', length: 64, nullable: true })
  lockedBy: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  lockedUntil: Date | null = null;

  @Property({ type: 'datetime', nullable: true })
  sentAt: Date | null = null;

  @Property({ type: 'string', length: 500, nullable: true })
  lastError: string | null = null;
}
