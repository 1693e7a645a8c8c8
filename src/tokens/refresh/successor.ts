import { createHmac } from 'node:crypto';
import { looksLikeRefreshToken } from './opaque';

/**
 * Keeps the successor of a rotated refresh token for the reuse grace window without
 * storing it in clear text: the successor's 256 random bits XOR a pad that is
 * HMAC-SHA256 of a fixed label under the token it replaces. Only a client that holds the
 * old token can open it.
 *
 * The pad is a one-time key: a token is claimed once (its row's `used_at`), and only the
 * claim writes its sealed successor, so each pad seals exactly one stored value (an attempt
 * that lost a race stores nothing). The seal itself is not authenticated: whoever opens it
 * checks the result against the successor's stored hash (`liveEnd` in src/store/rotate.ts),
 * so a wrong token or an altered value opens to nothing usable.
 *
 * Format `v2.` + the successor's prefix (`ghd_`) + 43 base64url characters. Values sealed by
 * earlier versions (AES-256-GCM under an HKDF key, `iv.tag.body`) no longer open: they
 * live for one grace window (`src/store/clear-sealed.ts`), so only a repeat inside the
 * window of an upgrade misses its grace and is refused as revoked.
 */
const VERSION = 'v2.';
const LABEL = 'gatehouse refresh-successor v2';
const PREFIX_LENGTH = 4;

function pad(previousToken: string): Buffer {
  return createHmac('sha256', previousToken).update(LABEL).digest();
}

function xorInto(body: Buffer, key: Buffer): Buffer {
  for (let i = 0; i < body.length; i++) body[i] ^= key[i];
  return body;
}

/** Seals `successor` (a refresh token) under `previousToken`. */
export function sealSuccessor(successor: string, previousToken: string): string {
  if (!looksLikeRefreshToken(successor)) throw new TypeError('sealSuccessor: not a refresh token');
  const body = xorInto(Buffer.from(successor.slice(PREFIX_LENGTH), 'base64url'), pad(previousToken));
  return VERSION + successor.slice(0, PREFIX_LENGTH) + body.toString('base64url');
}

/**
 * The sealed successor opened with `previousToken`, or null when `sealed` is not a value
 * `sealSuccessor` makes. A wrong token gives a wrong successor: check it against the stored hash.
 */
export function openSuccessor(sealed: string, previousToken: string): string | null {
  if (!sealed.startsWith(VERSION)) return null;
  const rest = sealed.slice(VERSION.length);
  const opened = rest.slice(0, PREFIX_LENGTH) + xorInto(Buffer.from(rest.slice(PREFIX_LENGTH), 'base64url'), pad(previousToken)).toString('base64url');
  return looksLikeRefreshToken(opened) ? opened : null;
}
