import { isIP } from 'node:net';

/**
 * The client's IP address for per-address limits and the request log: the socket's remote
 * address, or with `TRUST_PROXY=true` the last entry of `X-Forwarded-For` (the one the
 * trusted reverse proxy in front appended; earlier entries are whatever the client sent and
 * are ignored). An entry may carry a port, as some proxies write it (`203.0.113.9:51234`,
 * `[2001:db8::1]:443`, `[2001:db8::1]`): the port is dropped. IPv4-mapped IPv6 addresses
 * are written as IPv4, IPv6 in lower case without a zone. Null when nothing usable is known;
 * an unusable last entry falls back to the socket's address.
 *
 * @example clientAddress('::ffff:10.0.0.2', '198.51.100.4, 203.0.113.9:51234', true) // '203.0.113.9'
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
  let text = address?.trim();
  if (!text) return null;
  // A plain IPv4 address (the socket's, most of the time) is already in its written form.
  if (isIP(text) === 4) return text;
  // [v6] or [v6]:port; v4:port. A bare IPv6 address has several colons and no port.
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1];
  else text = text.replace(/^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/, '$1');
  text = text.replace(/%[^%]*$/, '');
  const unmapped = text.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return isIP(unmapped) ? unmapped.toLowerCase() : null;
}

/**
 * The bucket a client address is counted in by per-address limits: an IPv4 address itself;
 * for IPv6 its /64 network (`2001:db8:1:2::/64`), the smallest block a provider hands one
 * customer, whose 2^64 addresses one machine can use in turn. Anything else unchanged.
 *
 * @example addressBucket('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function addressBucket(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = expandIPv6(address);
  return groups ? `${groups.slice(0, 4).map((group) => group.toString(16)).join(':')}::/64` : address;
}

/** The eight 16-bit groups of an IPv6 address (a dotted IPv4 tail counts as two), or null. */
function expandIPv6(address: string): number[] | null {
  let text = address;
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number);
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (rest === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...new Array<string>(rest === undefined ? 0 : missing).fill('0'), ...right].map((group) => parseInt(group, 16));
  return groups.length === 8 && groups.every((group) => group >= 0 && group <= 0xffff) ? groups : null;
}
