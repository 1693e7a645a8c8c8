import { isIP } from 'node:net';

/**
 * The client's IP address for per-address limits: the socket's remote address, or with
 * `TRUST_PROXY=true` the last entry of `X-Forwarded-For` (the one the trusted reverse proxy
 * in front appended; earlier entries are whatever the client sent and are ignored).
 * IPv4-mapped IPv6 addresses are written as IPv4. Null when nothing usable is known.
 *
 * @example clientAddress('::ffff:10.0.0.2', '198.51.100.4, 203.0.113.9', true) // '203.0.113.9'
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string | null {
  if (trustProxy && forwardedFor !== undefined) {
    const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    const last = normalize(entries[entries.length - 1]);
    if (last) return last;
  }
  return normalize(socketAddress);
}

function normalize(address: string | undefined): string | null {
  const text = address?.trim();
  if (!text) return null;
  const unmapped = text.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return isIP(unmapped) ? unmapped.toLowerCase() : null;
}
