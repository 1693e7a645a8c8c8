import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import type { RefreshKind } from '../tokens/refresh/opaque';
import { Device } from './Device';
import { User } from './User';

/**
 * Both refresh-token kinds in one table, told apart by `kind`:
 * - `device`: single use, rotated on every refresh, belongs to a Device; expires with it.
 * - `app`: long-running, one live per user and `app` (a partial unique index), never expires unless revoked.
 * The token itself is never stored, only its SHA-256 hash.
 */
@Entity({ tableName: 'gatehouse_refresh_token' })
@Index({ properties: ['user', 'kind', 'app'] })
/** Ending a device revokes its tokens by this index (logout, reuse, logoutOtherDevices stay flat as the table grows). */
@Index({ name: 'gatehouse_refresh_token_device_id_index', properties: ['device'] })
/** `tokens clear` finds revoked tokens by this partial index. */
@Index({ name: 'gatehouse_refresh_token_revoked_at_index', expression: 'create index "gatehouse_refresh_token_revoked_at_index" on "gatehouse_refresh_token" ("revoked_at") where "revoked_at" is not null' })
/** One live app token per user and app (Migration20261202140000). */
@Unique({
  name: 'gatehouse_refresh_token_live_app_unique',
  expression: "create unique index gatehouse_refresh_token_live_app_unique on gatehouse_refresh_token (user_id, app) where kind = 'app' and revoked_at is null",
})
/** The rotated tokens still holding a sealed successor, which the store clears after the grace window. */
@Index({
  name: 'gatehouse_refresh_token_sealed_index',
  expression: 'create index gatehouse_refresh_token_sealed_index on gatehouse_refresh_token (used_at) where sealed_successor is not null',
})
export class RefreshToken {
  [OptionalProps]?: 'id' | 'device' | 'app' | 'createdAt' | 'lastUsedAt' | 'usedAt' | 'replacedById' | 'sealedSuccessor' | 'revokedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: ['device', 'app'], type: 'string', length: 8 })
  kind!: RefreshKind;

  @Property({ type: 'string', length: 64, unique: true })
  tokenHash!: string;

  /** No index of its own: `(user_id, kind, app)` serves every lookup by user (and the cascade from the user). */
  @ManyToOne(() => User, { deleteRule: 'cascade', index: false })
  user!: User;

  @ManyToOne(() => Device, { nullable: true, deleteRule: 'cascade' })
  device: Device | null = null;

  /** The client id of an app token. */
  @Property({ type: 'string', length: 64, nullable: true })
  app: string | null = null;

  /** `orig_iat` of the password login this chain descends from (device tokens). */
  @Property({ type: 'integer' })
  origIat!: number;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  lastUsedAt: Date | null = null;

  /** When a device token was rotated (single use). */
  @Property({ type: 'datetime', nullable: true })
  usedAt: Date | null = null;

  /** Id of the token that replaced this one. */
  @Property({ type: 'uuid', nullable: true })
  replacedById: string | null = null;

  /** The successor, sealed under a key derived from this token, for the reuse grace window. */
  @Property({ type: 'text', nullable: true, lazy: false })
  sealedSuccessor: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  revokedAt: Date | null = null;
}
