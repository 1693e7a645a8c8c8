import { randomBytes } from 'node:crypto';
import type { EmailTokenProblem } from '../errors';
import type { OneTimePurpose } from '../entities';
import { sha256 } from '../util/sha256';

/**
 * One-time tokens of the mails (verification, address change, password reset): 256 random
 * bits, base64url, behind the prefix `ghm_` so secret scanners can spot a leak. Only
 * `hashOneTimeToken(token)` is stored; the token itself travels only inside the sealed
 * outbox payload and then the mail.
 */
const PREFIX = 'ghm_';
const SHAPE = /^ghm_[A-Za-z0-9_-]{43}$/;

export function generateOneTimeToken(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

/** True when the text could be a one-time token at all (cheap check before any I/O). */
export function looksLikeOneTimeToken(text: string): boolean {
  return SHAPE.test(text);
}

/** SHA-256 (hex) of a one-time token: what the database holds. */
export function hashOneTimeToken(token: string): string {
  return sha256(token, 'hex');
}

/** A stored one-time token as the rule reads it. */
export interface OneTimeState {
  purpose: OneTimePurpose;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  usedAt: number | null;
}

/**
 * The rule for presenting a one-time token: unknown (no such hash, or of another purpose
 * than the mutation takes: a reset token does not verify an address), used, expired, or
 * good. Used is told before expired: a used token stays used. Pure.
 *
 * @example decideOneTimeToken({ purpose: 'reset', expiresAt: now + 1000, usedAt: null }, ['reset'], now) // null (good)
 */
export function decideOneTimeToken(state: OneTimeState | null, accepted: readonly OneTimePurpose[], nowMs: number): EmailTokenProblem | null {
  if (!state || !accepted.includes(state.purpose)) return 'UNKNOWN';
  if (state.usedAt !== null) return 'USED';
  if (state.expiresAt <= nowMs) return 'EXPIRED';
  return null;
}
