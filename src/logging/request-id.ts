import { randomUUID } from 'node:crypto';

const ACCEPTED = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of one request: the caller's `X-Request-Id` when it is a plain token (so a proxy's
 * id carries through), else a new UUID. Never echoes anything that could break a log line
 * or a header.
 *
 * @example requestIdFrom('abc-123') // 'abc-123'; requestIdFrom('a\nb') // a new UUID
 */
export function requestIdFrom(header: string | undefined): string {
  const candidate = header?.trim();
  return candidate && ACCEPTED.test(candidate) ? candidate : randomUUID();
}
