import { createPublicKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SettingsError } from '../settings';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

/** PEM text as found in an environment variable: `\n` escapes become new lines. */
export function unescapePem(text: string): string {
  return text.replace(/\\n/g, '\n');
}

/**
 * One PEM key: the value itself when it is PEM text, else the content of the file it names.
 *
 * @example readPem('keys/private.pem', 'JWT_PRIVATE_KEY')
 */
export function readPem(value: string, variable: string): string {
  if (value.includes('-----BEGIN')) return unescapePem(value);
  try {
    return readFileSync(value, 'utf8');
  } catch {
    throw new SettingsError(variable, `is neither PEM text nor a readable file (${value})`);
  }
}

/**
 * The public keys of `JWT_PUBLIC_KEYS`: PEM text with one or more blocks, or a list of
 * file and folder paths separated by commas or new lines (a folder contributes each of
 * its `*.pem` files). Private keys are refused: list public keys only.
 *
 * @example readPublicKeys('keys/2025-01.pub.pem, keys/retired/', 'JWT_PUBLIC_KEYS')
 */
export function readPublicKeys(value: string, variable: string): KeyObject[] {
  const text = unescapePem(value);
  if (text.includes('-----BEGIN')) return publicKeysIn(text, 'the value', variable);
  const keys: KeyObject[] = [];
  for (const entry of text.split(/[,\n]/).map((part) => part.trim()).filter(Boolean)) {
    for (const file of pemFiles(entry, variable)) {
      keys.push(...publicKeysIn(readFileSync(file, 'utf8'), file, variable));
    }
  }
  return keys;
}

function pemFiles(path: string, variable: string): string[] {
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch {
    throw new SettingsError(variable, `names ${path}, which is neither PEM text nor a readable file or folder`);
  }
  if (!isFolder) return [path];
  return readdirSync(path).filter((name) => name.endsWith('.pem')).sort().map((name) => join(path, name));
}

function publicKeysIn(text: string, where: string, variable: string): KeyObject[] {
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) throw new SettingsError(variable, `${where} holds no PEM key`);
  return blocks.map(([block, label]) => {
    if (label.includes('PRIVATE')) throw new SettingsError(variable, `${where} holds a private key; list public keys only`);
    try {
      return createPublicKey(block);
    } catch {
      throw new SettingsError(variable, `${where} holds a PEM block that is not a public key`);
    }
  });
}
