import { type KeyObject, timingSafeEqual } from 'node:crypto';
import type { TokenProblem } from '../../errors';
import type { Algorithm, Settings } from '../../settings';
import { isHmac, type TokenKeys } from '../keys';
import type { AccessClaims } from './claims';
import { asymmetricSignatureValid, signature as signatureOf } from './jws';
import { timeProblem } from './time';

/**
 * Longest access token accepted, bytes. Gatehouse's own tokens are well under 1 KiB; the
 * cap keeps an attacker's megabyte of "token" away from base64 and JSON decoding, and
 * matches the common 8 KiB header limit of proxies.
 */
export const MAX_TOKEN_BYTES = 8192;

export type VerifyResult =
  | { ok: true; claims: AccessClaims }
  | { ok: false; problem: Exclude<TokenProblem, 'MISSING_TOKEN' | 'SESSION_REVOKED'> };

/**
 * Verifies an access token per RFC 8725, as one strict check of the JWS compact form on
 * `node:crypto`: three non-empty base64url segments and nothing else (for HMAC, checked by
 * the signature, which is verified before anything is decoded); a header that is a
 * JSON object whose `alg` is exactly the one configured algorithm (never `none`, never HS
 * when an asymmetric algorithm is configured, never RS when HS is) and that names no
 * `crit` extension; the key chosen by Gatehouse, never by the token (for RS/ES/PS the
 * header's `kid` only selects among the configured public keys; an unknown or missing
 * `kid` is refused; for HMAC a `kid` is ignored); the signature, in its canonical
 * base64url text (an HMAC compared in constant time); then the payload, a JSON object:
 * `nbf`/`exp` with the leeway (`timeProblem`, jsonwebtoken's rules), `aud`/`iss` when
 * configured, and the claim shapes (`token_type` must be `access`). Tokens over
 * `MAX_TOKEN_BYTES` are refused unread. `now` is Unix seconds (the instance's clock).
 * Returns a result, never throws.
 *
 * The algorithms are `./jws.ts`'s, which `sign.ts` signs with; tokens jsonwebtoken signs (the
 * tests') are accepted alike.
 *
 * @example
 * const result = verifyAccessToken(token, settings, keys, seconds(gh.clock.now()));
 * if (result.ok) console.log(result.claims.sub);
 */
export function verifyAccessToken(token: string, settings: Settings, keys: TokenKeys, now: number): VerifyResult {
  if (token.length > MAX_TOKEN_BYTES) return INVALID;
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (first < 1 || second < first + 2 || second === token.length - 1) return INVALID;
  if (isHmac(keys.algorithm)) {
    // The signature first: it covers header and payload exactly as sent, and only the
    // secret's holder can make it, so once it matches their text is the signer's own
    // base64url (what COMPACT_JWS checks below for tokens whose header must be read
    // before their key is known). A third `.` or any other character in the signature
    // segment fails the comparison with the canonical HMAC text.
    if (!signatureValid(keys.algorithm, keys.verificationKey, token.slice(0, second), token.slice(second + 1))) return INVALID;
    if (!headerAccepted(token.slice(0, first), keys)) return INVALID;
  } else {
    if (!COMPACT_JWS.test(token)) return INVALID;
    const header = jsonObject(token.slice(0, first));
    if (!header || !headerAllowed(header, keys)) return INVALID;
    const key = typeof header.kid === 'string' ? keys.verificationKeys.get(header.kid) : undefined;
    if (!key || !signatureValid(keys.algorithm, key, token.slice(0, second), token.slice(second + 1))) return INVALID;
  }
  const claims = jsonObject(token.slice(first + 1, second));
  if (!claims) return INVALID;
  // jsonwebtoken's rules: a time claim that is there must be a number.
  if ((claims.nbf !== undefined && typeof claims.nbf !== 'number') || (claims.exp !== undefined && typeof claims.exp !== 'number')) return INVALID;
  if (typeof claims.exp === 'number' || typeof claims.nbf === 'number') {
    const problem = timeProblem({ exp: claims.exp as number, nbf: claims.nbf as number | undefined }, settings.tokens.leeway, now);
    if (problem !== null) return { ok: false, problem };
  }
  const { audience, issuer } = settings.tokens;
  if (audience && !(Array.isArray(claims.aud) ? claims.aud.includes(audience) : claims.aud === audience)) return INVALID;
  if (issuer && claims.iss !== issuer) return INVALID;
  return isAccessClaims(claims) ? { ok: true, claims } : INVALID;
}

const INVALID: VerifyResult = Object.freeze({ ok: false, problem: 'INVALID_TOKEN' });

/** A decoded header names exactly the configured algorithm and no `crit` extension. */
function headerAllowed(header: Record<string, unknown>, keys: TokenKeys): boolean {
  return header.alg === keys.algorithm && header.crit === undefined;
}

/**
 * The header of an HMAC-signed token is a JSON object whose `alg` is the configured one and
 * that names no `crit` extension (a `kid` is ignored). Every token of one signer has the
 * same header text, so the last accepted text is remembered (one string of at most
 * `MAX_TOKEN_BYTES`, and its algorithm): the same text gets the same answer without decoding.
 */
function headerAccepted(segment: string, keys: TokenKeys): boolean {
  if (segment === lastHeader.segment && keys.algorithm === lastHeader.algorithm) return true;
  const header = jsonObject(segment);
  if (!header || !headerAllowed(header, keys)) return false;
  lastHeader = { segment, algorithm: keys.algorithm };
  return true;
}
let lastHeader: { segment: string; algorithm: Algorithm | undefined } = { segment: '', algorithm: undefined };

/** Header, payload and signature: each one or more base64url characters, no padding, nothing else. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * The signature of `signed` (header and payload as sent) is `signature` under `key`. An HMAC
 * is recomputed and compared as base64url text in constant time; an RS/PS/ES signature
 * must be in canonical base64url (the text its bytes encode to) and verify (`./jws.ts`).
 */
function signatureValid(algorithm: Algorithm, key: KeyObject, signed: string, signature: string): boolean {
  if (isHmac(algorithm)) {
    const expected = Buffer.from(signatureOf(algorithm, key, signed));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
  const bytes = Buffer.from(signature, 'base64url');
  if (bytes.toString('base64url') !== signature) return false;
  return asymmetricSignatureValid(algorithm, key, signed, bytes);
}

/** A base64url segment holding a JSON object, or undefined. */
function jsonObject(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isAccessClaims(value: unknown): value is AccessClaims {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    c.token_type === 'access' &&
    typeof c.sub === 'string' && c.sub.length > 0 &&
    typeof c.username === 'string' &&
    Number.isInteger(c.iat) && Number.isInteger(c.exp) && Number.isInteger(c.orig_iat) &&
    typeof c.jti === 'string' &&
    (c.sid === undefined || typeof c.sid === 'string') &&
    (c.app === undefined || typeof c.app === 'string')
  );
}
