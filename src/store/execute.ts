import type { Attributes } from '@opentelemetry/api';
import type * as Knex from '@mikro-orm/knex';
import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';
import { inSpan, tracing } from '../tracing/spans';
import { runStatement } from './driver';

export type Method = 'all' | 'get' | 'run';

let sqlitePlatform: typeof Knex.BaseSqlitePlatform | undefined;

/**
 * Whether `em` talks to SQLite (else PostgreSQL): where a statement differs between the two.
 * `@mikro-orm/knex` is looked up at the first call, when a database is open (and has loaded
 * it), so requiring Gatehouse does not load it.
 */
export function onSqlite(em: { getPlatform(): unknown }): boolean {
  sqlitePlatform ??= (require('@mikro-orm/knex') as typeof Knex).BaseSqlitePlatform;
  return em.getPlatform() instanceof sqlitePlatform;
}

/** The span attributes of one statement: the database, the statement's verb and its text (placeholders, never values). */
function statementAttributes(sqlite: boolean, statement: string): [string, Attributes] {
  const verb = /^\s*(\w+)/.exec(statement)?.[1]?.toLowerCase() ?? 'sql';
  return [
    `gatehouse.db.${verb}`,
    { 'db.system.name': sqlite ? 'sqlite' : 'postgresql', 'db.operation.name': verb, 'db.query.text': statement },
  ];
}

/**
 * Every SQL statement of the session store goes through here, with `?` parameters, inside a
 * trace span (`gatehouse.db.update`, …) whose attributes are the database, the verb and the
 * statement text with its `?` placeholders; the parameters (hashes, ids, times) never reach
 * the span. The statement runs on the driver's own connection (`./driver.ts`), taken from
 * and given back to MikroORM's pool (the transaction's connection inside `transaction`), with
 * the values bound by the driver, not escaped into the text: SQLite keeps each statement
 * prepared, PostgreSQL gets the same text every time. Errors are MikroORM's
 * (`UniqueConstraintViolationException`, …), results its `em.execute` shapes.
 *
 * @example
 * const rows = await execute<Row[]>(em, 'select id from gatehouse_device where user_id = ?', [userId]);
 */
export function execute<T = any>(em: EntityManager, statement: string, params: readonly unknown[] = [], method: Method = 'all'): Promise<T> {
  const sqlite = onSqlite(em);
  // The span's name and attributes are only made when something records them.
  if (!tracing()) return runStatement(em, sqlite, statement, params, method) as Promise<T>;
  const [name, attributes] = statementAttributes(sqlite, statement);
  return inSpan(name, attributes, () => runStatement(em, sqlite, statement, params, method) as Promise<T>);
}

/**
 * Runs `work` in one transaction on a fork of `em`, committed when it resolves and rolled
 * back when it throws, through MikroORM's public `connection.transactional` and
 * `setTransactionContext`: what `em.transactional` does for statements, without its
 * `TransactionContext` and without a flush. Both of those run an `AsyncLocalStorage`
 * (MikroORM's transaction context, and its unit of work's `insideFlush`), and on Node 20
 * the first `run` of any `AsyncLocalStorage` turns on async hooks for the whole process,
 * for good: from the first login on, every promise, socket, timer and write of every
 * request paid for the hooks (about a tenth of the CPU of `{ __typename }`). So `work`
 * runs statements only (`execute` on the fork it is given, as every store write does) and
 * persists no entity: nothing would flush it.
 *
 * @example
 * const ended = await transaction(em, (tem) => endDevices(tem, selection, now));
 */
export async function transaction<T>(em: EntityManager, work: (tem: EntityManager) => Promise<T>): Promise<T> {
  const tem = em.fork() as EntityManager;
  return tem.getConnection('write').transactional(async (trx) => {
    tem.setTransactionContext(trx);
    try {
      return await work(tem);
    } finally {
      tem.resetTransactionContext();
    }
  });
}
