import { sha256 } from '../../util/sha256';
import { randomBase64url } from '../../util/random-text';

/**
 * Opaque refresh tokens: 256 random bits, base64url, behind a prefix that names the kind
 * (`ghd_` for device tokens, `gha_` for app tokens) so secret scanners can spot a leak.
 * Only `hashRefreshToken(token)` is ever stored.
 */
export type RefreshKind = 'device' | 'app';

const PREFIX: Record<RefreshKind, string> = { device: 'ghd_', app: 'gha_' };
const SHAPE = /^gh[da]_[A-Za-z0-9_-]{43}$/;

export function generateRefreshToken(kind: RefreshKind): string {
  return PREFIX[kind] + randomBase64url(32);
}

/** True when the text could be a Gatehouse refresh token at all (cheap check before any I/O). */
export function looksLikeRefreshToken(text: string): boolean {
  return SHAPE.test(text);
}

/** SHA-256 (hex) of a refresh token: what the database holds. Enough for 256-bit random input. */
export function hashRefreshToken(token: string): string {
  return sha256(token, 'hex');
}
