import { constants, createHmac, type KeyObject, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import type { Algorithm } from '../../settings';
import { isHmac } from '../keys';

/**
 * The JWS algorithms (RFC 7518 §3) on `node:crypto`, for signing (`sign.ts`) and
 * verifying (`verify.ts`) alike: HMAC with SHA-2, RSASSA-PKCS1-v1_5, RSASSA-PSS with a
 * salt as long as the digest, and ECDSA with the signature as JWS's raw `r || s`.
 */
const DIGESTS: Record<Algorithm, string> = {
  HS256: 'sha256', HS384: 'sha384', HS512: 'sha512',
  RS256: 'sha256', RS384: 'sha384', RS512: 'sha512',
  PS256: 'sha256', PS384: 'sha384', PS512: 'sha512',
  ES256: 'sha256', ES384: 'sha384', ES512: 'sha512',
};

function asymmetricKey(algorithm: Algorithm, key: KeyObject) {
  if (algorithm.startsWith('PS')) return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
  if (algorithm.startsWith('ES')) return { key, dsaEncoding: 'ieee-p1363' as const };
  return key;
}

/** The signature of `signed` (the JWS signing input, `header.payload`) as base64url. */
export function signature(algorithm: Algorithm, key: KeyObject, signed: string): string {
  if (isHmac(algorithm)) return createHmac(DIGESTS[algorithm], key).update(signed).digest('base64url');
  return cryptoSign(DIGESTS[algorithm], Buffer.from(signed), asymmetricKey(algorithm, key)).toString('base64url');
}

/** Whether the RS/PS/ES signature `bytes` of `signed` verifies under `key` (HMAC: compare `signature` instead). */
export function asymmetricSignatureValid(algorithm: Algorithm, key: KeyObject, signed: string, bytes: Buffer): boolean {
  try {
    return cryptoVerify(DIGESTS[algorithm], Buffer.from(signed), asymmetricKey(algorithm, key), bytes);
  } catch {
    return false;
  }
}
