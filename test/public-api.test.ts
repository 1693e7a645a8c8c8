/**
 * The package's main entry: every name SPEC.md fixes is there, and the speed internals and
 * plumbing that once leaked into it are not.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import * as gatehouse from '../src/index';
import { RequestScope } from '../src/context/context';

it('exports the names the contract fixes', () => {
  for (const name of [
    'createGatehouse',
    'gatehouseContext',
    'buildGatehouseSchema',
    'gatehouseResolvers',
    'authDirectiveTypeDefs',
    'authDirective',
    'authDirectiveTransformer',
    'gatehouseFormatError',
    'gatehousePlugin',
    'gatehouseEntities',
    'gatehouseMigrations',
  ]) {
    assert.ok(name in gatehouse, `${name} is exported`);
  }
});

it('does not export internals', () => {
  for (const name of ['verifyAnswersPlugin', 'installDirectResolvers', 'createRuntime', 'signAccessToken', 'verifyAccessToken', 'openDatabase', 'migrate', 'withoutStackTraces', 'RequestScope']) {
    assert.equal(name in gatehouse, false, `${name} is internal`);
  }
});

it('context.gatehouse gives the caller only as a promise', () => {
  const members = Object.getOwnPropertyNames(RequestScope.prototype);
  assert.ok(members.includes('principal'));
  assert.equal(members.some((name) => /^principal./.test(name)), false, `no value-or-promise variant: ${members.join(', ')}`);
});

it('requiring the package (and the CLI) loads no database driver, migrator, mailer or Redis client; a config loads only its dialect, and the migrator comes with migrating', () => {
  // A fresh process: which packages' code does each step load? (MikroORM reads every @mikro-orm package.json to check versions.)
  // Loading what a configuration does not use costs every start.
  const script = `
    const loaded = () => [...new Set(Object.keys(require.cache).filter((f) => f.endsWith('.js')).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean))];
    const [index, cli, orm] = process.argv.slice(1);
    const steps = {};
    const gh = require(index);
    require(cli);
    steps.required = loaded();
    gh.ormConfig({ url: 'postgres://127.0.0.1:1/none', poolMin: 0, poolMax: 1 });
    steps.postgresConfig = loaded();
    const { openDatabase, migrate } = require(orm);
    (async () => {
      const db = await openDatabase({ url: ':memory:', poolMin: 1, poolMax: 1 });
      steps.opened = loaded();
      steps.applied = await migrate(db);
      steps.migrated = loaded();
      await db.close(true);
      steps.names = gh.gatehouseMigrations.sqlite.map((m) => m.name);
      console.log(JSON.stringify(steps));
    })();`;
  const src = join(__dirname, '..', 'src');
  const steps = JSON.parse(execFileSync(process.execPath, ['-e', script, join(src, 'index.js'), join(src, 'cli', 'main.js'), join(src, 'db', 'orm.js')], { encoding: 'utf8' }));
  const heavy = ['pg', '@mikro-orm/postgresql', '@mikro-orm/libsql', 'libsql', '@mikro-orm/migrations', 'umzug', '@mikro-orm/knex', 'knex', 'nodemailer', 'ioredis'];
  assert.deepEqual(steps.required.filter((name: string) => heavy.includes(name)), [], 'nothing heavy is loaded by require');
  assert.ok(steps.required.includes('@mikro-orm/core') && steps.required.includes('graphql'), 'the check sees packages');
  assert.ok(steps.postgresConfig.includes('@mikro-orm/postgresql'), 'a PostgreSQL config loads its driver');
  for (const name of ['@mikro-orm/libsql', '@mikro-orm/knex']) assert.ok(steps.opened.includes(name), `a SQLite database loads ${name}`);
  for (const name of ['libsql', 'umzug', '@mikro-orm/migrations']) assert.equal(steps.postgresConfig.includes(name), false, `a PostgreSQL config does not load ${name}`);
  for (const name of ['umzug', '@mikro-orm/migrations']) assert.equal(steps.opened.includes(name), false, `opening a database does not load ${name}`);
  for (const name of ['umzug', '@mikro-orm/migrations']) assert.ok(steps.migrated.includes(name), `migrating loads ${name}`);
  assert.ok(steps.names.length > 0);
  assert.deepEqual(steps.applied, steps.names, 'every listed migration ran, in order');
});
