import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import type { Method } from './execute';

/** What this file needs of knex's client: its pool (a transaction's client hands out the transaction's connection). */
interface PoolClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): unknown;
}

/** A libsql statement (the `libsql` package, what MikroORM's libsql driver opens). */
interface SqliteStatement {
  all(params: unknown[]): Record<string, unknown>[];
  get(params: unknown[]): Record<string, unknown> | undefined;
  run(params: unknown[]): { changes: number; lastInsertRowid: number | bigint };
}
interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
}
interface PgClient {
  query(config: { text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** Prepared statements kept per SQLite connection: at most this many, of at most this much text in all. */
const MAX_PREPARED = 128;
const MAX_PREPARED_TEXT = 256 * 1024;
/** PostgreSQL texts (`?` numbered `$1`, `$2`, …) kept, with the same bounds. */
const pgTexts = new Map<string, string>();
let pgTextBytes = 0;

/** A prepared statement, and whether SQLite's `run` answers it (`isRun`). */
interface Kept {
  statement: SqliteStatement;
  run: boolean;
}
interface Prepared {
  statements: Map<string, Kept>;
  textBytes: number;
}
const prepared = new WeakMap<object, Prepared>();

/**
 * Runs one statement of the store (`sqlite`: `onSqlite(em)`) on the driver's own connection, taken from MikroORM's pool
 * (knex's) and given back, or on the transaction's connection when `em` is inside
 * `transaction` (`./execute.ts`). Values are bound by the driver (`?` on SQLite, numbered
 * `$n` on PostgreSQL), never escaped into the text, so the text is the same every time: a
 * SQLite connection keeps its statements prepared (bounded, `MAX_PREPARED`); PostgreSQL
 * parses the same text. Driver errors become MikroORM's exceptions
 * (`UniqueConstraintViolationException`, …) and results take the shapes of MikroORM's
 * `em.execute`: rows for `all`, the first row for `get`, `{ affectedRows, insertId, rows? }`
 * for `run`.
 *
 * Why not `em.execute`: it escapes every value into the statement (`platform.formatQuery`)
 * and sends it through knex's query builder and runner, which on SQLite prepared the
 * statement anew each time (the rotation statement, with its view and trigger, took longer
 * to prepare than to run) and on both databases cost more CPU than the statement's own
 * round trip (issue 14, docs/benchmarks.md).
 */
export async function runStatement(em: EntityManager, sqlite: boolean, sql: string, params: readonly unknown[], method: Method): Promise<unknown> {
  const trx = em.getTransactionContext<{ client: PoolClient }>();
  const client = trx ? trx.client : (em.getConnection('write').getKnex().client as PoolClient);
  const connection = await client.acquireConnection();
  try {
    return sqlite ? runSqlite(connection as SqliteDatabase, sql, params, method) : await runPostgres(connection as PgClient, sql, params, method);
  } catch (error) {
    throw em.getDriver().convertException(error as Error);
  } finally {
    await client.releaseConnection(connection);
  }
}

/** Whether SQLite's `run` answers the statement (a write without `returning`), as knex's libsql dialect decides. */
function isRun(sql: string): boolean {
  const text = sql.trimStart().slice(0, 8).toLowerCase();
  const write = text.startsWith('insert') || text.startsWith('update') || text.startsWith('delete');
  return write && !/\sreturning\s/i.test(sql);
}

function runSqlite(db: SqliteDatabase, sql: string, params: readonly unknown[], method: Method): unknown {
  const { statement, run } = statementOf(db, sql);
  const values = params.map(sqliteValue);
  if (run) {
    const result = statement.run(values);
    return { affectedRows: result.changes, insertId: result.lastInsertRowid };
  }
  // The first row alone, without libsql's iterator: one call that steps once and resets. For
  // a write with `returning`, SQLite makes every change in that first step
  // (https://sqlite.org/lang_returning.html, "processing order"), so nothing is left undone.
  if (method === 'get') return statement.get(values);
  const rows = statement.all(values);
  if (method === 'all') return rows;
  return { affectedRows: rows.length, insertId: rows[rows.length - 1]?.id ?? 0, row: rows[0], rows };
}

function statementOf(db: SqliteDatabase, sql: string): Kept {
  let kept = prepared.get(db);
  if (!kept) prepared.set(db, (kept = { statements: new Map(), textBytes: 0 }));
  const known = kept.statements.get(sql);
  if (known) return known;
  const made: Kept = { statement: db.prepare(sql), run: isRun(sql) };
  if (kept.statements.size < MAX_PREPARED && kept.textBytes + sql.length <= MAX_PREPARED_TEXT) {
    kept.statements.set(sql, made);
    kept.textBytes += sql.length;
  }
  return made;
}

/** A value as SQLite binds it: what knex's libsql dialect does (dates as milliseconds, booleans as 0/1). */
function sqliteValue(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value;
}

async function runPostgres(client: PgClient, sql: string, params: readonly unknown[], method: Method): Promise<unknown> {
  const result = await client.query({ text: numbered(sql), values: params as unknown[] });
  if (method === 'get') return result.rows[0];
  if (method === 'all') return result.rows;
  return { affectedRows: result.rowCount ?? 0, insertId: result.rows[0]?.id ?? 0, row: result.rows[0], rows: result.rows };
}

/** The statement with its `?` placeholders numbered for PostgreSQL (`$1`, `$2`, …). The store's statements hold no other `?`. */
function numbered(sql: string): string {
  const known = pgTexts.get(sql);
  if (known !== undefined) return known;
  let n = 0;
  const text = sql.replace(/\?/g, () => `$${++n}`);
  if (pgTexts.size < MAX_PREPARED && pgTextBytes + sql.length + text.length <= MAX_PREPARED_TEXT) {
    pgTexts.set(sql, text);
    pgTextBytes += sql.length + text.length;
  }
  return text;
}
