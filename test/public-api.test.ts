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

it('requiring the package (and the CLI) loads no database driver, migrator, mailer or Redis client; a config loads only its own dialect', () => {
  // A fresh process: which packages does each step load? (Loading what a configuration does not use costs every start.)
  const script = `
    const loaded = () => [...new Set(Object.keys(require.cache).map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean))];
    const steps = {};
    const gh = require(process.argv[1]);
    require(process.argv[2]);
    steps.required = loaded();
    gh.ormConfig({ url: 'sqlite::memory:', poolMin: 0, poolMax: 1 });
    steps.sqliteConfig = loaded();
    gh.ormConfig({ url: 'postgres://127.0.0.1:1/none', poolMin: 0, poolMax: 1 });
    steps.postgresConfig = loaded();
    steps.migrations = gh.gatehouseMigrations.sqlite.length;
    console.log(JSON.stringify(steps));`;
  const src = join(__dirname, '..', 'src');
  const steps = JSON.parse(execFileSync(process.execPath, ['-e', script, join(src, 'index.js'), join(src, 'cli', 'main.js')], { encoding: 'utf8' })) as Record<string, string[]> & { migrations: number };
  const heavy = ['pg', '@mikro-orm/postgresql', '@mikro-orm/libsql', 'libsql', '@mikro-orm/migrations', 'umzug', '@mikro-orm/knex', 'knex', 'nodemailer', 'ioredis'];
  assert.deepEqual(steps.required.filter((name) => heavy.includes(name)), [], 'nothing heavy is loaded by require');
  assert.ok(steps.required.includes('@mikro-orm/core') && steps.required.includes('graphql'), 'the check sees packages');
  for (const name of ['@mikro-orm/libsql', '@mikro-orm/knex', '@mikro-orm/migrations']) assert.ok(steps.sqliteConfig.includes(name), `a SQLite config loads ${name}`);
  for (const name of ['pg', '@mikro-orm/postgresql']) assert.equal(steps.sqliteConfig.includes(name), false, `a SQLite config does not load ${name}`);
  assert.ok(steps.postgresConfig.includes('@mikro-orm/postgresql'), 'a PostgreSQL config loads its driver');
  assert.ok(steps.migrations > 0, 'gatehouseMigrations lists the SQLite migrations');
});
