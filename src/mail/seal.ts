import { createCipheriv, createDecipheriv, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import type { TokenKeys } from '../tokens/keys';

/**
 * What a queued mail holds (its one-time token, a registration's password hash) stays
 * sealed in the outbox until the mail is sent: AES-256-GCM under a key derived (HKDF-SHA256)
 * from the server's signing secret (`JWT_SECRET`, or `JWT_PRIVATE_KEY` for RS/ES/PS), so a
 * copy of the database alone opens nothing. Every instance of a deployment shares that
 * secret, so any of them can send any queued mail; after a key change, mails queued under
 * the old key cannot be opened and end up failed (see `mail status`).
 *
 * @example
 * const key = mailKey(keys);
 * const sealed = sealPayload({ token: 'ghm_…' }, key);
 * openPayload(sealed, key); // { token: 'ghm_…' }
 */
export function mailKey(keys: Pick<TokenKeys, 'signingKey'>): Buffer {
  return Buffer.from(hkdfSync('sha256', keyMaterial(keys.signingKey), 'gatehouse', 'mail-outbox-v1', 32));
}

function keyMaterial(key: KeyObject): Buffer {
  return key.type === 'secret' ? key.export() : (key.export({ format: 'der', type: 'pkcs8' }) as Buffer);
}

/** Seals a JSON value: `iv.tag.ciphertext`, base64url. */
export function sealPayload(value: unknown, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
}

/** Opens what `sealPayload` sealed; throws when it does not open with this key. */
export function openPayload<T = Record<string, unknown>>(sealed: string, key: Buffer): T {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !body) throw new Error('the sealed mail payload is malformed');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    return JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')) as T;
  } catch {
    throw new Error('the sealed mail payload does not open with this server\'s key (was JWT_SECRET or JWT_PRIVATE_KEY changed?)');
  }
}
