import type { EntityManager } from '@mikro-orm/core';
import { Device, RefreshToken, User } from '../entities';
import { hashPassword, passwordProblem } from '../passwords/hash';
import { UserInputError } from './create';

export interface PasswordSet {
  /** The devices whose sessions were ended (to drop from a process's SessionCache). */
  endedDevices: string[];
  /** When the change took effect; access tokens signed in or before its second are refused. */
  changedAt: Date;
}

/**
 * Sets a user's password and ends everything issued under the old one, in one transaction:
 * the new bcrypt hash and `tokensValidAfter = now` on the user (so access tokens issued
 * before stop working), every device session revoked, every refresh token of the user
 * (device and app tokens) revoked. Lock order: the User row first, then its devices, then
 * its tokens, so a concurrent login, rotation or logout cannot deadlock with it.
 *
 * `expectedHash`, when given, makes it a compare-and-set: if the password changed since the
 * caller checked the old one, nothing is written and it returns null.
 * Throws `UserInputError` (`INVALID_PASSWORD`, `UNKNOWN_USER`).
 *
 * @example
 * const { endedDevices } = (await setPassword(em, user.id, 'new secret', settings.bcryptRounds))!;
 */
export async function setPassword(
  em: EntityManager,
  userId: string,
  newPassword: string,
  bcryptRounds: number,
  expectedHash?: string,
): Promise<PasswordSet | null> {
  const problem = passwordProblem(newPassword);
  if (problem) throw new UserInputError('INVALID_PASSWORD', problem);
  const passwordHash = await hashPassword(newPassword, bcryptRounds);
  return em.transactional(async (tem) => {
    const changedAt = new Date();
    const where = expectedHash === undefined ? { id: userId } : { id: userId, passwordHash: expectedHash };
    const updated = await tem.nativeUpdate(User, where, { passwordHash, tokensValidAfter: changedAt });
    if (updated !== 1) {
      if (expectedHash !== undefined) return null;
      throw new UserInputError('UNKNOWN_USER', 'There is no such user.');
    }
    const live = await tem.find(Device, { user: userId, revokedAt: null }, { fields: ['id'], disableIdentityMap: true });
    await tem.nativeUpdate(Device, { user: userId, revokedAt: null }, { revokedAt: changedAt });
    await tem.nativeUpdate(RefreshToken, { user: userId, revokedAt: null }, { revokedAt: changedAt, sealedSuccessor: null });
    return { endedDevices: live.map((device) => device.id), changedAt };
  });
}
