/**
 * Reads the access token from an `Authorization` header: `Bearer <token>`, `JWT <token>`,
 * or the configured `JWT_AUTH_HEADER_PREFIX`. Returns `missing` when there is no header,
 * `garbled` when there is one that is not of that form.
 */
export type BearerResult = { kind: 'token'; token: string } | { kind: 'missing' } | { kind: 'garbled' };

export function readBearer(header: string | undefined, prefix: string): BearerResult {
  if (header === undefined || header.trim() === '') return { kind: 'missing' };
  const match = /^\s*(\S+)\s+(\S+)\s*$/.exec(header);
  if (!match) return { kind: 'garbled' };
  const scheme = match[1].toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'jwt' && scheme !== prefix.toLowerCase()) return { kind: 'garbled' };
  return { kind: 'token', token: match[2] };
}
