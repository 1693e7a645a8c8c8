/**
 * The package's main entry: every name SPEC.md fixes is there, and the speed internals and
 * plumbing that once leaked into it are not.
 */
import assert from 'node:assert/strict';
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
