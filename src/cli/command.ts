import type { MikroORM } from '@mikro-orm/core';
import type * as Orm from '../db/orm';
import type { Settings } from '../settings';

/** A usage mistake: exit code 2 and the command's usage. */
export class UsageError extends Error {}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  readStdin: () => Promise<string>;
  env: Record<string, string | undefined>;
}

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[], io: Io): Promise<number>;
}

export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Opens the database for one command and closes it afterwards. The ORM is loaded here, so
 * `--help`, a usage error or a command without a database (`keys generate`) loads none.
 */
export async function withDatabase<T>(settings: Settings, fn: (orm: MikroORM) => Promise<T>): Promise<T> {
  const { openDatabase } = require('../db/orm') as typeof Orm;
  const orm = await openDatabase(settings.database);
  try {
    return await fn(orm);
  } finally {
    await orm.close(true);
  }
}

/** The two ways to give a password: `--password P` or `--password-stdin`. */
export const PASSWORD_OPTIONS = { password: { type: 'string' }, 'password-stdin': { type: 'boolean' } } as const;

/** The password from exactly one of `--password P` and `--password-stdin` (one line). */
export async function passwordFrom(values: { password?: string; 'password-stdin'?: boolean }, io: Io): Promise<string> {
  if ((values.password !== undefined) === (values['password-stdin'] === true)) {
    throw new UsageError('give either --password P or --password-stdin');
  }
  return values.password ?? (await io.readStdin()).replace(/\r?\n$/, '');
}
