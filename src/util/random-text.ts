import { randomFillSync } from 'node:crypto';

/** Random bytes drawn at a time, and the longest text taken from them. */
const POOL_BYTES = 4096;
const MAX_BYTES = 64;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

/**
 * `bytes` random bytes from the operating system's CSPRNG (what `crypto.randomBytes`
 * gives), as base64url text. They are drawn 4 KiB at a time (`randomFillSync`), as Node
 * does for `randomUUID`: a `randomBytes` call per token cost more than the bytes (about 3 %
 * of a rotation's server samples, issue 14). Each byte is handed out once and zeroed in the
 * pool as it goes, so no token's bytes stay behind in it.
 *
 * @example
 * const secret = randomBase64url(32); // 43 characters
 */
export function randomBase64url(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_BYTES) throw new RangeError(`randomBase64url: 1 to ${MAX_BYTES} bytes`);
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const text = pool.toString('base64url', used, used + bytes);
  pool.fill(0, used, used + bytes);
  used += bytes;
  return text;
}
