import { InvalidEmailToken } from '../errors';
import type { StoreDeps } from './deps';
import { claimToken, dropUnusedTokens, presentToken } from './email-tokens';
import type { Origin } from './events';
import type { PasswordSet } from './set-password';
import { settlePassword, writePassword } from './set-password';
import { execute, transaction } from './execute';
import { statementsEm } from './statements-em';

const MARK_VERIFIED = 'update gatehouse_user set email_verified = ? where id = ? and lower(email) = lower(?)';

/**
 * `resetPassword`: consumes a reset token and sets the new password hash (made by the
 * caller) in one transaction: the password write of `setPassword` (every device session
 * and refresh token of the user ended, access tokens issued before refused), the address
 * the link went to marked verified (it was just proven), every other reset link of the
 * user dropped, the token marked used. Throws `InvalidEmailToken` (nothing written).
 * Settles as a password change: `session.ended` (reason `password_reset`) per device, then
 * `password.changed` with `reset: true`.
 *
 * @example await resetPassword(deps, hashOneTimeToken(token), await hashPassword(next, rounds), { requestId });
 */
export async function resetPassword(deps: StoreDeps, tokenHash: string, passwordHash: string, origin: Origin): Promise<PasswordSet & { userId: string }> {
  const changedAt = deps.clock.now();
  const em = statementsEm(deps.orm);
  const done = await transaction(em, async (tem) => {
    const token = await presentToken(tem, tokenHash, ['reset'], changedAt);
    const ended = await writePassword(tem, token.userId, passwordHash, changedAt);
    if (!ended) throw new InvalidEmailToken('UNKNOWN');
    await execute(tem, MARK_VERIFIED, [true, token.userId, token.email], 'run');
    await claimToken(tem, token, changedAt);
    await dropUnusedTokens(tem, token.userId, ['reset']);
    return { userId: token.userId, ended };
  });
  await settlePassword(deps, done.userId, done.ended, changedAt, origin, 'password_reset');
  return { userId: done.userId, endedDevices: done.ended, changedAt };
}
