/**
 * Gatehouse's client errors carry no stack trace (capturing and formatting one was most of
 * the cost of an error answer), and building one leaves the process's own stack traces alone.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ErrorCode, InvalidToken, Unauthenticated, withoutStackTraces } from '../src/errors';

it('a Gatehouse error has a one-line stack, and stack traces elsewhere are untouched', () => {
  const limit = Error.stackTraceLimit;
  const error = new Unauthenticated('SESSION_REVOKED');
  assert.equal(error.stack, `GraphQLError: ${error.message}`);
  assert.equal(error.extensions.code, ErrorCode.UNAUTHENTICATED);
  assert.equal(new InvalidToken('TOKEN_EXPIRED').stack?.includes('\n'), false);
  assert.equal(Error.stackTraceLimit, limit);
  assert.match(new Error('ordinary').stack ?? '', /\n\s+at /);
});

it('withoutStackTraces passes results and errors through, and restores the limit even when work throws', () => {
  const limit = Error.stackTraceLimit;
  assert.equal(withoutStackTraces(() => 42), 42);
  let thrown: unknown;
  try {
    withoutStackTraces(() => {
      throw new Error('refused');
    });
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof Error && thrown.message === 'refused');
  assert.equal((thrown as Error).stack?.includes('\n    at '), false);
  assert.equal(Error.stackTraceLimit, limit);
});
