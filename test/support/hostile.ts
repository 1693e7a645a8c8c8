/**
 * fast-check arbitraries for the hostile-input suite: access tokens that are malformed,
 * truncated, tampered, re-signed, alg-swapped, expired, not yet valid, for another
 * audience or issuer, of the wrong shape or oversized; Authorization headers around them;
 * and hostile strings for GraphQL arguments (unicode, very long, SQL-like).
 */
import { createHmac, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { MAX_TOKEN_BYTES } from '../../src/tokens/access/verify';
import { b64url, nowSeconds } from './jwt';

export type TokenReason = 'INVALID_TOKEN' | 'TOKEN_EXPIRED';
export interface HostileToken {
  kind: string;
  token: string;
  /** The reason a server must give (`extensions.reason`). */
  reason: TokenReason;
}

/** What the arbitraries need to know about the server under attack. */
export interface Target {
  sub: string;
  username: string;
  audience: string;
  issuer: string;
  leeway: number;
  /** HS256: the secret; RS256: the private key and its kid. */
  key: { alg: 'HS256'; secret: string } | { alg: 'RS256'; privateKey: KeyObject; kid: string };
  /** A key pair the server does not know (for re-signing and header-key injection). */
  stranger: { privateKey: KeyObject; kid: string };
}

const B64URL_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function rawSign(header: object, payload: unknown, alg: string, key: string | Buffer | KeyObject): string {
  const input = `${b64url(header)}.${b64url(JSON.stringify(payload) ?? 'null')}`;
  let signature: Buffer;
  if (alg.startsWith('HS')) signature = createHmac(`sha${alg.slice(2)}`, key as string | Buffer).update(input).digest();
  else signature = cryptoSign(`sha${alg.slice(2)}`, Buffer.from(input), key as KeyObject);
  return `${input}.${signature.toString('base64url')}`;
}

/** Signs exactly as the server would (its algorithm, key and kid). */
export function signAsServer(target: Target, payload: unknown, header: Record<string, unknown> = {}): string {
  const { key } = target;
  if (key.alg === 'HS256') return rawSign({ alg: 'HS256', typ: 'JWT', ...header }, payload, 'HS256', key.secret);
  return rawSign({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header }, payload, 'RS256', key.privateKey);
}

function goodClaims(target: Target, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = nowSeconds();
  return { sub: target.sub, username: target.username, iat: now, exp: now + 300, orig_iat: now, jti: `j${now}`, token_type: 'access', aud: target.audience, iss: target.issuer, ...extra };
}

/** A token the server accepts (the starting point of the mutations). */
export const goodToken = (target: Target) => signAsServer(target, goodClaims(target));

const b64Segment = (max: number) => fc.string({ unit: fc.constantFrom(...B64URL_CHARS), maxLength: max });
/**
 * Any code point, lone surrogates included: what `unit: 'binary'` gives, without the second
 * of CPU fast-check spends on that unit's first use in a process (it builds a reverse mapping
 * of all of Unicode to find its built-in interesting strings).
 */
const anyCodePoint = fc.integer({ min: 0, max: 0x10ffff }).map((point) => String.fromCodePoint(point));
const notEqual = <T>(value: T) => (candidate: unknown) => candidate !== value;
const someJson = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(null));

/** Every kind of refused token, each with the reason the server must give. */
export function hostileTokens(target: Target): fc.Arbitrary<HostileToken> {
  const invalid = (kind: string) => (token: string): HostileToken => ({ kind, token, reason: 'INVALID_TOKEN' });
  const serverKid = target.key.alg === 'RS256' ? target.key.kid : undefined;
  const publicPem =
    target.key.alg === 'RS256' ? (createPublicKey(target.key.privateKey).export({ format: 'pem', type: 'spki' }) as string) : undefined;

  const malformed = fc
    .oneof(
      fc.string({ maxLength: 120 }),
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      fc.string({ unit: anyCodePoint, maxLength: 60 }),
      fc.array(b64Segment(60), { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
      fc.tuple(someJson, someJson, b64Segment(86)).map(([h, p, s]) => `${b64url(JSON.stringify(h))}.${b64url(JSON.stringify(p))}.${s}`),
      fc.constantFrom('', '.', '..', '...', 'null', 'undefined', 'Bearer', 'eyJ', 'eyJhbGciOiJub25lIn0..', '\u0000', '\ud800', '%00', 'a.b.c'),
    )
    .map(invalid('malformed'));

  const good = fc.constant(null).map(() => goodToken(target));
  const truncated = fc.tuple(good, fc.nat()).map(([token, n]) => invalid('truncated')(token.slice(0, n % token.length)));

  // Any change to the signed text (header or payload) must break the signature.
  const tampered = fc.tuple(good, fc.nat(), fc.constantFrom(...B64URL_CHARS, '.', '=', '+', '/', ' ', 'é'))
    .filter(([token, n, char]) => token[n % token.lastIndexOf('.')] !== char)
    .map(([token, n, char]) => {
      const at = n % token.lastIndexOf('.');
      return invalid('tampered')(token.slice(0, at) + char + token.slice(at + 1));
    });

  const resigned = fc
    .oneof(
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((secret) => rawSign({ alg: 'HS256', typ: 'JWT' }, goodClaims(target), 'HS256', Buffer.from(secret))),
      fc.constant(null).map(() => rawSign({ alg: 'RS256', typ: 'JWT', kid: target.stranger.kid }, goodClaims(target), 'RS256', target.stranger.privateKey)),
      // RFC 8725 §3.10 / header injection: the token brings its own key; it must not be used.
      fc.constant(null).map(() => {
        const jwk = createPublicKey(target.stranger.privateKey).export({ format: 'jwk' });
        return rawSign({ alg: 'RS256', typ: 'JWT', kid: serverKid ?? target.stranger.kid, jwk, jku: 'http://127.0.0.1:9/jwks.json', x5u: 'http://127.0.0.1:9/x5u' }, goodClaims(target), 'RS256', target.stranger.privateKey);
      }),
    )
    .map(invalid('re-signed'));

  const confusionSecrets: Array<string | Buffer> = target.key.alg === 'HS256' ? [target.key.secret] : [publicPem!, publicPem!.trim(), Buffer.from(publicPem!)];
  const algSwapped = fc
    .oneof(
      fc.tuple(fc.constantFrom('none', 'None', 'NONE', 'nOnE', '', 'HS256 ', 'hs256', 'HS256', 'RS256', 'ES256', 'PS256', 'EdDSA', 'HS384', 'HS512'), good, fc.boolean())
        .filter(([alg]) => alg !== target.key.alg)
        .map(([alg, token, keepSignature]) => {
        const [, payload, signature] = token.split('.');
        return `${b64url({ alg, typ: 'JWT', ...(serverKid ? { kid: serverKid } : {}) })}.${payload}.${keepSignature ? signature : ''}`;
      }),
      fc.tuple(fc.constantFrom<unknown>(null, 0, true, ['HS256'], { alg: 'HS256' }), good).map(([alg, token]) => `${b64url({ alg, typ: 'JWT' })}.${token.split('.').slice(1).join('.')}`),
      // Algorithm confusion: HMAC keyed with what the server verifies with (the same secret under another HS size; the public key under HS for RS).
      fc.tuple(fc.constantFrom('HS256', 'HS384', 'HS512'), fc.constantFrom(...confusionSecrets), fc.boolean())
        .filter(([alg]) => target.key.alg !== alg)
        .map(([alg, secret, withKid]) => rawSign({ alg, typ: 'JWT', ...(withKid && serverKid ? { kid: serverKid } : {}) }, goodClaims(target), alg, secret)),
    )
    .map(invalid('alg-swapped'));

  // Times are taken when a value is generated, not when the arbitrary is built.
  const expired = fc.integer({ min: target.leeway + 2, max: 10 ** 8 }).map((ago) => {
    const exp = nowSeconds() - ago;
    return { kind: 'expired', token: signAsServer(target, goodClaims(target, { iat: exp - 300, exp })), reason: 'TOKEN_EXPIRED' as const };
  });

  const notYetValid = fc.integer({ min: target.leeway + 5, max: 10 ** 8 }).map((ahead) => invalid('not-yet-valid')(signAsServer(target, goodClaims(target, { nbf: nowSeconds() + ahead }))));

  const otherParty = fc.oneof(fc.string({ maxLength: 40 }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), fc.constantFrom<unknown>(null, 0, {}, undefined));
  const wrongAudience = otherParty
    .filter((aud) => aud !== target.audience && !(Array.isArray(aud) && aud.includes(target.audience)))
    .map((aud) => invalid('wrong-audience')(signAsServer(target, goodClaims(target, { aud }))));
  const wrongIssuer = otherParty.filter(notEqual(target.issuer)).map((iss) => invalid('wrong-issuer')(signAsServer(target, goodClaims(target, { iss }))));

  const required = ['sub', 'username', 'iat', 'exp', 'orig_iat', 'jti', 'token_type'];
  const badValues: Record<string, unknown[]> = {
    sub: ['', 1, null, true, [], {}],
    username: [null, 1, []],
    iat: [1.5, '1', null],
    orig_iat: [1.5, 'now', null],
    exp: ['never', null, [], 4102444800.5],
    jti: [1, null],
    token_type: ['refresh', 'Access', '', null, 1, ['access']],
    sid: [1, null, {}],
    app: [1, null],
  };
  const wrongShape = fc
    .oneof(
      fc.constantFrom(...required).map((claim) => {
        const claims = goodClaims(target);
        delete claims[claim];
        return claims as unknown;
      }),
      fc.constantFrom(...Object.entries(badValues).flatMap(([claim, values]) => values.map((value) => [claim, value] as const))).map(([claim, value]) => goodClaims(target, { [claim]: value }) as unknown),
      fc.string({ maxLength: 20 }).filter(notEqual('access')).map((tokenType) => goodClaims(target, { token_type: tokenType }) as unknown),
      fc.constantFrom<unknown>('a string', 42, [], [goodClaims(target)], true, null),
    )
    .map((payload) => invalid('wrong-shape')(signAsServer(target, payload)));

  // Over MAX_TOKEN_BYTES (but under the 16 KiB header limit of Node): garbage, and correctly signed padding.
  const padding = fc.integer({ min: MAX_TOKEN_BYTES, max: 9_000 }).map((n) => 'x'.repeat(n));
  const oversized = fc
    .oneof(
      padding.map((pad) => `eyJhbGciOiJIUzI1NiJ9.${pad}.sig`),
      padding.map((pad) => signAsServer(target, goodClaims(target, { pad }))),
      padding.map((pad) => signAsServer(target, goodClaims(target), { pad })),
    )
    .map(invalid('oversized'));

  return fc.oneof(malformed, truncated, tampered, resigned, algSwapped, expired, notYetValid, wrongAudience, wrongIssuer, wrongShape, oversized);
}

/** Keeps what an HTTP header can carry (visible ASCII), as a client library would have to. */
export const headerSafe = (text: string) => text.replace(/[^\x21-\x7e]/g, '');
/** The same, cut to 8 KiB: Node answers 431 to request headers over 16 KiB (tested on its own). */
export const headerValue = (text: string) => headerSafe(text).slice(0, 8192);

export interface HostileHeader {
  value: string;
  reason: TokenReason | 'MISSING_TOKEN';
}

/** Authorization headers: accepted and foreign schemes, odd separators and trailing parts, around hostile tokens. */
export function hostileHeaders(target: Target): fc.Arbitrary<HostileHeader> {
  return fc
    .record({
      scheme: fc.constantFrom('Bearer', 'bearer', 'BEARER', 'JWT', 'jwt', 'Basic', 'Token', 'Digest', '', 'Bearer:', 'Bearer,', 'Bearer\t'),
      separator: fc.constantFrom(' ', '  ', '\t', ''),
      token: hostileTokens(target),
      suffix: fc.constantFrom('', ' ', ' extra', ', Bearer x', ' .'),
    })
    .map(({ scheme, separator, token, suffix }) => {
      const clean = headerSafe(token.token);
      const value = `${scheme}${separator}${clean}${suffix}`;
      // The model of the contract: blank is a missing token; "<Bearer|JWT> <one word>" carries a token; anything else is invalid.
      const words = value.trim().split(/\s+/);
      let reason: HostileHeader['reason'] = 'INVALID_TOKEN';
      if (value.trim() === '') reason = 'MISSING_TOKEN';
      else if (words.length === 2 && ['bearer', 'jwt'].includes(words[0].toLowerCase()) && words[1] === token.token) reason = token.reason;
      return { value, reason };
    });
}

export const SQL_LIKE = [
  "' OR '1'='1",
  "' OR 1=1 --",
  "admin'--",
  "'; DROP TABLE gatehouse_user; --",
  '"; DELETE FROM gatehouse_refresh_token; --',
  "1' UNION SELECT password_hash FROM gatehouse_user --",
  "'; SELECT pg_sleep(2); --",
  "' AND randomblob(500000000) --",
  '%',
  '_',
  '\\',
  "\\'",
  '$1',
  '?',
  'NULL',
];

const SPECIAL = ['', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', '\ufeff', '\u202e', '\r\n', '😀', 'é', '${jndi:ldap://127.0.0.1:9/x}', '<script>alert(1)</script>', '../../etc/passwd', '{{7*7}}', '__proto__', 'constructor'];

/** Strings for GraphQL arguments: unicode, control characters, very long, SQL-like, token-shaped. */
export const hostileStrings: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: anyCodePoint, maxLength: 40 }),
  fc.constantFrom(...SQL_LIKE, ...SPECIAL),
  fc.tuple(fc.constantFrom('a', 'é', '😀', '\u0000', "'", 'ghd_', 'ghd_A'), fc.integer({ min: 200, max: 4000 })).map(([text, n]) => text.repeat(n)),
  b64Segment(60).map((body) => `ghd_${body}`),
);
