import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Keeps the successor of a rotated refresh token for the reuse grace window without
 * storing it in clear text: AES-256-GCM under a key derived (HKDF-SHA256) from the token
 * it replaces. Only a client that holds the old token can open it.
 */
function keyFrom(previousToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', previousToken, 'gatehouse', 'refresh-successor-v1', 32));
}

export function sealSuccessor(successor: string, previousToken: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(previousToken), iv);
  const body = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
}

/** Returns the successor, or null when the sealed text does not open with this token. */
export function openSuccessor(sealed: string, previousToken: string): string | null {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !body) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFrom(previousToken), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
