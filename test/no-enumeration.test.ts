/**
 * No user enumeration, shown without measuring time: every failed `tokenAuth` (unknown
 * username, wrong password, inactive user) costs exactly one real bcrypt compare against a
 * hash of the configured cost (a fixed dummy hash when there is no user), and all of them
 * get the same answer. The compares are counted by wrapping the real `bcrypt.compare` that
 * the in-process server calls (it still runs; nothing is mocked).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import bcrypt from 'bcrypt';
import { assertError, login, type GraphQLResponse } from './support/http';
import { describeEachDatabase } from './support/server';

const ROUNDS = 5; // not the test default (4) nor the production default (12): the dummy must follow the setting

const calls: Array<{ hash: string }> = [];
const realCompare = bcrypt.compare;
before(() => {
  (bcrypt as { compare: unknown }).compare = (data: string, hash: string, ...rest: unknown[]) => {
    calls.push({ hash });
    return (realCompare as (...args: unknown[]) => unknown)(data, hash, ...rest);
  };
});
after(() => {
  (bcrypt as { compare: unknown }).compare = realCompare;
});

/** The compares one request made, and its answer. */
async function compares(request: () => Promise<GraphQLResponse>) {
  calls.length = 0;
  const response = await request();
  return { response, hashes: calls.map((call) => call.hash) };
}

describeEachDatabase('no user enumeration', { BCRYPT_ROUNDS: String(ROUNDS) }, (server) => {
  it('unknown username, wrong password and inactive user: one compare each, at the configured cost, one answer', async () => {
    const { url, createUser, sql } = server();
    await createUser({ username: 'known' });
    const { id } = await createUser({ username: 'asleep' });
    await sql(`update gatehouse_user set is_active = false where id = '${id}'`);
    const [{ password_hash: knownHash }] = await sql<{ password_hash: string }>(`select password_hash from gatehouse_user where username = 'known'`);

    const unknown = await compares(() => login(url, 'no-such-user', 'correct horse'));
    const otherUnknown = await compares(() => login(url, 'nor-this-one', 'another guess'));
    const wrong = await compares(() => login(url, 'known', 'wrong password'));
    const inactive = await compares(() => login(url, 'asleep', 'correct horse'));

    for (const attempt of [unknown, otherUnknown, wrong, inactive]) {
      assert.equal(attempt.hashes.length, 1, 'exactly one bcrypt compare');
      assert.equal(bcrypt.getRounds(attempt.hashes[0]), ROUNDS, 'at the configured cost');
    }
    assert.equal(unknown.hashes[0], otherUnknown.hashes[0], 'unknown users are compared with one fixed dummy hash');
    assert.notEqual(unknown.hashes[0], knownHash, 'the dummy is no user\'s hash');
    assert.equal(wrong.hashes[0], knownHash, 'a known user is compared with their own hash');

    const answers = [unknown, otherUnknown, wrong, inactive].map(({ response }) => {
      const error = assertError(response, 'INVALID_CREDENTIALS');
      return JSON.stringify({ status: response.status, message: error.message, extensions: error.extensions });
    });
    assert.equal(new Set(answers).size, 1, `one answer for all: ${answers.join(' | ')}`);
  });
});
