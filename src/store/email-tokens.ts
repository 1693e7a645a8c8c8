import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import { decideOneTimeToken, type OneTimeState } from '../accounts/one-time-token';
import type { OneTimePurpose } from '../entities';
import { InvalidEmailToken } from '../errors';
import { affected, dbDate, msOf, type Row } from './rows';
import { execute } from './execute';

/** A one-time token as read with its user, inside a consuming transaction. */
export interface PresentedToken extends OneTimeState {
  id: string;
  userId: string;
  /** The address the token was sent to (the new one for a change). */
  email: string;
  username: string;
  /** The user's address now. */
  userEmail: string | null;
}

const READ =
  'select t.id, t.user_id, t.purpose, t.email, t.expires_at, t.used_at, u.username as u_username, u.email as u_email ' +
  'from gatehouse_one_time_token t join gatehouse_user u on u.id = t.user_id where t.token_hash = ?';
const CLAIM = 'update gatehouse_one_time_token set used_at = ? where id = ? and used_at is null';

/**
 * Reads the token of `tokenHash` and applies the rule (`decideOneTimeToken`); throws
 * `InvalidEmailToken` (UNKNOWN, USED, EXPIRED). Inside the caller's transaction, before
 * its change.
 */
export async function presentToken(em: EntityManager, tokenHash: string, accepted: readonly OneTimePurpose[], nowMs: number): Promise<PresentedToken> {
  const row = (await execute(em, READ, [tokenHash], 'get')) as Row | undefined;
  const token: PresentedToken | null = row
    ? {
        id: String(row.id),
        userId: String(row.user_id),
        purpose: String(row.purpose) as OneTimePurpose,
        email: String(row.email),
        expiresAt: msOf(row.expires_at)!,
        usedAt: msOf(row.used_at),
        username: String(row.u_username),
        userEmail: row.u_email == null ? null : String(row.u_email),
      }
    : null;
  const problem = decideOneTimeToken(token, accepted, nowMs);
  if (problem) throw new InvalidEmailToken(problem);
  return token!;
}

/**
 * Marks the token used, in the transaction of the change it makes (last, so the lock order
 * of session writes, User first, is kept); throws `InvalidEmailToken('USED')` when a
 * concurrent use won, which rolls the change back.
 */
export async function claimToken(em: EntityManager, token: PresentedToken, nowMs: number): Promise<void> {
  if (affected(await execute(em, CLAIM, [dbDate(em, nowMs), token.id], 'run')) !== 1) throw new InvalidEmailToken('USED');
}

/** Deletes the user's other unused tokens of these purposes (a reset ends every other reset link, a change the pending ones). */
export async function dropUnusedTokens(em: EntityManager, userId: string, purposes: readonly OneTimePurpose[]): Promise<void> {
  await execute(em, 
    `delete from gatehouse_one_time_token where user_id = ? and used_at is null and purpose in (${purposes.map(() => '?').join(', ')})`,
    [userId, ...purposes],
    'run',
  );
}
