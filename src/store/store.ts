import { clearSealedSuccessors } from './clear-sealed';
import { createAppToken, type AppTokenView } from './create-app-token';
import { deleteAccount } from './delete-account';
import { resetPassword } from './reset-password';
import { type ChangeNotice, type EmailVerification, verifyEmail } from './verify-email';
import type { StoreDeps } from './deps';
import { endSessions } from './end-sessions';
import type { Origin } from './events';
import { revokeRefreshToken } from './revoke';
import { revokeAppToken } from './revoke-app-token';
import { rotate, type Rotation } from './rotate';
import { type PasswordSet, setPassword } from './set-password';
import { type NewSession, startSession, type StartedSession } from './start-session';
import { touchAppToken, touchDevice } from './touch';
import { markEmailVerified } from './mark-verified';

/**
 * The session store: the only code that writes session state. Each method is one
 * transaction; after it commits, `settle` drops cached state here, tells the other
 * instances, and emits the change's events (what audit lines, metrics and subscriptions
 * listen to). The rules that decide *whether* a change may happen (passwords, roles, the
 * login limits) are checked by the callers in `src/sessions/` before they call in here;
 * the store's SQL guards only keep concurrent changes from both winning.
 *
 * @example
 * const ended = await gh.store.endDevice(user.id, deviceId, 'logout_device', { requestId });
 */
export class SessionStore {
  constructor(private readonly deps: StoreDeps) {}

  /** A new device session after a password login (see `startSession`). */
  startSession(input: NewSession, origin: Origin = {}): Promise<StartedSession | null> {
    return startSession(this.deps, input, origin);
  }

  /** `refreshToken(refreshToken:)` (see `rotate`). Throws `InvalidRefreshToken`. */
  rotate(presented: string, origin: Origin = {}): Promise<Rotation> {
    return rotate(this.deps, presented, origin);
  }

  /** Ends one of the user's devices; false when it was not the user's, unknown or already ended. */
  async endDevice(userId: string, deviceId: string, reason: 'logout' | 'logout_device', origin: Origin = {}): Promise<boolean> {
    return (await endSessions(this.deps, { kind: 'one', userId, deviceId }, reason, origin)).length === 1;
  }

  /** Ends every live device of the user but `keepId` (every one when null); how many ended. */
  async endOtherDevices(userId: string, keepId: string | null, origin: Origin = {}): Promise<number> {
    return (await endSessions(this.deps, { kind: 'others', userId, keepId }, 'logout_others', origin)).length;
  }

  /** `revokeRefreshToken` (see `revokeRefreshToken`): 1 or 0. */
  revokeRefreshToken(presented: string, origin: Origin = {}): Promise<0 | 1> {
    return revokeRefreshToken(this.deps, presented, origin);
  }

  /** A new app token for `app`, replacing the user's previous one. */
  createAppToken(userId: string, app: string, origin: Origin = {}): Promise<{ key: string; token: AppTokenView }> {
    return createAppToken(this.deps, userId, app, origin);
  }

  /** Ends one of the user's app tokens by id (see `revokeAppToken`); false when unknown, another user's or already ended. */
  revokeAppToken(userId: string, tokenId: string, origin: Origin = {}): Promise<boolean> {
    return revokeAppToken(this.deps, userId, tokenId, origin);
  }

  /** Sets a password hash and ends every session and app token of the user (see `setPassword`). */
  setPassword(userId: string, passwordHash: string, origin: Origin = {}, expectedHash?: string): Promise<PasswordSet | null> {
    return setPassword(this.deps, userId, passwordHash, origin, expectedHash);
  }

  /** `resetPassword`: consumes a reset token and sets the password, ending every session and app token (see `resetPassword`). Throws `InvalidEmailToken`. */
  resetPassword(tokenHash: string, passwordHash: string, origin: Origin = {}): Promise<PasswordSet & { userId: string }> {
    return resetPassword(this.deps, tokenHash, passwordHash, origin);
  }

  /** `verifyEmail`: consumes a verification or address-change token (see `verifyEmail`). Throws `InvalidEmailToken`. */
  verifyEmail(tokenHash: string, notice: ChangeNotice, origin: Origin = {}): Promise<EmailVerification> {
    return verifyEmail(this.deps, tokenHash, notice, origin);
  }

  /** `deleteAccount`: removes the user and all that names them, ending every session (see `deleteAccount`); null when the password changed meanwhile. */
  deleteAccount(userId: string, expectedHash: string, origin: Origin = {}): Promise<string[] | null> {
    return deleteAccount(this.deps, userId, expectedHash, origin);
  }

  /** Marks a user's address verified (`gatehouse users verify-email`); false for an unknown user or one without an address. */
  markEmailVerified(userId: string, origin: Origin = {}): Promise<boolean> {
    return markEmailVerified(this.deps, userId, origin);
  }

  /** Clears the sealed successors of tokens rotated before the grace window (see `clearSealedSuccessors`); how many. */
  clearSealedSuccessors(): Promise<number> {
    return clearSealedSuccessors(this.deps);
  }

  /** Records a device's use at `now` (last seen, sliding expiry) when it is due (`slideDue`). */
  touchDevice(deviceId: string, now: number): Promise<number> {
    return touchDevice(this.deps, deviceId, now);
  }

  /** Records an app token's use unless it was recorded after `staleSince` (ms). */
  touchAppToken(tokenId: string, staleSince: number): Promise<number> {
    return touchAppToken(this.deps, tokenId, staleSince);
  }
}
