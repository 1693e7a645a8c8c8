import { hashPassword, passwordProblem } from '../passwords/hash';
import type { SessionStore } from '../store/store';
import type { Origin } from '../store/events';
import type { PasswordSet } from '../store/set-password';
import { UserInputError } from './create';

/**
 * Sets a user's password without the old one (the CLI's `users set-password`): checks and
 * hashes it, then the session store sets it and ends every session and app token of the
 * user (see `SessionStore.setPassword`). Throws `UserInputError` (`INVALID_PASSWORD`,
 * `UNKNOWN_USER`).
 *
 * @example
 * const { endedDevices } = await setUserPassword(store, user.id, 'new secret', settings.bcryptRounds, { via: 'cli' });
 */
export async function setUserPassword(store: SessionStore, userId: string, newPassword: string, bcryptRounds: number, origin: Origin): Promise<PasswordSet> {
  const problem = passwordProblem(newPassword);
  if (problem) throw new UserInputError('INVALID_PASSWORD', problem);
  const done = await store.setPassword(userId, await hashPassword(newPassword, bcryptRounds), origin);
  if (!done) throw new UserInputError('UNKNOWN_USER', 'There is no such user.');
  return done;
}
