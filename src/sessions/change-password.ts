import type { EntityManager } from '@mikro-orm/core';
import { User } from '../entities';
import { BadUserInput, InvalidCredentials } from '../errors';
import { checkPassword, hashPassword, passwordProblem } from '../passwords/hash';
import type { Gatehouse } from '../runtime';
import type { Origin } from '../store/events';

/**
 * `changePassword(oldPassword, newPassword)` for the signed-in user: the new password must
 * be usable (BAD_USER_INPUT), the old one right (INVALID_CREDENTIALS; wrong guesses count
 * against the login failure limits, RATE_LIMITED when over). Then the store sets it, as a
 * compare-and-set on the hash just checked: every session and app token of the user ends,
 * access tokens issued before stop working, on every instance.
 *
 * @example await changePassword(gh, em, principal.user.id, 'old secret', 'new secret', '203.0.113.7', { requestId })
 */
export async function changePassword(
  gh: Gatehouse,
  em: EntityManager,
  userId: string,
  oldPassword: string,
  newPassword: string,
  clientAddress: string | null,
  origin: Origin = {},
): Promise<void> {
  const problem = passwordProblem(newPassword);
  if (problem) throw new BadUserInput(problem, 'INVALID_PASSWORD');
  const user = await em.findOne(User, { id: userId }, { disableIdentityMap: true });
  if (!user) throw new InvalidCredentials();
  const account = { userId: user.id, login: user.username };
  await gh.loginLimiter.attempt(account, clientAddress);
  if (!(await checkPassword(oldPassword, user.passwordHash, gh.settings.passwords.bcryptRounds))) throw new InvalidCredentials();
  await gh.loginLimiter.succeeded(account, clientAddress);
  const passwordHash = await hashPassword(newPassword, gh.settings.passwords.bcryptRounds);
  const done = await gh.store.setPassword(userId, passwordHash, { ...origin, via: 'api' }, user.passwordHash);
  if (!done) throw new InvalidCredentials();
}
