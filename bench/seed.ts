/**
 * Seeds a PostgreSQL database for the scale scenario (9) with set-based SQL
 * (`generate_series`): `users` users, `devices` devices and `tokens` refresh tokens, shaped
 * like a service that has run for a long time:
 *
 * - a third of the devices have ended (half logged out, half expired), and they hold half
 *   of the tokens, all revoked: the dead rows `gatehouse tokens clear` deletes;
 * - every live device has one live token; the rest of the tokens are rotated ones of live
 *   devices (`used_at` set), which reuse detection keeps.
 *
 * With the defaults (1M, 3M, 10M): 1M ended devices with 5M dead tokens, 2M live devices with
 * 2M live and 3M rotated tokens. Every seeded user's password is the bench's, at bcrypt
 * cost 4. Indexes and constraints are dropped for the load and rebuilt after it exactly as
 * the migrations made them (their definitions are read from the catalog; the foreign keys of
 * other tables that point at these three too), then the tables are vacuumed and analysed.
 *
 * @example
 * const timings = await seedDatabase(url, { users: 1e6, devices: 3e6, tokens: 1e7 }, hash, log);
 */
import { Client } from 'pg';

export interface SeedSize {
  users: number;
  devices: number;
  tokens: number;
}

export interface SeedResult {
  /** Seconds per step, in order. */
  steps: Array<[string, number]>;
  seconds: number;
  endedDevices: number;
  deadTokens: number;
  liveTokens: number;
  rotatedTokens: number;
}

const TABLES = ['gatehouse_user', 'gatehouse_device', 'gatehouse_refresh_token'];

/** What the load generates from a row number: the same expressions in every statement. */
const USER_ID = (n: string) => `md5('u' || (${n}))::uuid`;
const DEVICE_ID = (n: string) => `md5('d' || (${n}))::uuid`;

export async function seedDatabase(url: string, size: SeedSize, passwordHash: string, log: (line: string) => void): Promise<SeedResult> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const steps: Array<[string, number]> = [];
  const started = performance.now();
  const step = async (name: string, sql: string, params?: unknown[]) => {
    const t = performance.now();
    await client.query(sql, params);
    const seconds = (performance.now() - t) / 1000;
    steps.push([name, seconds]);
    log(`seed: ${name}: ${seconds.toFixed(1)} s`);
  };
  // Devices 3, 6, 9, … have ended (every third); the others are live.
  const ended = Math.floor(size.devices / 3);
  const live = size.devices - ended;
  const dead = Math.floor(size.tokens / 2);
  const rotated = size.tokens - dead - live;
  if (rotated < 0) throw new Error(`${size.tokens} tokens are too few for ${size.devices} devices (one live token per live device and half of them dead)`);
  try {
    await client.query(`set maintenance_work_mem = '256MB'`);
    await client.query('set synchronous_commit = off');
    const constraints = (await client.query<{ table: string; name: string; type: string; def: string }>(
      `select conrelid::regclass::text as table, conname as name, contype as type, pg_get_constraintdef(oid) as def
         from pg_constraint where contype in ('p', 'u', 'f')
          and (conrelid = any($1::regclass[]) or (contype = 'f' and confrelid = any($1::regclass[])))`, [TABLES])).rows;
    const indexes = (await client.query<{ name: string; def: string }>(
      `select indexname as name, indexdef as def from pg_indexes
        where tablename = any($1) and indexname not in (select conname from pg_constraint)`, [TABLES])).rows;
    for (const c of constraints.filter((c) => c.type === 'f')) await client.query(`alter table ${c.table} drop constraint "${c.name}"`);
    for (const c of constraints.filter((c) => c.type !== 'f')) await client.query(`alter table ${c.table} drop constraint "${c.name}"`);
    for (const i of indexes) await client.query(`drop index "${i.name}"`);

    await step(`${size.users} users`, `
      insert into gatehouse_user (id, username, password_hash, roles, is_active, date_joined)
      select ${USER_ID('i')}, 'seed-' || i, $1, '[]'::jsonb, true, now() - (i % 1000) * interval '1 hour'
        from generate_series(1, $2::int) i`, [passwordHash, size.users]);
    await step(`${size.devices} devices (${ended} ended)`, `
      insert into gatehouse_device (id, user_id, name, user_agent, created_at, last_seen_at, expires_at, revoked_at)
      select ${DEVICE_ID('i')}, ${USER_ID('1 + i % $1::int')}, 'seeded', 'bench-seed',
             now() - interval '30 days', now() - (i % 100) * interval '1 hour',
             case when i % 6 = 3 then now() - interval '1 day' else now() + interval '7 days' end,
             case when i % 6 = 0 then now() - interval '2 days' end
        from generate_series(1, $2::int) i`, [size.users, size.devices]);
    // Token i of the dead ones belongs to ended device 3 * (1 + (i - 1) % ended); live token j
    // (0-based) and rotated token j to live device j + j / 2 + 1 (1, 2, 4, 5, 7, …).
    await step(`${dead} dead tokens of ended devices`, `
      insert into gatehouse_refresh_token (id, kind, token_hash, user_id, device_id, orig_iat, created_at, used_at, revoked_at)
      select md5('t' || i)::uuid, 'device', md5('h' || i) || md5('g' || i), ${USER_ID('1 + d % $1::int')}, ${DEVICE_ID('d')},
             extract(epoch from now() - interval '30 days')::int, now() - interval '20 days', now() - interval '19 days', now() - interval '2 days'
        from (select i, 3 * (1 + (i - 1) % $2::int) as d from generate_series(1, $3::int) i) s`, [size.users, ended, dead]);
    await step(`${live} live tokens`, `
      insert into gatehouse_refresh_token (id, kind, token_hash, user_id, device_id, orig_iat, created_at, last_used_at)
      select md5('t' || ($2::int + j + 1))::uuid, 'device', md5('h' || ($2::int + j + 1)) || md5('g' || ($2::int + j + 1)), ${USER_ID('1 + d % $1::int')}, ${DEVICE_ID('d')},
             extract(epoch from now() - interval '30 days')::int, now() - interval '1 hour', now() - interval '1 hour'
        from (select j, j + j / 2 + 1 as d from generate_series(0, $3::int - 1) j) s`, [size.users, dead, live]);
    await step(`${rotated} rotated tokens of live devices`, `
      insert into gatehouse_refresh_token (id, kind, token_hash, user_id, device_id, orig_iat, created_at, last_used_at, used_at)
      select md5('t' || ($2::int + $3::int + j + 1))::uuid, 'device', md5('h' || ($2::int + $3::int + j + 1)) || md5('g' || ($2::int + $3::int + j + 1)),
             ${USER_ID('1 + d % $1::int')}, ${DEVICE_ID('d')},
             extract(epoch from now() - interval '30 days')::int, now() - interval '2 days', now() - interval '2 days', now() - interval '1 day'
        from (select j, (j % $3::int) + (j % $3::int) / 2 + 1 as d from generate_series(0, $4::int - 1) j) s`, [size.users, dead, live, rotated]);

    const t = performance.now();
    for (const c of constraints.filter((c) => c.type !== 'f')) await client.query(`alter table ${c.table} add constraint "${c.name}" ${c.def}`);
    for (const i of indexes) await client.query(i.def);
    for (const c of constraints.filter((c) => c.type === 'f')) await client.query(`alter table ${c.table} add constraint "${c.name}" ${c.def}`);
    steps.push(['indexes and constraints', (performance.now() - t) / 1000]);
    log(`seed: indexes and constraints: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await step('vacuum analyze', `vacuum analyze ${TABLES.join(', ')}`);
  } finally {
    await client.end();
  }
  return { steps, seconds: (performance.now() - started) / 1000, endedDevices: ended, deadTokens: dead, liveTokens: live, rotatedTokens: rotated };
}

/** Row counts of the three tables (for the report after `tokens clear`). */
export async function countRows(url: string): Promise<Record<string, number>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const counts: Record<string, number> = {};
    for (const table of TABLES) counts[table] = Number((await client.query(`select count(*) as n from ${table}`)).rows[0].n);
    return counts;
  } finally {
    await client.end();
  }
}
