import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ALGORITHMS, type Algorithm } from '../../settings';
import { thumbprint } from '../../tokens/keys';
import { type Command, HELP_OPTION, UsageError } from '../command';

/** RSA modulus sizes for RS/PS, by hash size (NIST SP 800-57 strength roughly matching the hash). */
const RSA_BITS: Record<string, number> = { '256': 2048, '384': 3072, '512': 4096 };
const EC_CURVES: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/**
 * A new key pair for an asymmetric algorithm, as PEM: PKCS#8 private key, SPKI public key.
 *
 * @example const { privatePem, publicPem, kid } = generateKeyPair('ES256');
 */
export function generateKeyPair(algorithm: Algorithm): { privatePem: string; publicPem: string; kid: string } {
  const { privateKey } = algorithm.startsWith('ES')
    ? generateKeyPairSync('ec', { namedCurve: EC_CURVES[algorithm] })
    : generateKeyPairSync('rsa', { modulusLength: RSA_BITS[algorithm.slice(2)] });
  const publicKey: KeyObject = createPublicKey(privateKey);
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    kid: thumbprint(publicKey),
  };
}

export const keysGenerate: Command = {
  summary: 'Write a key pair for RS/ES/PS access tokens.',
  usage:
    'gatehouse-graphql keys generate [--algorithm A] [--out DIR] [--force]\n\n' +
    '  --algorithm A   RS256 (default), RS384, RS512, ES256, ES384, ES512, PS256, PS384 or PS512\n' +
    '  --out DIR       folder for private.pem (mode 600) and public.pem (default ./keys)\n' +
    '  --force         replace existing files there\n\n' +
    'Then set JWT_ALGORITHM, JWT_PRIVATE_KEY=DIR/private.pem (and JWT_PUBLIC_KEY=DIR/public.pem).\n' +
    'To rotate, generate into a new folder and list the old public.pem in JWT_PUBLIC_KEYS until\n' +
    'the access tokens it signed have expired (JWT_EXPIRATION_DELTA).\n',
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...HELP_OPTION, algorithm: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } },
    });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const algorithm = (values.algorithm ?? 'RS256').toUpperCase() as Algorithm;
    if (!ALGORITHMS.includes(algorithm)) throw new UsageError(`"${values.algorithm}" is not one of ${ALGORITHMS.join(', ')}`);
    if (algorithm.startsWith('HS')) {
      throw new UsageError(`${algorithm} uses a shared secret, not a key pair: set JWT_SECRET to at least 32 random bytes (e.g. openssl rand -base64 48)`);
    }
    const dir = values.out ?? 'keys';
    const privateFile = join(dir, 'private.pem');
    const publicFile = join(dir, 'public.pem');
    const existing = [privateFile, publicFile].filter((file) => existsSync(file));
    if (existing.length && !values.force) {
      io.err(`gatehouse-graphql keys generate: ${existing.join(' and ')} already exist; use another --out folder or --force`);
      return 1;
    }
    const pair = generateKeyPair(algorithm);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(privateFile, pair.privatePem, { mode: 0o600 });
    chmodSync(privateFile, 0o600); // also when --force replaced a file that had other modes
    writeFileSync(publicFile, pair.publicPem, { mode: 0o644 });
    io.out(
      `Wrote ${privateFile} (secret, mode 600) and ${publicFile} for ${algorithm}; kid ${pair.kid}.\n` +
        `Set: JWT_ALGORITHM=${algorithm} JWT_PRIVATE_KEY=${privateFile} JWT_PUBLIC_KEY=${publicFile}`,
    );
    return 0;
  },
};
