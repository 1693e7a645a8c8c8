import { randomUUID } from 'node:crypto';
import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import type { OneTimePurpose } from '../entities';
import { becomeMail, type ClaimedRow, deleteTaken, type NewOutboxRow } from '../mail/outbox';
import { openPayload, sealPayload } from '../mail/seal';
import { linkWith, type TemplateName, type TemplateVars } from '../mail/templates';
import type { Settings } from '../settings';
import { dbDate, type Row } from '../store/rows';
import { generateOneTimeToken, hashOneTimeToken } from './one-time-token';
import { execute, transaction } from '../store/execute';

/**
 * Account requests as outbox jobs. `register`, `requestEmailVerification`,
 * `requestPasswordReset` and `changeEmail` answer before anything depends on whether the
 * address is known: each writes one `job:…` row (the same work for a known and an unknown
 * address) and the mail worker works it out afterwards, off the request path, in one
 * transaction: looks the address up, makes the account and the one-time token when there
 * is one to make, and turns the row into the mail to send (or deletes it when there is
 * nothing to send). The mail is therefore written in the same transaction as its token.
 */
export type JobKind = 'register' | 'verify' | 'reset' | 'change';

/** What a job row holds, sealed: a registration's username and password hash, a change's user. */
export type JobPayload =
  | { kind: 'register'; username: string; passwordHash: string }
  | { kind: 'verify' }
  | { kind: 'reset' }
  | { kind: 'change'; userId: string };

export const JOB_PREFIX = 'job:';

/** The outbox row of a request (see `insertOutboxRow`): the address it names, and its sealed payload. */
export function jobRow(email: string, payload: JobPayload, key: Buffer): NewOutboxRow {
  return { recipient: email, template: `${JOB_PREFIX}${payload.kind}`, userId: payload.kind === 'change' ? payload.userId : null, payload: sealPayload(payload, key) };
}

export interface JobDeps {
  settings: Pick<Settings, 'accounts'>;
  key: Buffer;
  worker: string;
}

/** What working out a job did: the mail it became (null: nothing to send), and an account it made. */
export interface JobOutcome {
  mail: ClaimedRow | null;
  registered?: { userId: string; username: string };
}

interface UserRow {
  id: string;
  username: string;
  email: string | null;
  emailVerified: boolean;
  isActive: boolean;
}

const USER_BY_EMAIL = 'select id, username, email, email_verified, is_active from gatehouse_user where lower(email) = lower(?)';
const USER_BY_ID = 'select id, username, email, email_verified, is_active from gatehouse_user where id = ?';
const USERNAME_TAKEN = 'select id from gatehouse_user where username = ?';
const INSERT_USER =
  'insert into gatehouse_user (id, username, email, email_verified, password_hash, roles, is_active, date_joined) values (?, ?, ?, ?, ?, ?, ?, ?)';
const INSERT_TOKEN =
  'insert into gatehouse_one_time_token (id, token_hash, purpose, user_id, email, created_at, expires_at) values (?, ?, ?, ?, ?, ?, ?)';

async function oneUser(em: EntityManager, sql: string, value: string): Promise<UserRow | null> {
  const row = (await execute(em, sql, [value], 'get')) as Row | undefined;
  if (!row) return null;
  return {
    id: String(row.id),
    username: String(row.username),
    email: row.email == null ? null : String(row.email),
    emailVerified: Boolean(row.email_verified),
    isActive: Boolean(row.is_active),
  };
}

/**
 * Works out one taken job row in one transaction (the caller's `em` is not in one yet).
 * Throws when the row is no longer this worker's or the database refuses (a concurrent
 * registration took the username or address): nothing is written and the job is retried.
 */
export async function resolveJob(em: EntityManager, row: ClaimedRow, deps: JobDeps, nowMs: number): Promise<JobOutcome> {
  const job = openPayload<JobPayload>(row.payload ?? '', deps.key);
  return transaction(em, async (tem) => {
    let registered: JobOutcome['registered'];
    const mail = async (recipient: string, template: TemplateName, userId: string, vars: TemplateVars): Promise<JobOutcome> => {
      const next: NewOutboxRow = { recipient, template, userId, payload: sealPayload(vars, deps.key) };
      if (!(await becomeMail(tem, row.id, deps.worker, next))) throw new Error('the outbox row was taken by another worker');
      return { mail: { ...row, recipient, template, userId, payload: next.payload }, registered };
    };
    const nothing = async (): Promise<JobOutcome> => {
      await deleteTaken(tem, row.id, deps.worker);
      return { mail: null };
    };
    const token = async (purpose: OneTimePurpose, userId: string, email: string, ttlSeconds: number, linkTemplate: string): Promise<string> => {
      const value = generateOneTimeToken();
      await execute(tem, INSERT_TOKEN, [randomUUID(), hashOneTimeToken(value), purpose, userId, email, dbDate(tem, nowMs), dbDate(tem, nowMs + ttlSeconds * 1000)], 'run');
      return linkWith(linkTemplate, value);
    };
    const { accounts } = deps.settings;

    switch (job.kind) {
      case 'register': {
        const owner = await oneUser(tem, USER_BY_EMAIL, row.recipient);
        if (owner) return mail(owner.email!, 'address-in-use', owner.id, { email: owner.email! });
        // Checked at the request too; a registration that raced this one for the name got the answer first.
        if (((await execute(tem, USERNAME_TAKEN, [job.username], 'all')) as Row[]).length > 0) return nothing();
        const userId = randomUUID();
        await execute(tem, INSERT_USER, [userId, job.username, row.recipient, false, job.passwordHash, '[]', true, dbDate(tem, nowMs)], 'run');
        registered = { userId, username: job.username };
        const link = await token('verify', userId, row.recipient, accounts.verificationTtl, accounts.verifyUrl);
        return mail(row.recipient, 'verify-email', userId, { link, username: job.username, email: row.recipient });
      }
      case 'verify': {
        const user = await oneUser(tem, USER_BY_EMAIL, row.recipient);
        if (!user || user.emailVerified || !user.isActive) return nothing();
        const link = await token('verify', user.id, user.email!, accounts.verificationTtl, accounts.verifyUrl);
        return mail(user.email!, 'verify-email', user.id, { link, username: user.username, email: user.email! });
      }
      case 'reset': {
        const user = await oneUser(tem, USER_BY_EMAIL, row.recipient);
        if (!user || !user.isActive) return nothing();
        const link = await token('reset', user.id, user.email!, accounts.resetTtl, accounts.resetUrl);
        return mail(user.email!, 'password-reset', user.id, { link, username: user.username, email: user.email! });
      }
      case 'change': {
        const user = await oneUser(tem, USER_BY_ID, job.userId);
        if (!user || !user.isActive || user.email?.toLowerCase() === row.recipient.toLowerCase()) return nothing();
        const owner = await oneUser(tem, USER_BY_EMAIL, row.recipient);
        if (owner) return mail(owner.email!, 'address-in-use', owner.id, { email: owner.email! });
        const link = await token('change', user.id, row.recipient, accounts.verificationTtl, accounts.verifyUrl);
        return mail(row.recipient, 'confirm-email-change', user.id, { link, username: user.username, email: user.email ?? '', newEmail: row.recipient });
      }
    }
  });
}
