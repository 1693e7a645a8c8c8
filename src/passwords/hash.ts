import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';

/** Hashes a password with bcrypt (async: never blocks the event loop). */
export function hashPassword(password: string, rounds: number): Promise<string> {
  return bcrypt.hash(password, rounds);
}

/** bcrypt only reads the first 72 bytes; longer passwords are refused rather than silently cut. */
export const MAX_PASSWORD_BYTES = 72;

export function passwordProblem(password: string): string | null {
  if (password.length === 0) return 'The password must not be empty.';
  // bcrypt stops reading at NUL: "a\0b" would be the password "a".
  if (password.includes('\u0000')) return 'The password must not contain the NUL character.';
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return `The password must be at most ${MAX_PASSWORD_BYTES} bytes.`;
  return null;
}

const dummyHashes = new Map<number, Promise<string>>();

/**
 * The fixed dummy hash of this cost (of a random password nobody knows), made once per
 * process. Call it at start-up so no login pays for making it.
 */
export function warmDummyHash(rounds: number): Promise<string> {
  let dummy = dummyHashes.get(rounds);
  if (!dummy) {
    dummy = bcrypt.hash(randomBytes(16).toString('hex'), rounds);
    dummyHashes.set(rounds, dummy);
  }
  return dummy;
}

/**
 * Compares a password with a user's hash, or with a fixed dummy hash of the same cost
 * when there is no user, so an unknown username costs the same as a wrong password:
 * exactly one bcrypt compare either way.
 *
 * @example await checkPassword('guess', user?.passwordHash ?? null, settings.bcryptRounds)
 */
export async function checkPassword(password: string, hash: string | null, rounds: number): Promise<boolean> {
  if (hash !== null) return bcrypt.compare(password, hash);
  await bcrypt.compare(password, await warmDummyHash(rounds));
  return false;
}

/** What is wrong with a new password chosen through the API, and the contract's reason for it. */
export interface NewPasswordProblem {
  message: string;
  /** `WEAK_PASSWORD`: shorter than PASSWORD_MIN_LENGTH; `INVALID_PASSWORD`: empty, NUL, over 72 bytes. */
  reason: 'WEAK_PASSWORD' | 'INVALID_PASSWORD';
}

/**
 * The rules a password set through the API must meet (register, resetPassword,
 * changePassword): those of `passwordProblem`, then at least `minLength` characters
 * (PASSWORD_MIN_LENGTH, counted in code points). Pure.
 *
 * @example newPasswordProblem('short', 8) // { reason: 'WEAK_PASSWORD', message: 'The password must be at least 8 characters.' }
 */
export function newPasswordProblem(password: string, minLength: number): NewPasswordProblem | null {
  const problem = passwordProblem(password);
  if (problem) return { message: problem, reason: 'INVALID_PASSWORD' };
  if ([...password].length < minLength) return { message: `The password must be at least ${minLength} characters.`, reason: 'WEAK_PASSWORD' };
  return null;
}
