import { randomUUID } from 'node:crypto';
import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import { affected, dbDate, msOf, type Row } from '../store/rows';
import { execute, onSqlite } from '../store/execute';

/**
 * The mail outbox's SQL (`gatehouse_mail_outbox`), through the store's `execute` with `?`
 * parameters (bound by the driver). A row is a mail (`template` a template name) or an account request not
 * worked out yet (`job:…`, see `src/accounts/jobs.ts`); either way it is written in the
 * transaction of what it reports, taken by one instance at a time (`claimDue`), and ends
 * sent (`sent_at`, payload cleared) or failed (`next_attempt_at` null, kept with its
 * `last_error`).
 */

/** A row to insert; `payload` is already sealed (see `sealPayload`). */
export interface NewOutboxRow {
  recipient: string;
  template: string;
  userId: string | null;
  payload: string | null;
}

/** A row a worker took. */
export interface ClaimedRow {
  id: string;
  recipient: string;
  template: string;
  userId: string | null;
  payload: string | null;
  attempts: number;
}

const INSERT =
  'insert into gatehouse_mail_outbox (id, recipient, template, user_id, payload, created_at, attempts, next_attempt_at) values (?, ?, ?, ?, ?, ?, 0, ?)';

/** Inserts a row inside the caller's transaction, due at once; returns its id. */
export async function insertOutboxRow(em: EntityManager, row: NewOutboxRow, nowMs: number): Promise<string> {
  const id = randomUUID();
  const now = dbDate(em, nowMs);
  await execute(em, INSERT, [id, row.recipient.slice(0, 254), row.template, row.userId, row.payload, now, now], 'run');
  return id;
}

/** How long a taken row stays taken without news from its worker: then another may take it (a killed instance). */
export const LEASE_MS = 5 * 60_000;

/**
 * Takes up to `limit` due rows for `worker` (until now + LEASE_MS) in one statement, and
 * returns them. On PostgreSQL the candidates are locked `for update skip locked`, so two
 * instances polling at once take different rows and neither waits; SQLite has one writer
 * at a time, so the statement alone is enough.
 */
export async function claimDue(em: EntityManager, worker: string, nowMs: number, limit: number): Promise<ClaimedRow[]> {
  const now = dbDate(em, nowMs);
  const lock = onSqlite(em) ? '' : ' for update skip locked';
  const rows: Row[] = await execute(em, 
    'update gatehouse_mail_outbox set locked_by = ?, locked_until = ? where id in (' +
      'select id from gatehouse_mail_outbox where sent_at is null and next_attempt_at is not null and next_attempt_at <= ? ' +
      `and (locked_until is null or locked_until < ?) order by next_attempt_at limit ?${lock}) ` +
      'returning id, recipient, template, user_id, payload, attempts',
    [worker, dbDate(em, nowMs + LEASE_MS), now, now, limit],
    'all',
  );
  return rows.map((row) => ({
    id: String(row.id),
    recipient: String(row.recipient),
    template: String(row.template),
    userId: row.user_id == null ? null : String(row.user_id),
    payload: row.payload == null ? null : String(row.payload),
    attempts: Number(row.attempts),
  }));
}

/** Turns a taken job row into the mail it resolved to (inside the job's transaction); false when the row is no longer this worker's. */
export async function becomeMail(em: EntityManager, id: string, worker: string, mail: NewOutboxRow): Promise<boolean> {
  return affected(await execute(em, 
    'update gatehouse_mail_outbox set recipient = ?, template = ?, user_id = ?, payload = ? where id = ? and locked_by = ?',
    [mail.recipient.slice(0, 254), mail.template, mail.userId, mail.payload, id, worker],
    'run',
  )) === 1;
}

/** Deletes a taken row (a request with nothing to send). */
export async function deleteTaken(em: EntityManager, id: string, worker: string): Promise<boolean> {
  return affected(await execute(em, 'delete from gatehouse_mail_outbox where id = ? and locked_by = ?', [id, worker], 'run')) === 1;
}

/** A delivered mail: sent, its payload (and the token in it) gone. */
export async function markSent(em: EntityManager, id: string, worker: string, nowMs: number): Promise<void> {
  await execute(em, 
    'update gatehouse_mail_outbox set sent_at = ?, payload = null, attempts = attempts + 1, next_attempt_at = null, locked_by = null, locked_until = null, last_error = null where id = ? and locked_by = ?',
    [dbDate(em, nowMs), id, worker],
    'run',
  );
}

/** A failed attempt: counted, retried at `nextAttemptMs`, or kept as failed when null. */
export async function markFailed(em: EntityManager, id: string, worker: string, error: string, nextAttemptMs: number | null): Promise<void> {
  await execute(em, 
    'update gatehouse_mail_outbox set attempts = attempts + 1, next_attempt_at = ?, locked_by = null, locked_until = null, last_error = ? where id = ? and locked_by = ?',
    [nextAttemptMs === null ? null : dbDate(em, nextAttemptMs), error.slice(0, 500), id, worker],
    'run',
  );
}

/**
 * The wait before the next attempt after `attempts` failed ones: `retryDelay` doubled per
 * further failure, at most `retryMaxDelay` (seconds in, milliseconds out); null once
 * `maxAttempts` are used up (the mail is kept as failed). Pure.
 *
 * @example retryAfterMs(3, { retryDelay: 30, retryMaxDelay: 3600, maxAttempts: 12 }) // 120000
 */
export function retryAfterMs(attempts: number, mail: { retryDelay: number; retryMaxDelay: number; maxAttempts: number }): number | null {
  if (attempts >= mail.maxAttempts) return null;
  return Math.min(mail.retryDelay * 2 ** Math.max(0, attempts - 1), mail.retryMaxDelay) * 1000;
}

/** The outbox at a glance (`gatehouse mail status`). */
export interface OutboxStatus {
  /** Due or waiting, never tried. */
  queued: number;
  /** Tried and failed at least once, still retried. */
  retrying: number;
  /** Given up after MAIL_MAX_ATTEMPTS: kept, sent again by `gatehouse mail retry`. */
  failed: number;
  sent: number;
  /** The unsent rows that failed at least once, oldest first (at most 50). */
  failing: Array<{ id: string; template: string; recipient: string; attempts: number; nextAttemptAt: Date | null; lastError: string | null; createdAt: Date }>;
}

export async function outboxStatus(em: EntityManager): Promise<OutboxStatus> {
  const counts = (await execute(em, 
    'select ' +
      'sum(case when sent_at is null and next_attempt_at is not null and attempts = 0 then 1 else 0 end) as queued, ' +
      'sum(case when sent_at is null and next_attempt_at is not null and attempts > 0 then 1 else 0 end) as retrying, ' +
      'sum(case when sent_at is null and next_attempt_at is null then 1 else 0 end) as failed, ' +
      'sum(case when sent_at is not null then 1 else 0 end) as sent from gatehouse_mail_outbox',
    [],
    'get',
  )) as Row | undefined;
  const failing: Row[] = await execute(em, 
    'select id, template, recipient, attempts, next_attempt_at, last_error, created_at from gatehouse_mail_outbox where sent_at is null and attempts > 0 order by created_at limit 50',
    [],
    'all',
  );
  return {
    queued: Number(counts?.queued ?? 0),
    retrying: Number(counts?.retrying ?? 0),
    failed: Number(counts?.failed ?? 0),
    sent: Number(counts?.sent ?? 0),
    failing: failing.map((row) => ({
      id: String(row.id),
      template: String(row.template),
      recipient: String(row.recipient),
      attempts: Number(row.attempts),
      nextAttemptAt: row.next_attempt_at == null ? null : new Date(msOf(row.next_attempt_at)!),
      lastError: row.last_error == null ? null : String(row.last_error),
      createdAt: new Date(msOf(row.created_at)!),
    })),
  };
}

/** `gatehouse mail retry`: failed mails are due again, with their attempts counted from zero; how many. */
export async function retryFailed(em: EntityManager, nowMs: number): Promise<number> {
  return affected(await execute(em, 
    'update gatehouse_mail_outbox set next_attempt_at = ?, attempts = 0 where sent_at is null and next_attempt_at is null',
    [dbDate(em, nowMs)],
    'run',
  ));
}
