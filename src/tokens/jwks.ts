import type { TokenKeys } from './keys';

/** One entry of a JWK Set (RFC 7517): the public members only, with `kid`, `alg` and `use`. */
export type PublicJwk = Record<string, string>;

/**
 * The JWK Set served at `GET /.well-known/jwks.json`: the current public key and the
 * retired ones still accepted (`JWT_PUBLIC_KEYS`), each with its `kid`, so other services
 * verify Gatehouse tokens without a shared secret. `null` for HMAC: a secret is never published.
 *
 * @example
 * publicJwks(keys); // { keys: [{ kty: 'EC', crv: 'P-256', x: '…', y: '…', kid: '…', alg: 'ES256', use: 'sig' }] }
 */
export function publicJwks(keys: TokenKeys): { keys: PublicJwk[] } | null {
  if (keys.verificationKeys.size === 0) return null;
  const entries = [...keys.verificationKeys].map(([kid, key]) => ({
    ...(key.export({ format: 'jwk' }) as PublicJwk),
    kid,
    alg: keys.algorithm,
    use: 'sig',
  }));
  return { keys: entries };
}
