import type { EntityManager } from '@mikro-orm/core';
import { User } from '../entities';
import { BadUserInput, InvalidCredentials } from '../errors';
import { checkPassword, passwordProblem } from '../passwords/hash';
import type { Gatehouse } from '../runtime';
import { setPassword } from '../users/set-password';

/**
 * `changePassword(oldPassword, newPassword)` for the signed-in user: the new password must
 * be usable (BAD_USER_INPUT), the old one right (INVALID_CREDENTIALS; wrong guesses count
 * against the login failure limits, RATE_LIMITED when over). Then every session and app
 * token of the user ends, access tokens issued before stop working, and this process's
 * cache forgets the user and their devices at once (other instances within
 * `JWT_SESSION_CACHE_TTL`).
 *
 * @example await changePassword(gh, em, principal.user.id, 'old secret', 'new secret', '203.0.113.7')
 */
export async function changePassword(
  gh: Gatehouse,
  em: EntityManager,
  userId: string,
  oldPassword: string,
  newPassword: string,
  clientAddress: string | null,
): Promise<void> {
  const problem = passwordProblem(newPassword);
  if (problem) throw new BadUserInput(problem, 'INVALID_PASSWORD');
  const user = await em.findOne(User, { id: userId }, { disableIdentityMap: true });
  if (!user) throw new InvalidCredentials();
  await gh.loginLimiter.attempt(user.username, clientAddress);
  if (!(await checkPassword(oldPassword, user.passwordHash, gh.settings.bcryptRounds))) throw new InvalidCredentials();
  await gh.loginLimiter.succeeded(user.username, clientAddress);

  // Compare-and-set on the hash just checked: a concurrent change makes this one fail.
  const done = await setPassword(em, userId, newPassword, gh.settings.bcryptRounds, user.passwordHash);
  if (!done) throw new InvalidCredentials();
  gh.sessions.forgetUser(userId);
  for (const id of done.endedDevices) gh.sessions.forgetDevice(id);
}
