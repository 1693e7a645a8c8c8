import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { Client } from 'pg';
import { shownUrl, skipOrFail } from './services';

/** The server tests use: PG_URL, else the machine's local PostgreSQL. */
export const PG_ADMIN_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Creates a database of its own; `drop()` removes it (and ends its connections). */
export async function createScratchPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

/** Creates a database of its own, gives its URL to `fn`, and drops it afterwards. */
export async function withScratchPostgres<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const scratch = await createScratchPostgres();
  try {
    return await fn(scratch.url);
  } finally {
    await scratch.drop();
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let answersSync: boolean | undefined;

/** The same question, answered synchronously (so suites can be skipped when declared). */
export function postgresAnswersSync(): boolean {
  if (answersSync === undefined) {
    const script =
      "const { Client } = require('pg'); const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 2000 });" +
      "c.connect().then(() => c.query('select 1')).then(() => process.exit(0), () => process.exit(1));";
    try {
      execFileSync(process.execPath, ['-e', script, PG_ADMIN_URL], { stdio: 'ignore', timeout: 5000 });
      answersSync = true;
    } catch {
      answersSync = false;
    }
  }
  return answersSync;
}

/**
 * The `skip` option for a suite that needs PostgreSQL: `false` when it answers, else why not
 * (under `GATEHOUSE_REQUIRE_SERVICES=1`, a thrown error instead: see `skipOrFail`).
 */
export function postgresSkip(): string | false {
  return skipOrFail(postgresAnswersSync() ? false : `PostgreSQL does not answer at ${shownUrl(PG_ADMIN_URL)}`);
}
