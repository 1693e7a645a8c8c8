import { BadUserInput, InvalidEmailToken } from '../errors';
import { insertOutboxRow, type NewOutboxRow } from '../mail/outbox';
import type { StoreDeps } from './deps';
import { claimToken, dropUnusedTokens, presentToken } from './email-tokens';
import type { Origin } from './events';
import { affected, type Row } from './rows';
import { settle } from './settle';
import { execute, onSqlite, transaction } from './execute';
import { statementsEm } from './statements-em';

const VERIFY = 'update gatehouse_user set email_verified = ? where id = ? and lower(email) = lower(?)';
const SWITCH = 'update gatehouse_user set email = ?, email_verified = ? where id = ? and email is not distinct from ?';
const SWITCH_SQLITE = 'update gatehouse_user set email = ?, email_verified = ? where id = ? and email is ?';
const TAKEN = 'select id from gatehouse_user where lower(email) = lower(?) and id <> ?';

/** What `verifyEmail` did. */
export type EmailVerification = { kind: 'verified'; userId: string } | { kind: 'changed'; userId: string };

/** The mail telling the old address of a change (sealed by the caller, which holds the outbox key). */
export type ChangeNotice = (change: { oldEmail: string; newEmail: string; username: string; userId: string }) => NewOutboxRow;

/**
 * `verifyEmail`: consumes a verification or address-change token in one transaction with
 * what it changes. A verification token marks its address verified (refused as UNKNOWN
 * if the account has moved to another address since). A change token switches the
 * account to the new address, verified, queues the notice to the old address (`notice`),
 * and drops the user's other pending verification and change links; an address another
 * account took meanwhile is `BAD_USER_INPUT` reason `EMAIL_TAKEN` (the token stays
 * unused). Throws `InvalidEmailToken` (nothing written). Settles with the user dropped
 * from every cache and `email.verified` or `email.changed`.
 *
 * @example const done = await verifyEmail(deps, hashOneTimeToken(token), notice, { requestId });
 */
export async function verifyEmail(deps: StoreDeps, tokenHash: string, notice: ChangeNotice, origin: Origin): Promise<EmailVerification> {
  const now = deps.clock.now();
  const em = statementsEm(deps.orm);
  const done = await transaction(em, async (tem): Promise<EmailVerification> => {
    const token = await presentToken(tem, tokenHash, ['verify', 'change'], now);
    if (token.purpose === 'verify') {
      if (affected(await execute(tem, VERIFY, [true, token.userId, token.email], 'run')) !== 1) throw new InvalidEmailToken('UNKNOWN');
      await claimToken(tem, token, now);
      return { kind: 'verified', userId: token.userId };
    }
    if (((await execute(tem, TAKEN, [token.email, token.userId], 'all')) as Row[]).length > 0) {
      throw new BadUserInput('That address now belongs to another account.', 'EMAIL_TAKEN');
    }
    const sqlite = onSqlite(tem);
    const switched = affected(await execute(tem, sqlite ? SWITCH_SQLITE : SWITCH, [token.email, true, token.userId, token.userEmail], 'run'));
    if (switched !== 1) throw new InvalidEmailToken('UNKNOWN');
    if (token.userEmail) {
      await insertOutboxRow(tem, notice({ oldEmail: token.userEmail, newEmail: token.email, username: token.username, userId: token.userId }), now);
    }
    await claimToken(tem, token, now);
    await dropUnusedTokens(tem, token.userId, ['verify', 'change']);
    return { kind: 'changed', userId: token.userId };
  });
  await settle(deps, {
    invalidations: [{ kind: 'user', id: done.userId }],
    events: [{ type: done.kind === 'verified' ? 'email.verified' : 'email.changed', at: now, origin, userId: done.userId }],
  });
  return done;
}
