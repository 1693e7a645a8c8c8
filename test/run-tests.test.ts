/**
 * tools/run-tests.ts, `npm test`'s runner: its plan runs every test file of test/ exactly
 * once (a new file too), memory-attack in a process of its own; and a group's entry file,
 * run by `node --test` with tools/lean-test-hook.ts preloaded, runs each member once with its
 * top-level hooks scoped to it, names the member of a failing test, and exits non-zero when
 * one fails, an error thrown after a test's await included.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { COSTS, DEFAULT_COST, DEFAULT_GROUPS, findTestSources, groupEntry, OWN_PROCESS, planProcesses, predictedEnd } from '../tools/run-tests';

const TEST_FOLDER = join(__dirname, '..', '..', 'test');
const HOOK = join(__dirname, '..', 'tools', 'lean-test-hook.js');

describe('the plan', () => {
  const files = findTestSources(TEST_FOLDER);

  it('finds every test file of test/, this one too, and no helper', () => {
    assert.ok(files.includes('run-tests.test.js'));
    assert.ok(files.includes('hostile.test.js'));
    assert.ok(files.length >= 50, `${files.length} files`);
    assert.ok(files.every((file) => file.endsWith('.test.js') && !file.startsWith('support/')), files.join(' '));
  });

  for (const groups of [1, 2, 6, 100]) {
    it(`runs each file exactly once, memory-attack alone (${groups} group(s))`, () => {
      const plan = planProcesses(files, groups, 2);
      const planned = plan.flatMap((entry) => entry.files).sort();
      assert.deepEqual(planned, files);
      assert.ok(plan.filter((entry) => entry.grouped).length <= groups);
      for (const file of OWN_PROCESS) {
        assert.deepEqual(plan.filter((entry) => entry.files.includes(file)).map((entry) => [entry.grouped, entry.files]), [[false, [file]]]);
      }
      for (const entry of plan) assert.equal(entry.grouped, entry.files.length > 1);
    });
  }

  it('a new file, not in COSTS, is planned too (at DEFAULT_COST)', () => {
    const plan = planProcesses([...files, 'brand-new.test.js'], 6);
    const [entry] = plan.filter((candidate) => candidate.files.includes('brand-new.test.js'));
    assert.ok(entry);
    assert.equal(COSTS['brand-new.test.js'], undefined);
    assert.ok(entry.cost >= DEFAULT_COST);
  });

  it(`balances by cost: the two processes at a time end together, the heavy suites in different groups (${DEFAULT_GROUPS} groups)`, () => {
    const plan = planProcesses(files, DEFAULT_GROUPS, 2);
    const total = plan.reduce((sum, entry) => sum + entry.cost, 0);
    assert.ok(predictedEnd(plan, 2) <= 1.02 * (total / 2), `ends at ${predictedEnd(plan, 2)} of ${total / 2}`);
    assert.deepEqual(plan.map((entry) => entry.start), [...plan.map((entry) => entry.start)].sort((a, b) => a - b), 'listed in the order they start');
    const heavy = ['hostile.test.js', 'mail-outbox.test.js', 'cluster.test.js', 'crash-safety.test.js'];
    const holding = heavy.map((file) => plan.findIndex((entry) => entry.files.includes(file)));
    assert.equal(new Set(holding).size, heavy.length, `${heavy.join(', ')} in processes ${holding.join(', ')}`);
  });

  it('one group: everything but the lone processes in one process', () => {
    const plan = planProcesses(files, 1, 2);
    assert.equal(plan.filter((entry) => entry.grouped).length, 1);
    assert.equal(plan.length, 1 + OWN_PROCESS.size);
  });
});

describe("a group's entry file under node --test, as npm test runs it (with tools/lean-test-hook.ts)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-groups-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  // Two members that would see each other if their top-level hooks were the process's: each
  // sets a global in its before hook and clears it in its after hook.
  const member = (name: string, pass: boolean) => `
const assert = require('node:assert/strict');
const { after, before, it } = require('node:test');
before(() => {
  assert.equal(globalThis.owner, undefined, 'the hooks of another member are still on');
  globalThis.owner = ${JSON.stringify(name)};
});
after(() => {
  globalThis.owner = undefined;
  process.stdout.write('# ${name} after\\n');
});
it('${name} sees only its own hooks', () => {
  assert.equal(globalThis.owner, ${JSON.stringify(name)});
  assert.ok(${pass}, '${name} was made to fail');
});
`;
  const run = (files: Record<string, boolean | string>) => {
    for (const [name, pass] of Object.entries(files)) writeFileSync(join(dir, `${name}.test.js`), typeof pass === 'string' ? pass : member(name, pass));
    const entry = join(dir, `group-${Object.keys(files).join('-')}.js`);
    writeFileSync(entry, groupEntry({ files: Object.keys(files).map((name) => `${name}.test.js`), grouped: true, cost: 1, start: 0 }, 1, 1, './'));
    // A runner of its own, as npm test starts: not a file of this run (node --test tells it by NODE_TEST_CONTEXT).
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const result = spawnSync(process.execPath, ['--require', HOOK, '--test', '--test-reporter=tap', entry], { encoding: 'utf8', timeout: 30_000, env });
    return { code: result.status, out: result.stdout + result.stderr };
  };

  it('runs each member once, in order, with its top-level hooks its own', () => {
    const { code, out } = run({ alpha: true, beta: true });
    assert.equal(code, 0, out);
    assert.match(out, /# Subtest: dist\/test\/alpha\.test\.js[\s\S]*# Subtest: dist\/test\/beta\.test\.js/);
    assert.equal(out.match(/^\s*ok \d+ - alpha sees only its own hooks$/gm)?.length, 1, out);
    assert.equal(out.match(/^\s*ok \d+ - beta sees only its own hooks$/gm)?.length, 1, out);
    assert.ok(out.indexOf('# alpha after') < out.indexOf('beta sees only its own hooks'), "alpha's after hook ran before beta's tests");
    assert.match(out, /# group 1 of 1: \d+\.\d s in its process \(planned 1\.0 s\)/, 'says how long the group took');
  });

  it('a failing member fails the process, named in the report; the other members still run', () => {
    const { code, out } = run({ gamma: false, delta: true });
    assert.equal(code, 1, out);
    assert.match(out, /not ok \d+ - gamma sees only its own hooks/);
    assert.match(out, /not ok \d+ - dist\/test\/gamma\.test\.js/);
    assert.match(out, /gamma was made to fail/);
    assert.match(out, /^\s*ok \d+ - delta sees only its own hooks$/m);
  });

  it('an error thrown after an await, outside any promise the test waits for, still fails the run and is named', () => {
    const late = `
const assert = require('node:assert/strict');
const { describe, it } = require('node:test');
describe('late', () => {
  it('runs under the lean hook', () => assert.equal(require('node:async_hooks').createHook.name, 'leanWhereItIsNodeTests'));
  it('throws from a timer after an await', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    setTimeout(() => { throw new Error('thrown late by epsilon'); }, 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});
`;
    const { code, out } = run({ epsilon: late, zeta: true });
    assert.equal(code, 1, out);
    assert.match(out, /^\s*ok \d+ - runs under the lean hook$/m);
    assert.match(out, /thrown late by epsilon/);
    assert.match(out, /^\s*ok \d+ - zeta sees only its own hooks$/m);
  });
});
