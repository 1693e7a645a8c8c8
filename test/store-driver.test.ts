/**
 * The store's statements (`execute` in src/store/execute.ts over src/store/driver.ts) run on
 * the driver's own connection with their values bound, not escaped into the text: the same
 * text answers each call with that call's values (SQLite keeps the statement prepared), a
 * value holding quotes or a `?` is data, a unique violation is MikroORM's exception class,
 * `run` answers `affectedRows`, `get` answers the first row (undefined for none) and a write
 * with `returning` read by `get` still makes every change, and a statement inside
 * `transaction` rolls back with it.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { execute, transaction } from '../src/store/execute';
import { affected, dbDate, type Row } from '../src/store/rows';
import { describeEachDatabase } from './support/server';

const INSERT_DEVICE =
  'insert into gatehouse_device (id, user_id, name, user_agent, created_at, last_seen_at, expires_at) values (?, ?, ?, ?, ?, ?, ?)';
const NAME_OF = 'select name, user_agent from gatehouse_device where id = ?';

describeEachDatabase('store statements on the driver', {}, (server, kind) => {
  const em = () => server().gatehouse.orm.em.fork() as unknown as SqlEntityManager;
  async function device(userId: string, id: string, name: string, userAgent: string | null = null) {
    const e = em();
    const now = dbDate(e, Date.now());
    return execute(e, INSERT_DEVICE, [id, userId, name, userAgent, now, now, now], 'run');
  }

  it('the same text answers with each call its own values, quotes and ? as data', async () => {
    const { id } = await server().createUser({ username: 'driver-values' });
    const names = ["it's", 'a ? b', "'; drop table gatehouse_user; --", 'plain'];
    for (const [i, name] of names.entries()) assert.equal(affected(await device(id, `00000000-0000-4000-8000-00000000000${i}`, name, i % 2 ? '?' : null)), 1);
    for (const [i, name] of names.entries()) {
      const [row] = (await execute(em(), NAME_OF, [`00000000-0000-4000-8000-00000000000${i}`])) as Row[];
      assert.deepEqual({ ...row }, { name, user_agent: i % 2 ? '?' : null });
    }
    assert.equal(((await execute(em(), 'select id from gatehouse_user where username = ?', ['driver-values'])) as Row[]).length, 1);
    const first = (await execute(em(), 'select username from gatehouse_user where id = ?', [id], 'get')) as Row;
    assert.equal(first.username, 'driver-values');
  });

  it('get: the first row or undefined; a write with returning read by get changes every row it names', async () => {
    const { id } = await server().createUser({ username: 'driver-get' });
    for (let i = 0; i < 3; i++) await device(id, `00000000-0000-4000-8000-0000000001${i}0`, `device ${i}`);
    const first = (await execute(em(), "update gatehouse_device set name = 'renamed by get' where user_id = ? returning name", [id], 'get')) as Row;
    assert.equal(first.name, 'renamed by get');
    const names = ((await execute(em(), 'select name from gatehouse_device where user_id = ?', [id])) as Row[]).map((row) => row.name);
    assert.deepEqual(names, ['renamed by get', 'renamed by get', 'renamed by get'], 'all three rows written, not only the one answered');
    assert.equal(await execute(em(), 'select name from gatehouse_device where id = ?', ['00000000-0000-4000-8000-00000000ffff'], 'get'), undefined);
    // The connection is free and in no open transaction: a transaction on it commits.
    await transaction(em(), (tem) => execute(tem, "update gatehouse_device set name = 'after' where user_id = ?", [id], 'run'));
    assert.equal(((await execute(em(), 'select count(*) as n from gatehouse_device where name = ?', ['after'], 'get')) as Row).n, kind === 'postgresql' ? '3' : 3);
  });

  it('a unique violation is MikroORM\'s exception, and a transaction that throws keeps nothing', async () => {
    const { id } = await server().createUser({ username: 'driver-unique' });
    const deviceId = '00000000-0000-4000-8000-0000000000aa';
    await device(id, deviceId, 'first');
    await assert.rejects(device(id, deviceId, 'again'), UniqueConstraintViolationException);
    await assert.rejects(
      transaction(em(), async (tem) => {
        const now = dbDate(tem, Date.now());
        await execute(tem, INSERT_DEVICE, ['00000000-0000-4000-8000-0000000000bb', id, 'in the transaction', null, now, now, now], 'run');
        await execute(tem, INSERT_DEVICE, [deviceId, id, 'duplicate', null, now, now, now], 'run');
      }),
      UniqueConstraintViolationException,
    );
    const rows = (await execute(em(), 'select name from gatehouse_device where user_id = ? order by name', [id])) as Row[];
    assert.deepEqual(rows.map((row) => row.name), ['first']);
    const updated = await execute(em(), 'update gatehouse_device set name = ? where user_id = ?', ['renamed', id], 'run');
    assert.equal(affected(updated), 1);
  });
});
