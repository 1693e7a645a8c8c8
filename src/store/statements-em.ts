import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager as EntityManager } from '@mikro-orm/knex';

const shared = new WeakMap<MikroORM, EntityManager>();

/**
 * The entity manager the store's statements run on (`execute`, and `transaction`, which
 * forks its own for each transaction): one fork per MikroORM instance, made once. The store
 * loads and persists no entity and never sets a transaction context on it, so nothing of
 * one call stays on it for the next; what it gives `execute` is the connection, the driver
 * and the platform. (A fork per call cost MikroORM's `fork`, which copies and re-syncs its
 * configuration: about 3 % of a rotation's server samples, issue 14.)
 *
 * @example
 * const rows = await execute(statementsEm(deps.orm), 'select id from gatehouse_device where user_id = ?', [userId]);
 */
export function statementsEm(orm: MikroORM): EntityManager {
  let em = shared.get(orm);
  if (!em) shared.set(orm, (em = orm.em.fork() as unknown as EntityManager));
  return em;
}
