import type { RefreshProblem } from '../errors';

/** What the rotation rule needs to know about a presented refresh token (times in milliseconds). */
export interface RotationState {
  kind: 'device' | 'app';
  /** When the token was rotated, or null while it is the live end of its chain. */
  usedAt: number | null;
  revoked: boolean;
  device: { revoked: boolean; expiresAt: number } | null;
  userActive: boolean;
}

export type RotationDecision =
  /** The live token of a live session: rotate it. */
  | { action: 'rotate' }
  /** Rotated moments ago (inside `JWT_REFRESH_REUSE_INTERVAL`): answer with the live end of its chain. */
  | { action: 'grace' }
  /** Rotated before the grace window: theft. End the device session. */
  | { action: 'reuse' }
  | { action: 'refuse'; problem: RefreshProblem };

/**
 * The rule of `refreshToken(refreshToken:)`, in one place: which token may rotate, which
 * repeat is a lost response (grace) and which is theft (reuse). Pure.
 *
 * Order matters: a token of an ended session is `REVOKED` (or `EXPIRED`) even when it was
 * also used before, so presenting an old token of a signed-out device ends nothing more.
 * A grace window of 0 means no grace at all.
 *
 * @example
 * decideRotation({ kind: 'device', usedAt: null, revoked: false, device: { revoked: false, expiresAt: now + 1 }, userActive: true }, now, 10_000)
 * // { action: 'rotate' }
 */
export function decideRotation(state: RotationState | null, now: number, graceMs: number): RotationDecision {
  if (!state || state.kind !== 'device' || !state.device) return { action: 'refuse', problem: 'UNKNOWN' };
  if (state.revoked || state.device.revoked || !state.userActive) return { action: 'refuse', problem: 'REVOKED' };
  if (state.device.expiresAt <= now) return { action: 'refuse', problem: 'EXPIRED' };
  if (state.usedAt === null) return { action: 'rotate' };
  if (graceMs > 0 && now - state.usedAt <= graceMs) return { action: 'grace' };
  return { action: 'reuse' };
}
