import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type * as Orm from '../../src/db/orm';
import { answersSync, shownUrl, skipOrFail } from './services';

/** The server tests use: PG_URL, else the machine's local PostgreSQL. */
export const PG_ADMIN_URL = process.env.PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates a database of its own, untouched by any migration; `drop()` removes it (and ends its
 * connections). For a suite that migrates it itself or changes the database (who may connect);
 * a suite that only needs Gatehouse's tables and no rows takes `leasePostgres()`.
 */
export async function createScratchPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = newName();
  await adminQuery(`create database ${name}`);
  return { url: urlOf(name), drop: () => dropDatabase(name) };
}

/** Databases this process migrated and was given back, every row removed. */
const idle: string[] = [];
/** What a database is made of right after Gatehouse's migrations: tables, views, functions, triggers. */
let migratedShape: string | undefined;
let dropsAtExit = false;

/**
 * A database of this process's own with Gatehouse's migrations applied and no rows:
 * one an earlier suite of this process gave back, else a new one. `release()` gives it back:
 * other connections to it are ended and every row removed (identities restarted), but
 * only if its tables, views, functions and triggers are still exactly the migrated ones;
 * one a suite changed is dropped instead. The process drops the ones it holds when it has
 * nothing left to do.
 *
 * Why: 34 suites of a run each created, migrated and dropped a database; a server's start
 * and stop on PostgreSQL took 258 ms with its own new database and 95-120 ms with a leased
 * one, and PostgreSQL's CPU over npm test fell from 17.5 to 7.9 s.
 */
export async function leasePostgres(): Promise<{ url: string; release(): Promise<void> }> {
  const name = idle.pop() ?? (await newMigrated());
  let released = false;
  return {
    url: urlOf(name),
    release: async () => {
      if (released) return;
      released = true;
      if (await emptied(name)) idle.push(name);
      else await dropDatabase(name);
    },
  };
}

async function newMigrated(): Promise<string> {
  const name = newName();
  await adminQuery(`create database ${name}`);
  try {
    const { migrate, openDatabase } = require('../../src/db/orm') as typeof Orm; // when first needed: asking whether PostgreSQL answers loads this module alone
    const orm = await openDatabase({ url: urlOf(name), poolMin: 0, poolMax: 1 });
    try {
      await migrate(orm);
    } finally {
      await orm.close(true);
    }
    const shape = await withDatabase(name, shapeIn);
    migratedShape ??= shape;
    if (shape !== migratedShape) throw new Error(`a freshly migrated database differs from the first one:\n${shape}\n${migratedShape}`);
  } catch (error) {
    await dropDatabase(name);
    throw error;
  }
  if (!dropsAtExit) {
    dropsAtExit = true;
    // When the event loop empties (every suite of this process has ended): drop what is held.
    process.once('beforeExit', () => void Promise.all(idle.splice(0).map(dropDatabase)));
  }
  return name;
}

/** Ends the database's other connections and removes every row; false if its shape changed. */
async function emptied(name: string): Promise<boolean> {
  return withDatabase(name, async (client) => {
    await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
    if ((await shapeIn(client)) !== migratedShape) return false;
    const tables = await client.query<{ name: string }>(
      "select format('%I', tablename) as name from pg_tables where schemaname = 'public' and tablename <> 'gatehouse_migrations'",
    );
    await client.query("set lock_timeout = '5s'");
    await client.query(`truncate ${tables.rows.map((row) => row.name).join(', ')} restart identity cascade`);
    return true;
  }).catch(() => false);
}

async function shapeIn(client: Client): Promise<string> {
  const { rows } = await client.query<{ item: string }>(
    `select c.relkind::text || ' ' || c.relname as item from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public'
     union all select 'f ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'public'
     union all select 't ' || t.tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and not t.tgisinternal
     union all select 'm ' || count(*) from gatehouse_migrations
     order by 1`,
  );
  return rows.map((row) => row.item).join('\n');
}

async function withDatabase<T>(name: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: urlOf(name) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function newName(): string {
  return `gatehouse_test_${randomBytes(6).toString('hex')}`;
}

function urlOf(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

function dropDatabase(name: string): Promise<void> {
  return adminQuery(`drop database if exists ${name} with (force)`);
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

/** Whether PostgreSQL at PG_ADMIN_URL answers `select 1` (within 2 s to connect). */
export async function postgresAnswers(): Promise<boolean> {
  const client = new Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The same question, answered synchronously (so suites can be skipped when declared): see `answersSync`. */
export function postgresAnswersSync(): boolean {
  return answersSync('postgresql', __filename, 'postgresAnswers');
}

/**
 * The `skip` option for a suite that needs PostgreSQL: `false` when it answers, else why not
 * (under `GATEHOUSE_REQUIRE_SERVICES=1`, a thrown error instead: see `skipOrFail`).
 */
export function postgresSkip(): string | false {
  return skipOrFail(postgresAnswersSync() ? false : `PostgreSQL does not answer at ${shownUrl(PG_ADMIN_URL)}`);
}
