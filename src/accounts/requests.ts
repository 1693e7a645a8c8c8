import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { OneTimeToken, User } from '../entities';
import { BadUserInput, Forbidden, InvalidCredentials, InvalidEmailToken } from '../errors';
import { insertOutboxRow } from '../mail/outbox';
import { sealPayload } from '../mail/seal';
import { checkPassword, hashPassword, newPasswordProblem } from '../passwords/hash';
import type { Gatehouse } from '../runtime';
import type { Origin } from '../store/events';
import type { ChangeNotice } from '../store/verify-email';
import { isEmailAddress, isUsername } from '../users/create';
import { type JobPayload, jobRow } from './jobs';
import { decideOneTimeToken, hashOneTimeToken, looksLikeOneTimeToken } from './one-time-token';

/**
 * The account mutations' rules, before the writes. `register`, the two request mutations
 * and `changeEmail` never look at whether an address is known: after the checks that do
 * not depend on it they queue one job row (`enqueueJob`) and answer `true`, the same work
 * and the same answer either way; the mail worker does the rest (see `src/accounts/jobs.ts`).
 */

/** Who is asking: the client's address (for the per-client limit) and the request, for audit lines. */
export interface Asker {
  clientAddress: string | null;
  origin: Origin;
}

const trimmed = (email: string) => email.trim();

/** Queues a job row (one insert, the same for every address) and wakes this instance's worker once the answer is on its way. */
async function enqueueJob(gh: Gatehouse, email: string, payload: JobPayload): Promise<void> {
  await insertOutboxRow(gh.orm.em.fork() as unknown as SqlEntityManager, jobRow(email, payload, gh.mailKey), gh.clock.now());
  setImmediate(() => gh.mail.kick());
}

/**
 * `register(username, email, password)`: FORBIDDEN `SIGNUP_DISABLED` unless
 * SIGNUP_ENABLED; RATE_LIMITED per address and client; then BAD_USER_INPUT in this order:
 * `INVALID_USERNAME`, `USERNAME_TAKEN`, `INVALID_EMAIL`, `WEAK_PASSWORD` (or
 * `INVALID_PASSWORD`: NUL, over 72 bytes). The password is hashed whatever the address,
 * then the job is queued: a new address gets its account and a verification mail, a
 * taken one a mail to its owner.
 *
 * @example await register(gh, em, { username: 'ada', email: 'ada@example.com', password: 'a long secret' }, asker);
 */
export async function register(gh: Gatehouse, em: EntityManager, input: { username: string; email: string; password: string }, asker: Asker): Promise<true> {
  if (!gh.settings.accounts.signupEnabled) throw new Forbidden('SIGNUP_DISABLED');
  const email = trimmed(input.email);
  await gh.accountLimiter.attempt(email, asker.clientAddress);
  if (!isUsername(input.username)) throw new BadUserInput('The username must be 1 to 150 letters, digits or @ . + - _ characters.', 'INVALID_USERNAME');
  if ((await em.count(User, { username: input.username })) > 0) throw new BadUserInput('This username is taken.', 'USERNAME_TAKEN');
  if (!isEmailAddress(email)) throw new BadUserInput('This is not an e-mail address.', 'INVALID_EMAIL');
  const weak = newPasswordProblem(input.password, gh.settings.passwords.minLength);
  if (weak) throw new BadUserInput(weak.message, weak.reason);
  const passwordHash = await hashPassword(input.password, gh.settings.passwords.bcryptRounds);
  await enqueueJob(gh, email, { kind: 'register', username: input.username, passwordHash });
  return true;
}

/**
 * `requestEmailVerification(email)` and `requestPasswordReset(email)`: RATE_LIMITED per
 * address and client, else `true` whatever the address (a malformed one queues nothing);
 * the worker sends a mail only to an account that has something to receive.
 */
export async function requestMail(gh: Gatehouse, kind: 'verify' | 'reset', rawEmail: string, asker: Asker): Promise<true> {
  const email = trimmed(rawEmail);
  await gh.accountLimiter.attempt(email, asker.clientAddress);
  if (isEmailAddress(email)) await enqueueJob(gh, email, { kind });
  return true;
}

/** Checks the signed-in user's password as `changePassword` does (login failure limits, INVALID_CREDENTIALS); the user row. */
async function checkOwnPassword(gh: Gatehouse, em: EntityManager, userId: string, password: string, asker: Asker): Promise<User> {
  const user = await em.findOne(User, { id: userId }, { disableIdentityMap: true });
  if (!user) throw new InvalidCredentials();
  const account = { userId: user.id, login: user.username };
  await gh.loginLimiter.attempt(account, asker.clientAddress);
  if (!(await checkPassword(password, user.passwordHash, gh.settings.passwords.bcryptRounds))) throw new InvalidCredentials();
  await gh.loginLimiter.succeeded(account, asker.clientAddress);
  return user;
}

/**
 * `changeEmail(newEmail, password)` for the signed-in user: INVALID_EMAIL, RATE_LIMITED
 * (per new address and client), INVALID_CREDENTIALS; then `true`, and the new address gets
 * a confirmation link (or, when it belongs to another account, its owner is told). Nothing
 * changes until the link is followed (`verifyEmail`).
 */
export async function changeEmail(gh: Gatehouse, em: EntityManager, userId: string, rawEmail: string, password: string, asker: Asker): Promise<true> {
  const email = trimmed(rawEmail);
  if (!isEmailAddress(email)) throw new BadUserInput('This is not an e-mail address.', 'INVALID_EMAIL');
  await gh.accountLimiter.attempt(email, asker.clientAddress);
  await checkOwnPassword(gh, em, userId, password, asker);
  await enqueueJob(gh, email, { kind: 'change', userId });
  return true;
}

/** `verifyEmail(token)`: see `SessionStore.verifyEmail`. INVALID_EMAIL_TOKEN `UNKNOWN`, `USED`, `EXPIRED`. */
export async function verifyEmailToken(gh: Gatehouse, token: string, asker: Asker): Promise<true> {
  if (!looksLikeOneTimeToken(token)) throw new InvalidEmailToken('UNKNOWN');
  const notice: ChangeNotice = ({ oldEmail, newEmail, username, userId }) => ({
    recipient: oldEmail,
    template: 'email-changed',
    userId,
    payload: sealPayload({ username, email: oldEmail, newEmail }, gh.mailKey),
  });
  const done = await gh.store.verifyEmail(hashOneTimeToken(token), notice, { ...asker.origin, via: 'api' });
  if (done.kind === 'changed') setImmediate(() => gh.mail.kick());
  return true;
}

/**
 * `resetPassword(token, newPassword)`: the password rules of `changePassword`
 * (BAD_USER_INPUT `WEAK_PASSWORD`, `INVALID_PASSWORD`), the token's (INVALID_EMAIL_TOKEN,
 * read before bcrypt runs, so a bad token costs no hashing), then the store's reset: every
 * session and app token ends, the address is verified.
 */
export async function resetPasswordWithToken(gh: Gatehouse, em: EntityManager, token: string, newPassword: string, asker: Asker): Promise<true> {
  const weak = newPasswordProblem(newPassword, gh.settings.passwords.minLength);
  if (weak) throw new BadUserInput(weak.message, weak.reason);
  if (!looksLikeOneTimeToken(token)) throw new InvalidEmailToken('UNKNOWN');
  const tokenHash = hashOneTimeToken(token);
  const stored = await em.findOne(OneTimeToken, { tokenHash }, { disableIdentityMap: true });
  const problem = decideOneTimeToken(
    stored && { purpose: stored.purpose, expiresAt: stored.expiresAt.getTime(), usedAt: stored.usedAt?.getTime() ?? null },
    ['reset'],
    gh.clock.now(),
  );
  if (problem) throw new InvalidEmailToken(problem);
  const passwordHash = await hashPassword(newPassword, gh.settings.passwords.bcryptRounds);
  await gh.store.resetPassword(tokenHash, passwordHash, { ...asker.origin, via: 'api' });
  return true;
}

/**
 * `deleteAccount(password)`: INVALID_CREDENTIALS for a wrong password (login failure
 * limits apply), then the store removes the account and its personal data and ends every
 * session (see `SessionStore.deleteAccount`).
 */
export async function deleteOwnAccount(gh: Gatehouse, em: EntityManager, userId: string, password: string, asker: Asker): Promise<true> {
  const user = await checkOwnPassword(gh, em, userId, password, asker);
  const ended = await gh.store.deleteAccount(user.id, user.passwordHash, { ...asker.origin, via: 'api' });
  if (!ended) throw new InvalidCredentials();
  return true;
}
